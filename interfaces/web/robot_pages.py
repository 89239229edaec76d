"""An organisation's group robot in the browser: set it up, and send a test message to see it arrive."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from interfaces.web import roster_pages
from interfaces.web import scope as scopes
from interfaces.web.deps import FormDep, VisitorDep, Web, WebDep
from interfaces.web.users import UserRole
from notices import robots
from notices.delivery import DeliveryError
from workflow.errors import FazhanError

router = APIRouter(include_in_schema=False)
CONFIGURES = frozenset({UserRole.SECRETARY, UserRole.ORGANISATION_MEMBER, UserRole.ORGANISER, UserRole.ADMIN})


def _text(form: FormData, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def _allowed(who: VisitorDep, organisation_id: int) -> None:
    if who.user.role not in CONFIGURES:
        raise scopes.Forbidden(f"{who.user.role.label}不能设置群机器人。")
    if not who.scope.covers(organisation_id):
        raise scopes.OutOfScope(organisation_id, "党组织")


def _back(request: Request, who: VisitorDep, app: Web, organisation_id: int, note: str, status: int) -> HTMLResponse:
    return roster_pages.organisation_view(request, who, app, organisation_id, error=note if status >= 400 else "",
                                          robot_note=note if status < 400 else "", status_code=status)


@router.post("/organisations/{organisation_id}/robot")
def configure_robot(request: Request, organisation_id: int, who: VisitorDep, app: WebDep, form: FormDep) -> Response:
    _allowed(who, organisation_id)
    try:
        robots.configure(app.engine, app.clock, who.user.actor, organisation_id, kind=_text(form, "kind"),
                         address=_text(form, "address"), secret=_text(form, "secret"),
                         at_mobiles=_text(form, "at_mobiles"), enabled=bool(_text(form, "enabled")))
    except FazhanError as error:
        return _back(request, who, app, organisation_id, str(error), 422)
    return RedirectResponse(f"/organisations/{organisation_id}?done=robot#robot", status_code=303)


@router.post("/organisations/{organisation_id}/robot/test")
def test_robot(request: Request, organisation_id: int, who: VisitorDep, app: WebDep,
               form: FormDep) -> Response:  # noqa: ARG001  (the dependency checks the CSRF token)
    _allowed(who, organisation_id)
    try:
        target = robots.target_of(app.engine, organisation_id)  # opened only to send this message
    except FazhanError as error:
        return _back(request, who, app, organisation_id, f"测试消息没有发出：{error}", 422)
    if target is None:
        return _back(request, who, app, organisation_id, "请先设置群机器人，再发送测试消息。", 422)
    try:
        robots.send(target, "测试消息：发展党员工作平台", f"{who.user.display_name}发送的测试消息。收到这条消息，"
                    "说明群机器人设置正确，以后的提醒会发到这个群。", f"{robots.public_url()}/organisations/{organisation_id}",
                    app.clock.now())
    except DeliveryError as error:
        return _back(request, who, app, organisation_id, f"测试消息没有发出：{error}", 502)
    return _back(request, who, app, organisation_id, "测试消息已发出，请到群里查看。", 200)
