"""Sessions and CSRF: server-side sessions (table ``web_sessions``) behind a random cookie token.

The cookie is HttpOnly and SameSite=Lax, and Secure whenever the request came over HTTPS (directly, or through
a proxy listed in ``FAZHAN_TRUSTED_PROXIES`` that sends ``X-Forwarded-Proto: https``). A session ends at
logout, password change, reset or disable (at once: the row is ended, the next request finds it so), after
30 minutes idle and 8 hours after login. Every form carries the session's token in ``csrf_token``; API calls
with the cookie send it in the ``X-CSRF-Token`` header. The login form's own token is signed with the secret
from ``FAZHAN_SECRET_KEY`` or a file beside the database.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.engine import make_url
from starlette.requests import Request

from workflow.clock import Clock
from workflow.db import database_url
from workflow.tables import WebSession, table

SESSION_COOKIE = "fazhan_session"
LOGIN_COOKIE = "fazhan_login"  # the CSRF token of the login form, before there is a session
SESSION_MAX_AGE = 8 * 60 * 60  # absolute: a session ends 8 hours after login
SESSION_IDLE = 30 * 60  # and after 30 minutes without a request
TOUCH_EVERY = 60  # last_seen_at is written at most once a minute
LOGIN_FORM_MAX_AGE = 60 * 60
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def secret_path(db_url: str | None) -> Path:
    """Where the generated secret is kept: beside an SQLite file, else in the working folder."""
    url = make_url(database_url(db_url))
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        return database.with_name(database.name + ".secret")
    return Path(".fazhan-secret")


def secret_key(db_url: str | None) -> str:
    """``FAZHAN_SECRET_KEY``, or a random key created once (mode 0600) and reused on every start."""
    configured = os.environ.get("FAZHAN_SECRET_KEY")
    if configured:
        return configured
    path = secret_path(db_url)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    key = secrets.token_urlsafe(48)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


class _ClockSigner(TimestampSigner):
    """Time stamps from the injected clock, so tests can let a session expire without waiting."""

    def __init__(self, *args: Any, clock: Clock, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock.now().timestamp())


@dataclass(frozen=True)
class Session:
    user_id: int
    csrf: str
    id: int = 0


SESSIONS = table(WebSession)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def end_sessions(conn: Connection, user_id: int, moment: datetime, reason: str) -> int:
    """End every open session of a user at once (password change, reset, disable); returns how many."""
    return int(conn.execute(update(SESSIONS).where(SESSIONS.c.user_id == user_id, SESSIONS.c.ended_at.is_(None))
                            .values(ended_at=moment, ended_reason=reason)).rowcount or 0)


class Sessions:
    """Server-side sessions: the cookie is a random token, the ``web_sessions`` table its hash and its times.

    A session ends on logout, on a password change or reset, when an administrator disables the user, after
    ``idle`` seconds without a request and ``max_age`` seconds after login, whichever comes first.
    """

    def __init__(self, secret: str, clock: Clock, max_age: int = SESSION_MAX_AGE, *, engine: Engine | None = None,
                 idle: int = SESSION_IDLE) -> None:
        self.max_age, self.idle, self.clock = max_age, idle, clock
        self._engine = engine
        self._login = URLSafeTimedSerializer(secret, salt="fazhan-login", signer=_ClockSigner,
                                             signer_kwargs={"clock": clock})

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("Sessions need the database (create_app passes engine=)")
        return self._engine

    def issue(self, user_id: int, conn: Connection | None = None) -> tuple[str, Session]:
        """A new session for a user who has just proved who they are; ``conn``: inside the caller's transaction."""
        token, csrf, now = secrets.token_urlsafe(32), secrets.token_urlsafe(32), self.clock.now()
        values = {"token_hash": _digest(token), "user_id": user_id, "csrf": csrf, "created_at": now,
                  "last_seen_at": now}
        if conn is None:
            with self.engine.begin() as own:
                inserted = own.execute(insert(SESSIONS).values(**values)).inserted_primary_key
        else:
            inserted = conn.execute(insert(SESSIONS).values(**values)).inserted_primary_key
        return token, Session(user_id, csrf, int(inserted[0]) if inserted else 0)

    def read(self, cookie: str | None) -> tuple[Session | None, bool]:
        """The open session of the cookie, and whether a cookie was there but its session has timed out."""
        if not cookie or len(cookie) > 200:
            return None, False
        now = self.clock.now()
        with self.engine.connect() as conn:
            row = conn.execute(select(SESSIONS).where(SESSIONS.c.token_hash == _digest(cookie))).first()
        if row is None:
            return None, False
        if row.ended_at is not None:
            return None, row.ended_reason in {"idle", "timeout"}
        reason = ("timeout" if now - row.created_at >= timedelta(seconds=self.max_age)
                  else "idle" if now - row.last_seen_at >= timedelta(seconds=self.idle) else None)
        if reason or now - row.last_seen_at >= timedelta(seconds=TOUCH_EVERY):
            with self.engine.begin() as conn:  # at most one write a minute per session
                conn.execute(update(SESSIONS).where(SESSIONS.c.id == row.id, SESSIONS.c.ended_at.is_(None))
                             .values(**({"ended_at": now, "ended_reason": reason} if reason
                                        else {"last_seen_at": now})))
        if reason:
            return None, True
        return Session(int(row.user_id), str(row.csrf), int(row.id)), False

    def end(self, conn: Connection, session: Session, reason: str) -> None:
        conn.execute(update(SESSIONS).where(SESSIONS.c.id == session.id, SESSIONS.c.ended_at.is_(None))
                     .values(ended_at=self.clock.now(), ended_reason=reason))

    def login_token(self) -> tuple[str, str]:
        """A fresh token for the login form: (cookie value, the token the form carries)."""
        token = secrets.token_urlsafe(32)
        return self._login.dumps(token), token

    def login_token_matches(self, cookie: str | None, submitted: str | None) -> bool:
        if not cookie or not submitted:
            return False
        try:
            expected = self._login.loads(cookie, max_age=LOGIN_FORM_MAX_AGE)
        except BadSignature:
            return False
        return tokens_match(str(expected), submitted)


# ---------------------------------------------------------------- behind a reverse proxy


def trusted_proxies(text: str | None = None) -> tuple[IPv4Network | IPv6Network, ...]:
    """``FAZHAN_TRUSTED_PROXIES``: addresses or networks (comma-separated) whose X-Forwarded-* headers count."""
    text = os.environ.get("FAZHAN_TRUSTED_PROXIES", "") if text is None else text
    networks = []
    for part in text.split(","):
        if part.strip():
            try:
                networks.append(ip_network(part.strip(), strict=False))
            except ValueError:
                raise ValueError(f"FAZHAN_TRUSTED_PROXIES 中的「{part.strip()}」不是IP地址或网段。") from None
    return tuple(networks)


def _from_proxy(request: Request, proxies: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    peer = request.client.host if request.client else ""
    try:
        return any(ip_address(peer) in network for network in proxies)
    except ValueError:
        return False


def client_address(request: Request, proxies: tuple[IPv4Network | IPv6Network, ...]) -> str:
    """The visitor's address: the proxy's ``X-Forwarded-For`` only when the peer is a trusted proxy."""
    peer = request.client.host if request.client else "unknown"
    if _from_proxy(request, proxies):
        forwarded = request.headers.get("x-forwarded-for", "").split(",")[-1].strip()
        with contextlib.suppress(ValueError):
            return str(ip_address(forwarded))
    return peer[:64]


def over_https(request: Request, proxies: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    """Whether the browser reached us over HTTPS: directly, or through a trusted proxy that says so."""
    if request.url.scheme == "https":
        return True
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return proto == "https" and _from_proxy(request, proxies)


def tokens_match(expected: str, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(expected.encode(), (submitted or "").encode())


def safe_next(target: str | None) -> str:
    """Only a path on this site may follow a login (no open redirect to another host)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
