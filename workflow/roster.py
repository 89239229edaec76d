"""The roster: organisations, members, their standing and posts on a given date (queries only)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import Connection, or_, select

from states.facts import Person, Standing
from workflow.errors import FazhanError
from workflow.evidence import STANDING_WORDS, BadEvidence
from workflow.fastsql import Raw, Sql
from workflow.tables import Member, MemberRole, MemberStanding, Organisation, table

E = TypeVar("E", bound=StrEnum)
ORGS = table(Organisation)
MEMBERS = table(Member)
STANDINGS = table(MemberStanding)
ROLES = table(MemberRole)


class OrganisationKind(StrEnum):
    GRASSROOTS_COMMITTEE = "grassroots_committee"
    GENERAL_BRANCH = "general_branch"
    BRANCH = "branch"
    GROUP = "group"

    @property
    def label(self) -> str:
        return {"grassroots_committee": "基层党委", "general_branch": "党总支", "branch": "党支部",
                "group": "党小组"}[self.value]


class Post(StrEnum):
    SECRETARY = "secretary"
    DEPUTY_SECRETARY = "deputy_secretary"
    ORGANISATION_MEMBER = "organisation_member"
    COMMITTEE_MEMBER = "committee_member"
    ORGANISER = "organiser"

    @property
    def label(self) -> str:
        return {"secretary": "书记", "deputy_secretary": "副书记", "organisation_member": "组织委员",
                "committee_member": "委员", "organiser": "组织员"}[self.value]


def _by_label(enum: type[E], text: str, what: str) -> E:
    for item in enum:
        if text in {item.value, getattr(item, "label", item.value)}:
            return item
    options = "、".join(getattr(item, "label", item.value) for item in enum)
    raise FazhanError(f"「{text}」不是可识别的{what}，可选：{options}。")


def organisation_kind(text: str) -> OrganisationKind:
    return _by_label(OrganisationKind, text, "组织类型")


def post(text: str) -> Post:
    return _by_label(Post, text, "职务")


def standing(text: str) -> Standing:
    if text.strip() in STANDING_WORDS:
        return STANDING_WORDS[text.strip()]
    return _by_label(Standing, text, "党员身份")


def organisation_id(conn: Connection, name: str) -> int:
    found = conn.execute(select(ORGS.c.id).where(ORGS.c.name == name)).scalar()
    if found is None:
        raise FazhanError(f"找不到党组织「{name}」。可用 fazhan org list 查看。")
    return int(found)


def subtree(conn: Connection, root_id: int) -> set[int]:
    """The organisation and everything below it."""
    rows = conn.execute(select(ORGS.c.id, ORGS.c.parent_id)).all()
    children: dict[int | None, list[int]] = {}
    for org_id, parent in rows:
        children.setdefault(parent, []).append(org_id)
    found, stack = set(), [root_id]
    while stack:
        current = stack.pop()
        found.add(current)
        stack += children.get(current, [])
    return found


STANDING_ON = Sql(
    "SELECT standing FROM member_standings WHERE member_id = :member_id AND from_on <= :on"
    " AND (until_on IS NULL OR until_on > :on) ORDER BY from_on DESC"
)
MEMBERS_NAMED = Sql("SELECT id, organisation_id FROM members WHERE name = :name")


def standing_on(conn: Connection, member_id: int, on: date) -> Standing:
    """A member's standing on a date; not on the roster then means not a member."""
    row = Raw(conn).execute(STANDING_ON, {"member_id": member_id, "on": on}).fetchone()
    return Standing(row[0]) if row else Standing.NOT_A_MEMBER


def member_id(conn: Connection, name: str, near_organisation: int | None = None) -> int:
    """A member by name; with namesakes, the one in (or under) the given organisation."""
    found = Raw(conn).execute(MEMBERS_NAMED, {"name": name}).fetchall()
    if not found:
        raise BadEvidence(f"党员名册中没有「{name}」。请先用 fazhan member add 登记。")
    if len(found) > 1 and near_organisation is not None:
        local = subtree(conn, near_organisation)
        found = [row for row in found if row[1] in local] or found
    if len(found) > 1:
        raise FazhanError(f"名册中有{len(found)}名「{name}」，请在姓名后注明所在党组织以区分。")
    return int(found[0][0])


def people_on(conn: Connection, names: list[Person], on: date, organisation: int) -> list[Person]:
    """Replace typed standings with the roster's standing on the act date: the roster is the truth."""
    return [Person(p.name, standing_on(conn, member_id(conn, p.name, organisation), on)) for p in names]


def posts_of(conn: Connection, member: int, on: date) -> list[tuple[int, Post]]:
    rows = conn.execute(select(ROLES.c.organisation_id, ROLES.c.role).where(
        ROLES.c.member_id == member, ROLES.c.from_on <= on,
        or_(ROLES.c.until_on.is_(None), ROLES.c.until_on > on))).all()
    return [(int(org), Post(role)) for org, role in rows]
