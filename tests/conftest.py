"""Database fixtures: every test that asks for ``database_url`` or ``engine`` runs on SQLite and on PostgreSQL.

PostgreSQL is real: a private server started once per session (see ``tests/pgserver.py``), only if a test asks
for it, and stopped at the end. Each test gets a new, empty database, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests import pgserver
from workflow.db import make_engine, upgrade

BACKENDS = ["sqlite", "postgresql"]
# One audit key for the whole run (workflow/keys.py): copied or template databases and CLI subprocesses keep
# verifying, and no key file is written outside the test folders. tests/audit/ unsets it to test key files.
os.environ.setdefault("FAZHAN_AUDIT_KEY", "5e" * 32)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgserver.PostgresServer]:
    server = pgserver.server()
    try:
        yield server
    finally:
        pgserver.stop()


@pytest.fixture(params=BACKENDS, ids=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database: a file in the test's folder, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fazhan.db'}"
        return
    server: pgserver.PostgresServer = request.getfixturevalue("pg_server")
    # the personal-data key of a PostgreSQL test sits in its own folder, not in the working folder
    request.getfixturevalue("monkeypatch").setenv("FAZHAN_PERSONAL_KEY_FILE", str(tmp_path / "personal.key"))
    name = f"t_{uuid.uuid4().hex[:16]}"
    url = server.create_database(name)
    try:
        yield url
    finally:
        server.drop_database(name)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on that database, migrated to the newest schema."""
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()
