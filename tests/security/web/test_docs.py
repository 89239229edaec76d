"""The API documentation (issue 13, item 6): offline assets, administrators only."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import Client


def test_docs_are_for_administrators_only(app: FastAPI, as_user: Callable[[str], Client]) -> None:
    with TestClient(app) as anonymous:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert anonymous.get(path, follow_redirects=False).status_code == 303  # to the login form
    secretary = as_user("chenjing")
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert secretary.get(path).status_code == 404
    admin = as_user("admin")
    assert "/api/applicants" in admin.get("/openapi.json").json()["paths"]


def test_docs_load_nothing_from_another_host(as_user: Callable[[str], Client]) -> None:
    admin = as_user("admin")
    for path in ("/docs", "/redoc"):
        html = admin.get(path).text
        sources = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r"url: '([^']+)'", html)
        assert sources, html
        assert all(source.startswith("/") and not source.startswith("//") for source in sources), sources
        for source in sources:
            assert admin.get(source).status_code == 200, source
