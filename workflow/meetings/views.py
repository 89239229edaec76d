"""Reading meetings: the minutes as ``fazhan meeting show`` and the web present them, corrections applied."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, Row, select

from states.attendance import (
    Ballots,
    ItemPurpose,
    MeetingKind,
    Voter,
    item_result,
    item_tally,
    secret_ballot_required,
)
from states.meeting_verdicts import result_verdicts
from states.verdicts import Verdict
from states.votes import Opinion, Tally, VoteResult, VotingMethod
from workflow import roster
from workflow.meetings.base import (
    CORRECTIONS,
    DEFAULT_SETTINGS,
    ITEMS,
    MEETINGS,
    OPINIONS,
    RESULT_WORDS,
    item_purpose,
    item_row,
    meeting_row,
    voter_rows,
    voter_values,
)
from workflow.services import Settings

# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class OpinionLine:
    name: str
    opinion: Opinion
    submitted_on: date
    accepted: bool
    reason: str | None


@dataclass(frozen=True)
class ItemView:
    id: int
    case_id: int
    applicant: str
    purpose: ItemPurpose
    discussion: str
    ballots: Ballots | None
    extension_months: int | None
    result: str
    step_record_id: int | None
    opinions: list[OpinionLine]
    tally: Tally | None
    vote: VoteResult | None
    verdicts: tuple[Verdict, ...] = ()  # why the vote is void or failed, each with its article

    @property
    def result_label(self) -> str:
        return RESULT_WORDS[self.result]


@dataclass(frozen=True)
class MeetingView:
    """A meeting as the minutes and ``fazhan meeting show`` present it, corrections applied."""
    id: int
    organisation: str
    kind: MeetingKind
    held_on: date
    title: str
    chair: str
    recorder: str
    status: str
    voters: list[Voter]
    items: list[ItemView]
    corrections: list[dict[str, Any]]

    @property
    def entitled(self) -> int:
        return sum(1 for v in self.voters if v.entitled)

    @property
    def present(self) -> int:
        return sum(1 for v in self.voters if v.entitled and v.present)


def meeting_view(engine: Engine, meeting_id: int, settings: Settings = DEFAULT_SETTINGS) -> MeetingView:
    with engine.connect() as conn:
        meeting = meeting_row(conn, meeting_id)
        voters = voter_values(voter_rows(conn, meeting_id))
        corrections = [dict(r) for r in conn.execute(select(CORRECTIONS).where(CORRECTIONS.c.meeting_id == meeting_id)
                                                      .order_by(CORRECTIONS.c.id)).mappings()]
        items = [_item_view(conn, meeting, row, voters, corrections, settings) for row in conn.execute(
            select(ITEMS.c.id).where(ITEMS.c.meeting_id == meeting_id).order_by(ITEMS.c.id)).scalars()]
    fixed = {c["field_name"]: c["new_value"] for c in corrections if c["agenda_item_id"] is None}
    return MeetingView(meeting.id, meeting.org_name, MeetingKind(meeting.kind), meeting.held_on,
                       fixed.get("title", meeting.title), fixed.get("chair", meeting.chair),
                       fixed.get("recorder", meeting.recorder), meeting.status, voters, items, corrections)


def _item_view(conn: Connection, meeting: Row[Any], item_id: int, voters: list[Voter],
               corrections: list[dict[str, Any]], settings: Settings) -> ItemView:
    item = item_row(conn, item_id)
    opinions = [OpinionLine(r.name, Opinion(r.opinion), r.submitted_on, r.accepted, r.rejection_reason)
                for r in conn.execute(select(OPINIONS, roster.MEMBERS.c.name)
                                      .join(roster.MEMBERS, roster.MEMBERS.c.id == OPINIONS.c.member_id)
                                      .where(OPINIONS.c.agenda_item_id == item_id).order_by(OPINIONS.c.id))]
    ballots = tally = vote = None
    verdicts: tuple[Verdict, ...] = ()
    if item.yes is not None:
        ballots = Ballots(item.yes, item.no, item.abstain, item.invalid, VotingMethod(item.method))
        tally = item_tally(voters, ballots, [o.opinion for o in opinions if o.accepted])
        purpose = item_purpose(item.purpose)
        rule_set = settings.policy.rule_set_on(meeting.held_on)
        vote = item_result(tally, MeetingKind(meeting.kind), half_is_enough=settings.policy.committee_half_is_enough,
                           secret_ballot=secret_ballot_required(purpose, rule_set))
        verdicts = result_verdicts(tally, vote, MeetingKind(meeting.kind), purpose, rule_set)
    discussion = next((c["new_value"] for c in reversed(corrections)
                       if c["agenda_item_id"] == item_id and c["field_name"] == "discussion"), item.discussion)
    return ItemView(item.id, item.case_id, item.applicant, item_purpose(item.purpose), discussion, ballots,
                    item.extension_months, item.result, item.step_record_id, opinions, tally, vote, verdicts)


@dataclass(frozen=True)
class MeetingSummary:
    id: int
    organisation: str
    kind: MeetingKind
    held_on: date
    status: str
    items: int


def list_meetings(engine: Engine, organisation: str | None = None) -> list[MeetingSummary]:
    with engine.connect() as conn:
        query = (select(MEETINGS.c.id, roster.ORGS.c.name, MEETINGS.c.kind, MEETINGS.c.held_on, MEETINGS.c.status)
                 .join(roster.ORGS, roster.ORGS.c.id == MEETINGS.c.organisation_id).order_by(MEETINGS.c.id))
        if organisation:
            query = query.where(MEETINGS.c.organisation_id.in_(
                roster.subtree(conn, roster.organisation_id(conn, organisation))))
        counts: dict[int, int] = {}
        for (meeting_id,) in conn.execute(select(ITEMS.c.meeting_id)):
            counts[meeting_id] = counts.get(meeting_id, 0) + 1
        return [MeetingSummary(r.id, r.name, MeetingKind(r.kind), r.held_on, r.status, counts.get(r.id, 0))
                for r in conn.execute(query)]


def item_meeting(engine: Engine, item_id: int) -> int:
    with engine.connect() as conn:
        return int(item_row(conn, item_id).meeting_id)
