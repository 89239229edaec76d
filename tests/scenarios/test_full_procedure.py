"""The whole procedure end to end, written as a walkthrough: 李明 from 申请 to 材料归档, and the side paths."""

from __future__ import annotations

from datetime import date

import pytest

from interfaces.demo import DEMO_HISTORY
from states.engine import plan
from states.rules import probation_ends_on
from states.rulesets import DEFAULT_POLICY, RuleSetId
from states.steps import Status, Step
from tests.builders import run_history
from workflow.errors import StepRefused
from workflow.machine import fire

CONFIRMATION = [
    ("confirmation_resolved", date(2026, 12, 12),
     {"group_opinion": "是", "opinions_sought": "是", "committee_reviewed": "是",
      "tally": "应到=24,实到=21,赞成=21,方式=无记名"}),
    ("confirmation_approved", date(2027, 1, 8), {"received_on": "2026-12-15"}),
    ("records_archived", date(2027, 1, 20),
     {"documents": "application_form,application_letter,political_review,confirmation_request,assessment_records"}),
]


def test_all_25_steps_from_application_to_archive() -> None:
    case = run_history([*DEMO_HISTORY, *CONFIRMATION])
    assert case.state is Status.FULL_MEMBER
    numbers = sorted({r.step for r in case.facts.records}, key=list(Step).index)
    assert len(numbers) == 25
    # One applicant's history spans two rule sets, each act judged by the set in force on its date.
    sets = {r.step: r.rule_set for r in case.facts.records}
    assert sets[Step.OATH_TAKEN] is RuleSetId.R2014
    assert sets[Step.CONFIRMATION_REQUESTED] is RuleSetId.R2026


def test_probation_runs_one_year_from_the_admission_meeting() -> None:
    case = run_history(DEMO_HISTORY)
    assert probation_ends_on(case.facts, DEFAULT_POLICY) == date(2026, 12, 12)
    with pytest.raises(StepRefused, match="2026年12月12日起方可讨论转正"):
        fire(case, Step.CONFIRMATION_RESOLVED, date(2026, 12, 11), {
            "group_opinion": True, "opinions_sought": True, "committee_reviewed": True,
            "tally": run_tally()})


def run_tally():
    from states.votes import Tally

    return Tally(entitled=24, present=21, yes=21, no=0, abstain=0, invalid=0)


def test_extension_moves_the_confirmation_date_and_only_once() -> None:
    extension = ("probation_extended", date(2026, 12, 12),
                 {"months": "6", "tally": "应到=24,实到=20,赞成=18,反对=2,方式=无记名"})
    case = run_history([*DEMO_HISTORY, extension])
    assert probation_ends_on(case.facts, DEFAULT_POLICY) == date(2027, 6, 12)
    upcoming = {n.spec.step: n for n in plan(case.facts, date(2026, 12, 20))}
    assert upcoming[Step.CONFIRMATION_RESOLVED].earliest == date(2027, 6, 12)
    with pytest.raises(StepRefused, match="不能再次延长"):
        fire(case, Step.PROBATION_EXTENDED, date(2027, 6, 12), {"months": 6, "tally": run_tally()})


def test_a_candidate_listed_after_the_2026_revision_needs_consent_and_publicity() -> None:
    """2026年修订第十三条 [R26]: 上级党委同意, then a 公示 of at least five working days."""
    history = [(slug, date(on.year + 1, on.month, on.day), ev) for slug, on, ev in DEMO_HISTORY[:8]]
    case = run_history(history, birth=date(2001, 4, 12))  # 确定发展对象 on 2026-06-16, under 2026.05
    with pytest.raises(StepRefused, match="上级党委尚未同意"):
        fire(case, Step.CANDIDATE_FILED, date(2026, 6, 26), {"consented": False})
    fire(case, Step.CANDIDATE_FILED, date(2026, 6, 26), {"consented": True})
    with pytest.raises(StepRefused, match="尚未完成不少于五个工作日的公示"):
        fire(case, Step.SPONSORS_ASSIGNED, date(2026, 7, 6), {"sponsors": []})
    assert Step.CANDIDATE_PUBLICISED in {n.spec.step for n in plan(case.facts, date(2026, 6, 29))}
    fire(case, Step.CANDIDATE_PUBLICISED, date(2026, 7, 6),
         {"posted_on": date(2026, 6, 29), "last_day": date(2026, 7, 3), "outcome": "no_objection"})
    run_rest = plan(case.facts, date(2026, 7, 6))
    assert any(n.spec.step is Step.SPONSORS_ASSIGNED and n.possible_now for n in run_rest)


def test_political_review_failure_ends_the_case() -> None:
    case = run_history([*DEMO_HISTORY[:10],
                        ("political_review_failed", date(2025, 9, 15), {"conclusion": "政审〔2025〕13号：不合格"})])
    assert case.state is Status.NOT_ADMITTED
    assert plan(case.facts, date(2025, 10, 1)) == []
