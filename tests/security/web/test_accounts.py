"""Accounts (issue 13, item 2): server-side sessions, password change and reset, disable, throttling, audit.

The demo database on SQLite and PostgreSQL (tests/web/conftest.py), the real app through TestClient.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from interfaces.web.logins import ACCOUNT_LIMIT
from tests.web.conftest import LI, Client, login
from workflow.clock import FixedClock
from workflow.tables import AuditEvent, User, WebSession, table

NEW_PASSWORD = "新的-password-2026"


def _kinds(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(table(AuditEvent).c.kind).order_by(table(AuditEvent).c.seq)).scalars())


def _user_id(engine: Engine, username: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(table(User).c.id).where(table(User).c.username == username)).scalar_one())


def test_a_stolen_cookie_is_useless_after_logout(app: FastAPI, as_user: Callable[[str], Client],
                                                 engine: Engine) -> None:
    secretary = as_user("chenjing")
    stolen = secretary.http.cookies["fazhan_session"]
    assert secretary.form("/logout", {}).status_code == 303
    with TestClient(app) as thief:
        thief.cookies.set("fazhan_session", stolen)
        assert thief.get("/", follow_redirects=False).status_code == 303
        assert thief.get("/api/applicants").status_code == 401
    with engine.connect() as conn:
        ended = conn.execute(select(table(WebSession).c.ended_reason)).scalars().all()
    assert "logout" in ended
    assert _kinds(engine)[-2:] == ["login", "logout"] or "logout" in _kinds(engine)


def test_a_password_change_ends_every_other_session(as_user: Callable[[str], Client], engine: Engine) -> None:
    laptop, phone = as_user("chenjing"), as_user("chenjing")
    changed = laptop.form("/account/password", {"current": "fazhan-demo", "new": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert changed.status_code == 303, changed.text
    assert laptop.get("/", follow_redirects=False).status_code == 200  # this browser got a fresh session
    assert phone.get("/", follow_redirects=False).status_code == 303  # the other one is out at once
    assert "password_changed" in _kinds(engine)
    with TestClient(laptop.http.app) as http:
        assert login(http, "chenjing").status_code == 401
        assert login(http, "chenjing", NEW_PASSWORD).status_code == 303


@pytest.mark.parametrize("weak", ["short1", "abcdefghijkl", "12345678901", "fazhan-demo", "chenjing-2026"])
def test_a_weak_new_password_is_refused_in_chinese(as_user: Callable[[str], Client], weak: str) -> None:
    secretary = as_user("chenjing")
    answer = secretary.form("/account/password", {"current": "fazhan-demo", "new": weak, "again": weak})
    assert answer.status_code == 400
    assert "密码" in answer.text and "Traceback" not in answer.text
    assert secretary.get("/", follow_redirects=False).status_code == 200  # nothing changed, still logged in


def test_an_administrator_disables_a_user_whose_sessions_end_at_once(as_user: Callable[[str], Client],
                                                                     engine: Engine) -> None:
    secretary, admin = as_user("chenjing"), as_user("admin")
    target = _user_id(engine, "chenjing")
    assert admin.form(f"/admin/users/{target}/disable", {}).status_code == 200
    assert secretary.get("/", follow_redirects=False).status_code == 303
    with TestClient(secretary.http.app) as http:
        assert login(http, "chenjing").status_code == 401
    assert "user_disabled" in _kinds(engine)
    assert admin.form(f"/admin/users/{target}/enable", {}).status_code == 200
    reset = admin.form(f"/admin/users/{target}/reset", {"password": NEW_PASSWORD})
    assert reset.status_code == 200 and "已重设密码" in reset.text
    with TestClient(secretary.http.app) as http:
        assert login(http, "chenjing", NEW_PASSWORD).status_code == 303
    assert {"user_enabled", "password_reset"} <= set(_kinds(engine))


def test_only_an_administrator_manages_users(as_user: Callable[[str], Client], engine: Engine) -> None:
    secretary = as_user("chenjing")
    assert secretary.get("/admin/users").status_code == 403
    assert secretary.form(f"/admin/users/{_user_id(engine, 'admin')}/disable", {}).status_code == 403


def test_an_administrator_adds_a_user_with_a_strong_password_only(as_user: Callable[[str], Client]) -> None:
    admin = as_user("admin")
    base = {"username": "zhouwei", "role": "组织委员", "organisation": "计算机学院学生第一党支部"}
    weak = admin.form("/admin/users", {**base, "password": "fazhan-demo"})
    assert weak.status_code == 400 and "太常见" in weak.text
    good = admin.form("/admin/users", {**base, "password": NEW_PASSWORD})
    assert good.status_code == 200 and "已添加用户「zhouwei」" in good.text


def test_failed_logins_lock_the_account_and_everything_is_audited(app: FastAPI, engine: Engine,
                                                                 session_clock: FixedClock) -> None:
    with TestClient(app) as http:
        for _ in range(ACCOUNT_LIMIT - 1):
            assert login(http, "chenjing", "wrong-password-1").status_code == 401
        locked = login(http, "chenjing", "wrong-password-1")
        assert locked.status_code == 429 and "已暂时锁定" in locked.text
        refused = login(http, "chenjing")  # even the right password waits out the lock
        assert refused.status_code == 429
        session_clock.advance(seconds=16 * 60)
        assert login(http, "chenjing").status_code == 303
    kinds = _kinds(engine)
    assert kinds.count("login_failed") == ACCOUNT_LIMIT
    assert kinds.count("login_locked") == 1 and "login_refused_locked" in kinds and kinds[-1] == "login"
    with engine.connect() as conn:
        payloads = conn.execute(select(table(AuditEvent).c.payload)
                                .where(table(AuditEvent).c.kind.like("login%"))).scalars().all()
    assert all("wrong-password" not in str(p) and "fazhan-demo" not in str(p) for p in payloads)


def test_one_address_trying_many_accounts_is_locked_out(app: FastAPI) -> None:
    with TestClient(app) as http:
        answers = [login(http, f"user{n}", "wrong-password-1").status_code for n in range(21)]
    assert answers[:19] == [401] * 19 and answers[-1] == 429


def test_the_demo_password_works_only_from_this_machine(app: FastAPI) -> None:
    with TestClient(app, client=("203.0.113.9", 50000)) as far:
        answer = login(far, "chenjing")
        assert answer.status_code == 401 and "只能在本机" in answer.text


def test_cookies_are_secure_over_https_through_a_trusted_proxy_only(app: FastAPI,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAZHAN_TRUSTED_PROXIES", "10.0.0.0/8")
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}
    with TestClient(app, client=("10.1.2.3", 40000), headers=https) as proxied:
        assert "secure" in login(proxied, "chenjing").headers["set-cookie"].lower()
    with TestClient(app, client=("127.0.0.1", 40000), headers=https) as untrusted:
        assert "secure" not in login(untrusted, "chenjing").headers["set-cookie"].lower()


def test_sessions_end_after_thirty_idle_minutes(as_user: Callable[[str], Client], session_clock: FixedClock) -> None:
    secretary = as_user("chenjing")
    session_clock.advance(seconds=29 * 60)
    assert secretary.get("/", follow_redirects=False).status_code == 200
    session_clock.advance(seconds=31 * 60)
    gone = secretary.get(f"/applicants/{LI}", follow_redirects=False)
    assert gone.status_code == 303 and "expired=1" in gone.headers["location"]


def test_http_basic_is_throttled_and_its_failures_audited(app: FastAPI, engine: Engine) -> None:
    import base64

    wrong = {"Authorization": "Basic " + base64.b64encode(b"chenjing:wrong-password-1").decode()}
    right = {"Authorization": "Basic " + base64.b64encode(b"chenjing:fazhan-demo").decode()}
    with TestClient(app) as http:
        assert http.get("/api/applicants", headers=right).status_code == 200
        for _ in range(ACCOUNT_LIMIT):
            assert http.get("/api/applicants", headers=wrong).status_code == 401
        assert http.get("/api/applicants", headers=right).status_code == 401  # locked, even with the password
    kinds = _kinds(engine)
    assert kinds.count("login_failed") == ACCOUNT_LIMIT and "login_locked" in kinds
