"""Reads the pages need, limited to a scope: the dashboard, the applicant list and a step's preview.

They call the services (``list_cases``, ``dashboard``, ``load_case``) and the engine's ``check``; nothing
here decides a rule.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from interfaces.web.scope import Scope, require_organisation
from states.engine import check
from states.steps import Status, Step
from states.verdicts import Check
from workflow import policies, services
from workflow.clock import Clock
from workflow.services import CaseSummary, Deadline

WEEK = 7


@dataclass(frozen=True)
class Dashboard:
    counts: dict[Status, int]
    overdue: list[Deadline]
    due: list[Deadline]
    opens: list[Deadline]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def cases(engine: Engine, clock: Clock, scope: Scope, *, organisation: str | None = None, status: str | None = None,
          overdue_only: bool = False, name: str = "") -> list[CaseSummary]:
    """The applicant list in scope, optionally by part of a name; a chosen organisation must itself be in scope."""
    if organisation:
        require_organisation(engine, scope, organisation)
        root: str | None = organisation
    else:
        root = scope.root
    if scope.organisation_ids is not None and root is None:
        return []  # a login without an organisation sees nothing
    found = services.list_cases(engine, clock, organisation=root, status=status or None, overdue_only=overdue_only)
    return [summary for summary in found if name.strip() in summary.name]


def dashboard(engine: Engine, clock: Clock, scope: Scope, within_days: int = WEEK) -> Dashboard:
    """Counts per status, overdue steps, steps due and steps opening within ``within_days``, in scope."""
    summaries = cases(engine, clock, scope)
    counts = Counter(summary.status for summary in summaries)
    visible = {summary.case_id for summary in summaries}
    _, items = services.dashboard(engine, clock, within_days=within_days)
    mine = [item for item in items if item.case_id in visible]
    return Dashboard(
        {status: counts.get(status, 0) for status in Status if status is not Status.NEW or counts.get(status)},
        [item for item in mine if item.kind == "overdue"],
        [item for item in mine if item.kind == "due"],
        [item for item in mine if item.kind == "opens"],
    )


def preview(engine: Engine, case_id: int, step: Step, on: date) -> Check:
    """What the engine says about the step on that date before any evidence is typed (the planner's view)."""
    with engine.connect() as conn:
        loaded = services.load_case(conn, case_id)
        policy = policies.policy_for(conn, loaded.organisation_id)  # as advance will judge it
    return check(step, loaded.facts, on, policy=policy)
