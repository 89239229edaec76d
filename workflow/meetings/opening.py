"""Opening a meeting and its voter list: the roster of the meeting date, attendance and P4 exclusions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, or_, select, update

from states.attendance import (
    CATEGORY_WORDS,
    COMMITTEE_POSTS,
    Exclusion,
    MeetingKind,
    RosterEntry,
    entitled_and_present,
    entitled_voters,
)
from states.facts import Standing
from states.meeting_verdicts import (
    EXCLUSIONS,
    VOTING_RIGHT,
    attendance_verdict,
    exclusion_verdict,
    rule_set_of,
    written_opinion_void_reason,
)
from states.periods import cn_date
from workflow import roster
from workflow.clock import Clock
from workflow.meetings.base import (
    ITEMS,
    MEETINGS,
    OPINIONS,
    VOTERS,
    MeetingRefused,
    decided_items,
    logged,
    meeting_event,
    meeting_kind,
    meeting_row,
    new_id,
    open_meeting_row,
    require_held,
    touch,
    voter_named,
    voter_rows,
    voter_values,
)
from workflow.services import Actor

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
    with (logged(engine, clock, actor, "open_meeting", organisation=organisation, kind=body.value),
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
        meeting_id = new_id(conn.execute(insert(MEETINGS).values(
            organisation_id=org_id, kind=body.value, held_on=held_on, title=title,
            chair=chair, recorder=recorder, status="open", version=0)))
        conn.execute(insert(VOTERS), [
            {"meeting_id": meeting_id, "member_id": v.member_id, "standing": v.standing.value,
             "entitled": v.entitled, "excluded_reason": v.excluded_reason, "present": False} for v in voters])
        meeting = meeting_row(conn, meeting_id)
        meeting_event(conn, clock, actor, "meeting_opened", meeting, {
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


def refresh_roster(conn: Connection, clock: Clock, actor: Actor, meeting: Row[Any]) -> None:
    """Until the first voter is marked present, the list follows the roster of the meeting date.

    A meeting opened ahead of its date took the roster as it then stood; a member who became 正式 (or was
    sanctioned) since, with effect on or before the meeting date, is counted as the roster now says.
    """
    rows = voter_rows(conn, meeting.id)
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
        _void_opinions(conn, clock, actor, meeting, lost, "按会议当日的党员名册，本人没有表决权，书面意见不能统计在票数内"
                       f"（依据：{VOTING_RIGHT[rule_set_of(meeting.held_on)].text}）。")
        meeting_event(conn, clock, actor, "meeting_roster_refreshed", meeting, {"changed": changed})


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
    with (logged(engine, clock, actor, "record_attendance", meeting_id=meeting_id, names=list(names)),
          engine.begin() as conn):
        meeting = open_meeting_row(conn, meeting_id)
        require_held(meeting, clock, "登记出席情况")
        if decided_items(conn, meeting_id):
            raise MeetingRefused("本次会议已有议题作出决定，出席情况不能再更改（已记录的表决以当时的应到、实到人数为准）。")
        refresh_roster(conn, clock, actor, meeting)
        rows = voter_rows(conn, meeting_id)
        voters = {r.member_id: v for r, v in zip(rows, voter_values(rows), strict=True)}
        chosen, problems = [], []
        for name in names:
            row = voter_named(rows, name)
            refused = attendance_verdict(voters[row.member_id] if row else None, name, meeting.held_on)
            if refused:
                problems.append(refused.sentence())
            elif row is not None:
                chosen.append(row)
        if problems:
            raise MeetingRefused("".join(problems))
        conn.execute(update(VOTERS).where(VOTERS.c.id.in_([r.id for r in chosen])).values(present=present))
        voided = _void_opinions(conn, clock, actor, meeting, [r.member_id for r in chosen],
                                written_opinion_void_reason(meeting.held_on)) if present else []
        entitled, attending = entitled_and_present(voter_values(voter_rows(conn, meeting_id)))
        touch(conn, meeting)
        meeting_event(conn, clock, actor, "meeting_attendance_recorded", meeting, {
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
        meeting_event(conn, clock, actor, "written_opinion_rejected", meeting, {
            "written_opinion_id": row.id, "agenda_item_id": row.agenda_item_id, "name": row.name, "reason": reason},
            case_id=row.case_id)
    return [row.name for row in rows]


def exclude_voter(engine: Engine, clock: Clock, actor: Actor, meeting_id: int, name: str, *, category: str,
                  consent: str, resolution: str) -> Attendance:
    """Leave an entitled member out of 应到 under P4: one of the five categories, with consent and resolution."""
    with (logged(engine, clock, actor, "exclude_voter", meeting_id=meeting_id, name=name),
          engine.begin() as conn):
        meeting = open_meeting_row(conn, meeting_id)
        if MeetingKind(meeting.kind) is not MeetingKind.BRANCH_GENERAL_MEETING:
            raise MeetingRefused("不计入应到会人数的规定只适用于支部党员大会。")
        refused = exclusion_verdict(category, consent, resolution)
        if refused:
            raise MeetingRefused(refused.sentence())
        if conn.execute(select(ITEMS.c.id).where(ITEMS.c.meeting_id == meeting_id, ITEMS.c.yes.is_not(None))).first():
            raise MeetingRefused("表决已经开始，不能再调整应到会人数。")
        refresh_roster(conn, clock, actor, meeting)
        rows = voter_rows(conn, meeting_id)
        row = voter_named(rows, name)
        if row is None or not row.entitled:
            why = row.excluded_reason if row else "不在本次会议的党员名单中"
            raise MeetingRefused(f"{name}本来就不计入应到会人数（{why}），无须排除。")
        if row.present:
            raise MeetingRefused(f"{name}已登记到会，不能从应到会人数中排除。")
        exclusion = Exclusion(row.member_id, CATEGORY_WORDS[category.strip()], consent.strip(), resolution.strip())
        conn.execute(update(VOTERS).where(VOTERS.c.id == row.id)
                     .values(entitled=False, excluded_reason=exclusion.reason()))
        voided = _void_opinions(conn, clock, actor, meeting, [row.member_id],
                                f"本人已按规定不计入应到会人数，书面意见不能统计在票数内（依据：{EXCLUSIONS.text}）。")
        entitled, attending = entitled_and_present(voter_values(voter_rows(conn, meeting_id)))
        touch(conn, meeting)
        meeting_event(conn, clock, actor, "meeting_voter_excluded", meeting, {
            "name": name, "member_id": row.member_id, "category": exclusion.category.value,
            "consent": exclusion.consent, "resolution": exclusion.resolution, "entitled": entitled})
    return Attendance(entitled, attending, [name], voided)
