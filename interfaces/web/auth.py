"""Sessions and CSRF: a signed, time-stamped cookie holding the user's id and the session's CSRF token.

The cookie is HttpOnly and SameSite=Lax and expires ``max_age`` seconds after login (8 hours by default);
an expired or tampered cookie counts as no session, and the pages send the user back to the login form.
Every form carries the session's token in ``csrf_token``; API calls with the cookie send it in the
``X-CSRF-Token`` header. The secret comes from ``FAZHAN_SECRET_KEY`` or a file beside the database.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy.engine import make_url

from workflow.clock import Clock
from workflow.db import database_url

SESSION_COOKIE = "fazhan_session"
LOGIN_COOKIE = "fazhan_login"  # the CSRF token of the login form, before there is a session
SESSION_MAX_AGE = 8 * 60 * 60
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


class Sessions:
    """Issues and reads the session cookie and the login form's token."""

    def __init__(self, secret: str, clock: Clock, max_age: int = SESSION_MAX_AGE) -> None:
        self.max_age = max_age
        self._session = URLSafeTimedSerializer(secret, salt="fazhan-session", signer=_ClockSigner,
                                               signer_kwargs={"clock": clock})
        self._login = URLSafeTimedSerializer(secret, salt="fazhan-login", signer=_ClockSigner,
                                             signer_kwargs={"clock": clock})

    def issue(self, user_id: int) -> tuple[str, Session]:
        session = Session(user_id, secrets.token_urlsafe(32))
        return self._session.dumps({"uid": user_id, "csrf": session.csrf}), session

    def read(self, cookie: str | None) -> tuple[Session | None, bool]:
        """The session in the cookie, and whether a cookie was there but has expired."""
        if not cookie:
            return None, False
        try:
            data = self._session.loads(cookie, max_age=self.max_age)
        except SignatureExpired:
            return None, True
        except BadSignature:
            return None, False
        return Session(int(data["uid"]), str(data["csrf"])), False

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


def tokens_match(expected: str, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(expected.encode(), (submitted or "").encode())


def safe_next(target: str | None) -> str:
    """Only a path on this site may follow a login (no open redirect to another host)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
