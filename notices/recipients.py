"""Who receives a notice: audiences turned into people and channels, from the roster on the day of planning.

The branch 书记 and 组织委员, the higher committee's 组织员 (and its 书记 for escalations), the applicant's
培养联系人 and, for a 会议通知, every member of the branch. Each person gets the in-app inbox, and email
when the roster has an address; an organisation with a group-robot ``webhook_url`` gets one webhook message.
Nobody is silently left out: a missing post falls back to the next responsible person up the tree.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, or_, select

from notices.deadlines import Audience
from states.facts import ApplicantFacts, Person, Standing
from states.steps import Step
from workflow import roster_version
from workflow.fastsql import Raw, Sql
from workflow.roster import MEMBERS, STANDINGS, OrganisationKind, Post


class Channel(StrEnum):
    INBOX = "inbox"
    EMAIL = "email"
    WEBHOOK = "webhook"


@dataclass(frozen=True)
class Recipient:
    """One address on one channel: ``member:<id>`` for a person, ``org:<id>`` for an organisation's robot."""

    address: str
    channel: Channel
    name: str
    target: str | None = None  # the email address or the webhook URL

    @property
    def member_id(self) -> int | None:
        kind, _, number = self.address.partition(":")
        return int(number) if kind == "member" else None


@dataclass(frozen=True)
class Org:
    id: int
    name: str
    kind: str
    parent_id: int | None
    webhook_url: str | None


@dataclass(frozen=True)
class MemberInfo:
    id: int
    name: str
    email: str | None


BRANCH_MEMBERS = (select(MEMBERS.c.id, MEMBERS.c.name, MEMBERS.c.email)
                  .join(STANDINGS, STANDINGS.c.member_id == MEMBERS.c.id)
                  .where(MEMBERS.c.organisation_id == bindparam("org_id"),
                         STANDINGS.c.standing.in_([Standing.FULL.value, Standing.PROBATIONARY.value]),
                         STANDINGS.c.from_on <= bindparam("on"),
                         or_(STANDINGS.c.until_on.is_(None), STANDINGS.c.until_on > bindparam("on")))
                  .order_by(MEMBERS.c.id))
# Three look-ups on the driver: every step plans its case's notices with them (notices/planning.py).
ORG_BY_ID_RAW = Sql("SELECT id, name, kind, parent_id, webhook_url FROM organisations WHERE id = :org_id")
POSTS_IN_RAW = Sql("SELECT m.id, m.name, m.email, r.role FROM members m JOIN member_roles r ON r.member_id = m.id"
                   " WHERE r.organisation_id = :org_id AND r.from_on <= :on AND (r.until_on IS NULL OR r.until_on > :on)"
                   " ORDER BY m.id")
MEMBERS_NAMED_RAW = Sql("SELECT id, name, email, organisation_id FROM members WHERE name = :name ORDER BY id")


@dataclass
class RosterMemo:
    """Look-ups remembered across the cases of one sweep (one day): organisations and who holds which post."""

    today: date
    orgs: dict[int, Org] = field(default_factory=dict)
    posts: dict[int, list[tuple[str, MemberInfo]]] = field(default_factory=dict)
    named: dict[str, list[tuple[int, str, str | None, int]]] = field(default_factory=dict)
    # (audiences, organisation, liaisons) → recipients: every input is roster data of this version and day
    recipients: dict[tuple[tuple[Audience, ...], int, tuple[str, ...]], tuple[Recipient, ...]] = field(
        default_factory=dict)
    targets: dict[tuple[tuple[Audience, ...], int, tuple[str, ...]], tuple[tuple[Recipient, str, str], ...]] = field(
        default_factory=dict)


# engine → (roster version, day, memo): the look-ups of the latest version seen, shared by its transactions.
_SHARED: weakref.WeakKeyDictionary[Engine, tuple[int, date, RosterMemo]] = weakref.WeakKeyDictionary()


def roster_memo(conn: Connection, today: date, version: int | None = None) -> RosterMemo:
    """The memo of the roster's current version (``workflow/roster_version.py``) and day, across transactions.

    One query a transaction instead of a dozen: every roster write changes the version in its own
    transaction (database triggers), so a change committed by any process is seen by the next transaction
    that asks, and a version is never reused, not even after a rollback. ``version``: the version the caller
    read in this transaction after its last roster write (a step reads it anyway), so it is not read twice.
    """
    if version is None:
        version = roster_version.current(conn)
    found = _SHARED.get(conn.engine)
    if found is not None and found[0] == version and found[1] == today:
        return found[2]
    memo = RosterMemo(today)
    _SHARED[conn.engine] = (version, today, memo)
    return memo


class Roster:
    """Roster look-ups on one connection for one day, remembered in a memo that may outlive the connection."""

    def __init__(self, conn: Connection, today: date, memo: RosterMemo | None = None) -> None:
        self.conn, self.today = conn, today
        self.memo = memo if memo is not None and memo.today == today else RosterMemo(today)

    def organisation(self, org_id: int) -> Org:
        orgs = self.memo.orgs
        if org_id not in orgs:
            found = Raw(self.conn).execute(ORG_BY_ID_RAW, {"org_id": org_id}).fetchone()
            if found is None:
                raise LookupError(f"党组织{org_id}不存在。")
            orgs[org_id] = Org(*found)
        return orgs[org_id]

    def higher_committee(self, org_id: int) -> Org | None:
        """The nearest 基层党委 above the branch (the parent if there is none)."""
        org = self.organisation(org_id)
        parent = self.organisation(org.parent_id) if org.parent_id else None
        current = parent
        while current is not None:
            if current.kind == OrganisationKind.GRASSROOTS_COMMITTEE.value:
                return current
            current = self.organisation(current.parent_id) if current.parent_id else None
        return parent

    def holders(self, org_id: int, posts: tuple[Post, ...]) -> list[MemberInfo]:
        """Members holding one of ``posts`` in the organisation on the day, in the order of ``posts``."""
        if org_id not in self.memo.posts:
            self.memo.posts[org_id] = [(role, MemberInfo(i, name, email)) for i, name, email, role in Raw(self.conn)
                                       .execute(POSTS_IN_RAW, {"org_id": org_id, "on": self.today})]
        order = {p.value: i for i, p in enumerate(posts)}
        held = [(order[role], person) for role, person in self.memo.posts[org_id] if role in order]
        return _unique(person for _, person in sorted(held, key=lambda item: (item[0], item[1].id)))

    def branch_members(self, org_id: int) -> list[MemberInfo]:
        """Everyone on the branch roster who is a 正式 or 预备 member on the day (预备党员 attend, without a vote)."""
        rows = self.conn.execute(BRANCH_MEMBERS, {"org_id": org_id, "on": self.today})
        return _unique(MemberInfo(r.id, r.name, r.email) for r in rows)

    def named(self, names: Iterable[str], org_id: int) -> list[MemberInfo]:
        """Members by name, preferring the one in the branch when there are namesakes."""
        found, memo = [], self.memo.named
        for name in names:
            rows = memo.get(name)
            if rows is None:
                rows = memo[name] = Raw(self.conn).execute(MEMBERS_NAMED_RAW, {"name": name}).fetchall()
            local = [r for r in rows if r[3] == org_id] or rows
            if local:
                found.append(MemberInfo(*local[0][:3]))
        return _unique(found)

    # ------------------------------------------------------------ audiences

    def branch_leaders(self, org_id: int) -> list[MemberInfo]:
        leaders = self.holders(org_id, (Post.SECRETARY, Post.ORGANISATION_MEMBER))
        return leaders or self.holders(org_id, (Post.DEPUTY_SECRETARY,)) or self.higher_organisers(org_id)

    def higher_organisers(self, org_id: int) -> list[MemberInfo]:
        higher = self.higher_committee(org_id)
        if higher is None:
            return self.holders(org_id, (Post.SECRETARY, Post.ORGANISATION_MEMBER, Post.DEPUTY_SECRETARY))
        return (self.holders(higher.id, (Post.ORGANISER,))
                or self.holders(higher.id, (Post.SECRETARY, Post.DEPUTY_SECRETARY, Post.ORGANISATION_MEMBER)))

    def higher_leaders(self, org_id: int) -> list[MemberInfo]:
        higher = self.higher_committee(org_id)
        found = self.holders(higher.id, (Post.ORGANISER, Post.SECRETARY)) if higher else []
        return found or self.higher_organisers(org_id) or self.branch_leaders(org_id)

    def people(self, audience: Audience, org_id: int, liaisons: list[str]) -> list[MemberInfo]:
        if audience is Audience.BRANCH_LEADERS:
            return self.branch_leaders(org_id)
        if audience is Audience.LIAISONS:
            return self.named(liaisons, org_id)
        if audience is Audience.HIGHER_ORGANISER:
            return self.higher_organisers(org_id)
        if audience is Audience.HIGHER_LEADERS:
            return self.higher_leaders(org_id)
        return self.branch_members(org_id)

    def robot(self, audience: Audience, org_id: int) -> Org | None:
        """The organisation whose group robot hears about this audience's notices, if it has one."""
        if audience in {Audience.HIGHER_ORGANISER, Audience.HIGHER_LEADERS}:
            org = self.higher_committee(org_id) or self.organisation(org_id)
        elif audience is Audience.LIAISONS:
            return None  # the branch robot already carries the branch leaders' copy
        else:
            org = self.organisation(org_id)
        return org if org.webhook_url else None

    def recipients(self, audiences: Iterable[Audience], org_id: int, liaisons: list[str]) -> list[Recipient]:
        """Every address and channel for the audiences, each once."""
        key = (tuple(audiences), org_id, tuple(liaisons))
        known = self.memo.recipients.get(key)
        if known is None:
            known = self.memo.recipients[key] = tuple(self._recipients(key[0], org_id, liaisons))
        return list(known)

    def targets(self, audiences: tuple[Audience, ...], org_id: int,
                liaisons: tuple[str, ...]) -> tuple[tuple[Recipient, str, str], ...]:
        """``recipients`` with each one's address and channel text (a plan's key), remembered like them."""
        key = (audiences, org_id, liaisons)
        known = self.memo.targets.get(key)
        if known is None:
            known = self.memo.targets[key] = tuple(
                (r, r.address, r.channel.value) for r in self.recipients(audiences, org_id, list(liaisons)))
        return known

    def _recipients(self, audiences: Iterable[Audience], org_id: int, liaisons: list[str]) -> list[Recipient]:
        found: dict[tuple[str, Channel], Recipient] = {}
        for audience in audiences:
            for person in self.people(audience, org_id, liaisons):
                address = f"member:{person.id}"
                found.setdefault((address, Channel.INBOX), Recipient(address, Channel.INBOX, person.name))
                if person.email:
                    found.setdefault((address, Channel.EMAIL),
                                     Recipient(address, Channel.EMAIL, person.name, person.email))
            robot = self.robot(audience, org_id)
            if robot is not None:
                address = f"org:{robot.id}"
                found.setdefault((address, Channel.WEBHOOK),
                                 Recipient(address, Channel.WEBHOOK, robot.name, robot.webhook_url))
        return list(found.values())


def liaison_names(records: Iterable[Any]) -> list[str]:
    """The 培养联系人 named in the latest ``liaisons_assigned`` record."""
    names: list[str] = []
    for record in records:
        if record.step is Step.LIAISONS_ASSIGNED:
            names = [p.name if isinstance(p, Person) else str(p) for p in record.evidence.get("liaisons", [])]
    return names


def liaisons_of(facts: ApplicantFacts) -> list[str]:
    """``liaison_names(facts.records)`` from the facts' index: the latest ``liaisons_assigned`` record's names."""
    return liaison_names((facts.last(Step.LIAISONS_ASSIGNED),) if facts.done(Step.LIAISONS_ASSIGNED) else ())


def _unique(people: Iterable[MemberInfo]) -> list[MemberInfo]:
    seen: dict[int, MemberInfo] = {}
    for person in people:
        seen.setdefault(person.id, person)
    return list(seen.values())
