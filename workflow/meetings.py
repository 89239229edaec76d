"""Meetings and one-by-one votes: each action is one transaction that checks, writes and appends its audit event.

The meeting keeps its own voter list, taken from the roster of the meeting date when it is opened; every tally
is computed from that list, the recorded attendance and the accepted written opinions, never from typed
应到/实到 numbers. A passed item records its procedure step through ``services.advance`` (so every rule of the
step applies); a failed item changes no status and is kept with its tally. Refusals change nothing and leave one
``meeting_refused`` event, as refused steps do.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, Row, Table, insert, or_, select, update
from sqlmodel import SQLModel

from states.attendance import (
    CATEGORY_WORDS,
    COMMITTEE_POSTS,
    KIND_WORDS,
    PROBATION_OUTCOMES,
    PURPOSE_WORDS,
    PURPOSES,
    Ballots,
    Exclusion,
    ItemPurpose,
    MeetingKind,
    RosterEntry,
    Voter,
    attendance_problem,
    entitled_and_present,
    entitled_voters,
    exclusion_problem,
    item_result,
    item_tally,
    purpose_problem,
    result_sentences,
    secret_ballot_required,
    voting_method_problem,
    written_opinion_problem,
)
from states.facts import Override, Standing
from states.periods import cn_date
from states.procedure import SPECS, Field
from states.rules import probation_ends_on
from states.steps import Status, Step
from states.votes import Opinion, Tally, VoteResult, VotingMethod, tally_problems
from workflow import audit, roster, services, tables  # noqa: F401  (tables: registers the meeting tables)
from workflow.clock import Clock
from workflow.errors import FazhanError, StaleRecord
from workflow.evidence import BadEvidence, from_json, parse_value, to_json
from workflow.services import Actor, Settings, StepRequest


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


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the database returned no primary key")
    return int(key[0])


def _meeting_row(conn: Connection, meeting_id: int) -> Row[Any]:
    row = conn.execute(select(MEETINGS, roster.ORGS.c.name.label("org_name"), roster.ORGS.c.kind.label("org_kind"),
                              roster.ORGS.c.has_committee, roster.ORGS.c.may_approve)
                       .join(roster.ORGS, roster.ORGS.c.id == MEETINGS.c.organisation_id)
                       .where(MEETINGS.c.id == meeting_id)).first()
    if row is None:
        raise UnknownMeeting("会议", meeting_id)
    return row


def _open_meeting_row(conn: Connection, meeting_id: int) -> Row[Any]:
    row = _meeting_row(conn, meeting_id)
    if row.status != "open":
        raise MeetingRefused(f"会议{meeting_id}已结束，不能再修改；如有错误，请用 fazhan meeting correct 登记更正（留痕）。")
    return row


def _item_row(conn: Connection, item_id: int) -> Row[Any]:
    row = conn.execute(select(ITEMS, services.APPLICANTS.c.name.label("applicant"))
                       .join(services.CASES, services.CASES.c.id == ITEMS.c.case_id)
                       .join(services.APPLICANTS, services.APPLICANTS.c.id == services.CASES.c.applicant_id)
                       .where(ITEMS.c.id == item_id)).first()
    if row is None:
        raise UnknownMeeting("议题", item_id)
    return row


def _pending_item(conn: Connection, item_id: int) -> tuple[Row[Any], Row[Any]]:
    item = _item_row(conn, item_id)
    meeting = _open_meeting_row(conn, item.meeting_id)
    if item.result != "pending":
        raise MeetingRefused(f"议题{item_id}（{item.applicant}）已作出决定（{_RESULT_WORDS[item.result]}），不能再修改。",
                             case_id=item.case_id)
    return item, meeting


def _held(meeting: Row[Any], clock: Clock, what: str) -> None:
    """Attendance, discussion, ballots and decisions happen at the meeting: not before its date."""
    if clock.today() < meeting.held_on:
        raise MeetingRefused(f"会议定于{cn_date(meeting.held_on)}召开，尚未到会议日期，不能{what}。")


def _touch(conn: Connection, meeting: Row[Any]) -> None:
    """Compare-and-set on the meeting's version: every change to a meeting is serialised."""
    changed = conn.execute(update(MEETINGS).where(MEETINGS.c.id == meeting.id, MEETINGS.c.version == meeting.version)
                           .values(version=meeting.version + 1)).rowcount
    if changed != 1:
        raise StaleRecord()


def _voters(conn: Connection, meeting_id: int) -> list[Row[Any]]:
    return list(conn.execute(select(VOTERS, roster.MEMBERS.c.name)
                             .join(roster.MEMBERS, roster.MEMBERS.c.id == VOTERS.c.member_id)
                             .where(VOTERS.c.meeting_id == meeting_id).order_by(VOTERS.c.id)).all())


def _voter_values(rows: Iterable[Row[Any]]) -> list[Voter]:

    return [Voter(r.member_id, r.name, Standing(r.standing), r.entitled, r.excluded_reason, r.present) for r in rows]


def _voter_named(rows: Sequence[Row[Any]], name: str) -> Row[Any] | None:
    found = [r for r in rows if r.name == name.strip()]
    if len(found) > 1:
        raise FazhanError(f"本次会议名单中有{len(found)}名「{name}」，无法区分。")
    return found[0] if found else None


def _decided_items(conn: Connection, meeting_id: int) -> int:
    return len(conn.execute(select(ITEMS.c.id).where(ITEMS.c.meeting_id == meeting_id,
                                                     ITEMS.c.result != "pending")).all())


def _event(conn: Connection, clock: Clock, actor: Actor, kind: str, meeting: Row[Any], payload: Mapping[str, Any],
           case_id: int | None = None) -> int:
    return audit.append(conn, kind=kind, actor=actor.name, actor_role=actor.role, recorded_at=clock.now(),
                        effective_on=meeting.held_on, case_id=case_id,
                        payload={"meeting_id": meeting.id, **payload})


@contextmanager
def _logged(engine: Engine, clock: Clock, actor: Actor, action: str, **ids: Any) -> Iterator[None]:
    """A refused meeting act leaves exactly one audit event, in a transaction of its own."""
    try:
        yield
    except MeetingRefused as refused:
        with engine.begin() as conn:
            audit.append(conn, kind="meeting_refused", actor=actor.name, actor_role=actor.role,
                         recorded_at=clock.now(), case_id=refused.case_id,
                         payload={"action": action, **ids, "reason": str(refused)})
        raise


# ---------------------------------------------------------------- open: the voter list of the meeting date


@dataclass(frozen=True)
class Opened:
    meeting_id: int
    title: str
    kind: MeetingKind
    entitled: list[str]
    not_entitled: list[tuple[str, str]]


def open_meeting(engine: Engine, clock: Clock, actor: Actor, *, organisation: str, kind: str | MeetingKind,
                 held_on: date, title: str = "", chair: str = "", recorder: str = "") -> Opened:
    """Open a meeting of an organisation on a date and take its voter list from the roster of that date.

    A meeting may be opened ahead of its date (its agenda, written opinions and P4 exclusions are prepared
    beforehand, and the notices announce it); what happens at the meeting is refused until the date comes.
    """
    body = meeting_kind(kind)
    with (_logged(engine, clock, actor, "open_meeting", organisation=organisation, kind=body.value),
          engine.begin() as conn):
        org_id = roster.organisation_id(conn, organisation)
        org = conn.execute(select(roster.ORGS).where(roster.ORGS.c.id == org_id)).one()
        _check_body(body, org)
        people = _roster_of(conn, body, org_id, held_on)
        voters = entitled_voters(people, on=held_on)
        if not any(v.entitled for v in voters):
            who = "有表决权的正式党员" if body is MeetingKind.BRANCH_GENERAL_MEETING else "委员（书记、副书记、组织委员、委员）"
            raise MeetingRefused(f"「{organisation}」在{held_on.isoformat()}没有登记的{who}，无法确定应到人数。")
        title = title.strip() or _title(organisation, body)
        meeting_id = _new_id(conn.execute(insert(MEETINGS).values(
            organisation_id=org_id, kind=body.value, held_on=held_on, title=title,
            chair=chair, recorder=recorder, status="open", version=0)))
        conn.execute(insert(VOTERS), [
            {"meeting_id": meeting_id, "member_id": v.member_id, "standing": v.standing.value,
             "entitled": v.entitled, "excluded_reason": v.excluded_reason, "present": False} for v in voters])
        meeting = _meeting_row(conn, meeting_id)
        _event(conn, clock, actor, "meeting_opened", meeting, {
            "organisation": organisation, "kind": body.value, "held_on": held_on.isoformat(),
            "planned": held_on > clock.today(),
            "voters": [{"member_id": v.member_id, "name": v.name, "standing": v.standing.value,
                        "entitled": v.entitled} for v in voters]})
    return Opened(meeting_id, title, body, [v.name for v in voters if v.entitled],
                  [(v.name, v.not_counted_note) for v in voters if not v.entitled])


def _title(organisation: str, body: MeetingKind) -> str:
    """计算机学院党支部党员大会, 计算机学院党支部支部委员会会议, 某大学党委会议."""
    if body is MeetingKind.PARTY_COMMITTEE and organisation.endswith("党委"):
        return f"{organisation}会议"
    return f"{organisation}{body.short}"


def _check_body(body: MeetingKind, org: Row[Any]) -> None:
    """支部大会 and 支委会 belong to a 党支部; the approving meeting to a 党委 (a 党总支's refusal comes from the rules)."""
    kind = roster.OrganisationKind(org.kind)
    if body is MeetingKind.PARTY_COMMITTEE:
        if kind not in {roster.OrganisationKind.GRASSROOTS_COMMITTEE, roster.OrganisationKind.GENERAL_BRANCH}:
            raise MeetingRefused(f"「{org.name}」是{kind.label}，不能召开审批发展党员的党委会议。")
        return
    if kind is not roster.OrganisationKind.BRANCH:
        raise MeetingRefused(f"「{org.name}」是{kind.label}，{body.label}由党支部召开。")
    if body is MeetingKind.BRANCH_COMMITTEE and not org.has_committee:
        raise MeetingRefused(f"「{org.name}」不设支部委员会，其职责由支部党员大会行使（细则第八条），请召开党员大会。")


def _roster_of(conn: Connection, body: MeetingKind, org_id: int, on: date) -> list[RosterEntry]:
    """党员大会: every member of the branch (and its 党小组) on the date; 委员会: members holding a committee post."""
    if body is MeetingKind.BRANCH_GENERAL_MEETING:
        query = select(roster.MEMBERS.c.id, roster.MEMBERS.c.name).where(
            roster.MEMBERS.c.organisation_id.in_(roster.subtree(conn, org_id)))
    else:
        query = (select(roster.MEMBERS.c.id, roster.MEMBERS.c.name).distinct()
                 .join(roster.ROLES, roster.ROLES.c.member_id == roster.MEMBERS.c.id)
                 .where(roster.ROLES.c.organisation_id == org_id, roster.ROLES.c.role.in_(sorted(COMMITTEE_POSTS)),
                        roster.ROLES.c.from_on <= on,
                        or_(roster.ROLES.c.until_on.is_(None), roster.ROLES.c.until_on > on)))
    entries = []
    for member_id, name in conn.execute(query.order_by(roster.MEMBERS.c.id)).all():
        standing = roster.standing_on(conn, member_id, on)
        if standing is not Standing.NOT_A_MEMBER:  # not yet (or no longer) on the roster that day
            entries.append(RosterEntry(member_id, name, standing))
    return entries


def _refresh_roster(conn: Connection, clock: Clock, actor: Actor, meeting: Row[Any]) -> None:
    """Until the first voter is marked present, the list follows the roster of the meeting date.

    A meeting opened ahead of its date took the roster as it then stood; a member who became 正式 (or was
    sanctioned) since, with effect on or before the meeting date, is counted as the roster now says.
    """
    rows = _voters(conn, meeting.id)
    if any(r.present for r in rows):
        return  # the meeting has started: its list is the record
    people = _roster_of(conn, MeetingKind(meeting.kind), meeting.organisation_id, meeting.held_on)
    fresh = {v.member_id: v for v in entitled_voters(people, on=meeting.held_on)}
    known = {r.member_id: r for r in rows}
    changed, lost = [], []
    for member_id, v in fresh.items():
        row = known.get(member_id)
        values = {"standing": v.standing.value, "entitled": v.entitled, "excluded_reason": v.excluded_reason}
        if row is None:
            conn.execute(insert(VOTERS).values(meeting_id=meeting.id, member_id=member_id, present=False, **values))
        elif row.standing != v.standing.value:  # a P4 exclusion of an unchanged member stays as it is
            conn.execute(update(VOTERS).where(VOTERS.c.id == row.id).values(**values))
        else:
            continue
        changed.append({"name": v.name, "standing": v.standing.value, "entitled": v.entitled})
        if not v.entitled:
            lost.append(member_id)
    for member_id, row in known.items():
        if member_id not in fresh and row.standing != Standing.NOT_A_MEMBER.value:
            reason = f"{row.name}在{cn_date(meeting.held_on)}已不在本组织的党员名册中，没有表决权。"
            conn.execute(update(VOTERS).where(VOTERS.c.id == row.id).values(
                standing=Standing.NOT_A_MEMBER.value, entitled=False, excluded_reason=reason))
            changed.append({"name": row.name, "standing": Standing.NOT_A_MEMBER.value, "entitled": False})
            lost.append(member_id)
    if changed:
        _void_opinions(conn, clock, actor, meeting, lost, "按会议当日的党员名册，本人没有表决权，书面意见不能统计在票数内。")
        _event(conn, clock, actor, "meeting_roster_refreshed", meeting, {"changed": changed})


# ---------------------------------------------------------------- attendance and P4 exclusions


@dataclass(frozen=True)
class Attendance:
    entitled: int
    present: int
    names: list[str]
    voided_opinions: list[str] = field(default_factory=list)


def record_attendance(engine: Engine, clock: Clock, actor: Actor, meeting_id: int, names: Sequence[str],
                      *, present: bool = True) -> Attendance:
    """Mark entitled voters present (or absent again); anyone without a vote is refused with the reason."""
    with (_logged(engine, clock, actor, "record_attendance", meeting_id=meeting_id, names=list(names)),
          engine.begin() as conn):
        meeting = _open_meeting_row(conn, meeting_id)
        _held(meeting, clock, "登记出席情况")
        if _decided_items(conn, meeting_id):
            raise MeetingRefused("本次会议已有议题作出决定，出席情况不能再更改（已记录的表决以当时的应到、实到人数为准）。")
        _refresh_roster(conn, clock, actor, meeting)
        rows = _voters(conn, meeting_id)
        voters = {r.member_id: v for r, v in zip(rows, _voter_values(rows), strict=True)}
        chosen, problems = [], []
        for name in names:
            row = _voter_named(rows, name)
            problem = attendance_problem(voters[row.member_id] if row else None, name, meeting.held_on)
            if problem:
                problems.append(problem)
            elif row is not None:
                chosen.append(row)
        if problems:
            raise MeetingRefused("".join(problems))
        conn.execute(update(VOTERS).where(VOTERS.c.id.in_([r.id for r in chosen])).values(present=present))
        voided = _void_opinions(conn, clock, actor, meeting, [r.member_id for r in chosen],
                                "本人已到会，书面意见作废（书面意见只统计因故不能到会的党员的意见）。") if present else []
        entitled, attending = entitled_and_present(_voter_values(_voters(conn, meeting_id)))
        _touch(conn, meeting)
        _event(conn, clock, actor, "meeting_attendance_recorded", meeting, {
            "names": [r.name for r in chosen], "present": present, "entitled": entitled, "present_count": attending})
    return Attendance(entitled, attending, [r.name for r in chosen], voided)


def _void_opinions(conn: Connection, clock: Clock, actor: Actor, meeting: Row[Any], member_ids: list[int],
                   reason: str) -> list[str]:
    """Accepted written opinions of members who turn out present or excluded no longer count."""
    rows = conn.execute(select(OPINIONS.c.id, OPINIONS.c.agenda_item_id, ITEMS.c.case_id, roster.MEMBERS.c.name)
                        .join(ITEMS, ITEMS.c.id == OPINIONS.c.agenda_item_id)
                        .join(roster.MEMBERS, roster.MEMBERS.c.id == OPINIONS.c.member_id)
                        .where(ITEMS.c.meeting_id == meeting.id, OPINIONS.c.accepted.is_(True),
                               OPINIONS.c.member_id.in_(member_ids))).all()
    for row in rows:
        conn.execute(update(OPINIONS).where(OPINIONS.c.id == row.id).values(accepted=False, rejection_reason=reason))
        _event(conn, clock, actor, "written_opinion_rejected", meeting, {
            "written_opinion_id": row.id, "agenda_item_id": row.agenda_item_id, "name": row.name, "reason": reason},
            case_id=row.case_id)
    return [row.name for row in rows]


def exclude_voter(engine: Engine, clock: Clock, actor: Actor, meeting_id: int, name: str, *, category: str,
                  consent: str, resolution: str) -> Attendance:
    """Leave an entitled member out of 应到 under P4: one of the five categories, with consent and resolution."""
    with (_logged(engine, clock, actor, "exclude_voter", meeting_id=meeting_id, name=name),
          engine.begin() as conn):
        meeting = _open_meeting_row(conn, meeting_id)
        if MeetingKind(meeting.kind) is not MeetingKind.BRANCH_GENERAL_MEETING:
            raise MeetingRefused("不计入应到会人数的规定只适用于支部党员大会。")
        problem = exclusion_problem(category, consent, resolution)
        if problem:
            raise MeetingRefused(problem)
        if conn.execute(select(ITEMS.c.id).where(ITEMS.c.meeting_id == meeting_id, ITEMS.c.yes.is_not(None))).first():
            raise MeetingRefused("表决已经开始，不能再调整应到会人数。")
        _refresh_roster(conn, clock, actor, meeting)
        rows = _voters(conn, meeting_id)
        row = _voter_named(rows, name)
        if row is None or not row.entitled:
            why = row.excluded_reason if row else "不在本次会议的党员名单中"
            raise MeetingRefused(f"{name}本来就不计入应到会人数（{why}），无须排除。")
        if row.present:
            raise MeetingRefused(f"{name}已登记到会，不能从应到会人数中排除。")
        exclusion = Exclusion(row.member_id, CATEGORY_WORDS[category.strip()], consent.strip(), resolution.strip())
        conn.execute(update(VOTERS).where(VOTERS.c.id == row.id)
                     .values(entitled=False, excluded_reason=exclusion.reason()))
        voided = _void_opinions(conn, clock, actor, meeting, [row.member_id],
                                "本人已按规定不计入应到会人数，书面意见不能统计在票数内。")
        entitled, attending = entitled_and_present(_voter_values(_voters(conn, meeting_id)))
        _touch(conn, meeting)
        _event(conn, clock, actor, "meeting_voter_excluded", meeting, {
            "name": name, "member_id": row.member_id, "category": exclusion.category.value,
            "consent": exclusion.consent, "resolution": exclusion.resolution, "entitled": entitled})
    return Attendance(entitled, attending, [name], voided)


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
    pairs = assignments.items() if isinstance(assignments, Mapping) else (_split(a) for a in assignments)
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


def _split(assignment: str) -> tuple[str, str]:
    key, sep, value = assignment.partition("=")
    if not sep:
        raise BadEvidence(f"「{assignment}」应写成 名称=值。")
    return key, value


def add_item(engine: Engine, clock: Clock, actor: Actor, meeting_id: int, case_id: int, purpose: str | ItemPurpose,
             evidence: Iterable[str] | Mapping[str, str] = ()) -> int:
    """Put one applicant on the agenda for one purpose; a second item for the same applicant and purpose is refused."""
    chosen = item_purpose(purpose) if isinstance(purpose, str) else purpose
    typed = parse_item_evidence(chosen, evidence)
    with (_logged(engine, clock, actor, "add_item", meeting_id=meeting_id, case_id=case_id, purpose=chosen.value),
          engine.begin() as conn):
        meeting = _open_meeting_row(conn, meeting_id)
        problem = purpose_problem(chosen, MeetingKind(meeting.kind), bool(meeting.has_committee))
        if problem:
            raise MeetingRefused(problem, case_id=case_id)
        loaded = services.load_case(conn, case_id)
        name = _applicant_name(conn, case_id)
        _check_case_belongs(conn, meeting, loaded.organisation_id, name, case_id)
        _check_status(chosen, loaded.facts.status, name, case_id)
        _check_required(chosen, typed)
        taken = conn.execute(select(ITEMS.c.id, ITEMS.c.purpose).where(
            ITEMS.c.meeting_id == meeting_id, ITEMS.c.case_id == case_id,
            ITEMS.c.purpose.in_([p.value for p in _family(chosen)]))).first()
        if taken:
            raise MeetingRefused(f"本次会议已有{name}的「{PURPOSES[item_purpose(taken.purpose)].label}」议题（编号{taken.id}）："
                                 "每人每项只列一个议题，逐个讨论和表决。", case_id=case_id)
        item_id = _new_id(conn.execute(insert(ITEMS).values(
            meeting_id=meeting_id, case_id=case_id, purpose=chosen.value, discussion="", result="pending")))
        _touch(conn, meeting)
        _event(conn, clock, actor, "meeting_item_added", meeting, {
            "agenda_item_id": item_id, "purpose": chosen.value, "applicant": name,
            "evidence": {k: to_json(v) for k, v in typed.items()}}, case_id=case_id)
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
    with (_logged(engine, clock, actor, "record_written_opinion", agenda_item_id=item_id, name=name),
          engine.begin() as conn):
        item, meeting = _pending_item(conn, item_id)
        if MeetingKind(meeting.kind) is not MeetingKind.BRANCH_GENERAL_MEETING:
            raise MeetingRefused("书面意见只适用于支部党员大会的表决（细则第二十一条）。", case_id=item.case_id)
        _refresh_roster(conn, clock, actor, meeting)
        member = roster.member_id(conn, name.strip(), meeting.organisation_id)
        rows = _voters(conn, meeting.id)
        row = next((r for r in rows if r.member_id == member), None)
        voter = _voter_values([row])[0] if row else None
        already = conn.execute(select(OPINIONS.c.id).where(
            OPINIONS.c.agenda_item_id == item_id, OPINIONS.c.member_id == member,
            OPINIONS.c.accepted.is_(True))).first() is not None
        problem = written_opinion_problem(voter, name.strip(), submitted_on, meeting.held_on, already_given=already)
        opinion_id = _new_id(conn.execute(insert(OPINIONS).values(
            agenda_item_id=item_id, member_id=member, opinion=value.value, submitted_on=submitted_on,
            accepted=problem is None, rejection_reason=problem)))
        _touch(conn, meeting)
        _event(conn, clock, actor, "written_opinion_accepted" if problem is None else "written_opinion_rejected",
               meeting, {"written_opinion_id": opinion_id, "agenda_item_id": item_id, "name": name.strip(),
                         "opinion": value.value, "submitted_on": submitted_on.isoformat(), "reason": problem},
               case_id=item.case_id)
    return OpinionRecorded(opinion_id, problem is None, problem)


def record_discussion(engine: Engine, clock: Clock, actor: Actor, item_id: int, text: str) -> None:
    """The item's own discussion record (逐个讨论): required before its ballot."""
    if not text.strip():
        raise BadEvidence("请写明讨论情况。")
    with _logged(engine, clock, actor, "record_discussion", agenda_item_id=item_id), engine.begin() as conn:
        item, meeting = _pending_item(conn, item_id)
        _held(meeting, clock, "记录讨论情况")
        conn.execute(update(ITEMS).where(ITEMS.c.id == item_id).values(discussion=text.strip()))
        _touch(conn, meeting)
        _event(conn, clock, actor, "meeting_discussion_recorded", meeting,
               {"agenda_item_id": item_id, "discussion": text.strip(), "previous": item.discussion or None},
               case_id=item.case_id)


def record_ballot(engine: Engine, clock: Clock, actor: Actor, item_id: int, ballots: Ballots, *,
                  months: int | None = None, outcome: str | None = None, settings: Settings = DEFAULT_SETTINGS) -> Tally:
    """The count of one item's own ballot; a show of hands after 2014 or more ballots than voters is refused."""
    with _logged(engine, clock, actor, "record_ballot", agenda_item_id=item_id), engine.begin() as conn:
        item, meeting = _pending_item(conn, item_id)
        _held(meeting, clock, "记录表决结果")
        if not item.discussion.strip():
            raise MeetingRefused(f"请先记录对{item.applicant}的讨论情况：每名对象应当逐个讨论和表决。", case_id=item.case_id)
        motion = _motion(item_purpose(item.purpose), months, outcome, item.extension_months)
        problem = voting_method_problem(motion, ballots.method, settings.policy.rule_set_on(meeting.held_on))
        tally = item_tally(_voter_values(_voters(conn, meeting.id)), ballots, _accepted(conn, item_id))
        problems = ([problem] if problem else []) + _count_problems(tally, ballots)
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
        _touch(conn, meeting)
        _event(conn, clock, actor, "meeting_ballot_recorded", meeting, {
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


def _accepted(conn: Connection, item_id: int) -> list[Opinion]:
    return [Opinion(o) for o in conn.execute(select(OPINIONS.c.opinion).where(
        OPINIONS.c.agenda_item_id == item_id, OPINIONS.c.accepted.is_(True))).scalars()]


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


_RESULT_WORDS = {"pending": "待表决", "passed": "通过", "failed": "未通过"}


def decide_item(engine: Engine, clock: Clock, actor: Actor, item_id: int, *,
                evidence: Iterable[str] | Mapping[str, str] = (), override: Override | None = None,
                backfill_reason: str | None = None, settings: Settings = DEFAULT_SETTINGS) -> Decided:
    """Count the item from the meeting's own records; record its step if it passed, or keep it as failed.

    A vote that cannot stand (no quorum, counts that do not add up) is refused and the item stays as it was;
    so does a passed vote whose step the procedure refuses (``StepRefused``, logged by ``services.advance``).
    """
    with _logged(engine, clock, actor, "decide_item", agenda_item_id=item_id), engine.begin() as conn:
        item, meeting = _pending_item(conn, item_id)
        _held(meeting, clock, "作出决定")
        if item.yes is None:
            raise MeetingRefused(f"议题{item_id}（{item.applicant}）尚未记录表决票数。", case_id=item.case_id)
        purpose, kind = item_purpose(item.purpose), MeetingKind(meeting.kind)
        voters = _voter_values(_voters(conn, meeting.id))
        ballots = Ballots(item.yes, item.no, item.abstain, item.invalid, VotingMethod(item.method))
        tally = item_tally(voters, ballots, _accepted(conn, item_id))
        vote = item_result(tally, kind, half_is_enough=settings.policy.committee_half_is_enough,
                           secret_ballot=secret_ballot_required(purpose, settings.policy.rule_set_on(meeting.held_on)))
        reasons = result_sentences(tally, vote, kind)
        if vote.problems or not vote.quorum:
            raise MeetingRefused("不能作出决定：" + "".join(reasons), case_id=item.case_id)
        if not vote.carried:
            conn.execute(update(ITEMS).where(ITEMS.c.id == item_id).values(result="failed"))
            _touch(conn, meeting)
            _event(conn, clock, actor, "meeting_item_failed", meeting, {
                "agenda_item_id": item_id, "purpose": purpose.value, "step": PURPOSES[purpose].step.value,
                "tally": to_json(tally), "needed_yes": vote.needed_yes, "reasons": reasons}, case_id=item.case_id)
            return Decided(item_id, item.case_id, item.applicant, purpose, False, tally, vote, None, reasons)
        request = _step_request(conn, meeting, item, purpose, tally, evidence, override, backfill_reason)
    # The step is recorded in advance()'s own transaction: a refusal there leaves this item pending.
    advanced = services.advance(engine, clock, actor, item.case_id, request, settings)
    with engine.begin() as conn:
        step_record_id = conn.execute(select(EVENTS.c.payload).where(EVENTS.c.seq == advanced.audit_seq)
                                      ).scalar_one()["step_record_id"]
        changed = conn.execute(update(ITEMS).where(ITEMS.c.id == item_id, ITEMS.c.result == "pending")
                               .values(result="passed", step_record_id=step_record_id)).rowcount
        if changed != 1:
            raise StaleRecord()
        meeting = _meeting_row(conn, meeting.id)
        _touch(conn, meeting)
        _event(conn, clock, actor, "meeting_item_passed", meeting, {
            "agenda_item_id": item_id, "purpose": purpose.value, "step": request.step.value,
            "step_record_id": step_record_id, "tally": to_json(tally)}, case_id=item.case_id)
        ends = probation_ends_on(services.load_case(conn, item.case_id).facts, settings.policy)
    return Decided(item_id, item.case_id, item.applicant, purpose, True, tally, vote, advanced, [], ends,
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


# ---------------------------------------------------------------- close and correct


def close_meeting(engine: Engine, clock: Clock, actor: Actor, meeting_id: int) -> None:
    """Close the meeting: from now on it changes only by audited corrections."""
    with _logged(engine, clock, actor, "close_meeting", meeting_id=meeting_id), engine.begin() as conn:
        meeting = _open_meeting_row(conn, meeting_id)
        _held(meeting, clock, "结束会议")
        voted = conn.execute(select(ITEMS.c.id, services.APPLICANTS.c.name)
                             .join(services.CASES, services.CASES.c.id == ITEMS.c.case_id)
                             .join(services.APPLICANTS, services.APPLICANTS.c.id == services.CASES.c.applicant_id)
                             .where(ITEMS.c.meeting_id == meeting_id, ITEMS.c.result == "pending",
                                    ITEMS.c.yes.is_not(None))).all()
        if voted:
            names = "、".join(f"{name}（议题{i}）" for i, name in voted)
            raise MeetingRefused(f"{names}已记录表决票数但尚未作出决定，请先用 fazhan meeting decide 作出决定。")
        conn.execute(update(MEETINGS).where(MEETINGS.c.id == meeting_id)
                     .values(status="closed", closed_at=clock.now()))
        _touch(conn, meeting)
        results = conn.execute(select(ITEMS.c.id, ITEMS.c.case_id, ITEMS.c.purpose, ITEMS.c.result)
                               .where(ITEMS.c.meeting_id == meeting_id).order_by(ITEMS.c.id)).all()
        _event(conn, clock, actor, "meeting_closed", meeting, {"items": [
            {"agenda_item_id": i, "case_id": c, "purpose": p, "result": r} for i, c, p, r in results]})


def correct_meeting(engine: Engine, clock: Clock, actor: Actor, meeting_id: int, *, field_name: str, value: str,
                    reason: str, item_id: int | None = None) -> int:
    """A correction to a closed meeting: a new record saying what was wrong, what is right, why and who says so."""
    key = next((k for k, label in CORRECTABLE.items() if field_name.strip() in {k, label}), None)
    if key is None:
        raise BadEvidence(f"「{field_name}」不能更正；可更正：{'、'.join(CORRECTABLE.values())}。表决结果只能由上级党组织依规处理。")
    if not reason.strip():
        raise BadEvidence("更正须写明理由。")
    if (key == "discussion") != (item_id is not None):
        raise BadEvidence("更正讨论情况须用 --item 指明议题；会议名称、主持人、记录人不属于某一议题。")
    with (_logged(engine, clock, actor, "correct_meeting", meeting_id=meeting_id, field=key),
          engine.begin() as conn):
        meeting = _meeting_row(conn, meeting_id)
        if meeting.status != "closed":
            raise MeetingRefused(f"会议{meeting_id}尚未结束，可以直接修改，无须更正。")
        old = _current_value(conn, meeting, key, item_id)
        correction_id = _new_id(conn.execute(insert(CORRECTIONS).values(
            meeting_id=meeting_id, agenda_item_id=item_id, field_name=key, old_value=old, new_value=value.strip(),
            reason=reason.strip(), corrected_by=actor.name, corrected_at=clock.now())))
        _touch(conn, meeting)
        _event(conn, clock, actor, "meeting_corrected", meeting, {
            "correction_id": correction_id, "agenda_item_id": item_id, "field": key, "old_value": old,
            "new_value": value.strip(), "reason": reason.strip()})
    return correction_id


def _current_value(conn: Connection, meeting: Row[Any], key: str, item_id: int | None) -> str:
    latest = conn.execute(select(CORRECTIONS.c.new_value).where(
        CORRECTIONS.c.meeting_id == meeting.id, CORRECTIONS.c.field_name == key,
        CORRECTIONS.c.agenda_item_id.is_(None) if item_id is None else CORRECTIONS.c.agenda_item_id == item_id,
    ).order_by(CORRECTIONS.c.id.desc())).first()
    if latest:
        return str(latest[0])
    if item_id is None:
        return str(getattr(meeting, key))
    item = _item_row(conn, item_id)
    if item.meeting_id != meeting.id:
        raise UnknownMeeting("本次会议的议题", item_id)
    return str(item.discussion)


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

    @property
    def result_label(self) -> str:
        return _RESULT_WORDS[self.result]


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
        meeting = _meeting_row(conn, meeting_id)
        voters = _voter_values(_voters(conn, meeting_id))
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
    item = _item_row(conn, item_id)
    opinions = [OpinionLine(r.name, Opinion(r.opinion), r.submitted_on, r.accepted, r.rejection_reason)
                for r in conn.execute(select(OPINIONS, roster.MEMBERS.c.name)
                                      .join(roster.MEMBERS, roster.MEMBERS.c.id == OPINIONS.c.member_id)
                                      .where(OPINIONS.c.agenda_item_id == item_id).order_by(OPINIONS.c.id))]
    ballots = tally = vote = None
    if item.yes is not None:
        ballots = Ballots(item.yes, item.no, item.abstain, item.invalid, VotingMethod(item.method))
        tally = item_tally(voters, ballots, [o.opinion for o in opinions if o.accepted])
        purpose = item_purpose(item.purpose)
        vote = item_result(tally, MeetingKind(meeting.kind), half_is_enough=settings.policy.committee_half_is_enough,
                           secret_ballot=secret_ballot_required(purpose, settings.policy.rule_set_on(meeting.held_on)))
    discussion = next((c["new_value"] for c in reversed(corrections)
                       if c["agenda_item_id"] == item_id and c["field_name"] == "discussion"), item.discussion)
    return ItemView(item.id, item.case_id, item.applicant, item_purpose(item.purpose), discussion, ballots,
                    item.extension_months, item.result, item.step_record_id, opinions, tally, vote)


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
        return int(_item_row(conn, item_id).meeting_id)

