"""Open overdue steps for the 巡察 report: a case whose next step is past its latest date, as of the report's end.

Each open case of the subtree is rebuilt from its steps done by that day (status through the machine's move
table, as ``workflow.replay`` does) and planned as of that day (``states.engine.plan``); every step whose due
date has passed is a finding 时间不足或超期 citing the rule that sets the date. Cases are read in two queries
(cases, then all their steps in order), not one load per case: the report covers 100k cases.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from states.engine import plan
from states.facts import ApplicantFacts, StepRecord
from states.periods import cn_date
from states.procedure import SPECS
from states.rulesets import RuleSetId
from states.steps import Status, Step
from workflow.evidence import from_json
from workflow.machine import MOVES
from workflow.services import Settings
from workflow.tables import Applicant, Case, Organisation, table
from workflow.tables import StepRecord as StepRow

CASES, APPLICANTS, ORGS, STEPS = table(Case), table(Applicant), table(Organisation), table(StepRow)
DEFAULT_SETTINGS = Settings()


@dataclass(frozen=True)
class Overdue:
    case_id: int
    step: Step
    due_by: date
    what: str
    article: str


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def overdue_steps(conn: Connection, case_filter: Any, as_of: date,
                  settings: Settings = DEFAULT_SETTINGS) -> Iterator[Overdue]:
    """Every step past its latest date on ``as_of`` in the open cases that ``case_filter`` selects."""
    cases = {r.id: r for r in conn.execute(
        select(CASES.c.id, APPLICANTS.c.birth_date, ORGS.c.has_committee)
        .join(APPLICANTS, APPLICANTS.c.id == CASES.c.applicant_id).join(ORGS, ORGS.c.id == CASES.c.organisation_id)
        .where(case_filter))}  # not by opened_on: a case is registered after its paper history
    records: dict[int, list[StepRecord]] = {case_id: [] for case_id in cases}
    for case_id, step, done_on, evidence, rule_set in conn.execute(
            select(STEPS.c.case_id, STEPS.c.step, STEPS.c.done_on, STEPS.c.evidence, STEPS.c.rule_set)
            .join(CASES, CASES.c.id == STEPS.c.case_id)
            .where(case_filter, STEPS.c.done_on <= as_of).order_by(STEPS.c.case_id, STEPS.c.id)):
        if case_id in records:
            try:
                kind = Step(step)
                records[case_id].append(StepRecord(kind, _as_date(done_on), from_json(SPECS[kind], evidence or {}),
                                                   RuleSetId(rule_set)))
            except (ValueError, KeyError):  # a row no program wrote: the audit check names it, not this report
                del records[case_id], cases[case_id]
    for case_id, row in cases.items():
        status = Status.NEW
        for record in records[case_id]:  # the status on that day, through the machine's moves
            status = MOVES.get((record.step, status), status)
        if status.is_terminal:
            continue
        facts = ApplicantFacts(status, _as_date(row.birth_date), bool(row.has_committee), tuple(records[case_id]))
        for upcoming in plan(facts, as_of, policy=settings.policy, calendar=settings.calendar):
            due = upcoming.due_by
            if due is None or due >= as_of:
                continue
            verdict = min((v for v in upcoming.check.verdicts if v.due_by), key=lambda v: v.due_by or due)
            late = (as_of - due).days
            yield Overdue(case_id, upcoming.spec.step, due,
                          f"{upcoming.spec.label}逾期未办：最迟应于{cn_date(due)}办理，截至{cn_date(as_of)}"
                          f"已逾期{late}天（{(verdict.message or verdict.title).rstrip('。')}）。", verdict.citation.text)
