"""A small real organisation for the path tests: a 基层党委 with two branches, their rosters, one applicant."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine

from states.procedure import spec_for
from workflow import services, transfers
from workflow.clock import FixedClock
from workflow.evidence import parse_evidence
from workflow.services import Actor, StepRequest

SECRETARY = Actor("王芳", "书记")
ID_NUMBER = "110105200104120015"
FIRST, SECOND = "计算机学院党支部", "数学学院党支部"
MEETING = {"members": "5", "present": "4"}

UP_TO_SPONSORS: list[tuple[str, date, dict[str, Any]]] = [
    ("application_submitted", date(2024, 3, 4), {"organisation_basis": "work_unit"}),
    ("talk_held", date(2024, 3, 20), {"talker": "王芳"}),
    ("activist_designated", date(2024, 6, 14), {"recommendation": "party_members", **MEETING}),
    ("activist_filed", date(2024, 6, 28), {}),
    ("liaisons_assigned", date(2024, 7, 1), {"liaisons": "赵强,孙丽"}),
    ("activist_assessed", date(2024, 12, 10), {}),
    ("activist_assessed", date(2025, 6, 10), {}),
    ("candidate_designated", date(2025, 6, 16), {"opinions_heard": "是", **MEETING}),
    ("candidate_filed", date(2025, 6, 27), {}),
    ("sponsors_assigned", date(2025, 7, 4), {"sponsors": "赵强,孙丽"}),
]


def build_world(engine: Engine, clock: FixedClock) -> int:
    """Two branches under one 党委, members in each, and 李明 registered in the first; returns his case."""
    services.add_organisation(engine, clock, SECRETARY, name="某大学党委", kind="基层党委", may_approve=True)
    for branch in (FIRST, SECOND):
        services.add_organisation(engine, clock, SECRETARY, name=branch, kind="党支部", parent="某大学党委")
    for name, branch in (("王芳", FIRST), ("赵强", FIRST), ("孙丽", FIRST), ("周敏", SECOND), ("吴刚", SECOND)):
        services.add_member(engine, clock, SECRETARY, name=name, organisation=branch, since=date(2010, 1, 1))
    return register(engine, clock)


def register(engine: Engine, clock: FixedClock, name: str = "李明", organisation: str = FIRST) -> int:
    return services.add_applicant(engine, clock, SECRETARY, name=name, sex="男", birth_date=date(2001, 4, 12),
                                  organisation=organisation, id_number=ID_NUMBER)


def request(slug: str, on: date, evidence: dict[str, Any] | None = None) -> StepRequest:
    spec = spec_for(slug)
    return StepRequest(spec.step, on, parse_evidence(spec, evidence or {}), backfill_reason="据纸质档案补录")


def run(engine: Engine, clock: FixedClock, case_id: int, history: list[tuple[str, date, dict[str, Any]]]) -> None:
    for slug, on, evidence in history:
        services.advance(engine, clock, SECRETARY, case_id, request(slug, on, evidence))


def record(engine: Engine, clock: FixedClock, case_id: int, item: tuple[str, date, dict[str, Any]]) -> None:
    """One step through ``transfers.record``, the step entry of the command line, the web and the API."""
    transfers.record(engine, clock, SECRETARY, case_id, request(*item))
