"""Account pages: login, logout, changing one's password, and the administrator's user management.

Also the one place where a full ID or phone number is shown: ``/applicants/{id}/personal`` (page) and
``/api/cases/{id}/personal`` (API), for 支部书记, 组织员 and 管理员 within their scope; each read is an audit event.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from interfaces.web import logins, users
from interfaces.web.auth import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    client_address,
    over_https,
    safe_next,
    trusted_proxies,
)
from interfaces.web.deps import ApiVisitorDep, CaseDep, FormDep, Visitor, VisitorDep, Web, WebDep
from interfaces.web.rendering import page
from interfaces.web.scope import Forbidden
from interfaces.web.users import UserRole
from workflow import personal
from workflow.errors import FazhanError

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["账户和个人信息"])
MAY_SEE_PERSONAL = frozenset({UserRole.SECRETARY, UserRole.ORGANISER, UserRole.ADMIN})


def _secure(request: Request, app: Web) -> bool:
    """Secure cookies when configured, or when this request came over HTTPS (directly or via a trusted proxy)."""
    return app.secure_cookies or over_https(request, trusted_proxies())


def _address(request: Request) -> str:
    return client_address(request, trusted_proxies())


def _login_form(request: Request, app: Web, *, next_path: str, error: str = "", status_code: int = 200,
                username: str = "") -> HTMLResponse:
    cookie, token = app.sessions.login_token()
    response = page(request, None, "login.html", status_code, token=token, next_path=next_path, error=error,
                    username=username[:40])
    response.set_cookie(LOGIN_COOKIE, cookie, httponly=True, samesite="lax", secure=_secure(request, app),
                        max_age=3600, path="/login")
    return response


@router.get("/login")
def login_page(request: Request, app: WebDep, next: str = "/", expired: bool = False) -> Response:
    session, _ = app.sessions.read(request.cookies.get(SESSION_COOKIE))
    if session is not None and not expired:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_form(request, app, next_path=safe_next(next), error="登录已过期，请重新登录。" if expired else "")


@router.post("/login")
def login(request: Request, app: WebDep, username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
          csrf_token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/") -> Response:
    target = safe_next(next)
    if not app.sessions.login_token_matches(request.cookies.get(LOGIN_COOKIE), csrf_token):
        return _login_form(request, app, next_path=target, error="登录页面已失效，请重新输入。", status_code=403,
                           username=username)
    result = logins.log_in(app.engine, app.sessions, username, password, _address(request))
    if result.cookie is None:
        locked = "锁定" in result.message
        return _login_form(request, app, next_path=target, error=result.message, status_code=429 if locked else 401,
                           username=username)
    response = RedirectResponse(target, status_code=303)
    _set_session_cookie(request, app, response, result.cookie)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


def _set_session_cookie(request: Request, app: Web, response: Response, cookie: str) -> None:
    response.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="lax", secure=_secure(request, app),
                        max_age=app.sessions.max_age, path="/")


@router.post("/logout")
def logout(request: Request, form: FormDep, who: VisitorDep, app: WebDep) -> Response:  # noqa: ARG001  (CSRF)
    if who.session is not None:
        logins.log_out(app.engine, app.sessions, who.user, who.session, _address(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# ---------------------------------------------------------------- one's own password


@router.get("/account")
def account_page(request: Request, who: VisitorDep, done: bool = False) -> HTMLResponse:
    return page(request, who, "account.html", error="", done=done, min_length=users.MIN_PASSWORD_LENGTH)


@router.post("/account/password")
def change_password(request: Request, form: FormDep, who: VisitorDep, app: WebDep) -> Response:
    current, new, again = (str(form.get(name) or "") for name in ("current", "new", "again"))
    try:
        if new != again:
            raise FazhanError("两次输入的新密码不一致。")
        users.change_password(app.engine, app.sessions.clock, who.user.id, current, new)
    except FazhanError as problem:
        return page(request, who, "account.html", 400, error=str(problem), done=False,
                    min_length=users.MIN_PASSWORD_LENGTH)
    # every session ended with the change; this browser gets a fresh one so the user is not thrown out
    cookie, _ = app.sessions.issue(who.user.id)
    response = RedirectResponse("/account?done=1", status_code=303)
    _set_session_cookie(request, app, response, cookie)
    return response


# ---------------------------------------------------------------- the administrator's user management


def _admin(who: Visitor) -> None:
    if who.user.role is not UserRole.ADMIN:
        raise Forbidden("只有管理员可以管理用户。")


def _users_page(request: Request, who: Visitor, app: Web, status_code: int = 200, **context: Any) -> HTMLResponse:
    context = {"error": "", "notice": "", **context}
    return page(request, who, "admin_users.html", status_code, people=users.all_users(app.engine),
                roles=[role.label for role in UserRole], min_length=users.MIN_PASSWORD_LENGTH, **context)


@router.get("/admin/users")
def users_page(request: Request, who: VisitorDep, app: WebDep) -> HTMLResponse:
    _admin(who)
    return _users_page(request, who, app)


@router.post("/admin/users")
def add_user(request: Request, form: FormDep, who: VisitorDep, app: WebDep) -> HTMLResponse:
    _admin(who)
    values = {name: str(form.get(name) or "") for name in ("username", "password", "role", "organisation", "member",
                                                           "display_name")}
    try:
        users.add_user(app.engine, app.sessions.clock, who.user.actor, username=values["username"],
                       password=values["password"], role=values["role"], organisation=values["organisation"] or None,
                       member=values["member"] or None, display_name=values["display_name"] or None)
    except FazhanError as problem:
        return _users_page(request, who, app, 400, error=str(problem))
    return _users_page(request, who, app, notice=f"已添加用户「{values['username'].strip()}」。")


@router.post("/admin/users/{user_id}/{action}")
def user_action(request: Request, user_id: int, action: str, form: FormDep, who: VisitorDep,
                app: WebDep) -> HTMLResponse:
    _admin(who)
    clock = app.sessions.clock
    try:
        if action in {"disable", "enable"}:
            if action == "disable" and user_id == who.user.id:
                raise FazhanError("不能停用自己正在使用的账户。")
            users.set_active(app.engine, clock, who.user.actor, user_id, action == "enable")
            notice = "已停用，该用户的登录已全部结束。" if action == "disable" else "已重新启用。"
        elif action == "reset":
            users.reset_password(app.engine, clock, who.user.actor, user_id, str(form.get("password") or ""))
            notice = "已重设密码，该用户的登录已全部结束；请当面告知新密码，并请其登录后立即修改。"
        else:
            return _users_page(request, who, app, 404, error="没有这个操作。")
    except FazhanError as problem:
        return _users_page(request, who, app, 400, error=str(problem))
    return _users_page(request, who, app, notice=notice)


# ---------------------------------------------------------------- full ID and phone numbers, audited


def _reveal(who: Visitor, app: Web, case_id: int) -> dict[str, str | None]:
    if who.user.role not in MAY_SEE_PERSONAL:
        raise Forbidden(f"{who.user.role.label}不能查看完整的身份证号码和电话。")
    return personal.reveal(app.engine, app.sessions.clock, who.user.actor.name, who.user.actor.role, case_id)


@router.post("/applicants/{case_id}/personal")
def personal_page(request: Request, case_id: CaseDep, form: FormDep, who: VisitorDep,  # noqa: ARG001
                  app: WebDep) -> HTMLResponse:
    return page(request, who, "personal.html", case_id=case_id, values=_reveal(who, app, case_id))


@api_router.get("/cases/{case_id}/personal", summary="完整的身份证号码和联系方式（每次查看记入审计）")
def personal_api(case_id: CaseDep, who: ApiVisitorDep, app: WebDep) -> dict[str, Any]:
    return {"case_id": case_id, **_reveal(who, app, case_id)}
