"""Changes to the roster over time, by member number: standing, posts, leaving the roster; and the tree.

The roster decides who may vote and who counts in 应到 (``workflow.roster.standing_on``). Each change is
dated, never overwrites the past (a period is closed and a new one opened) and is appended to the audit
trail in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import Connection, Engine, insert, select, update

from states.facts import Standing
from workflow import audit, roster
from workflow.clock import Clock
from workflow.errors import FazhanError
from workflow.roster_tables import MemberDeparture
from workflow.services import Actor
from workflow.tables import table

DEPARTURES = table(MemberDeparture)


class Departure(StrEnum):
    TRANSFERRED_OUT = "transferred_out"
    DECEASED = "deceased"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"transferred_out": "组织关系转出", "deceased": "去世", "other": "其他原因离开名册"}[self.value]


@dataclass(frozen=True)
class Period:
    label: str
    from_on: date
    until_on: date | None


@dataclass(frozen=True)
class MemberRow:
    id: int
    name: str
    organisation_id: int
    organisation: str
    standing: Standing  # on the day asked about
    posts: tuple[str, ...]
    left: str  # why and when the member left the roster, or ""

    @property
    def counts_in_quorum(self) -> bool:
        """Only 正式党员 with full rights count in 应到 (P1; a P4 exclusion is decided per meeting)."""
        return self.standing is Standing.FULL


@dataclass(frozen=True)
class MemberDetail:
    row: MemberRow
    standings: tuple[Period, ...]
    posts: tuple[Period, ...]
    departure: str


@dataclass(frozen=True)
class OrganisationNode:
    id: int
    name: str
    kind: roster.OrganisationKind
    parent_id: int | None
    has_committee: bool
    may_approve: bool
    depth: int


def tree(engine: Engine, visible: frozenset[int] | None) -> list[OrganisationNode]:
    """The organisations depth-first (parents before children), limited to ``visible`` (None: all)."""
    with engine.connect() as conn:
        rows = conn.execute(select(roster.ORGS).order_by(roster.ORGS.c.id)).all()
    children: dict[int | None, list[object]] = {}
    ids = {row.id for row in rows}
    for row in rows:
        parent = row.parent_id if row.parent_id in ids else None
        children.setdefault(parent, []).append(row)
    found: list[OrganisationNode] = []

    def walk(parent: int | None, depth: int) -> None:
        for row in children.get(parent, []):
            node = OrganisationNode(row.id, row.name, roster.OrganisationKind(row.kind), row.parent_id,  # type: ignore[attr-defined]
                                    row.has_committee, row.may_approve, depth)  # type: ignore[attr-defined]
            if visible is None or node.id in visible:
                found.append(node)
            walk(node.id, depth + 1)

    walk(None, 0)
    return found


def members(engine: Engine, organisation_ids: set[int] | frozenset[int] | None, on: date) -> list[MemberRow]:
    """The members of the given organisations (None: all), with their standing and posts on ``on``."""
    with engine.connect() as conn:
        query = select(roster.MEMBERS.c.id, roster.MEMBERS.c.name, roster.MEMBERS.c.organisation_id,
                       roster.ORGS.c.name.label("organisation")).join(
            roster.ORGS, roster.ORGS.c.id == roster.MEMBERS.c.organisation_id).order_by(roster.MEMBERS.c.id)
        if organisation_ids is not None:
            query = query.where(roster.MEMBERS.c.organisation_id.in_(sorted(organisation_ids)))
        rows = conn.execute(query).all()
        left = {row.member_id: row for row in conn.execute(select(DEPARTURES)).all()}
        found = []
        for row in rows:
            posts = tuple(post.label for _, post in roster.posts_of(conn, row.id, on))
            gone = left.get(row.id)
            found.append(MemberRow(row.id, row.name, row.organisation_id, row.organisation,
                                   roster.standing_on(conn, row.id, on), posts,
                                   f"{Departure(gone.reason).label}（{gone.left_on.isoformat()}）" if gone else ""))
        return found


def detail(engine: Engine, member_id: int, on: date) -> MemberDetail:
    rows = [row for row in members(engine, None, on) if row.id == member_id]
    if not rows:
        raise FazhanError(f"党员名册中没有编号为{member_id}的党员。")
    with engine.connect() as conn:
        standings = conn.execute(select(roster.STANDINGS).where(roster.STANDINGS.c.member_id == member_id)
                                 .order_by(roster.STANDINGS.c.from_on, roster.STANDINGS.c.id)).all()
        posts = conn.execute(select(roster.ROLES, roster.ORGS.c.name.label("organisation"))
                             .join(roster.ORGS, roster.ORGS.c.id == roster.ROLES.c.organisation_id)
                             .where(roster.ROLES.c.member_id == member_id)
                             .order_by(roster.ROLES.c.from_on, roster.ROLES.c.id)).all()
        gone = conn.execute(select(DEPARTURES).where(DEPARTURES.c.member_id == member_id)).first()
    return MemberDetail(
        rows[0],
        tuple(Period(Standing(s.standing).label, s.from_on, s.until_on) for s in standings),
        tuple(Period(f"{p.organisation}{roster.Post(p.role).label}", p.from_on, p.until_on) for p in posts),
        f"{Departure(gone.reason).label}，{gone.left_on.isoformat()}{'：' + gone.note if gone.note else ''}" if gone else "")


def _open_period_start(conn: object, member_id: int) -> date | None:
    found = conn.execute(select(roster.STANDINGS.c.from_on).where(  # type: ignore[attr-defined]
        roster.STANDINGS.c.member_id == member_id, roster.STANDINGS.c.until_on.is_(None))).scalar()
    return found  # type: ignore[no-any-return]


def _check_not_before(start: date | None, since: date, what: str) -> None:
    if start is not None and since <= start:
        raise FazhanError(f"{what}的日期须晚于当前身份的起始日期（{start.isoformat()}），不能改写过去的记录。")


def _still_on_roster(conn: Connection, member_id: int, gone: str) -> str:
    """The member's name; refused if no such member, or (``gone``, with ``{name}``) if they left the roster."""
    name = conn.execute(select(roster.MEMBERS.c.name).where(roster.MEMBERS.c.id == member_id)).scalar()
    if name is None:
        raise FazhanError(f"党员名册中没有编号为{member_id}的党员。")
    if conn.execute(select(DEPARTURES.c.id).where(DEPARTURES.c.member_id == member_id)).first():
        raise FazhanError(gone.format(name=name))
    return str(name)


def _end_open_standing(conn: Connection, member_id: int, on: date) -> None:
    conn.execute(update(roster.STANDINGS).where(roster.STANDINGS.c.member_id == member_id,
                                                roster.STANDINGS.c.until_on.is_(None)).values(until_on=on))


def change_standing(engine: Engine, clock: Clock, actor: Actor, member_id: int, standing: str, since: date,
                    basis: str = "") -> None:
    """A new standing from ``since`` (转正, 留党察看, 中止权利, 恢复权利 …); the open period ends that day."""
    new = roster.standing(standing)
    if new is Standing.NOT_A_MEMBER:
        raise FazhanError("党员离开名册（转出、去世等）请用「离开名册」办理，并写明原因。")
    if since > clock.today():
        raise FazhanError("身份变更的日期不能晚于今天。")
    with engine.begin() as conn:
        name = _still_on_roster(conn, member_id, "{name}已离开名册，不能再变更身份。")
        _check_not_before(_open_period_start(conn, member_id), since, "身份变更")
        _end_open_standing(conn, member_id, since)
        conn.execute(insert(roster.STANDINGS).values(member_id=member_id, standing=new.value, from_on=since))
        audit.append(conn, kind="standing_changed", actor=actor.name, actor_role=actor.role, recorded_at=clock.now(),
                     effective_on=since, payload={"member_id": member_id, "name": name, "standing": new.value,
                                                  "reason": basis})


def leave(engine: Engine, clock: Clock, actor: Actor, member_id: int, reason: str, on: date, note: str = "") -> None:
    """The member leaves the roster on ``on``: standing and posts end that day, the reason is kept."""
    try:
        why = Departure(reason)
    except ValueError:
        raise FazhanError("请选择离开名册的原因：组织关系转出、去世或其他原因。") from None
    if on > clock.today():
        raise FazhanError("离开名册的日期不能晚于今天。")
    with engine.begin() as conn:
        name = _still_on_roster(conn, member_id, "{name}已离开名册。")
        _check_not_before(_open_period_start(conn, member_id), on, "离开名册")
        _end_open_standing(conn, member_id, on)
        conn.execute(update(roster.ROLES).where(roster.ROLES.c.member_id == member_id,
                                                roster.ROLES.c.until_on.is_(None)).values(until_on=on))
        conn.execute(insert(DEPARTURES).values(member_id=member_id, left_on=on, reason=why.value, note=note))
        audit.append(conn, kind="member_left", actor=actor.name, actor_role=actor.role, recorded_at=clock.now(),
                     effective_on=on, payload={"member_id": member_id, "name": name, "reason": why.label,
                                               "note": note})


def assign_post(engine: Engine, clock: Clock, actor: Actor, member_id: int, post: str, since: date) -> None:
    """The member takes a post (书记, 组织委员 …) in their organisation from ``since``."""
    chosen = roster.post(post)
    with engine.begin() as conn:
        row = conn.execute(select(roster.MEMBERS).where(roster.MEMBERS.c.id == member_id)).first()
        if row is None:
            raise FazhanError(f"党员名册中没有编号为{member_id}的党员。")
        if conn.execute(select(DEPARTURES.c.id).where(DEPARTURES.c.member_id == member_id)).first():
            raise FazhanError(f"{row.name}已离开名册，不能担任职务。")
        held = {p for _, p in roster.posts_of(conn, member_id, since)}
        if chosen in held:
            raise FazhanError(f"{row.name}在{since.isoformat()}已担任{chosen.label}。")
        conn.execute(insert(roster.ROLES).values(member_id=member_id, organisation_id=row.organisation_id,
                                                 role=chosen.value, from_on=since))
        audit.append(conn, kind="post_assigned", actor=actor.name, actor_role=actor.role, recorded_at=clock.now(),
                     effective_on=since, payload={"member_id": member_id, "name": row.name, "post": chosen.value})


def end_post(engine: Engine, clock: Clock, actor: Actor, member_id: int, post: str, on: date) -> None:
    chosen = roster.post(post)
    with engine.begin() as conn:
        name = conn.execute(select(roster.MEMBERS.c.name).where(roster.MEMBERS.c.id == member_id)).scalar()
        ended = conn.execute(update(roster.ROLES).where(
            roster.ROLES.c.member_id == member_id, roster.ROLES.c.role == chosen.value,
            roster.ROLES.c.until_on.is_(None), roster.ROLES.c.from_on < on).values(until_on=on))
        if not ended.rowcount:
            raise FazhanError(f"{name or member_id}在{on.isoformat()}之前没有担任{chosen.label}，无需免去。")
        audit.append(conn, kind="post_ended", actor=actor.name, actor_role=actor.role, recorded_at=clock.now(),
                     effective_on=on, payload={"member_id": member_id, "name": name, "post": chosen.value})


def set_organisation(engine: Engine, clock: Clock, actor: Actor, organisation_id: int, *, has_committee: bool,
                     may_approve: bool) -> None:
    """Whether a branch has a 支委会 and whether a committee may approve 预备党员, from now on."""
    with engine.begin() as conn:
        name = conn.execute(select(roster.ORGS.c.name).where(roster.ORGS.c.id == organisation_id)).scalar()
        if name is None:
            raise FazhanError(f"找不到党组织（编号{organisation_id}）。")
        conn.execute(update(roster.ORGS).where(roster.ORGS.c.id == organisation_id)
                     .values(has_committee=has_committee, may_approve=may_approve))
        audit.append(conn, kind="organisation_changed", actor=actor.name, actor_role=actor.role,
                     recorded_at=clock.now(), payload={"organisation_id": organisation_id, "name": name,
                                                       "has_committee": has_committee, "may_approve": may_approve})
