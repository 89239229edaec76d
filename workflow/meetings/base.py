"""What every meeting act shares: the tables, the words a secretary types, row helpers and the refusal log.

Nothing here commits: each act in the sibling modules opens one transaction and calls these inside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, Row, Table, select, update
from sqlmodel import SQLModel

from states.attendance import (
    KIND_WORDS,
    PURPOSE_WORDS,
    PURPOSES,
    ItemPurpose,
    MeetingKind,
    Voter,
)
from states.facts import Standing
from states.periods import cn_date
from states.votes import Opinion, VotingMethod
from workflow import (
    audit,
    roster,
    services,
    tables,  # noqa: F401  (registers the meeting tables)
)
from workflow.clock import Clock
from workflow.errors import FazhanError, StaleRecord
from workflow.evidence import BadEvidence
from workflow.services import Actor, Settings


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


MEETINGS, VOTERS, ITEMS = _table("meetings"), _table("meeting_voters"), _table("agenda_items")
OPINIONS, CORRECTIONS = _table("written_opinions"), _table("meeting_corrections")
EVENTS = audit.EVENTS
DEFAULT_SETTINGS = Settings()
# Evidence the meeting itself supplies: typing it would reintroduce the typed numbers the issue forbids.
DERIVED = frozenset({"tally", "members", "present", "months", "approver_level", "applicants_in_decision"})
CORRECTABLE = {"title": "会议名称", "chair": "主持人", "recorder": "记录人", "discussion": "讨论情况"}
OPINION_WORDS = {o.label: o for o in Opinion} | {o.value: o for o in Opinion}
METHOD_WORDS = {"无记名投票": VotingMethod.SECRET_BALLOT, "无记名": VotingMethod.SECRET_BALLOT,
                "举手": VotingMethod.SHOW_OF_HANDS} | {m.value: m for m in VotingMethod}


class MeetingRefused(FazhanError):
    """A meeting act a rule does not allow: nothing is changed and the attempt is logged (exit code 3)."""

    def __init__(self, message: str, *, case_id: int | None = None) -> None:
        self.case_id = case_id
        super().__init__(message)


class UnknownMeeting(FazhanError, LookupError):
    def __init__(self, what: str, key: int) -> None:
        super().__init__(f"找不到{what}（编号{key}）。可用 fazhan meeting list 查看。")


# ---------------------------------------------------------------- small helpers (never commit)


def meeting_kind(text: str | MeetingKind) -> MeetingKind:
    if isinstance(text, MeetingKind):
        return text
    found = KIND_WORDS.get(text.strip())
    if found is None:
        raise BadEvidence(f"「{text}」不是可识别的会议类型，可选：支委会、党员大会、党委会。")
    return found


def item_purpose(text: str) -> ItemPurpose:
    found = PURPOSE_WORDS.get(text.strip())
    if found is None:
        options = "、".join(spec.label for spec in PURPOSES.values())
        raise BadEvidence(f"「{text}」不是可识别的议题，可选：{options}。")
    return found


def opinion_of(text: str) -> Opinion:
    found = OPINION_WORDS.get(text.strip())
    if found is None:
        raise BadEvidence(f"「{text}」不是可识别的意见，可选：赞成、反对、弃权。")
    return found


def voting_method(text: str) -> VotingMethod:
    found = METHOD_WORDS.get(text.strip())
    if found is None:
        raise BadEvidence(f"表决方式「{text}」无法识别，可选：无记名投票、举手。")
    return found


def new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the database returned no primary key")
    return int(key[0])


def meeting_row(conn: Connection, meeting_id: int) -> Row[Any]:
    row = conn.execute(select(MEETINGS, roster.ORGS.c.name.label("org_name"), roster.ORGS.c.kind.label("org_kind"),
                              roster.ORGS.c.has_committee, roster.ORGS.c.may_approve)
                       .join(roster.ORGS, roster.ORGS.c.id == MEETINGS.c.organisation_id)
                       .where(MEETINGS.c.id == meeting_id)).first()
    if row is None:
        raise UnknownMeeting("会议", meeting_id)
    return row


def open_meeting_row(conn: Connection, meeting_id: int) -> Row[Any]:
    row = meeting_row(conn, meeting_id)
    if row.status != "open":
        raise MeetingRefused(f"会议{meeting_id}已结束，不能再修改；如有错误，请用 fazhan meeting correct 登记更正（留痕）。")
    return row


def item_row(conn: Connection, item_id: int) -> Row[Any]:
    row = conn.execute(select(ITEMS, services.APPLICANTS.c.name.label("applicant"))
                       .join(services.CASES, services.CASES.c.id == ITEMS.c.case_id)
                       .join(services.APPLICANTS, services.APPLICANTS.c.id == services.CASES.c.applicant_id)
                       .where(ITEMS.c.id == item_id)).first()
    if row is None:
        raise UnknownMeeting("议题", item_id)
    return row


def pending_item(conn: Connection, item_id: int) -> tuple[Row[Any], Row[Any]]:
    item = item_row(conn, item_id)
    meeting = open_meeting_row(conn, item.meeting_id)
    if item.result != "pending":
        raise MeetingRefused(f"议题{item_id}（{item.applicant}）已作出决定（{RESULT_WORDS[item.result]}），不能再修改。",
                             case_id=item.case_id)
    return item, meeting


def require_held(meeting: Row[Any], clock: Clock, what: str) -> None:
    """Attendance, discussion, ballots and decisions happen at the meeting: not before its date."""
    if clock.today() < meeting.held_on:
        raise MeetingRefused(f"会议定于{cn_date(meeting.held_on)}召开，尚未到会议日期，不能{what}。")


def touch(conn: Connection, meeting: Row[Any]) -> None:
    """Compare-and-set on the meeting's version: every change to a meeting is serialised."""
    changed = conn.execute(update(MEETINGS).where(MEETINGS.c.id == meeting.id, MEETINGS.c.version == meeting.version)
                           .values(version=meeting.version + 1)).rowcount
    if changed != 1:
        raise StaleRecord()


def voter_rows(conn: Connection, meeting_id: int) -> list[Row[Any]]:
    return list(conn.execute(select(VOTERS, roster.MEMBERS.c.name)
                             .join(roster.MEMBERS, roster.MEMBERS.c.id == VOTERS.c.member_id)
                             .where(VOTERS.c.meeting_id == meeting_id).order_by(VOTERS.c.id)).all())


def voter_values(rows: Iterable[Row[Any]]) -> list[Voter]:

    return [Voter(r.member_id, r.name, Standing(r.standing), r.entitled, r.excluded_reason, r.present) for r in rows]


def voter_named(rows: Sequence[Row[Any]], name: str) -> Row[Any] | None:
    found = [r for r in rows if r.name == name.strip()]
    if len(found) > 1:
        raise FazhanError(f"本次会议名单中有{len(found)}名「{name}」，无法区分。")
    return found[0] if found else None


def decided_items(conn: Connection, meeting_id: int) -> int:
    return len(conn.execute(select(ITEMS.c.id).where(ITEMS.c.meeting_id == meeting_id,
                                                     ITEMS.c.result != "pending")).all())


def meeting_event(conn: Connection, clock: Clock, actor: Actor, kind: str, meeting: Row[Any], payload: Mapping[str, Any],
           case_id: int | None = None) -> int:
    return audit.append(conn, kind=kind, actor=actor.name, actor_role=actor.role, recorded_at=clock.now(),
                        effective_on=meeting.held_on, case_id=case_id,
                        payload={"meeting_id": meeting.id, **payload})


@contextmanager
def logged(engine: Engine, clock: Clock, actor: Actor, action: str, **ids: Any) -> Iterator[None]:
    """A refused meeting act leaves exactly one audit event, in a transaction of its own."""
    try:
        yield
    except MeetingRefused as refused:
        with engine.begin() as conn:
            audit.append(conn, kind="meeting_refused", actor=actor.name, actor_role=actor.role,
                         recorded_at=clock.now(), case_id=refused.case_id,
                         payload={"action": action, **ids, "reason": str(refused)})
        raise



def accepted_opinions(conn: Connection, item_id: int) -> list[Opinion]:
    return [Opinion(o) for o in conn.execute(select(OPINIONS.c.opinion).where(
        OPINIONS.c.agenda_item_id == item_id, OPINIONS.c.accepted.is_(True))).scalars()]



RESULT_WORDS = {"pending": "待表决", "passed": "通过", "failed": "未通过"}
