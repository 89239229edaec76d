"""一、申请入党: 细则第五、六、七条 (steps 1 and 2), tested through ``states.engine.check``.

procedure.md N1–N3; §3 items 3, 4 and 6 (age on the birthday, month-end clamping, the receipt date).
"""

from __future__ import annotations

from datetime import date

import pytest

from states.rulesets import Policy, RuleSetId
from states.steps import Severity, Step
from states.verdicts import Outcome
from tests.states.builders import (
    Story,
    applicant,
    assert_only_blocker,
    attempt,
    day_after,
    day_before,
    rules_in,
    verdict,
)
from workflow.errors import StepRefused
from workflow.machine import Case, fire

AGE = "applicant_is_eighteen"
ORGANISATION = "applied_to_competent_organisation"
TALK = "talk_within_one_month_of_receipt"


def apply_on(on: date, birth: date | None, policy: Policy | None = None):
    return attempt(Story(birth_date=birth), Step.APPLICATION_SUBMITTED, on, policy=policy)


# ------------------------------------------------------------------ 第五条 / 党章第一条: 年满十八岁


def test_art5_applicant_is_eighteen_refuses_day_before_18th_birthday() -> None:
    result = apply_on(date(2025, 6, 14), birth=date(2007, 6, 15))

    found = assert_only_blocker(result, AGE)
    assert found.severity is Severity.HARD
    assert found.allowed_from == date(2025, 6, 15)
    assert result.allowed_from == date(2025, 6, 15)
    assert "2025年6月14日尚未年满十八岁" in found.message
    assert "2025年6月15日起方可递交入党申请书" in found.message


def test_art5_applicant_is_eighteen_allows_on_18th_birthday() -> None:
    result = apply_on(date(2025, 6, 15), birth=date(2007, 6, 15))

    assert verdict(result, AGE).outcome is Outcome.PASSED
    assert result.allowed


@pytest.mark.parametrize(
    ("on", "outcome"),
    [(date(2026, 2, 27), Outcome.REFUSED), (date(2026, 2, 28), Outcome.PASSED), (date(2026, 3, 1), Outcome.PASSED)],
    ids=["art5-feb29-born-refused-27feb", "art5-feb29-born-eighteen-on-28feb", "art5-feb29-born-1mar"],
)
def test_art5_applicant_is_eighteen_born_29_february_is_eighteen_on_28_february(on: date, outcome: Outcome) -> None:
    found = verdict(apply_on(on, birth=date(2008, 2, 29)), AGE)

    assert found.outcome is outcome
    if outcome is Outcome.REFUSED:
        assert found.allowed_from == date(2026, 2, 28)
        assert "2026年2月28日起" in found.message


def test_art5_applicant_is_eighteen_strict_age_refuses_on_birthday_allows_next_day() -> None:
    strict = Policy(strict_age=True)
    birth = date(2007, 6, 15)

    on_birthday = verdict(apply_on(date(2025, 6, 15), birth, strict), AGE)
    assert on_birthday.outcome is Outcome.REFUSED
    assert on_birthday.allowed_from == date(2025, 6, 16)
    assert "2025年6月16日起" in on_birthday.message
    assert verdict(apply_on(date(2025, 6, 16), birth, strict), AGE).outcome is Outcome.PASSED


def test_art5_applicant_is_eighteen_strict_age_born_29_february_waits_until_1_march() -> None:
    strict = Policy(strict_age=True)
    birth = date(2008, 2, 29)

    assert verdict(apply_on(date(2026, 2, 28), birth, strict), AGE).allowed_from == date(2026, 3, 1)
    assert verdict(apply_on(date(2026, 3, 1), birth, strict), AGE).outcome is Outcome.PASSED


def test_art5_applicant_is_eighteen_refuses_without_birth_date_and_gives_no_date() -> None:
    result = apply_on(date(2025, 6, 15), birth=None)

    found = assert_only_blocker(result, AGE)
    assert "未登记出生日期" in found.message
    assert found.allowed_from is None
    assert result.allowed_from is None


@pytest.mark.parametrize(
    ("on", "text", "tag"),
    [
        (date(2025, 6, 14), "《发展党员工作细则》第五条", "V"),
        (date(2026, 6, 14), "《发展党员工作细则》（2026年修订）第五条", "R26"),
        (date(2010, 6, 14), "《中国共产党章程》第一条", "V"),
    ],
    ids=["art5-cites-2014", "art5-cites-2026", "art5-cites-party-constitution-under-1990"],
)
def test_art5_applicant_is_eighteen_cites_rule_set_in_force(on: date, text: str, tag: str) -> None:
    birth = date(on.year - 17, 12, 31)
    found = verdict(apply_on(on, birth), AGE)

    assert found.outcome is Outcome.REFUSED
    assert found.citation.text == text
    assert found.citation.tag.value == tag


# ------------------------------------------------------------------ 第六条: 向哪个党组织提出申请


@pytest.mark.parametrize(
    "basis",
    ["work_unit", "study_unit", "residence", "mobile_unit_location", "mobile_unit_authority",
     "mobile_party_organisation"],
)
def test_art6_applied_to_competent_organisation_accepts_each_listed_organisation(basis: str) -> None:
    result = attempt(Story(), Step.APPLICATION_SUBMITTED, date(2025, 3, 10), organisation_basis=basis)

    assert verdict(result, ORGANISATION).outcome is Outcome.PASSED
    assert result.allowed


def test_art6_applied_to_competent_organisation_refuses_unlisted_organisation() -> None:
    result = attempt(Story(), Step.APPLICATION_SUBMITTED, date(2025, 3, 10), organisation_basis="hometown")

    found = assert_only_blocker(result, ORGANISATION)
    assert "受理组织不明" in found.message
    assert found.citation.text == "《发展党员工作细则》第六条"


def test_art6_applied_to_competent_organisation_refuses_when_organisation_missing() -> None:
    result = attempt(Story(), Step.APPLICATION_SUBMITTED, date(2025, 3, 10), drop=("organisation_basis",))

    found = assert_only_blocker(result, ORGANISATION)
    assert found.message == "缺少材料：「受理的党组织」。"


# ------------------------------------------------------------------ 第七条: 一个月内派人谈话


def test_art7_talk_within_one_month_of_receipt_due_date_clamped_to_month_end() -> None:
    result = attempt(applicant(date(2025, 1, 31)), Step.TALK_HELD, date(2025, 2, 10))

    assert verdict(result, TALK).due_by == date(2025, 2, 28)
    assert result.due_by == date(2025, 2, 28)


def test_art7_talk_within_one_month_of_receipt_passes_on_last_day() -> None:
    result = attempt(applicant(date(2025, 1, 31)), Step.TALK_HELD, date(2025, 2, 28))

    found = verdict(result, TALK)
    assert found.outcome is Outcome.PASSED
    assert found.due_by == date(2025, 2, 28)
    assert result.allowed
    assert result.violations == ()


def test_art7_talk_within_one_month_of_receipt_day_after_is_violated_duty_step_still_allowed() -> None:
    result = attempt(applicant(date(2025, 1, 31)), Step.TALK_HELD, date(2025, 3, 1))

    found = verdict(result, TALK)
    assert found.severity is Severity.DUTY
    assert found.outcome is Outcome.VIOLATED
    assert found.due_by == date(2025, 2, 28)
    assert "2025年2月28日前" in found.message
    assert "2025年1月31日" in found.message
    assert result.allowed
    assert result.violations == (found,)
    assert found.grave is False


def test_art7_talk_within_one_month_of_receipt_leap_year_due_29_february() -> None:
    story = applicant(date(2024, 1, 31))

    assert verdict(attempt(story, Step.TALK_HELD, date(2024, 2, 29)), TALK).outcome is Outcome.PASSED
    late = verdict(attempt(story, Step.TALK_HELD, date(2024, 3, 1)), TALK)
    assert late.outcome is Outcome.VIOLATED
    assert late.due_by == date(2024, 2, 29)


@pytest.mark.parametrize("received", [date(2025, 3, 10), date(2025, 12, 31), date(2026, 5, 20)])
def test_art7_talk_within_one_month_of_receipt_boundary_on_corresponding_day(received: date) -> None:
    story = applicant(received)
    due = verdict(attempt(story, Step.TALK_HELD, received), TALK).due_by
    assert due is not None

    assert verdict(attempt(story, Step.TALK_HELD, due), TALK).outcome is Outcome.PASSED
    assert verdict(attempt(story, Step.TALK_HELD, day_after(due)), TALK).outcome is Outcome.VIOLATED
    assert verdict(attempt(story, Step.TALK_HELD, day_before(due)), TALK).outcome is Outcome.PASSED


def test_art7_talk_within_one_month_of_receipt_not_a_rule_under_1990_set() -> None:
    """The one-month talk was added by the 2014 细则 (组织部 Q&A in procedure.md §0.2)."""
    result = attempt(applicant(date(2013, 1, 10)), Step.TALK_HELD, date(2013, 5, 10))

    assert result.rule_set is RuleSetId.R1990
    assert TALK not in rules_in(result)
    assert result.allowed


def test_art7_talk_late_violation_is_recorded_not_refused_by_the_machine() -> None:
    case = Case(applicant(date(2025, 1, 31)).facts, applicant(date(2025, 1, 31)).status)

    result = fire(case, Step.TALK_HELD, date(2025, 3, 1), {"talker": "支部书记 陈静"})

    assert [v.rule for v in result.violations] == [TALK]
    assert case.facts.done(Step.TALK_HELD)


def test_art5_machine_refusal_lists_age_with_its_date() -> None:
    case = Case(Story(birth_date=date(2007, 6, 15)).facts)

    with pytest.raises(StepRefused) as refused:
        fire(case, Step.APPLICATION_SUBMITTED, date(2025, 6, 14), {"organisation_basis": "work_unit"})

    assert [v.rule for v in refused.value.check.blocking] == [AGE]
    assert "2025年6月15日" in str(refused.value)
