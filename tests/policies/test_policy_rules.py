"""Each setting an organisation can switch on, through its declaration (states/policy_settings.py) to the rule it
changes, on both sides of the boundary, naming the article (or, for a local rule, 本组织规定 [G])."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from states.periods import add_years
from states.policy_settings import SETTINGS, BadSetting, policy_with, setting
from states.procedure import PROCEDURE
from states.rulesets import DEFAULT_POLICY, Policy
from states.steps import Step, Tag
from states.verdicts import Outcome
from tests.states.builders import (
    CAL,
    Story,
    activist,
    applicant,
    attempt,
    candidate,
    day_after,
    day_before,
    publicity_evidence,
    verdict,
)


def _policy(**values: str) -> Policy:
    return policy_with(DEFAULT_POLICY, values)


def test_every_setting_reads_back_what_it_applies_and_defaults_to_the_national_rules() -> None:
    for each in SETTINGS:
        assert each.read(DEFAULT_POLICY) in each.choices, each.key
        for value in each.choices:
            assert each.read(each.apply(DEFAULT_POLICY, value)) == value, (each.key, value)
    assert _policy() is DEFAULT_POLICY
    assert {s.key for s in SETTINGS} == {"strict_age", "strict_minimums", "half_year_assessment_severity",
                                         "political_review_age_severity", "activist_wait_months",
                                         "publicity_seven_days"}


def test_severity_settings_name_rules_of_the_procedure_table() -> None:
    table = {rule.id for spec in PROCEDURE for rule in spec.rules}
    assert {"assessed_every_half_year", "political_review_valid_at_committee_review"} <= table


@pytest.mark.parametrize(("key", "typed", "stored"), [
    ("strict_age", "是", "true"), ("strict_age", "否", "false"), ("strict_age", "生日次日起算", "true"),
    ("political_review_age_severity", "一般性", "soft"), ("political_review_age_severity", "hard", "hard"),
    ("activist_wait_months", "6", "6"), ("activist_wait_months", "满三个月", "3"), ("activist_wait_months", "0", "0"),
])
def test_values_are_read_from_what_a_secretary_types(key: str, typed: str, stored: str) -> None:
    assert setting(key).parse(typed) == stored


@pytest.mark.parametrize(("key", "typed", "words"), [
    ("activist_wait_months", "2", "可选：0"), ("activist_wait_months", "7", "满六个月"),
    ("strict_age", "也许", "不能设为「也许」"), ("political_review_age_severity", "严重", "硬性"),
])
def test_bad_values_are_refused_in_chinese(key: str, typed: str, words: str) -> None:
    with pytest.raises(BadSetting, match=words):
        setting(key).parse(typed)
    with pytest.raises(BadSetting, match="没有名为「age」的设定"):
        setting("age")


# ---------------------------------------------------------------- national rules whose reading is a choice

BIRTH = date(2001, 4, 12)


def test_art5_strict_age_setting_refuses_the_18th_birthday_and_allows_the_next_day() -> None:
    story, birthday = Story(birth_date=BIRTH), date(2019, 4, 12)  # no application yet: step 1 is judged
    assert attempt(story, Step.APPLICATION_SUBMITTED, birthday).allowed  # default: 18 on the birthday
    strict = _policy(strict_age="true")
    refused = verdict(attempt(story, Step.APPLICATION_SUBMITTED, birthday, policy=strict), "applicant_is_eighteen")
    assert refused.outcome is Outcome.REFUSED and refused.allowed_from == day_after(birthday)
    assert "第五条" in refused.citation.text
    assert attempt(story, Step.APPLICATION_SUBMITTED, day_after(birthday), policy=strict).allowed


def test_art13_strict_minimums_setting_moves_the_one_year_to_the_day_after_the_anniversary() -> None:
    story, anniversary = activist(date(2024, 3, 10)), date(2025, 3, 10)
    assert attempt(story, Step.CANDIDATE_DESIGNATED, anniversary).allowed
    strict = _policy(strict_minimums="true")
    refused = verdict(attempt(story, Step.CANDIDATE_DESIGNATED, anniversary, policy=strict),
                      "activist_trained_one_full_year")
    assert refused.outcome is Outcome.REFUSED and "第十三条" in refused.citation.text
    assert attempt(story, Step.CANDIDATE_DESIGNATED, day_after(anniversary), policy=strict).allowed


@pytest.mark.parametrize(("value", "outcome", "allowed"), [
    ("hard", Outcome.REFUSED, False), ("soft", Outcome.NEEDS_OVERRIDE, False), ("duty", Outcome.VIOLATED, True)])
def test_art11_half_year_assessment_severity_setting(value: str, outcome: Outcome, allowed: bool) -> None:
    designated = date(2024, 3, 10)
    missing = activist(designated, assessed=(date(2024, 6, 10),))  # nothing in the second half-year
    complete = activist(designated)
    policy = _policy(half_year_assessment_severity=value)
    found = verdict(attempt(missing, Step.CANDIDATE_DESIGNATED, date(2025, 3, 10), policy=policy),
                    "assessed_every_half_year")
    assert found.outcome is outcome and "第十一条" in found.citation.text
    assert attempt(missing, Step.CANDIDATE_DESIGNATED, date(2025, 3, 10), policy=policy).allowed is allowed
    assert attempt(complete, Step.CANDIDATE_DESIGNATED, date(2025, 3, 10), policy=policy).allowed


def _up_to_committee(review_on: date):  # noqa: ANN202  (a tests.states Story)
    base = candidate(date(2025, 1, 10))
    start = base.last_on
    base = base.then(Step.SPONSORS_ASSIGNED, start + timedelta(days=1)).then(Step.POLITICAL_REVIEW_PASSED, review_on)
    return base.then(Step.TRAINING_COMPLETED, start + timedelta(days=3))


@pytest.mark.parametrize(("value", "outcome"), [("duty", Outcome.VIOLATED), ("soft", Outcome.NEEDS_OVERRIDE),
                                                ("hard", Outcome.REFUSED)])
def test_art15_political_review_age_severity_setting_at_step_12(value: str, outcome: Outcome) -> None:
    reviewed = date(2025, 1, 20)
    story, anniversary = _up_to_committee(reviewed), add_years(reviewed, 1)
    policy = _policy(political_review_age_severity=value)
    on_time = verdict(attempt(story, Step.COMMITTEE_REVIEWED, anniversary, policy=policy),
                      "political_review_valid_at_committee_review")
    assert on_time.outcome is Outcome.PASSED
    late = verdict(attempt(story, Step.COMMITTEE_REVIEWED, day_after(anniversary), policy=policy),
                   "political_review_valid_at_committee_review")
    assert late.outcome is outcome and "第十五条" in late.citation.text


# ---------------------------------------------------------------- local stricter rules (procedure.md §3 item 22)

RECEIVED = date(2024, 3, 4)


def _ready_for_activist():  # noqa: ANN202
    return applicant(RECEIVED).then(Step.TALK_HELD, date(2024, 3, 20))


@pytest.mark.parametrize(("months", "first"), [("3", date(2024, 6, 4)), ("6", date(2024, 9, 4))])
def test_local_rule_activist_after_waiting_months_both_sides(months: str, first: date) -> None:
    story, policy = _ready_for_activist(), _policy(activist_wait_months=months)
    refused = attempt(story, Step.ACTIVIST_DESIGNATED, day_before(first), policy=policy)
    found = verdict(refused, "activist_after_waiting_months")
    assert found.outcome is Outcome.REFUSED and found.allowed_from == first
    assert found.citation.text == "本组织规定（地方实施细则）" and found.citation.tag is Tag.G
    assert f"满{months}个月" in found.message and refused.allowed_from == first
    assert attempt(story, Step.ACTIVIST_DESIGNATED, first, policy=policy).allowed
    # the national set has no wait: without the setting the day before is fine and the rule is not even asked
    national = attempt(story, Step.ACTIVIST_DESIGNATED, day_before(first))
    assert national.allowed and "activist_after_waiting_months" not in {v.rule for v in national.verdicts}


def test_local_rule_activist_wait_counts_strictly_when_the_organisation_counts_strictly() -> None:
    policy = _policy(activist_wait_months="3", strict_minimums="true")
    assert not attempt(_ready_for_activist(), Step.ACTIVIST_DESIGNATED, date(2024, 6, 4), policy=policy).allowed
    assert attempt(_ready_for_activist(), Step.ACTIVIST_DESIGNATED, date(2024, 6, 5), policy=policy).allowed


def test_local_rule_activist_wait_plans_the_earliest_day() -> None:
    from states.engine import plan

    upcoming = plan(_ready_for_activist().facts, date(2024, 4, 1), policy=_policy(activist_wait_months="6"),
                    calendar=CAL)
    assert next(n for n in upcoming if n.spec.step is Step.ACTIVIST_DESIGNATED).earliest_by_time == date(2024, 9, 4)


POSTED = date(2026, 6, 8)  # a Monday: five working days end on Friday 12 June, seven days on Sunday 14 June


def test_local_rule_publicity_seven_days_both_sides_on_top_of_five_working_days() -> None:
    story = candidate(date(2026, 6, 1), publicise=False)
    policy = _policy(publicity_seven_days="true")
    five = publicity_evidence(POSTED)
    assert five["last_day"] == date(2026, 6, 12)
    national = attempt(story, Step.CANDIDATE_PUBLICISED, date(2026, 6, 15), **five)
    assert national.allowed  # 2026 第十三条: five working days are enough nationally
    six = attempt(story, Step.CANDIDATE_PUBLICISED, date(2026, 6, 15), policy=policy,
                  **publicity_evidence(POSTED, date(2026, 6, 13)))
    found = verdict(six, "publicity_lasts_min_days")
    assert found.outcome is Outcome.REFUSED and found.citation.tag is Tag.G
    assert found.message == "公示期2026年6月8日至2026年6月13日只有6天，本组织规定不少于7天，应至少到2026年6月14日。"
    seven = attempt(story, Step.CANDIDATE_PUBLICISED, date(2026, 6, 15), policy=policy,
                    **publicity_evidence(POSTED, date(2026, 6, 14)))
    assert seven.allowed
    # both rules bind: seven calendar days over a holiday week still need five working days (2026 第十三条)
    golden_week = attempt(story, Step.CANDIDATE_PUBLICISED, date(2026, 10, 9), policy=policy,
                          **publicity_evidence(date(2026, 10, 1), date(2026, 10, 7)))
    national_five = verdict(golden_week, "publicity_lasts_five_workdays")
    assert national_five.outcome is Outcome.REFUSED and "只有0个工作日" in national_five.message
    assert verdict(golden_week, "publicity_lasts_min_days").outcome is Outcome.PASSED
