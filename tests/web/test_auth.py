"""Login, argon2 hashes, CSRF on every form and API call, and sessions that expire."""

from __future__ import annotations

import base64
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from interfaces.web.auth import SESSION_MAX_AGE
from tests.web.conftest import LI, Client, login
from workflow.clock import FixedClock
from workflow.tables import AuditEvent, User


def _version(engine: Engine, case_id: int) -> int:
    from workflow.services import CASES

    with engine.connect() as conn:
        return int(conn.execute(select(CASES.c.version).where(CASES.c.id == case_id)).scalar_one())


def test_passwords_are_stored_as_argon2_hashes_and_adding_a_user_is_audited(world: str, engine: Engine) -> None:  # noqa: ARG001
    with engine.connect() as conn:
        hashes = conn.execute(select(User.__table__.c.password_hash)).scalars().all()
        events = conn.execute(select(AuditEvent.__table__.c.payload)
                              .where(AuditEvent.__table__.c.kind == "user_added")).scalars().all()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert len(events) == len(hashes)
    assert all("password" not in str(payload) and "$argon2" not in str(payload) for payload in events)


def test_login_with_a_wrong_password_is_refused_in_chinese(app: FastAPI) -> None:
    with TestClient(app) as http:
        answer = login(http, "chenjing", "wrong-password")
        assert answer.status_code == 401
        assert "用户名或密码不正确" in answer.text
        assert "fazhan_session" not in http.cookies


def test_login_sets_an_httponly_samesite_cookie_and_unknown_pages_need_it(app: FastAPI) -> None:
    with TestClient(app) as http:
        first = http.get(f"/applicants/{LI}", follow_redirects=False)
        assert first.status_code == 303
        assert first.headers["location"] == f"/login?next=/applicants/{LI}"
        answer = login(http, "chenjing")
        assert answer.status_code == 303
        cookie = answer.headers["set-cookie"]
        assert "fazhan_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert "Max-Age=28800" in cookie
        assert http.get(f"/applicants/{LI}").status_code == 200


def test_login_form_itself_needs_its_token(app: FastAPI) -> None:
    with TestClient(app) as http:
        answer = http.post("/login", data={"username": "chenjing", "password": "fazhan-demo", "next": "/"},
                           follow_redirects=False)
        assert answer.status_code == 403
        assert "fazhan_session" not in http.cookies


def test_a_form_without_or_with_a_wrong_csrf_token_changes_nothing(as_user: Callable[[str], Client],
                                                                    engine: Engine) -> None:
    secretary = as_user("chenjing")
    before = _version(engine, LI)
    evidence = {"on": "2026-06-15", "summary": "表现良好"}
    missing = secretary.form(f"/applicants/{LI}/steps/activist_assessed", evidence, csrf=False)
    wrong = secretary.form(f"/applicants/{LI}/steps/activist_assessed", {**evidence, "csrf_token": "forged"}, csrf=False)
    assert missing.status_code == wrong.status_code == 403
    assert "安全校验未通过" in missing.text
    assert _version(engine, LI) == before
    new_applicant = secretary.form("/applicants/new", {"name": "钱七", "sex": "男", "birth_date": "2000-01-01",
                                                       "organisation": "计算机学院学生第一党支部"}, csrf=False)
    assert new_applicant.status_code == 403
    assert secretary.form("/logout", {}, csrf=False).status_code == 403
    assert secretary.form(f"/applicants/{LI}/steps/activist_assessed", evidence).status_code == 303
    assert _version(engine, LI) == before + 1


def test_api_calls_with_the_cookie_must_repeat_the_token_in_a_header(as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    body = {"on": "2026-06-15", "evidence": {"summary": "表现良好"}}
    refused = secretary.api(f"/api/applicants/{LI}/steps/activist_assessed", body, csrf=False)
    assert refused.status_code == 403
    assert refused.json()["error"] == "CsrfRejected"
    assert secretary.api(f"/api/applicants/{LI}/steps/activist_assessed", body).status_code == 200
    assert secretary.get("/api/session").json()["csrf_token"] == secretary.csrf


def test_scripts_may_use_http_basic_without_a_token(app: FastAPI) -> None:
    good = "Basic " + base64.b64encode(b"chenjing:fazhan-demo").decode()
    bad = "Basic " + base64.b64encode(b"chenjing:nope").decode()
    with TestClient(app) as http:
        assert http.get("/api/applicants", headers={"Authorization": bad}).status_code == 401
        listed = http.get("/api/applicants", headers={"Authorization": good})
        assert listed.status_code == 200 and {row["name"] for row in listed.json()} == {"张晓雨", "李明", "王浩然"}
        body = {"on": "2026-06-15", "evidence": {"summary": "思想汇报按时"}}
        done = http.post(f"/api/applicants/{LI}/steps/activist_assessed", json=body, headers={"Authorization": good})
        assert done.status_code == 200, done.text
        assert http.get("/", headers={"Authorization": good}, follow_redirects=False).status_code == 303  # pages: no


def test_sessions_expire_after_eight_hours(as_user: Callable[[str], Client], session_clock: FixedClock) -> None:
    secretary = as_user("chenjing")
    for _ in range(SESSION_MAX_AGE // (20 * 60)):  # busy all day: a request every 20 minutes keeps it alive
        assert secretary.get("/", follow_redirects=False).status_code == 200
        session_clock.advance(seconds=20 * 60)
    page = secretary.get("/applicants", follow_redirects=False)  # but 8 hours after login it ends
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/applicants&expired=1"
    assert "登录已过期" in secretary.get(page.headers["location"]).text
    assert secretary.get("/api/applicants").status_code == 401
    form = secretary.form(f"/applicants/{LI}/steps/activist_assessed", {"on": "2026-06-15"})
    assert form.status_code == 303 and form.headers["location"].startswith("/login")


def test_a_tampered_cookie_is_no_session(app: FastAPI) -> None:
    with TestClient(app) as http:
        login(http, "chenjing")
        cookie = http.cookies["fazhan_session"]
        http.cookies.clear()
        http.cookies.set("fazhan_session", cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB"))
        assert http.get("/", follow_redirects=False).status_code == 303


def test_logout_ends_the_session(as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    out = secretary.form("/logout", {})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert secretary.get("/", follow_redirects=False).status_code == 303


def test_login_redirects_only_to_this_site(app: FastAPI) -> None:
    with TestClient(app) as http:
        token = http.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        answer = http.post("/login", data={"username": "chenjing", "password": "fazhan-demo", "csrf_token": token,
                                           "next": "//evil.example/"}, follow_redirects=False)
        assert answer.headers["location"] == "/"


def test_pages_send_security_headers(as_user: Callable[[str], Client]) -> None:
    headers = as_user("chenjing").get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
