"""Fixtures for the web tests: the demo organisation on each backend, the app, and logged-in clients.

Route tests use ``TestClient`` on the ``engine`` fixture's database (SQLite and PostgreSQL). Here that database
already holds the demo organisation: it is seeded once per backend and copied for each test (a file copy, or
PostgreSQL's ``CREATE DATABASE … TEMPLATE``), so every test still starts from the same state. The browser tests
in ``test_browser.py`` serve the app with uvicorn and drive Debian's Chromium.
"""

from __future__ import annotations

import re
import shutil
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from psycopg import sql
from sqlalchemy.engine import make_url

from interfaces.web.app import create_app
from tests import pgserver
from tests.conftest import BACKENDS
from tests.web.browser import PASSWORD, TODAY, demo_database
from workflow.clock import BEIJING, FixedClock

with warnings.catch_warnings():  # Starlette asks for httpx2; the httpx-based client is the one installed
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

# Case numbers of the demo applicants (workflow/demo_data.py, in that order).
ZHANG, LI, WANG, ZHAO = 1, 2, 3, 4  # 张晓雨, 李明, 王浩然 (branch); 赵一鸣 (后勤服务中心党支部)
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]*)">')


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed secret, so that no secret file is written beside a PostgreSQL test run."""
    monkeypatch.setenv("FAZHAN_SECRET_KEY", "web-tests-secret")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock.on(TODAY)


@pytest.fixture
def session_clock() -> FixedClock:
    """Times the sessions; a test moves it forward to let a session expire."""
    return FixedClock(datetime(2026, 6, 15, 8, 0, tzinfo=BEIJING))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "fazhan.db"
    demo_database(f"sqlite:///{path}", FixedClock.on(TODAY))  # the engine is disposed: the WAL is merged
    return path


@pytest.fixture(scope="session")
def pg_template(pg_server: pgserver.PostgresServer) -> str:
    name = f"tpl_{uuid.uuid4().hex[:12]}"
    demo_database(pg_server.create_database(name), FixedClock.on(TODAY))
    return name


@pytest.fixture(params=BACKENDS, ids=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database holding the demo organisation, applicants and logins (overrides the empty one)."""
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), tmp_path / "fazhan.db")
        yield f"sqlite:///{tmp_path / 'fazhan.db'}"
        return
    server: pgserver.PostgresServer = request.getfixturevalue("pg_server")
    template, name = request.getfixturevalue("pg_template"), f"t_{uuid.uuid4().hex[:16]}"
    admin = make_url(server.url("postgres")).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)


@pytest.fixture
def world(database_url: str) -> str:
    """The URL of this test's copy of the demo database."""
    return database_url


@pytest.fixture
def app(world: str, clock: FixedClock, session_clock: FixedClock) -> FastAPI:
    return create_app(world, clock, session_clock=session_clock)


@dataclass
class Client:
    """A logged-in TestClient with its session's CSRF token."""

    http: TestClient
    csrf: str

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(path, **kwargs)

    def form(self, path: str, data: dict[str, Any], *, csrf: bool = True) -> httpx.Response:
        """POST a page form, with the CSRF token unless told not to."""
        return self.http.post(path, data={**data, **({"csrf_token": self.csrf} if csrf else {})}, follow_redirects=False)

    def api(self, path: str, body: dict[str, Any], *, csrf: bool = True) -> httpx.Response:
        headers = {"X-CSRF-Token": self.csrf} if csrf else {}
        return self.http.post(path, json=body, headers=headers)


def login(http: TestClient, username: str, password: str = PASSWORD) -> httpx.Response:
    page = http.get("/login")
    token = TOKEN.search(page.text)
    assert token, page.text
    return http.post("/login", data={"username": username, "password": password, "csrf_token": token.group(1),
                                     "next": "/"}, follow_redirects=False)


@pytest.fixture
def as_user(app: FastAPI) -> Iterator[Callable[[str], Client]]:
    """``as_user("chenjing")``: a client of its own (its own cookies), logged in."""
    opened: list[TestClient] = []

    def open_as(username: str) -> Client:
        http = TestClient(app)
        http.__enter__()
        opened.append(http)
        answer = login(http, username)
        assert answer.status_code == 303, answer.text
        token = META_TOKEN.search(http.get("/").text)
        assert token and token.group(1)
        return Client(http, token.group(1))

    yield open_as
    for http in opened:
        http.__exit__(None, None, None)
