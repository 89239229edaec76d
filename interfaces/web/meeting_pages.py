"""Meeting pages: open a meeting, record attendance, one agenda item per applicant, and a ballot per item.

Every action calls one function of ``workflow.meetings``; the tally always comes from the meeting's own
voter list and attendance, and a passed item records its step through ``services.advance``.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData

from interfaces.web import forms, reading, stored_documents
from interfaces.web import scope as scopes
from interfaces.web.deps import FormDep, MeetingDep, Visitor, VisitorDep, Web, WebDep
from interfaces.web.rendering import page
from states.attendance import (
    PROBATION_OUTCOMES,
    PURPOSES,
    Ballots,
    ExclusionCategory,
    ItemPurpose,
    MeetingKind,
)
from states.procedure import SPECS, Field
from states.verdicts import Verdict
from states.votes import Opinion, VotingMethod
from workflow import meetings, roster, services
from workflow.errors import FazhanError, StepRefused
from workflow.evidence import BadEvidence
from workflow.meetings import MeetingView

router = APIRouter(include_in_schema=False)
DONE = {"opened": "已开会，应到会人员名单按会议当日的党员名册确定。", "attendance": "已保存出席情况。",
        "item": "已列入议题。", "discussion": "已记录讨论情况。", "opinion": "已登记书面意见，计入票数。",
        "ballot": "已记录计票结果。", "decided": "已作出决定。", "closed": "会议已结束；此后只能以更正的方式修改。",
        "excluded": "已不计入应到，原因和依据已登记。", "corrected": "已登记更正，原记录保留。",
        "documents": "已生成会议记录和决议，哈希值已记入审计链。"}


def item_fields(purpose: ItemPurpose) -> list[Field]:
    """What a secretary types for an item: its step's evidence except what the meeting itself supplies."""
    family = PROBATION_OUTCOMES if purpose in PROBATION_OUTCOMES else (purpose,)
    fields: dict[str, Field] = {}
    for each in family:
        for f in SPECS[PURPOSES[each].step].evidence:
            if f.key not in meetings.DERIVED:
                fields.setdefault(f.key, f)
    return list(fields.values())


def _text(form: FormData, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def _number(form: FormData, key: str) -> int:
    text = _text(form, key) or "0"
    try:
        return int(text)
    except ValueError:
        raise BadEvidence(f"「{text}」应为整数。") from None


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadEvidence(f"请填写{what}，格式如 2025-03-10。") from None


@router.get("/meetings")
def meetings_page(request: Request, who: VisitorDep, app: WebDep) -> HTMLResponse:
    return _meetings_list(request, who, app)


def _meetings_list(request: Request, who: Visitor, app: Web, error: str = "", status_code: int = 200) -> HTMLResponse:
    listed = [] if who.scope.organisation_ids is not None and who.scope.root is None else \
        meetings.list_meetings(app.engine, who.scope.root)
    kinds = [kind for kind in MeetingKind if who.scope.may_hold(kind)]
    return page(request, who, "meetings.html", status_code, meetings=listed, kinds=kinds,
                organisations=scopes.organisations(app.engine, who.scope), error=error)


@router.post("/meetings")
def open_meeting(request: Request, who: VisitorDep, app: WebDep, form: FormDep) -> Response:
    try:
        kind = meetings.meeting_kind(_text(form, "kind"))
        who.scope.require_meeting_action(kind)
        organisation = scopes.require_organisation(app.engine, who.scope, _text(form, "organisation")).name
        opened = meetings.open_meeting(app.engine, app.clock, who.user.actor, organisation=organisation, kind=kind,
                                       held_on=_day(_text(form, "held_on"), "会议日期"), title=_text(form, "title"),
                                       chair=_text(form, "chair"), recorder=_text(form, "recorder"))
    except scopes.Forbidden:
        raise
    except FazhanError as error:
        return _meetings_list(request, who, app, error=str(error), status_code=422)
    return RedirectResponse(f"/meetings/{opened.meeting_id}?done=opened", status_code=303)


def _meeting_page(request: Request, who: Visitor, app: Web, meeting_id: int, *, error: str = "",
                  refusal: StepRefused | None = None, done: str = "", status_code: int = 200) -> HTMLResponse:
    view = meetings.meeting_view(app.engine, meeting_id)
    applicants = reading.cases(app.engine, app.clock, who.scope, organisation=view.organisation) \
        if view.kind is not MeetingKind.PARTY_COMMITTEE else reading.cases(app.engine, app.clock, who.scope)
    # A 党员大会 takes over the 支委会's matters only in a branch that has no 支委会.
    without_committee = view.kind is MeetingKind.BRANCH_GENERAL_MEETING and not _has_committee(app, view.organisation)
    purposes = [p for p in ItemPurpose if PURPOSES[p].body is view.kind
                or (without_committee and PURPOSES[p].body is MeetingKind.BRANCH_COMMITTEE)]
    return page(request, who, "meeting.html", status_code, view=view, applicants=applicants, purposes=purposes,
                may_act=who.scope.may_hold(view.kind) and view.status == "open", error=error, refusal=refusal,
                may_keep=who.scope.may_hold(view.kind), documents=stored_documents.stored(app.engine, meeting_id),
                categories=list(ExclusionCategory), correctable=meetings.CORRECTABLE,
                done=DONE.get(done, ""), methods=list(VotingMethod), opinions=list(Opinion),
                outcomes=PROBATION_OUTCOMES, general=view.kind is MeetingKind.BRANCH_GENERAL_MEETING)


def _has_committee(app: Web, organisation: str) -> bool:
    with app.engine.connect() as conn:
        return bool(conn.execute(select(roster.ORGS.c.has_committee).where(roster.ORGS.c.name == organisation)).scalar())


meeting_view_page = _meeting_page  # the meeting's other forms (exclusions, corrections, documents) answer with it


@router.get("/meetings/{meeting_id}")
def meeting_page(request: Request, meeting_id: MeetingDep, who: VisitorDep, app: WebDep, done: str = "") -> HTMLResponse:
    return _meeting_page(request, who, app, meeting_id, done=done)


def _acting(who: Visitor, app: Web, meeting_id: int, item_id: int | None = None) -> MeetingView:
    """The meeting, after checking the visitor may act on it (and that the item is on its agenda)."""
    view = meetings.meeting_view(app.engine, meeting_id)
    who.scope.require_meeting_action(view.kind)
    if item_id is not None and item_id not in {item.id for item in view.items}:
        raise HTTPException(404, f"会议{meeting_id}没有议题{item_id}。")
    return view


acting = _acting


def _after(meeting_id: int, action: str, anchor: str = "") -> Response:
    return RedirectResponse(f"/meetings/{meeting_id}?done={action}{anchor}", status_code=303)


@router.post("/meetings/{meeting_id}/attendance")
def record_attendance(request: Request, meeting_id: MeetingDep, who: VisitorDep, app: WebDep, form: FormDep) -> Response:
    view = _acting(who, app, meeting_id)
    ticked = {name for name in form.getlist("present") if isinstance(name, str)}
    was = {v.name for v in view.voters if v.present}
    try:
        if ticked - was:
            meetings.record_attendance(app.engine, app.clock, who.user.actor, meeting_id, sorted(ticked - was))
        if was - ticked:
            meetings.record_attendance(app.engine, app.clock, who.user.actor, meeting_id, sorted(was - ticked),
                                       present=False)
    except FazhanError as error:
        return _meeting_page(request, who, app, meeting_id, error=str(error), status_code=422)
    return _after(meeting_id, "attendance", "#attendance")


@router.get("/meetings/{meeting_id}/items/new")
def new_item_page(request: Request, meeting_id: MeetingDep, who: VisitorDep, app: WebDep, case_id: int,
                  purpose: str) -> HTMLResponse:
    return _item_form(request, who, app, meeting_id, case_id, purpose)


def _item_form(request: Request, who: Visitor, app: Web, meeting_id: int, case_id: int, purpose: str,
               error: str = "", status_code: int = 200, values: dict[str, str] | None = None,
               chosen_values: dict[str, frozenset[str]] | None = None,
               blockers: list[Verdict] | None = None) -> HTMLResponse:
    view = _acting(who, app, meeting_id)
    scopes.require_case(app.engine, who.scope, case_id)
    chosen = meetings.item_purpose(purpose)
    name = services.show(app.engine, app.clock, case_id).applicant["name"]
    inputs = forms.field_inputs(item_fields(chosen), values or {}, chosen_values or {})  # a refusal keeps the typing
    if blockers is None and not error:
        blockers = prerequisites(app, case_id, chosen, view.held_on)
    return page(request, who, "meeting_item.html", status_code, view=view, case_id=case_id, name=name,
                purpose=chosen, inputs=inputs, error=error, blockers=blockers or [])


def prerequisites(app: Web, case_id: int, purpose: ItemPurpose, held_on: date) -> list[Verdict]:
    """What stops the item's step on the meeting date, before anyone votes (the planner's view: steps
    missing, periods not yet over). For a 预备期满 item any of its outcomes may do, so it is blocked only
    when all are."""
    family = PROBATION_OUTCOMES if purpose in PROBATION_OUTCOMES else (purpose,)
    found = {each: reading.preview(app.engine, case_id, PURPOSES[each].step, held_on).blocking for each in family}
    if any(not blocking for blocking in found.values()):
        return []
    return list(found[purpose])


@router.post("/meetings/{meeting_id}/items")
def add_item(request: Request, meeting_id: MeetingDep, who: VisitorDep, app: WebDep, form: FormDep) -> Response:
    _acting(who, app, meeting_id)
    case_id = scopes.require_case(app.engine, who.scope, _number(form, "case_id"))
    purpose = meetings.item_purpose(_text(form, "purpose"))
    values, chosen = forms.form_values(form)
    blockers = prerequisites(app, case_id, purpose, meetings.meeting_view(app.engine, meeting_id).held_on)
    if blockers:
        return _item_form(request, who, app, meeting_id, case_id, purpose.value, status_code=422, values=values,
                          chosen_values=chosen, blockers=blockers)
    try:
        item_id = meetings.add_item(app.engine, app.clock, who.user.actor, meeting_id, case_id, purpose,
                                    forms.field_texts(item_fields(purpose), values, chosen))
    except FazhanError as error:
        return _item_form(request, who, app, meeting_id, case_id, purpose.value, str(error), 422, values=values,
                          chosen_values=chosen, blockers=[])
    return _after(meeting_id, "item", f"#item-{item_id}")


@router.post("/meetings/{meeting_id}/items/{item_id}/{action}")
def item_action(request: Request, meeting_id: MeetingDep, item_id: int, action: str, who: VisitorDep, app: WebDep,
                form: FormDep) -> Response:
    """Discussion, written opinion, ballot or decision on one item (one applicant)."""
    _acting(who, app, meeting_id, item_id)
    actor = who.user.actor
    try:
        if action == "discussion":
            meetings.record_discussion(app.engine, app.clock, actor, item_id, _text(form, "discussion"))
        elif action == "opinion":
            recorded = meetings.record_written_opinion(
                app.engine, app.clock, actor, item_id, _text(form, "name"), _text(form, "opinion"),
                _day(_text(form, "submitted_on"), "书面意见的日期"))
            if not recorded.accepted:
                return _meeting_page(request, who, app, meeting_id, status_code=422,
                                     error=f"{_text(form, 'name')}的书面意见不计入票数：{recorded.reason}（已登记并留痕）")
        elif action == "ballot":
            ballots = Ballots(_number(form, "yes"), _number(form, "no"), _number(form, "abstain"),
                              _number(form, "invalid"), meetings.voting_method(_text(form, "method") or "无记名投票"))
            months = _number(form, "months") if _text(form, "months") else None
            meetings.record_ballot(app.engine, app.clock, actor, item_id, ballots, months=months,
                                   outcome=_text(form, "outcome") or None)
        elif action == "decide":
            meetings.decide_item(app.engine, app.clock, actor, item_id,
                                 backfill_reason=_text(form, "backfill_reason") or None)
        else:
            raise HTTPException(404, "没有这项操作。")
    except StepRefused as refused:
        return _meeting_page(request, who, app, meeting_id, refusal=refused, status_code=422)
    except FazhanError as error:
        return _meeting_page(request, who, app, meeting_id, error=str(error), status_code=422)
    return _after(meeting_id, "decided" if action == "decide" else action, f"#item-{item_id}")


@router.post("/meetings/{meeting_id}/close")
def close_meeting(request: Request, meeting_id: MeetingDep, who: VisitorDep, app: WebDep, form: FormDep) -> Response:  # noqa: ARG001
    _acting(who, app, meeting_id)
    try:
        meetings.close_meeting(app.engine, app.clock, who.user.actor, meeting_id)
    except FazhanError as error:
        return _meeting_page(request, who, app, meeting_id, error=str(error), status_code=422)
    return _after(meeting_id, "closed")
