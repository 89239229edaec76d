"""Logging in and out, throttled and audited.

Failed logins are counted per account and per address over ``WINDOW``; at ``ACCOUNT_LIMIT`` failures the
account is locked for the rest of the window (``ADDRESS_LIMIT`` for one address trying many accounts). Every
login, failure, lockout and logout is an audit event (the password never is). A refused login says the same
thing whether the name exists or not; only a lockout is told, since the owner must know to wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import ip_address

from sqlalchemy import Connection, Engine, delete, func, insert, select

from interfaces.web.auth import Session, Sessions
from interfaces.web.users import WebUser, authenticate_row
from states import limits
from states.periods import cn_date
from workflow import audit
from workflow.clock import BEIJING
from workflow.tables import LoginFailure, table

FAILURES = table(LoginFailure)
WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
DEMO_PASSWORD_ADDRESSES = ("127.0.0.1", "::1", "testclient")  # the demo logins work only on this machine


@dataclass(frozen=True)
class LoginResult:
    user: WebUser | None
    cookie: str | None = None
    session: Session | None = None
    message: str = ""


def _failures(conn: Connection, column: str, value: str, since: datetime) -> int:
    return int(conn.execute(select(func.count()).select_from(FAILURES)
                            .where(FAILURES.c[column] == value, FAILURES.c.at > since)).scalar() or 0)


def _locked_until(conn: Connection, username: str, address: str, now: datetime) -> datetime | None:
    since = now - WINDOW
    for column, value, limit in (("username", username, ACCOUNT_LIMIT), ("address", address, ADDRESS_LIMIT)):
        if _failures(conn, column, value, since) >= limit:
            first = conn.execute(select(func.max(FAILURES.c.at)).where(FAILURES.c[column] == value)).scalar()
            return (first or now) + WINDOW
    return None


def _is_local(address: str) -> bool:
    if address in DEMO_PASSWORD_ADDRESSES:
        return True
    try:
        return ip_address(address).is_loopback
    except ValueError:
        return False


def log_in(engine: Engine, sessions: Sessions, username: str, password: str, address: str) -> LoginResult:
    """Check the password under the throttle; on success a new server-side session, all audited."""
    now = sessions.clock.now()
    try:
        name = limits.clean(username, limits.USERNAME)
    except limits.InvalidInput:
        name = ""  # a name no account can have: an ordinary failure
    name_key = name or username[:40]
    with engine.begin() as conn:
        locked = _locked_until(conn, name_key, address, now)
        if locked is not None:
            _event(conn, now, "login_refused_locked", name_key, address)
            return LoginResult(None, message=f"登录失败次数过多，已暂时锁定，请于{_when(locked)}后再试。")
    user = authenticate_row(engine, name, password[:limits.PASSWORD.max_length]) if name else None
    demo_from_afar = user is not None and user.demo_password and not _is_local(address)
    with engine.begin() as conn:
        if user is None or demo_from_afar:
            conn.execute(insert(FAILURES).values(username=name_key, address=address, at=now))
            _event(conn, now, "login_failed", name_key, address,
                   reason="演示密码只能在本机使用" if demo_from_afar else "用户名或密码不正确，或用户已停用")
            locked = _locked_until(conn, name_key, address, now)
            if locked is not None:
                _event(conn, now, "login_locked", name_key, address, until=locked.isoformat())
                return LoginResult(None, message=f"登录失败次数过多，已暂时锁定，请于{_when(locked)}后再试。")
            return LoginResult(None, message="演示账户的密码只能在本机（127.0.0.1）使用。" if demo_from_afar
                               else "用户名或密码不正确。")
        conn.execute(delete(FAILURES).where(FAILURES.c.username == name_key))
        cookie, session = sessions.issue(user.user.id, conn)
        audit.append(conn, kind="login", actor=user.user.actor.name, actor_role=user.user.actor.role,
                     recorded_at=now, payload={"user_id": user.user.id, "username": name, "address": address,
                                               "session_id": session.id})
    return LoginResult(user.user, cookie, session)


def check_basic(engine: Engine, sessions: Sessions, username: str, password: str, address: str) -> WebUser | None:
    """An API call's HTTP Basic password under the same throttle; failures and lockouts are audited, successes not
    (every call would be one), and no session is made."""
    now = sessions.clock.now()
    try:
        name = limits.clean(username, limits.USERNAME)
    except limits.InvalidInput:
        name = ""
    name_key = name or username[:40]
    with engine.begin() as conn:
        if _locked_until(conn, name_key, address, now) is not None:
            _event(conn, now, "login_refused_locked", name_key, address, via="HTTP Basic")
            return None
    verified = authenticate_row(engine, name, password[:limits.PASSWORD.max_length]) if name else None
    if verified is not None and not (verified.demo_password and not _is_local(address)):
        return verified.user
    with engine.begin() as conn:
        conn.execute(insert(FAILURES).values(username=name_key, address=address, at=now))
        _event(conn, now, "login_failed", name_key, address, via="HTTP Basic")
        locked = _locked_until(conn, name_key, address, now)
        if locked is not None:
            _event(conn, now, "login_locked", name_key, address, until=locked.isoformat())
    return None


def log_out(engine: Engine, sessions: Sessions, user: WebUser, session: Session, address: str) -> None:
    with engine.begin() as conn:
        sessions.end(conn, session, "logout")
        audit.append(conn, kind="logout", actor=user.actor.name, actor_role=user.actor.role,
                     recorded_at=sessions.clock.now(), payload={"user_id": user.id, "username": user.username,
                                                                "address": address, "session_id": session.id})


def _event(conn: Connection, now: datetime, kind: str, username: str, address: str, **more: str) -> None:
    audit.append(conn, kind=kind, actor=username or "（空用户名）", actor_role="登录", recorded_at=now,
                 payload={"username": username, "address": address, **more})


def _when(moment: datetime) -> str:
    local = moment.astimezone(BEIJING)
    return f"{cn_date(local.date())}{local:%H:%M}"
