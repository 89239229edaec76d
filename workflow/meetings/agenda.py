"""Agenda items (one applicant, one purpose), written opinions, the discussion and the ballot of each item."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, select, update

from states import limits
from states.attendance import (
    PROBATION_OUTCOMES,
    PURPOSES,
    Ballots,
    ItemPurpose,
    MeetingKind,
    item_tally,
    purpose_problem,
)
from states.meeting_verdicts import (
    WRITTEN_OPINIONS,
    method_verdict,
    one_by_one_verdict,
    opinion_verdict,
    rule_set_of,
    tally_verdicts,
)
from states.procedure import SPECS, Field
from states.steps import Status
from states.votes import Opinion, Tally, tally_problems
from workflow import after_write, inputs, roster, services
from workflow.clock import Clock
from workflow.evidence import BadEvidence, assignment_pairs, parse_value, to_json
from workflow.meetings.base import (
    DEFAULT_SETTINGS,
    DERIVED,
    ITEMS,
    OPINIONS,
    MeetingRefused,
    accepted_opinions,
    item_purpose,
    logged,
    meeting_event,
    new_id,
    open_meeting_row,
    opinion_of,
    pending_item,
    require_held,
    touch,
    voter_rows,
    voter_values,
)
from workflow.meetings.opening import refresh_roster
from workflow.services import Actor, Settings

# ---------------------------------------------------------------- agenda items: one applicant, one purpose


def _family(purpose: ItemPurpose) -> tuple[ItemPurpose, ...]:
    return PROBATION_OUTCOMES if purpose in PROBATION_OUTCOMES else (purpose,)


def _typed_fields(purpose: ItemPurpose) -> dict[str, Field]:
    """The evidence a secretary may add to an item: the fields of its step(s) the meeting does not supply."""
    fields: dict[str, Field] = {}
    for each in _family(purpose):
        for f in SPECS[PURPOSES[each].step].evidence:
            if f.key not in DERIVED:
                fields[f.key] = fields[f.label] = f
    return fields


def parse_item_evidence(purpose: ItemPurpose, assignments: Iterable[str] | Mapping[str, str]) -> dict[str, Any]:
    """``key=value`` strings for an item into typed evidence; the meeting's own numbers cannot be typed."""
    pairs = assignment_pairs(assignments)
    fields = _typed_fields(purpose)
    derived: dict[str, str] = {}
    for each in _family(purpose):
        for f in SPECS[PURPOSES[each].step].evidence:
            if f.key in DERIVED:
                derived[f.key] = derived[f.label] = f.label
    typed: dict[str, Any] = {}
    for key, text in pairs:
        if key.strip() in derived:
            raise BadEvidence(f"「{derived[key.strip()]}」由会议的名单、出席和表决记录得出，不能填写。")
        found = fields.get(key.strip())
        if found is None:
            known = "、".join(f"{f.key}（{f.label}）" for k, f in fields.items() if k == f.key) or "无"
            raise BadEvidence(f"「{PURPOSES[purpose].label}」议题没有「{key}」这项材料。可填写：{known}。")
        typed[found.key] = parse_value(found, text)
    return typed


def add_item(engine: Engine, clock: Clock, actor: Actor, meeting_id: int, case_id: int | Sequence[int],
             purpose: str | ItemPurpose, evidence: Iterable[str] | Mapping[str, str] = ()) -> int:
    """Put one applicant on the agenda for one purpose; a second item for the same applicant and purpose is refused.

    Several applicants on one item (``case_id`` a sequence of more than one) are refused like every other
    refusal, leaving a ``meeting_refused`` event: each applicant is discussed and voted on alone (细则第二十一条).
    """
    chosen = item_purpose(purpose) if isinstance(purpose, str) else purpose
    typed = parse_item_evidence(chosen, evidence)
    cases = [case_id] if isinstance(case_id, int) else list(case_id)
    with (logged(engine, clock, actor, "add_item", meeting_id=meeting_id,
                 case_id=cases[0] if len(cases) == 1 else cases, purpose=chosen.value),
          engine.begin() as conn):
        meeting = open_meeting_row(conn, meeting_id)
        if len(cases) != 1:
            one_by_one = one_by_one_verdict(chosen, rule_set_of(meeting.held_on)).sentence()
            raise MeetingRefused(f"一个议题只能涉及一名申请人（收到{len(cases)}名）。{one_by_one}")
        return _add_one(conn, clock, actor, meeting, cases[0], chosen, typed)


def _add_one(conn: Connection, clock: Clock, actor: Actor, meeting: Row[Any], case_id: int, chosen: ItemPurpose,
             typed: Mapping[str, Any]) -> int:
    problem = purpose_problem(chosen, MeetingKind(meeting.kind), bool(meeting.has_committee))
    if problem:
        raise MeetingRefused(problem, case_id=case_id)
    loaded = services.load_case(conn, case_id)
    name = _applicant_name(conn, case_id)
    _check_case_belongs(conn, meeting, loaded.organisation_id, name, case_id)
    _check_status(chosen, loaded.facts.status, name, case_id)
    _check_required(chosen, typed)
    taken = conn.execute(select(ITEMS.c.id, ITEMS.c.purpose).where(
        ITEMS.c.meeting_id == meeting.id, ITEMS.c.case_id == case_id,
        ITEMS.c.purpose.in_([p.value for p in _family(chosen)]))).first()
    if taken:
        raise MeetingRefused(f"本次会议已有{name}的「{PURPOSES[item_purpose(taken.purpose)].label}」议题（编号{taken.id}）："
                             "每人每项只列一个议题，逐个讨论和表决。", case_id=case_id)
    item_id = new_id(conn.execute(insert(ITEMS).values(
        meeting_id=meeting.id, case_id=case_id, purpose=chosen.value, discussion="", result="pending")))
    touch(conn, meeting)
    meeting_event(conn, clock, actor, "meeting_item_added", meeting, {
        "agenda_item_id": item_id, "purpose": chosen.value, "applicant": name,
        "evidence": {k: to_json(v) for k, v in typed.items()}}, case_id=case_id)
    # The 会议通知 hangs on the agenda's lowest case: every case on it is planned again, in this transaction.
    agenda = conn.execute(select(ITEMS.c.case_id).where(ITEMS.c.meeting_id == meeting.id)).scalars()
    for on_agenda in sorted(set(agenda)):
        after_write.case_changed(conn, after_write.CaseChange(on_agenda, clock.today(), clock.now()))
    return item_id


def _applicant_name(conn: Connection, case_id: int) -> str:
    return str(conn.execute(select(services.APPLICANTS.c.name)
                            .join(services.CASES, services.CASES.c.applicant_id == services.APPLICANTS.c.id)
                            .where(services.CASES.c.id == case_id)).scalar_one())


def _check_case_belongs(conn: Connection, meeting: Row[Any], case_org: int, name: str, case_id: int) -> None:
    if MeetingKind(meeting.kind) is MeetingKind.PARTY_COMMITTEE:
        if case_org in roster.subtree(conn, meeting.organisation_id):
            return
    elif case_org == meeting.organisation_id:
        return
    raise MeetingRefused(f"{name}的案卷不属于「{meeting.org_name}」，不能列入本次会议的议程。", case_id=case_id)


def _check_status(purpose: ItemPurpose, status: Status, name: str, case_id: int) -> None:
    sources = {s for each in _family(purpose) for s in SPECS[PURPOSES[each].step].sources}
    if status not in sources:
        allowed = "、".join(sorted({s.label for s in sources}))
        raise MeetingRefused(f"{name}当前是「{status.label}」，不能列入「{PURPOSES[purpose].label}」议题（应为：{allowed}）。",
                             case_id=case_id)


def _check_required(purpose: ItemPurpose, typed: Mapping[str, Any]) -> None:
    missing = [f for f in SPECS[PURPOSES[purpose].step].evidence
               if f.required and f.key not in DERIVED and f.key not in typed]
    if missing:
        needed = "、".join(f"--set {f.key}=…（{f.label}）" for f in missing)
        raise BadEvidence(f"「{PURPOSES[purpose].label}」议题还须写明：{needed}。")


# ---------------------------------------------------------------- written opinions, discussion, ballot


@dataclass(frozen=True)
class OpinionRecorded:
    opinion_id: int
    accepted: bool
    reason: str | None


def record_written_opinion(engine: Engine, clock: Clock, actor: Actor, item_id: int, name: str, opinion: str | Opinion,
                           submitted_on: date) -> OpinionRecorded:
    """Store a 书面意见; a late, duplicate or ineligible one is stored as rejected, with its reason, and logged."""
    value = opinion_of(opinion) if isinstance(opinion, str) else opinion
    if submitted_on > clock.today():
        raise BadEvidence(f"书面意见的日期{submitted_on.isoformat()}晚于今天，不能预先登记。")
    with (logged(engine, clock, actor, "record_written_opinion", agenda_item_id=item_id, name=name),
          engine.begin() as conn):
        item, meeting = pending_item(conn, item_id)
        if MeetingKind(meeting.kind) is not MeetingKind.BRANCH_GENERAL_MEETING:
            raise MeetingRefused("书面意见只适用于支部党员大会的表决"
                                 f"（依据：{WRITTEN_OPINIONS[rule_set_of(meeting.held_on)].text}）。", case_id=item.case_id)
        refresh_roster(conn, clock, actor, meeting)
        member = roster.member_id(conn, name.strip(), meeting.organisation_id)
        rows = voter_rows(conn, meeting.id)
        row = next((r for r in rows if r.member_id == member), None)
        voter = voter_values([row])[0] if row else None
        already = conn.execute(select(OPINIONS.c.id).where(
            OPINIONS.c.agenda_item_id == item_id, OPINIONS.c.member_id == member,
            OPINIONS.c.accepted.is_(True))).first() is not None
        refused = opinion_verdict(voter, name.strip(), submitted_on, meeting.held_on, already_given=already)
        problem = refused.sentence() if refused else None  # kept with the opinion: the reason and its article
        opinion_id = new_id(conn.execute(insert(OPINIONS).values(
            agenda_item_id=item_id, member_id=member, opinion=value.value, submitted_on=submitted_on,
            accepted=problem is None, rejection_reason=problem)))
        touch(conn, meeting)
        meeting_event(conn, clock, actor, "written_opinion_accepted" if problem is None else "written_opinion_rejected",
               meeting, {"written_opinion_id": opinion_id, "agenda_item_id": item_id, "name": name.strip(),
                         "opinion": value.value, "submitted_on": submitted_on.isoformat(), "reason": problem},
               case_id=item.case_id)
    return OpinionRecorded(opinion_id, problem is None, problem)


def record_discussion(engine: Engine, clock: Clock, actor: Actor, item_id: int, text: str) -> None:
    """The item's own discussion record (逐个讨论): required before its ballot."""
    if not text.strip():
        raise BadEvidence("请写明讨论情况。")
    text = inputs.checked(text, limits.DISCUSSION)
    with logged(engine, clock, actor, "record_discussion", agenda_item_id=item_id), engine.begin() as conn:
        item, meeting = pending_item(conn, item_id)
        require_held(meeting, clock, "记录讨论情况")
        conn.execute(update(ITEMS).where(ITEMS.c.id == item_id).values(discussion=text.strip()))
        touch(conn, meeting)
        meeting_event(conn, clock, actor, "meeting_discussion_recorded", meeting,
               {"agenda_item_id": item_id, "discussion": text.strip(), "previous": item.discussion or None},
               case_id=item.case_id)


def record_ballot(engine: Engine, clock: Clock, actor: Actor, item_id: int, ballots: Ballots, *,
                  months: int | None = None, outcome: str | None = None, settings: Settings = DEFAULT_SETTINGS) -> Tally:
    """The count of one item's own ballot; a show of hands after 2014 or more ballots than voters is refused."""
    with logged(engine, clock, actor, "record_ballot", agenda_item_id=item_id), engine.begin() as conn:
        item, meeting = pending_item(conn, item_id)
        require_held(meeting, clock, "记录表决结果")
        if not item.discussion.strip():
            raise MeetingRefused(f"请先记录对{item.applicant}的讨论情况：每名对象应当逐个讨论和表决。", case_id=item.case_id)
        motion = _motion(item_purpose(item.purpose), months, outcome, item.extension_months)
        rule_set = settings.policy.rule_set_on(meeting.held_on)
        method = method_verdict(motion, ballots.method, rule_set)
        tally = item_tally(voter_values(voter_rows(conn, meeting.id)), ballots, accepted_opinions(conn, item_id))
        problems = [v.sentence() for v in ((method,) if method else ()) + tally_verdicts(
            _count_problems(tally, ballots), motion, MeetingKind(meeting.kind), rule_set)]
        if problems:
            raise MeetingRefused("".join(problems), case_id=item.case_id)
        if motion.value != item.purpose and conn.execute(select(ITEMS.c.id).where(
                ITEMS.c.meeting_id == meeting.id, ITEMS.c.case_id == item.case_id,
                ITEMS.c.purpose == motion.value)).first():
            raise MeetingRefused(f"本次会议已有{item.applicant}的「{motion.label}」议题。", case_id=item.case_id)
        extension = (months or item.extension_months) if motion is ItemPurpose.EXTENSION else None
        conn.execute(update(ITEMS).where(ITEMS.c.id == item_id).values(
            purpose=motion.value, method=ballots.method.value, yes=ballots.yes, no=ballots.no,
            abstain=ballots.abstain, invalid=ballots.invalid, extension_months=extension))
        touch(conn, meeting)
        meeting_event(conn, clock, actor, "meeting_ballot_recorded", meeting, {
            "agenda_item_id": item_id, "motion": motion.value, "months": extension, "method": ballots.method.value,
            "yes": ballots.yes, "no": ballots.no, "abstain": ballots.abstain, "invalid": ballots.invalid,
            "previous": None if item.yes is None else {"yes": item.yes, "no": item.no, "abstain": item.abstain,
                                                       "invalid": item.invalid, "method": item.method}},
               case_id=item.case_id)
    return tally


def _motion(purpose: ItemPurpose, months: int | None, outcome: str | None, stored_months: int | None) -> ItemPurpose:
    """A 转正 item is voted on one of three resolutions: 按期转正, 延长预备期 (with its length) or 取消资格."""
    if purpose not in PROBATION_OUTCOMES:
        if months is not None or outcome:
            raise BadEvidence(f"「{PURPOSES[purpose].label}」议题没有延长时间或转正结论可选。")
        return purpose
    chosen = item_purpose(outcome) if outcome else None
    if chosen is not None and chosen not in PROBATION_OUTCOMES:
        raise BadEvidence(f"转正议题的结论只能是按期转正、延长预备期或取消预备党员资格，不能是「{outcome}」。")
    if chosen is None:
        chosen = ItemPurpose.EXTENSION if months is not None else purpose
    extension = chosen is ItemPurpose.EXTENSION
    if months is not None and not extension:
        raise BadEvidence("只有延长预备期的决议才写明延长时间（--months）。")
    if extension and months is None and stored_months is None:
        raise BadEvidence("延长预备期须在决议中写明延长时间：--months 6 至 12（个月）。")
    return chosen


def _count_problems(t: Tally, ballots: Ballots) -> list[str]:

    if min(ballots.yes, ballots.no, ballots.abstain, ballots.invalid) < 0:
        return ["票数不能为负数。"]
    return tally_problems(t, secret_ballot_required=False)
