"""Small helpers shared by the workflow and scenario tests: run paper histories through the machine."""

from __future__ import annotations

from datetime import date
from typing import Any

from states.facts import ApplicantFacts
from states.procedure import spec_for
from states.rulesets import DEFAULT_POLICY, Policy
from workflow.evidence import parse_evidence
from workflow.machine import Case, fire


def run_history(history: list[tuple[str, date, dict[str, Any]]], *, birth: date = date(2001, 4, 12),
                policy: Policy = DEFAULT_POLICY) -> Case:
    case = Case(ApplicantFacts(birth_date=birth))
    for slug, on, raw in history:
        step = spec_for(slug)
        fire(case, step.step, on, parse_evidence(step, raw), policy=policy)
    return case
