"""A real organisation for meeting tests: a 基层党委 with its 委员, a branch with a 支委会 and its roster, and
applicants brought to the meeting through ``services.advance`` with the demo's paper history."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, select

from interfaces.demo import DEMO_HISTORY
from states.procedure import spec_for
from workflow import services
from workflow.clock import FixedClock
from workflow.evidence import parse_evidence
from workflow.services import Actor, StepRequest
from workflow.tables import AuditEvent

SECRETARY = Actor("陈静", "书记")
COMMITTEE = "某大学党委"
BRANCH = "计算机学院党支部"
SMALL = "后勤党支部"  # fewer than 7 正式党员: no 支委会
ADMISSION_DAY = date(2025, 12, 12)  # the demo's 接收 meeting
CONFIRMATION_DAY = date(2026, 12, 14)  # the 预备期 of the demo is complete on 2026-12-12
# The branch's 正式党员 in roster order: the first three form the 支委会; 王芳 and 赵强 are liaisons and sponsors.
BRANCH_MEMBERS = ["陈静", "王芳", "赵强", "孙丽", "周伟", "吴敏", "郑浩", "冯雪", "何军", "许娜", "韩磊", "杨帆"]
POSTS = {"陈静": "书记", "王芳": "组织委员", "赵强": "委员"}
BEFORE_MEETING = [s for s in DEMO_HISTORY if s[1] < ADMISSION_DAY]  # steps 1–14
AFTER_ADMISSION = [s for s in DEMO_HISTORY if s[1] > ADMISSION_DAY]  # steps 16–22
ADMISSION_STEP = next(s for s in DEMO_HISTORY if s[0] == "admission_resolved")


def build(engine: Engine, clock: FixedClock, *, full_members: int = 9, small_branch: bool = False) -> None:
    """The 党委 (3 委员 and an 组织员), the branch with ``full_members`` 正式党员 since 2010 and one 预备党员."""
    services.add_organisation(engine, clock, SECRETARY, name=COMMITTEE, kind="基层党委", may_approve=True)
    services.add_organisation(engine, clock, SECRETARY, name=BRANCH, kind="党支部", parent=COMMITTEE)
    for name, post in (("刘建国", "书记"), ("张敏", "委员"), ("李强", "委员"), ("刘洋", "组织员")):
        services.add_member(engine, clock, SECRETARY, name=name, organisation=COMMITTEE, since=date(2008, 1, 1),
                            post=post)
    for name in BRANCH_MEMBERS[:full_members]:
        services.add_member(engine, clock, SECRETARY, name=name, organisation=BRANCH, since=date(2010, 1, 1),
                            post=POSTS.get(name))
    services.add_member(engine, clock, SECRETARY, name="钱多", organisation=BRANCH, standing="预备",
                        since=date(2025, 6, 1))
    if small_branch:
        services.add_organisation(engine, clock, SECRETARY, name=SMALL, kind="党支部", parent=COMMITTEE,
                                  has_committee=False)
        for name in ("何平", "许强", "韩梅", "马力", "牛顿"):
            services.add_member(engine, clock, SECRETARY, name=name, organisation=SMALL, since=date(2012, 1, 1),
                                post="书记" if name == "何平" else None)


def request(slug: str, on: date, evidence: dict[str, Any]) -> StepRequest:
    spec = spec_for(slug)
    return StepRequest(spec.step, on, parse_evidence(spec, evidence), backfill_reason="据纸质档案补录")


def applicant(engine: Engine, clock: FixedClock, name: str, *, organisation: str = BRANCH,
              history: list[tuple[str, date, dict[str, Any]]] = BEFORE_MEETING, birth: date = date(2001, 4, 12)) -> int:
    """A person with the demo's paper history recorded: by default a 发展对象 ready for the 接收 meeting."""
    case_id = services.add_applicant(engine, clock, SECRETARY, name=name, sex="男", birth_date=birth,
                                     organisation=organisation)
    for slug, on, evidence in history:
        services.advance(engine, clock, SECRETARY, case_id, request(slug, on, evidence))
    return case_id


def probationary(engine: Engine, clock: FixedClock, name: str) -> int:
    """A 预备党员 admitted on 2025-12-12 who has asked in writing to become a 正式党员 (steps 1–22)."""
    return applicant(engine, clock, name, history=[*BEFORE_MEETING, ADMISSION_STEP, *AFTER_ADMISSION])


def events(engine: Engine, kind: str | None = None) -> list[dict[str, Any]]:
    table = AuditEvent.__table__  # type: ignore[attr-defined]
    query = select(table).order_by(table.c.seq)
    if kind:
        query = query.where(table.c.kind == kind)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
