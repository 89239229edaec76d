"""A small organisation with the posts notices go to, and helpers to act on cases at known dates.

某大学党委 (组织员 刘洋, 书记 周平) above 计算机学院党支部 (书记 陈静, 组织委员 王芳, members 赵强, 孙丽).
Every act goes through ``services.advance`` with the clock set to the act's date, which plans the case's notices
in its own transaction (``notices.planning``, installed by ``build``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select, update

from notices import planning
from notices.config import NoticeConfig
from notices.deadlines import notice_name
from notices.delivery import Channels, Outgoing
from notices.outbox import NOTICES
from states.procedure import spec_for
from workflow import after_write, services
from workflow.clock import FixedClock
from workflow.evidence import parse_evidence
from workflow.roster import MEMBERS, ORGS
from workflow.services import Actor, StepRequest

ACTOR = Actor("陈静", "书记")
COMMITTEE, BRANCH = "某大学党委", "计算机学院党支部"
ROSTER = (
    (COMMITTEE, "刘洋", "组织员", "liuyang@dw.example.edu.cn"),
    (COMMITTEE, "周平", "书记", None),
    (BRANCH, "陈静", "书记", "chenjing@cs.example.edu.cn"),
    (BRANCH, "王芳", "组织委员", None),
    (BRANCH, "赵强", None, None),
    (BRANCH, "孙丽", None, None),
)
QUIET_CONFIG = NoticeConfig(smtp_port=9)  # nothing listens on the discard port: no email by accident


class Recorder(Channels):
    """External channels that record what they were given instead of sending it."""

    def __init__(self, config: NoticeConfig) -> None:
        super().__init__(config)
        self.sent: list[tuple[str, Outgoing]] = []

    def send_email(self, outgoing: Outgoing, now: datetime) -> None:  # noqa: ARG002
        self.sent.append(("email", outgoing))

    def post_webhook(self, outgoing: Outgoing, now: datetime) -> None:  # noqa: ARG002
        self.sent.append(("webhook", outgoing))


@dataclass
class World:
    engine: Engine
    config: NoticeConfig
    members: dict[str, int] = field(default_factory=dict)
    orgs: dict[str, int] = field(default_factory=dict)
    cases: dict[str, int] = field(default_factory=dict)

    def act(self, name: str, slug: str, on: date, **evidence: Any) -> None:
        """Record a step on its own date (no back-fill): ``advance`` plans the case's notices in its transaction."""
        spec = spec_for(slug)
        clock = FixedClock.on(on)
        request = StepRequest(spec.step, on, parse_evidence(spec, {k: str(v) for k, v in evidence.items()}))
        services.advance(self.engine, clock, ACTOR, self.cases[name], request)

    def applicant(self, name: str, opened_on: date, birth: date = date(2001, 4, 12)) -> int:
        clock = FixedClock.on(opened_on)
        self.cases[name] = services.add_applicant(self.engine, clock, ACTOR, name=name, sex="男", birth_date=birth,
                                                  organisation=BRANCH)
        return self.cases[name]

    def rows(self, name: str | None = None) -> list[dict[str, Any]]:
        query = select(NOTICES).order_by(NOTICES.c.id)
        if name is not None:
            query = query.where(NOTICES.c.case_id == self.cases[name])
        with self.engine.connect() as conn:  # "name": kind and offset in one, talk_reminder@-7
            return [{**r, "name": notice_name(r["kind"], r["reminder_offset"])} for r in conn.execute(query).mappings()]

    def who(self, address: str) -> str:
        kind, _, number = address.partition(":")
        table = MEMBERS if kind == "member" else ORGS
        with self.engine.connect() as conn:
            return str(conn.execute(select(table.c.name).where(table.c.id == int(number))).scalar_one())

    def set_email(self, name: str, email: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(MEMBERS).where(MEMBERS.c.id == self.members[name]).values(email=email))

    def set_webhook(self, org: str, url: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(ORGS).where(ORGS.c.id == self.orgs[org]).values(webhook_url=url))


def build(engine: Engine, config: NoticeConfig = QUIET_CONFIG, *, emails: bool = False) -> World:
    """The organisation and its roster (posts from 2015); emails only when the test wants mail."""
    clock = FixedClock.on(date(2015, 9, 1))
    world = World(engine, config)
    planning.install()  # as every interface process does at start-up
    planning.use_config(engine, config)
    world.orgs[COMMITTEE] = services.add_organisation(engine, clock, ACTOR, name=COMMITTEE, kind="基层党委",
                                                      may_approve=True)
    world.orgs[BRANCH] = services.add_organisation(engine, clock, ACTOR, name=BRANCH, kind="党支部", parent=COMMITTEE)
    for org, name, post, email in ROSTER:
        world.members[name] = services.add_member(engine, clock, ACTOR, name=name, organisation=org,
                                                  since=date(2015, 9, 1), post=post)
        if emails and email:
            world.set_email(name, email)
    return world


def with_one_application(engine: Engine, received: date = date(2025, 3, 3)) -> World:
    """The roster with mail, and 李明's application received (on 2025-03-03 the talk is due 2025-04-03)."""
    world = build(engine, emails=True)
    world.applicant("李明", received)
    world.act("李明", "application_submitted", received, organisation_basis="work_unit")
    return world


@contextmanager
def without_planner() -> Iterator[None]:
    """A write path that forgot the hook (or an older process): its cases wait for the scheduler's planning."""
    after_write.unregister(planning.NAME)
    try:
        yield
    finally:
        planning.install()


# A paper history up to each stage, with the evidence the rules ask for.
COMMITTEE_MEETING = {"members": 5, "present": 4}
TALLY = "应到=5,实到=5,赞成=5,方式=无记名"


def to_activist(world: World, name: str, received: date, talk: date, designated: date, filed: date,
                liaisons: date) -> None:
    world.act(name, "application_submitted", received, organisation_basis="work_unit")
    world.act(name, "talk_held", talk, talker="陈静")
    world.act(name, "activist_designated", designated, recommendation="party_members", **COMMITTEE_MEETING)
    world.act(name, "activist_filed", filed)
    world.act(name, "liaisons_assigned", liaisons, liaisons="赵强,孙丽")
