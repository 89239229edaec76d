"""Deciding an item: the outcome drives the procedure, in ONE transaction with the step it records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, Row, select, update

from states.attendance import (
    PURPOSES,
    Ballots,
    ItemPurpose,
    MeetingKind,
    item_result,
    item_tally,
    secret_ballot_required,
)
from states.facts import Override
from states.meeting_verdicts import result_verdicts
from states.procedure import SPECS
from states.rules import probation_ends_on
from states.steps import Step
from states.votes import Tally, VoteResult, VotingMethod
from workflow import roster, services
from workflow.clock import Clock
from workflow.errors import StaleRecord, StepRefused
from workflow.evidence import from_json, to_json
from workflow.meetings.agenda import parse_item_evidence
from workflow.meetings.base import (
    DEFAULT_SETTINGS,
    EVENTS,
    ITEMS,
    MeetingRefused,
    accepted_opinions,
    item_purpose,
    logged,
    meeting_event,
    pending_item,
    require_held,
    touch,
    voter_rows,
    voter_values,
)
from workflow.services import Actor, Settings, StepRequest

# ---------------------------------------------------------------- decide: the outcome drives the procedure


@dataclass(frozen=True)
class Decided:
    item_id: int
    case_id: int
    applicant: str
    purpose: ItemPurpose
    passed: bool
    tally: Tally
    vote: VoteResult
    advanced: services.Advanced | None
    reasons: list[str]
    probation_ends_on: date | None = None  # 预备期满 after the step (the day 党龄 would start)
    extension_months: int | None = None




def decide_item(engine: Engine, clock: Clock, actor: Actor, item_id: int, *,
                evidence: Iterable[str] | Mapping[str, str] = (), override: Override | None = None,
                backfill_reason: str | None = None, settings: Settings = DEFAULT_SETTINGS) -> Decided:
    """Count the item from the meeting's own records; record its step if it passed, or keep it as failed.

    One transaction: the item's result, its step (``services.advance_in``) and both audit events commit together,
    so a crash leaves the item undecided and decidable. A vote that cannot stand (no quorum, counts that do not
    add up) is refused and the item stays as it was; so does a passed vote whose step the procedure refuses
    (``StepRefused``: rolled back, then its attempt logged as ``services.advance`` logs it).
    """
    recorded_at = clock.now()
    attempt: list[tuple[int, StepRequest]] = []  # the step asked for, logged if the procedure refuses it
    try:
        with logged(engine, clock, actor, "decide_item", agenda_item_id=item_id), engine.begin() as conn:
            item, meeting = pending_item(conn, item_id)
            require_held(meeting, clock, "作出决定")
            tally, vote, reasons = _count(conn, item, meeting, settings)
            if not vote.carried:
                return _failed(conn, clock, actor, item, meeting, tally, vote, reasons)
            request = _step_request(conn, meeting, item, item_purpose(item.purpose), tally, evidence, override,
                                    backfill_reason)
            attempt.append((item.case_id, request))
            advanced = services.advance_in(conn, clock, actor, item.case_id, request, settings,
                                           recorded_at=recorded_at)
            return _passed(conn, clock, actor, item, meeting, tally, vote, advanced, settings)
    except StepRefused as refused:
        case_id, request = attempt[0]
        services.log_refusal(engine, actor, case_id, request, refused.check, recorded_at)
        raise


def _count(conn: Connection, item: Row[Any], meeting: Row[Any],
           settings: Settings) -> tuple[Tally, VoteResult, list[str]]:
    """The item's tally from the meeting's own list; refused when the vote cannot stand."""
    if item.yes is None:
        raise MeetingRefused(f"议题{item.id}（{item.applicant}）尚未记录表决票数。", case_id=item.case_id)
    purpose, kind = item_purpose(item.purpose), MeetingKind(meeting.kind)
    voters = voter_values(voter_rows(conn, meeting.id))
    ballots = Ballots(item.yes, item.no, item.abstain, item.invalid, VotingMethod(item.method))
    tally = item_tally(voters, ballots, accepted_opinions(conn, item.id))
    rule_set = settings.policy.rule_set_on(meeting.held_on)
    vote = item_result(tally, kind, half_is_enough=settings.policy.committee_half_is_enough,
                       secret_ballot=secret_ballot_required(purpose, rule_set))
    reasons = [v.sentence() for v in result_verdicts(tally, vote, kind, purpose, rule_set)]  # each with its article
    if vote.problems or not vote.quorum:
        raise MeetingRefused("不能作出决定：" + "".join(reasons), case_id=item.case_id)
    return tally, vote, reasons


def _failed(conn: Connection, clock: Clock, actor: Actor, item: Row[Any], meeting: Row[Any], tally: Tally,
            vote: VoteResult, reasons: list[str]) -> Decided:
    """A vote that did not carry: no status changes, the item is kept with its tally."""
    purpose = item_purpose(item.purpose)
    conn.execute(update(ITEMS).where(ITEMS.c.id == item.id).values(result="failed"))
    touch(conn, meeting)
    meeting_event(conn, clock, actor, "meeting_item_failed", meeting, {
        "agenda_item_id": item.id, "purpose": purpose.value, "step": PURPOSES[purpose].step.value,
        "tally": to_json(tally), "needed_yes": vote.needed_yes, "reasons": reasons}, case_id=item.case_id)
    return Decided(item.id, item.case_id, item.applicant, purpose, False, tally, vote, None, reasons)


def _passed(conn: Connection, clock: Clock, actor: Actor, item: Row[Any], meeting: Row[Any], tally: Tally,
            vote: VoteResult, advanced: services.Advanced, settings: Settings) -> Decided:
    """The item points at the step it recorded (read back from that step's audit event, same transaction)."""
    step_record_id = conn.execute(select(EVENTS.c.payload).where(EVENTS.c.seq == advanced.audit_seq)
                                  ).scalar_one()["step_record_id"]
    changed = conn.execute(update(ITEMS).where(ITEMS.c.id == item.id, ITEMS.c.result == "pending")
                           .values(result="passed", step_record_id=step_record_id)).rowcount
    if changed != 1:
        raise StaleRecord()
    touch(conn, meeting)
    purpose = item_purpose(item.purpose)
    meeting_event(conn, clock, actor, "meeting_item_passed", meeting, {
        "agenda_item_id": item.id, "purpose": purpose.value, "step": advanced.step.value,
        "step_record_id": step_record_id, "tally": to_json(tally)}, case_id=item.case_id)
    ends = probation_ends_on(services.load_case(conn, item.case_id).facts, settings.policy)
    return Decided(item.id, item.case_id, item.applicant, purpose, True, tally, vote, advanced, [], ends,
                   item.extension_months)


def _step_request(conn: Connection, meeting: Row[Any], item: Row[Any], purpose: ItemPurpose, tally: Tally,
                  extra: Iterable[str] | Mapping[str, str], override: Override | None,
                  backfill_reason: str | None) -> StepRequest:
    """The step a passed item records, with the evidence the meeting supplies and the evidence typed for it."""
    spec = SPECS[PURPOSES[purpose].step]
    keys = {f.key for f in spec.evidence}
    stored = from_json(spec, {k: v for k, v in _stored_evidence(conn, item).items() if k in keys})
    typed = {k: v for k, v in {**stored, **parse_item_evidence(purpose, extra)}.items() if k in keys}
    if spec.step is Step.ADMISSION_APPROVED:
        typed |= {"approver_level": _approver_level(meeting), "applicants_in_decision": 1}
    elif "tally" in keys:
        typed["tally"] = tally
        if spec.step is Step.PROBATION_EXTENDED:
            typed["months"] = item.extension_months
    else:  # the committee's decision, or the 党员大会's where the branch has no committee
        typed |= {"members": tally.entitled, "present": tally.present}
    return StepRequest(spec.step, meeting.held_on, typed, override, backfill_reason)


def _stored_evidence(conn: Connection, item: Row[Any]) -> dict[str, Any]:
    """The evidence typed when the item was added, as its audit event holds it."""
    for (payload,) in conn.execute(select(EVENTS.c.payload).where(
            EVENTS.c.kind == "meeting_item_added", EVENTS.c.case_id == item.case_id).order_by(EVENTS.c.seq)):
        if payload.get("agenda_item_id") == item.id:
            return dict(payload.get("evidence") or {})
    return {}


def _approver_level(meeting: Row[Any]) -> str:
    """Read from the organisation, not typed: only a 基层党委 with the power to approve may approve."""
    if meeting.org_kind == roster.OrganisationKind.GRASSROOTS_COMMITTEE.value and meeting.may_approve:
        return "grassroots_committee"
    if meeting.org_kind == roster.OrganisationKind.GENERAL_BRANCH.value:
        return "general_branch"
    return "subordinate_committee"
