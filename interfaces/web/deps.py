"""FastAPI dependencies shared by the pages and the API: who is asking, their scope, and the CSRF check.

``visitor`` resolves the login (session cookie, or HTTP Basic for API scripts) and its scope; ``case_in_scope``
turns a case number into a case the visitor may see, or a 404; ``checked_form`` reads a page form only if
its CSRF token matches the session's; ``api_csrf`` does the same for API calls made with the cookie.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Annotated

import jinja2
from fastapi import Depends, Request
from sqlalchemy import Engine
from starlette.datastructures import FormData

from interfaces.web import logins
from interfaces.web import scope as scopes
from interfaces.web.auth import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    Session,
    Sessions,
    client_address,
    tokens_match,
    trusted_proxies,
)
from interfaces.web.scope import Scope
from interfaces.web.users import WebUser, get_user
from workflow.clock import Clock
from workflow.errors import FazhanError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Web:
    """What every request needs: the database, the clock, sessions and the template environment."""

    engine: Engine
    clock: Clock
    sessions: Sessions
    templates: jinja2.Environment
    secure_cookies: bool


@dataclass(frozen=True)
class Visitor:
    """A logged-in user with their scope; ``csrf`` is None for API calls authenticated by password."""

    user: WebUser
    scope: Scope
    csrf: str | None
    session: Session | None = None  # the server-side session (None for HTTP Basic)


class LoginRequired(FazhanError):
    """No valid session: pages redirect to the login form, the API answers 401."""

    def __init__(self, expired: bool = False) -> None:
        self.expired = expired
        super().__init__("登录已过期，请重新登录。" if expired else "请先登录。")


class CsrfRejected(FazhanError):
    def __init__(self) -> None:
        super().__init__("表单已失效（安全校验未通过），请返回上一页刷新后重新提交。")


def web(request: Request) -> Web:
    return request.app.state.web  # type: ignore[no-any-return]


WebDep = Annotated[Web, Depends(web)]


def _basic_user(request: Request, app: Web) -> WebUser | None:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not request.url.path.startswith("/api"):
        return None
    try:
        username, _, password = base64.b64decode(encoded).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise LoginRequired() from None
    # the same throttle and audit as the login form (interfaces/web/logins.py)
    user = logins.check_basic(app.engine, app.sessions, username, password, client_address(request, trusted_proxies()))
    if user is None:
        raise LoginRequired()
    return user


def visitor(request: Request, app: WebDep) -> Visitor:
    """The login behind this request, or ``LoginRequired``."""
    by_password = _basic_user(request, app)
    if by_password is not None:
        return Visitor(by_password, scopes.scope_for(app.engine, by_password), None)
    session, expired = app.sessions.read(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise LoginRequired(expired)
    user = get_user(app.engine, session.user_id)
    if user is None:
        raise LoginRequired()
    return Visitor(user, scopes.scope_for(app.engine, user), session.csrf, session)


VisitorDep = Annotated[Visitor, Depends(visitor)]


def case_in_scope(case_id: int, who: VisitorDep, app: WebDep) -> int:
    """The case number from the path, if the visitor may see that case; otherwise 404."""
    return scopes.require_case(app.engine, who.scope, case_id)


CaseDep = Annotated[int, Depends(case_in_scope)]


async def checked_form(request: Request, who: VisitorDep) -> FormData:
    """A page form whose ``csrf_token`` matches the session's; anything else is rejected before any work."""
    form = await request.form()
    submitted = form.get(CSRF_FIELD)
    if who.csrf is None or not tokens_match(who.csrf, submitted if isinstance(submitted, str) else None):
        raise CsrfRejected()
    return form


FormDep = Annotated[FormData, Depends(checked_form)]


def api_csrf(request: Request, who: VisitorDep) -> Visitor:
    """API calls that change something with the session cookie must repeat the token in a header."""
    cookie_call = request.method not in SAFE_METHODS and who.csrf is not None
    if cookie_call and not tokens_match(who.csrf or "", request.headers.get(CSRF_HEADER)):
        raise CsrfRejected()
    return who


ApiVisitorDep = Annotated[Visitor, Depends(api_csrf)]


def meeting_in_scope(meeting_id: int, who: VisitorDep, app: WebDep) -> int:
    """The meeting number from the path, if its organisation is in the visitor's scope; otherwise 404."""
    return scopes.require_meeting(app.engine, who.scope, meeting_id)


MeetingDep = Annotated[int, Depends(meeting_in_scope)]
