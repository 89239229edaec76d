"""The FastAPI application: pages, the JSON API, static files, error pages and security headers.

``create_app(db_url, clock)`` is all a server needs; ``fazhan web`` and ``fazhan run`` hand it to uvicorn.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

from interfaces.web import (
    account_pages,
    api,
    audit_pages,
    calendar_pages,
    case_pages,
    docs_pages,
    exchange_pages,
    health,
    inbox_pages,
    ledger_pages,
    meeting_pages,
    meeting_records,
    outbox_pages,
    pages,
    policy_pages,
    robot_pages,
    roster_pages,
    sent_pages,
    validation,
    withdrawal_pages,
    wording,
)
from interfaces.web.auth import SESSION_COOKIE, SESSION_MAX_AGE, Sessions, secret_key
from interfaces.web.deps import CsrfRejected, LoginRequired, Web
from interfaces.web.rendering import STATIC, environment, page
from interfaces.web.scope import Forbidden, OutOfScope, SentAway
from workflow.clock import Clock, SystemClock
from workflow.db import make_engine
from workflow.errors import FazhanError, StaleRecord, UnknownApplicant

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
# The OpenAPI pages load Swagger UI and ReDoc from a CDN: they get a policy that allows it.
DOCS_PATHS = ("/docs", "/redoc")


def _status_of(error: Exception) -> int:
    if isinstance(error, LoginRequired):
        return 401
    if isinstance(error, OutOfScope | UnknownApplicant):
        return 404
    if isinstance(error, Forbidden | CsrfRejected):
        return 403
    if isinstance(error, StaleRecord):
        return 409
    if isinstance(error, HTTPException):
        return error.status_code
    return 400


def _message(error: Exception) -> str:
    if isinstance(error, HTTPException):
        return str(error.detail) if error.status_code != 404 or error.detail != "Not Found" else "页面不存在。"
    if isinstance(error, UnknownApplicant):
        return str(OutOfScope(str(error)))
    return wording.plain(str(error))


async def _handle(request: Request, error: Exception) -> Response:
    """Errors become a JSON body under /api and a Chinese page elsewhere; a missing login goes to the form."""
    status = _status_of(error)
    if request.url.path.startswith("/api"):
        return JSONResponse({"error": type(error).__name__, "message": _message(error)}, status_code=status)
    if isinstance(error, LoginRequired):
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""), safe="/")
        response = RedirectResponse(f"/login?next={target}{'&expired=1' if error.expired else ''}", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
    return page(request, None, "error.html", status, status=status, message=_message(error))


async def _out_of_range(request: Request, error: Exception) -> Response:  # noqa: ARG001
    return await _handle(request, HTTPException(404, "编号或数值超出范围，没有这条记录。"))


async def _invalid(request: Request, error: Exception) -> Response:
    """The API keeps FastAPI's detailed 422; a page says in Chinese that the address or form is wrong."""
    if request.url.path.startswith("/api") and isinstance(error, RequestValidationError):
        return JSONResponse(validation.chinese(error), status_code=422)  # the same 422, said in Chinese
    return page(request, None, "error.html", 404, status=404, message="页面不存在，或地址中的编号有误。")


def create_app(db_url: str | None, clock: Clock, *, session_max_age: int = SESSION_MAX_AGE,
               session_clock: Clock | None = None, secure_cookies: bool | None = None) -> FastAPI:
    """The web application on one database. ``clock`` gives "today" for the rules (``FAZHAN_TODAY``);
    ``session_clock`` (the real clock by default) times the sessions.
    """
    engine = make_engine(db_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="fazhan 发展党员工作平台 API", version="0.1.0", lifespan=lifespan,
        docs_url=None, redoc_url=None, openapi_url=None,  # interfaces/web/docs_pages.py: offline, administrators only
        description="与网页共用同一套服务和数据范围检查。认证：已登录浏览器的会话 Cookie，POST 时须带 "
                    "`X-CSRF-Token` 头（令牌见 `GET /api/session`）；脚本可用 HTTP Basic（用户名和密码）。"
                    "规定不允许时答 422，列出每条规定、条款和可办理日期；版本冲突答 409；不在数据范围内的申请人答 404。",
    )
    secure = secure_cookies if secure_cookies is not None else os.environ.get("FAZHAN_SECURE_COOKIES") == "1"
    app.state.web = Web(engine, clock, Sessions(secret_key(db_url), session_clock or SystemClock(), session_max_age,
                                                engine=engine), environment(), secure)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(account_pages.router)  # login, logout, password, users, full personal data
    app.include_router(account_pages.api_router)
    docs_pages.install(app)
    app.include_router(pages.router)
    app.include_router(audit_pages.router)  # /audit, /inspection (issue 12)
    app.include_router(case_pages.router)
    app.include_router(meeting_pages.router)
    app.include_router(inbox_pages.router)
    app.include_router(ledger_pages.router)
    app.include_router(exchange_pages.router)  # a transfer to or from outside this database (issue 11)
    app.include_router(roster_pages.router)
    app.include_router(robot_pages.router)
    app.include_router(policy_pages.router)  # per-organisation policies (issue 11 item 9)
    app.include_router(outbox_pages.router)
    app.include_router(meeting_records.router)
    app.include_router(calendar_pages.router)
    app.include_router(withdrawal_pages.router)  # 本人退出 and ended cases (issue 16)
    app.include_router(api.router)
    app.include_router(health.router)
    for error in (FazhanError, HTTPException):
        app.add_exception_handler(error, _handle)
    app.add_exception_handler(SentAway, sent_pages.handler(_handle))  # the sender's read-only sight (issue 11)
    for error in (DataError, OverflowError):  # a number too large for the database: the input's fault, not a 500
        app.add_exception_handler(error, _out_of_range)
    app.add_exception_handler(RequestValidationError, _invalid)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        if not request.url.path.startswith(DOCS_PATHS):
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static"):
            response.headers.setdefault("Cache-Control", "no-store")  # pages hold personal data
        return response

    return app
