"""二、入党积极分子: 细则第八、九、十一、十二条 (steps 3–6 and the transfer), through ``states.engine.check``.

procedure.md N4–N7, P3; §3 items 4, 7, 12 (anchor of the 积极分子 period, 支委会 quorum, half-yearly 考察).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from states.facts import Person, Standing
from states.periods import add_months
from states.rulesets import ActivistAnchor, Policy, RuleSetId
from states.steps import Severity, Step
from states.verdicts import Outcome
from tests.states.builders import (
    Story,
    activist,
    applicant,
    assert_only_blocker,
    attempt,
    full,
    probationary_member,
    rules_in,
    sanctioned,
    verdict,
)

RECOMMENDED = "recommended_by_members_or_mass_organisation"
QUORUM = "decision_meeting_quorate"
LIAISONS = "one_or_two_full_member_liaisons"
HALF_YEAR_DUTY = "assessed_within_half_year"
TRANSFER = "activist_transfer_materials_handed_over"
ONE_YEAR = "activist_trained_one_full_year"

RECEIVED = date(2025, 1, 6)


def talked() -> Story:
    return applicant(RECEIVED).then(Step.TALK_HELD, date(2025, 1, 13))


def designate(**changes: object):
    return attempt(talked(), Step.ACTIVIST_DESIGNATED, date(2025, 4, 1), **changes)


# ------------------------------------------------------------------ 第八条: 党员推荐、群团组织推优


@pytest.mark.parametrize("method", ["party_members", "mass_organisation", "both"])
def test_art8_recommended_by_members_or_mass_organisation_accepts_listed_methods(method: str) -> None:
    result = designate(recommendation=method)

    assert verdict(result, RECOMMENDED).outcome is Outcome.PASSED
    assert result.allowed


def test_art8_recommended_by_members_or_mass_organisation_refuses_self_nomination() -> None:
    found = assert_only_blocker(designate(recommendation="self_nominated"), RECOMMENDED)

    assert "党员推荐或群团组织推优" in found.message
    assert found.citation.text == "《发展党员工作细则》第八条"


def test_art8_recommended_by_members_or_mass_organisation_refuses_missing_recommendation() -> None:
    found = assert_only_blocker(designate(drop=("recommendation",)), RECOMMENDED)

    assert found.message == "缺少材料：「推荐方式」。"


# ------------------------------------------------------------------ 第八条 + 支部工作条例第十二条: 支委会会议有效


@pytest.mark.parametrize(
    ("members", "present", "half_is_enough", "outcome"),
    [
        (5, 3, False, Outcome.PASSED),
        (5, 2, False, Outcome.REFUSED),
        (4, 2, False, Outcome.REFUSED),
        (4, 2, True, Outcome.PASSED),
        (4, 1, True, Outcome.REFUSED),
        (3, 2, False, Outcome.PASSED),
    ],
    ids=["art8-committee-5-3", "art8-committee-5-2", "art8-committee-4-2-exact-half-refused",
         "art8-committee-4-2-half-is-enough-policy", "art8-committee-4-1-half-is-enough-policy",
         "art8-committee-3-2"],
)
def test_art8_decision_meeting_quorate_committee_more_than_half(
    members: int, present: int, half_is_enough: bool, outcome: Outcome
) -> None:
    result = designate(members=members, present=present, policy=Policy(committee_half_is_enough=half_is_enough))

    found = verdict(result, QUORUM)
    assert found.outcome is outcome
    assert found.citation.text == "《中国共产党支部工作条例（试行）》第十一条、第十二条"
    if outcome is Outcome.REFUSED:
        assert f"应到委员{members}人、实到{present}人" in found.message
        assert result.allowed_from is None  # waiting does not cure a meeting without quorum


@pytest.mark.parametrize(
    ("members", "present", "outcome"),
    [(10, 5, Outcome.REFUSED), (10, 6, Outcome.PASSED), (5, 3, Outcome.PASSED)],
    ids=["art8-no-committee-general-meeting-10-5", "art8-no-committee-general-meeting-10-6",
         "art8-no-committee-general-meeting-5-3"],
)
def test_art8_decision_meeting_quorate_without_committee_uses_general_meeting(
    members: int, present: int, outcome: Outcome
) -> None:
    story = applicant(RECEIVED, branch_has_committee=False).then(Step.TALK_HELD, date(2025, 1, 13))
    found = verdict(attempt(story, Step.ACTIVIST_DESIGNATED, date(2025, 4, 1), members=members, present=present), QUORUM)

    assert found.outcome is outcome
    if outcome is Outcome.REFUSED:
        assert "支部党员大会应到有表决权党员10人、实到5人" in found.message


@pytest.mark.parametrize(("members", "present"), [(5, 6), (0, 0), (5, -1)],
                         ids=["art8-present-above-members", "art8-no-members", "art8-negative-present"])
def test_art8_decision_meeting_quorate_refuses_inconsistent_counts(members: int, present: int) -> None:
    found = assert_only_blocker(designate(members=members, present=present), QUORUM)

    assert "不符" in found.message


def test_art8_decision_meeting_quorate_applies_to_candidate_designation_too() -> None:
    result = attempt(activist(date(2024, 3, 10)), Step.CANDIDATE_DESIGNATED, date(2025, 3, 10), members=5, present=2)

    assert_only_blocker(result, QUORUM)


# ------------------------------------------------------------------ 第九条: 一至两名正式党员作培养联系人


def assign_liaisons(*people: Person):
    story = applicant(RECEIVED).then(Step.TALK_HELD, date(2025, 1, 13)).then(
        Step.ACTIVIST_DESIGNATED, date(2025, 4, 1)
    )
    return attempt(story, Step.LIAISONS_ASSIGNED, date(2025, 4, 8), liaisons=people)


@pytest.mark.parametrize("count", [1, 2], ids=["art9-one-liaison", "art9-two-liaisons"])
def test_art9_one_or_two_full_member_liaisons_accepts_one_or_two(count: int) -> None:
    result = assign_liaisons(*[full(n) for n in ("刘洋", "赵敏")[:count]])

    assert verdict(result, LIAISONS).outcome is Outcome.PASSED
    assert result.allowed


@pytest.mark.parametrize("count", [0, 3], ids=["art9-no-liaison", "art9-three-liaisons"])
def test_art9_one_or_two_full_member_liaisons_refuses_other_numbers(count: int) -> None:
    result = assign_liaisons(*[full(n) for n in ("刘洋", "赵敏", "钱坤")[:count]])

    found = assert_only_blocker(result, LIAISONS)
    assert f"现为{count}名" in found.message


@pytest.mark.parametrize(
    ("person", "label"),
    [(probationary_member("周婷"), "预备党员"), (sanctioned("周婷"), "受留党察看处分的党员"),
     (Person("周婷", Standing.NOT_A_MEMBER), "非党员")],
    ids=["art9-probationary-liaison", "art9-sanctioned-liaison", "art9-non-member-liaison"],
)
def test_art9_one_or_two_full_member_liaisons_refuses_non_full_member_by_name(person: Person, label: str) -> None:
    found = assert_only_blocker(assign_liaisons(full("刘洋"), person), LIAISONS)

    assert f"周婷是{label}" in found.message
    assert "刘洋" not in found.message


# ------------------------------------------------------------------ 第十一条: 每半年考察一次 (duty on step 6)


def test_art11_assessed_within_half_year_first_due_six_months_after_designation() -> None:
    story = activist(date(2024, 3, 10), assessed=())

    on_time = verdict(attempt(story, Step.ACTIVIST_ASSESSED, date(2024, 9, 10)), HALF_YEAR_DUTY)
    assert on_time.outcome is Outcome.PASSED
    assert on_time.due_by == date(2024, 9, 10)

    late = attempt(story, Step.ACTIVIST_ASSESSED, date(2024, 9, 11))
    found = verdict(late, HALF_YEAR_DUTY)
    assert found.severity is Severity.DUTY
    assert found.outcome is Outcome.VIOLATED
    assert "2024年9月10日前" in found.message
    assert late.allowed
    assert late.violations == (found,)


def test_art11_assessed_within_half_year_counts_from_previous_assessment() -> None:
    story = activist(date(2024, 3, 10), assessed=(date(2024, 6, 1),))

    assert verdict(attempt(story, Step.ACTIVIST_ASSESSED, date(2024, 12, 1)), HALF_YEAR_DUTY).outcome is Outcome.PASSED
    late = verdict(attempt(story, Step.ACTIVIST_ASSESSED, date(2024, 12, 2)), HALF_YEAR_DUTY)
    assert late.outcome is Outcome.VIOLATED
    assert late.due_by == date(2024, 12, 1)


def test_art11_assessed_within_half_year_month_end_clamped() -> None:
    story = activist(date(2024, 8, 31), assessed=())

    found = verdict(attempt(story, Step.ACTIVIST_ASSESSED, date(2025, 3, 1)), HALF_YEAR_DUTY)
    assert found.due_by == date(2025, 2, 28)
    assert found.outcome is Outcome.VIOLATED


def test_art11_assessed_within_half_year_filing_anchor_counts_from_filing() -> None:
    story = activist(date(2024, 3, 10), filed=date(2024, 4, 20), assessed=())
    policy = Policy(activist_anchor=ActivistAnchor.FILING)

    found = verdict(attempt(story, Step.ACTIVIST_ASSESSED, date(2024, 10, 15), policy=policy), HALF_YEAR_DUTY)
    assert found.outcome is Outcome.PASSED
    assert found.due_by == date(2024, 10, 20)
    assert verdict(attempt(story, Step.ACTIVIST_ASSESSED, date(2024, 10, 15)), HALF_YEAR_DUTY).outcome is (
        Outcome.VIOLATED
    )


def test_art11_assessed_within_half_year_is_repeatable_step() -> None:
    result = attempt(activist(date(2024, 3, 10)), Step.ACTIVIST_ASSESSED, date(2025, 2, 1))

    assert verdict(result, "not_done_before").outcome is Outcome.PASSED
    assert verdict(result, HALF_YEAR_DUTY).outcome is Outcome.PASSED
    assert result.allowed


def test_art11_assessed_within_half_year_not_a_rule_under_1990_set() -> None:
    result = attempt(activist(date(2011, 3, 10), assessed=()), Step.ACTIVIST_ASSESSED, date(2012, 3, 10))

    assert result.rule_set is RuleSetId.R1990
    assert HALF_YEAR_DUTY not in rules_in(result)


# ------------------------------------------------------------------ 第十二条: 转接，培养教育时间可连续计算


def transfer(**changes: object):
    return attempt(activist(date(2024, 3, 10)), Step.ACTIVIST_TRANSFERRED, date(2024, 9, 1), **changes)


def test_art12_activist_transfer_materials_handed_over_passes_with_receiver_and_materials() -> None:
    result = transfer()

    assert verdict(result, TRANSFER).outcome is Outcome.PASSED
    assert result.allowed


def test_art12_activist_transfer_materials_handed_over_refuses_without_materials() -> None:
    found = assert_only_blocker(transfer(materials_transferred=False), TRANSFER)

    assert "培养教育材料已转交" in found.message
    assert found.citation.text == "《发展党员工作细则》第十二条"


def test_art12_activist_transfer_materials_handed_over_refuses_without_receiving_organisation() -> None:
    found = assert_only_blocker(transfer(to_organisation=""), TRANSFER)

    assert found.message == "缺少材料：「接收党组织」。"


def test_art12_activist_transfer_keeps_one_year_clock_running() -> None:
    """培养教育时间可连续计算: the 积极分子 year still counts from the first designation."""
    designated = date(2024, 3, 10)
    story = activist(designated).then(Step.ACTIVIST_TRANSFERRED, date(2024, 9, 1)).then(
        Step.TRANSFER_RECEIVED, date(2024, 9, 10), reviewed_by="周敏", continuity="continuous", reason="材料齐全")

    on_anniversary = attempt(story, Step.CANDIDATE_DESIGNATED, add_months(designated, 12))
    assert verdict(on_anniversary, ONE_YEAR).outcome is Outcome.PASSED
    assert on_anniversary.allowed
    before = verdict(attempt(story, Step.CANDIDATE_DESIGNATED, designated + timedelta(days=364)), ONE_YEAR)
    assert before.allowed_from == date(2025, 3, 10)
