"""The roster in the browser: the organisation tree, each organisation's members, each member's history.

Who may vote and who counts in 应到 follows from this roster on the meeting date, so every change is dated,
kept (a period is closed, never overwritten) and audited by ``workflow.roster_changes``.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from interfaces.web import scope as scopes
from interfaces.web.deps import FormDep, Visitor, VisitorDep, Web, WebDep
from interfaces.web.rendering import page
from interfaces.web.users import UserRole
from notices import robots
from states.facts import Standing
from workflow import roster, roster_changes, services
from workflow.errors import FazhanError

router = APIRouter(include_in_schema=False)
EDITS_ROSTER = frozenset({UserRole.SECRETARY, UserRole.ORGANISATION_MEMBER, UserRole.ORGANISER, UserRole.ADMIN})
EDITS_ORGANISATIONS = frozenset({UserRole.ORGANISER, UserRole.ADMIN})
STANDINGS = [s for s in Standing if s is not Standing.NOT_A_MEMBER]
DONE = {"org": "已登记党组织。", "member": "已登记党员。", "standing": "已变更党员身份。", "left": "已记录离开名册。",
        "post": "已记录职务。", "post_ended": "已免去职务。", "settings": "已保存党组织设置。",
        "robot": "已保存群机器人设置。可以发送一条测试消息看看是否收到。"}


def _text(form: FormData, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def _day(form: FormData, key: str, what: str) -> date:
    try:
        return date.fromisoformat(_text(form, key))
    except ValueError:
        raise FazhanError(f"请填写{what}，格式如 2025-03-10。") from None


def _require_edit(who: Visitor, roles: frozenset[UserRole] = EDITS_ROSTER) -> None:
    if who.user.role not in roles:
        raise scopes.Forbidden(f"{who.user.role.label}只能查看党员名册，不能修改。")


def _organisation(app: Web, who: Visitor, organisation_id: int) -> roster_changes.OrganisationNode:
    for node in roster_changes.tree(app.engine, who.scope.organisation_ids):
        if node.id == organisation_id:
            return node
    raise scopes.OutOfScope(organisation_id, "党组织")


@router.get("/organisations")
def organisations_page(request: Request, who: VisitorDep, app: WebDep, done: str = "") -> HTMLResponse:
    return _organisations(request, who, app, done=done)


def _organisations(request: Request, who: Visitor, app: Web, *, done: str = "", error: str = "",
                   status_code: int = 200) -> HTMLResponse:
    nodes = roster_changes.tree(app.engine, who.scope.organisation_ids)
    counts: dict[int, int] = {}
    for member in roster_changes.members(app.engine, who.scope.organisation_ids, app.clock.today()):
        if member.counts_in_quorum:
            counts[member.organisation_id] = counts.get(member.organisation_id, 0) + 1
    return page(request, who, "organisations.html", status_code, nodes=nodes, counts=counts,
                kinds=list(roster.OrganisationKind), may_add=who.user.role in EDITS_ORGANISATIONS,
                done=DONE.get(done, ""), error=error)


@router.post("/organisations")
def add_organisation(request: Request, who: VisitorDep, app: WebDep, form: FormDep) -> Response:
    _require_edit(who, EDITS_ORGANISATIONS)
    try:
        parent = _text(form, "parent")
        if parent:
            scopes.require_organisation(app.engine, who.scope, parent)
        elif who.user.role is not UserRole.ADMIN:
            raise FazhanError("请选择上级党组织。")
        if not _text(form, "name"):
            raise FazhanError("请填写党组织名称。")
        org_id = services.add_organisation(
            app.engine, app.clock, who.user.actor, name=_text(form, "name"), kind=_text(form, "kind"),
            parent=parent or None, has_committee=bool(_text(form, "has_committee")),
            may_approve=bool(_text(form, "may_approve")))
    except scopes.Forbidden:
        raise
    except FazhanError as error:
        return _organisations(request, who, app, error=str(error), status_code=422)
    return RedirectResponse(f"/organisations/{org_id}?done=org", status_code=303)


def organisation_view(request: Request, who: Visitor, app: Web, organisation_id: int, *, done: str = "",
                       error: str = "", robot_note: str = "", status_code: int = 200) -> HTMLResponse:
    node = _organisation(app, who, organisation_id)
    today = app.clock.today()
    listed = roster_changes.members(app.engine, {organisation_id}, today)
    return page(request, who, "organisation.html", status_code, org=node, members=listed,
                standings=STANDINGS, posts=list(roster.Post), may_edit=who.user.role in EDITS_ROSTER,
                may_set=who.user.role in EDITS_ORGANISATIONS, done=DONE.get(done, ""), error=error,
                robot=robots.shown(app.engine, organisation_id), robot_kinds=list(robots.RobotKind),
                robot_note=robot_note)


@router.get("/organisations/{organisation_id}")
def organisation_page(request: Request, organisation_id: int, who: VisitorDep, app: WebDep,
                      done: str = "") -> HTMLResponse:
    return organisation_view(request, who, app, organisation_id, done=done)


@router.post("/organisations/{organisation_id}/settings")
def organisation_settings(organisation_id: int, who: VisitorDep, app: WebDep, form: FormDep) -> Response:
    _require_edit(who, EDITS_ORGANISATIONS)
    _organisation(app, who, organisation_id)
    roster_changes.set_organisation(app.engine, app.clock, who.user.actor, organisation_id,
                                    has_committee=bool(_text(form, "has_committee")),
                                    may_approve=bool(_text(form, "may_approve")))
    return RedirectResponse(f"/organisations/{organisation_id}?done=settings", status_code=303)


@router.post("/organisations/{organisation_id}/members")
def add_member(request: Request, organisation_id: int, who: VisitorDep, app: WebDep, form: FormDep) -> Response:
    _require_edit(who)
    node = _organisation(app, who, organisation_id)
    try:
        if not _text(form, "name"):
            raise FazhanError("请填写党员姓名。")
        since = _day(form, "since", "身份的起始日期（入党或转正的日期）")
        if since > app.clock.today():
            raise FazhanError("身份的起始日期不能晚于今天。")
        member_id = services.add_member(app.engine, app.clock, who.user.actor, name=_text(form, "name"),
                                        organisation=node.name, standing=_text(form, "standing") or "full",
                                        since=since, post=_text(form, "post") or None)
    except FazhanError as error:
        return organisation_view(request, who, app, organisation_id, error=str(error), status_code=422)
    return RedirectResponse(f"/members/{member_id}?done=member", status_code=303)


def _member_in_scope(app: Web, who: Visitor, member_id: int) -> roster_changes.MemberDetail:
    try:
        found = roster_changes.detail(app.engine, member_id, app.clock.today())
    except FazhanError:
        raise scopes.OutOfScope(member_id, "党员") from None
    if not who.scope.covers(found.row.organisation_id):
        raise scopes.OutOfScope(member_id, "党员")
    return found


def _member_page(request: Request, who: Visitor, app: Web, member_id: int, *, done: str = "", error: str = "",
                 status_code: int = 200) -> HTMLResponse:
    found = _member_in_scope(app, who, member_id)
    return page(request, who, "member.html", status_code, member=found, standings=STANDINGS,
                posts=list(roster.Post), departures=list(roster_changes.Departure),
                may_edit=who.user.role in EDITS_ROSTER and not found.departure, done=DONE.get(done, ""), error=error)


@router.get("/members/{member_id}")
def member_page(request: Request, member_id: int, who: VisitorDep, app: WebDep, done: str = "") -> HTMLResponse:
    return _member_page(request, who, app, member_id, done=done)


@router.post("/members/{member_id}/{action}")
def member_action(request: Request, member_id: int, action: str, who: VisitorDep, app: WebDep,
                  form: FormDep) -> Response:
    """Change of standing, leaving the roster, taking or leaving a post: each dated and audited."""
    _require_edit(who)
    _member_in_scope(app, who, member_id)
    actor, clock = who.user.actor, app.clock
    try:
        if action == "standing":
            roster_changes.change_standing(app.engine, clock, actor, member_id, _text(form, "standing"),
                                           _day(form, "since", "变更日期"), _text(form, "basis"))
        elif action == "left":
            roster_changes.leave(app.engine, clock, actor, member_id, _text(form, "reason"),
                                 _day(form, "on", "离开名册的日期"), _text(form, "note"))
        elif action == "post":
            roster_changes.assign_post(app.engine, clock, actor, member_id, _text(form, "post"),
                                       _day(form, "since", "任职日期"))
        elif action == "post_ended":
            roster_changes.end_post(app.engine, clock, actor, member_id, _text(form, "post"),
                                    _day(form, "on", "免职日期"))
        else:
            raise scopes.OutOfScope(action, "操作")
    except scopes.OutOfScope:
        raise
    except FazhanError as error:
        return _member_page(request, who, app, member_id, error=str(error), status_code=422)
    return RedirectResponse(f"/members/{member_id}?done={action}", status_code=303)
