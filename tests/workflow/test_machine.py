"""The shared transitions machine: one machine, no shortcuts, refusals carry every rule, nothing half-applied."""

from __future__ import annotations

from datetime import date

import pytest

from interfaces.demo import DEMO_HISTORY
from states.engine import check
from states.facts import ApplicantFacts
from states.procedure import spec_for
from states.steps import Status, Step
from tests.builders import run_history
from workflow.errors import StepRefused
from workflow.evidence import parse_evidence
from workflow.machine import MACHINE, Case, fire


def test_one_machine_with_no_registered_models_and_no_jump_methods() -> None:
    assert MACHINE.models == []
    case = run_history(DEMO_HISTORY[:3])
    assert MACHINE.models == []  # firing never registers the applicant
    assert not any(name.startswith("to_") for name in MACHINE.events)
    assert not hasattr(case, "to_full_member")


def test_refused_step_raises_with_every_failing_rule_and_changes_nothing() -> None:
    case = run_history(DEMO_HISTORY[:2])  # an applicant who has had the talk
    before = case.facts
    with pytest.raises(StepRefused) as refused:
        fire(case, Step.CANDIDATE_DESIGNATED, date(2024, 4, 1), {})
    rules = {v.rule for v in refused.value.check.blocking}
    assert {"status_allows_step", "preceding_steps_recorded", "activist_trained_one_full_year",
            "opinions_heard_before_designation", "decision_meeting_quorate"} <= rules
    assert case.state is Status.APPLICANT and case.facts is before
    assert "第十三条" in str(refused.value)


def test_refusal_message_names_the_date_from_which_the_step_is_allowed() -> None:
    case = run_history(DEMO_HISTORY[:7])
    with pytest.raises(StepRefused) as refused:
        fire(case, Step.CANDIDATE_DESIGNATED, date(2025, 6, 13),
             {"opinions_heard": True, "members": 5, "present": 5})
    assert refused.value.check.allowed_from == date(2025, 6, 14)
    assert "2025年6月14日起方可列为发展对象" in str(refused.value)


def test_machine_and_check_agree_on_every_step_of_the_demo() -> None:
    case = Case(ApplicantFacts(birth_date=date(2001, 4, 12)))
    for slug, on, raw in DEMO_HISTORY:
        spec = spec_for(slug)
        evidence = parse_evidence(spec, raw)
        assert check(spec.step, case.facts, on, evidence).allowed
        fire(case, spec.step, on, evidence)
        assert case.state is case.facts.status
    assert case.state is Status.PROBATIONARY


def test_status_changes_only_where_the_table_says() -> None:
    statuses = []
    case = Case(ApplicantFacts(birth_date=date(2001, 4, 12)))
    for slug, on, raw in DEMO_HISTORY:
        spec = spec_for(slug)
        fire(case, spec.step, on, parse_evidence(spec, raw))
        statuses.append((spec.number, case.state))
    changes = [(n, s) for (n, s), (_, prev) in zip(statuses, [(0, Status.NEW), *statuses], strict=False) if s != prev]
    assert changes == [(1, Status.APPLICANT), (3, Status.ACTIVIST), (7, Status.CANDIDATE), (17, Status.PROBATIONARY)]


def test_withdrawal_keeps_history_and_ends_the_case() -> None:
    case = run_history([*DEMO_HISTORY[:5], ("withdrawn", date(2024, 9, 1), {"reason": "本人工作调动，暂缓申请"})])
    assert case.state is Status.WITHDRAWN
    assert len(case.facts.records) == 6
    with pytest.raises(StepRefused, match="已退出"):
        fire(case, Step.ACTIVIST_ASSESSED, date(2024, 12, 1), {})
