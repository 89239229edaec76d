"""Cross-cutting checks of the rule catalogue: every guard of the table is tested, the test histories are
valid, and the [R26] flag (procedure.md §0.3) drops only the rules reported for the 2026 revision alone.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from states.facts import ApplicantFacts
from states.procedure import PROCEDURE
from states.rulesets import Policy, RuleSetId
from states.steps import Step
from states.verdicts import Check, Outcome
from states.votes import VotingMethod
from tests.states.builders import (
    CAL,
    Story,
    activist,
    applicant,
    attempt,
    candidate,
    full,
    full_member,
    prepared,
    probationary,
    probationary_member,
    publicity_evidence,
    rules_in,
    tally,
    verdict,
)
from workflow.machine import Case, fire, replay

HERE = Path(__file__).parent
TABLE_GUARDS = sorted({rule.id for spec in PROCEDURE for rule in spec.rules})
R26_ONLY = sorted(
    {
        rule.id
        for spec in PROCEDURE
        for rule in spec.rules
        if set(rule.citations) == {RuleSetId.R2026}
    }
)
RELAXED = Policy(enforce_r26=False)


def rule_test_names() -> list[str]:
    names = []
    for path in sorted(HERE.glob("test_rules_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names += [node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
                  and node.name.startswith("test_")]
    return names


@pytest.mark.parametrize("guard", TABLE_GUARDS)
def test_every_guard_of_the_table_has_a_test_named_after_it(guard: str) -> None:
    tests = [name for name in rule_test_names() if guard in name]

    assert tests, f"no test_rules_*.py test is named after {guard}"
    assert any(name.startswith("test_art") for name in tests), f"no test of {guard} cites its article"


def test_r26_only_rules_are_the_2026_novelties() -> None:
    """procedure.md §2.3: 上级党委同意, 公示, 预审后一个月内开会, 批准后一个月内宣誓."""
    assert R26_ONLY == [
        "higher_committee_consented",
        "meeting_within_one_month_of_pre_review",
        "oath_within_one_month_of_approval",
        "publicity_after_consent",
        "publicity_lasts_five_workdays",
        "publicity_over_before_listing",
        "publicity_result_allows_listing",
    ]


# ------------------------------------------------------------------ the canned histories are themselves valid


STORIES: dict[str, Callable[[], Story]] = {
    "applicant-2025": lambda: applicant(date(2025, 1, 6)),
    "activist-2024": lambda: activist(date(2024, 3, 10)),
    "candidate-2025": lambda: candidate(date(2025, 3, 1)),
    "candidate-2026-with-publicity": lambda: candidate(date(2026, 6, 1)),
    "prepared-2026": lambda: prepared(date(2026, 9, 1)),
    "probationary-2025": lambda: probationary(date(2025, 7, 1)),
    "full-member-2014": lambda: full_member(date(2025, 9, 1)),
    "full-member-crossing-2026": lambda: full_member(date(2027, 9, 1)),
    "full-member-1990": lambda: full_member(date(2011, 9, 1)),
    "full-member-2026-pinned": lambda: full_member(date(2025, 12, 1), policy=Policy(pinned_rule_set=RuleSetId.R2026)),
}


@pytest.mark.parametrize("name", list(STORIES))
def test_builder_histories_replay_through_the_machine_without_refusal_or_violation(name: str) -> None:
    story = STORIES[name]()
    case = Case(ApplicantFacts(birth_date=story.birth_date))

    checks = [fire(case, r.step, r.on, r.evidence, policy=story.policy, calendar=CAL) for r in story.facts.records]

    assert case.state is story.status
    assert [v.as_dict() for c in checks for v in (*c.violations, *c.overridden)] == []
    assert all(r.rule_set is story.policy.rule_set_on(r.on) for r in story.facts.records)
    assert replay(ApplicantFacts(birth_date=story.birth_date), list(story.facts.records), policy=story.policy,
                  calendar=CAL).facts.records == case.facts.records


# ------------------------------------------------------------------ [R26] flag: only the 2026 novelties go


def test_r26_flag_off_drops_publicity_rules_from_2026_publicity_step() -> None:
    story = candidate(date(2026, 6, 1), publicise=False)
    evidence = publicity_evidence(date(2026, 6, 8), date(2026, 6, 9), outcome="affecting")

    enforced = attempt(story, Step.CANDIDATE_PUBLICISED, date(2026, 6, 9), **evidence)
    relaxed = attempt(story, Step.CANDIDATE_PUBLICISED, date(2026, 6, 9), policy=RELAXED, **evidence)

    publicity_rules = {"publicity_after_consent", "publicity_lasts_five_workdays", "publicity_over_before_listing",
                       "publicity_result_allows_listing"}
    assert publicity_rules <= rules_in(enforced)
    assert not publicity_rules & rules_in(relaxed)


def test_r26_flag_off_drops_consent_rule_from_2026_filing() -> None:
    story = activist(date(2025, 5, 1)).then(Step.CANDIDATE_DESIGNATED, date(2026, 6, 1))

    relaxed = attempt(story, Step.CANDIDATE_FILED, date(2026, 6, 8), policy=RELAXED, consented=False)

    assert "higher_committee_consented" not in rules_in(relaxed)
    assert relaxed.allowed


def test_r26_flag_off_2026_step_9_needs_no_publicity() -> None:
    story = candidate(date(2026, 6, 1), publicise=False)

    relaxed = attempt(story, Step.SPONSORS_ASSIGNED, date(2026, 6, 20), policy=RELAXED)

    assert relaxed.allowed


# Each scenario is an act dated after 2026-05-18 that breaks a rule the 2014 细则 (or the 党章) already had.
# Turning off the rules "reported for the 2026 revision, pending confirmation" must not make it lawful.
SHARED_RULE_CASES: dict[str, tuple[str, Callable[[Policy], Check]]] = {
    "art5-age-16-year-old-applies": (
        "applicant_is_eighteen",
        lambda p: attempt(Story(birth_date=date(2010, 1, 1)), Step.APPLICATION_SUBMITTED, date(2026, 6, 15), policy=p),
    ),
    "art13-candidate-after-16-days-as-activist": (
        "activist_trained_one_full_year",
        lambda p: attempt(activist(date(2026, 5, 25), assessed=()), Step.CANDIDATE_DESIGNATED, date(2026, 6, 10),
                          policy=p),
    ),
    "art14-probationary-member-sole-sponsor": (
        "two_full_members_sponsor",
        lambda p: attempt(candidate(date(2026, 4, 1)), Step.SPONSORS_ASSIGNED, date(2026, 6, 10), policy=p,
                          sponsors=(probationary_member("周婷"),)),
    ),
    "art13-sponsors-before-candidate-filed": (
        "candidate_status_established",
        lambda p: attempt(candidate(date(2026, 6, 1)).without(Step.CANDIDATE_FILED, Step.CANDIDATE_PUBLICISED),
                          Step.SPONSORS_ASSIGNED, date(2026, 6, 10), policy=p, sponsors=(full("刘洋"), full("赵敏"))),
    ),
    "art20-admission-meeting-3-of-10-present": (
        "meeting_quorate",
        lambda p: attempt(prepared(date(2026, 6, 1)), Step.ADMISSION_RESOLVED, date(2026, 6, 15), policy=p,
                          tally=tally(10, 3, 3)),
    ),
    "art21-admission-by-show-of-hands": (
        "voted_by_secret_ballot",
        lambda p: attempt(prepared(date(2026, 6, 1)), Step.ADMISSION_RESOLVED, date(2026, 6, 15), policy=p,
                          tally=tally(10, 8, 7, method=VotingMethod.SHOW_OF_HANDS)),
    ),
    "art32-confirmation-meeting-half-a-year-early": (
        "probation_period_complete",
        lambda p: attempt(probationary(date(2026, 1, 5)), Step.CONFIRMATION_RESOLVED, date(2026, 7, 5), policy=p),
    ),
}


@pytest.mark.parametrize("case", list(SHARED_RULE_CASES))
def test_r26_flag_on_refuses_2026_act_breaking_a_2014_rule(case: str) -> None:
    rule, act = SHARED_RULE_CASES[case]

    result = act(Policy())

    found = verdict(result, rule)
    assert found.outcome is Outcome.REFUSED
    assert found.citation.text.startswith("《发展党员工作细则》（2026年修订）第")
    assert found.citation.tag.value == "R26"
    assert not result.allowed


@pytest.mark.parametrize("case", list(SHARED_RULE_CASES))
def test_r26_flag_off_keeps_rules_the_2014_text_already_had(case: str) -> None:
    """procedure.md §0.3: only the [R26] *rules* are behind the flag, not every rule with a 2026 article number.

    With ``Policy(enforce_r26=False)`` the engine drops every rule whose 2026.05 citation is tagged R26 — which
    is every 2026 citation — so after 2026-05-18 a 16-year-old may apply, a 预备党员 may sponsor, a meeting of 3
    out of 10 may admit by show of hands, and so on.
    """
    rule, act = SHARED_RULE_CASES[case]

    result = act(RELAXED)

    assert rule in rules_in(result), f"{rule} vanished from the verdicts of a 2026 act with enforce_r26=False"
    assert verdict(result, rule).outcome is Outcome.REFUSED
    assert not result.allowed


def test_r26_flag_off_keeps_soft_training_rule_for_2026_act() -> None:
    story = candidate(date(2026, 6, 1))

    result = attempt(story, Step.TRAINING_COMPLETED, date(2026, 7, 1), policy=RELAXED, days=1, hours=4)

    assert "trained_three_days_or_24_hours" in rules_in(result)
    assert verdict(result, "trained_three_days_or_24_hours").outcome is Outcome.NEEDS_OVERRIDE
