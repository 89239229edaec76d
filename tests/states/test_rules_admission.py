"""四、预备党员的接收: 细则第十九—二十五条 and the 支部大会 vote rules (steps 12–17, and 23), via ``check``.

procedure.md N13–N22, §2.4 (voting in full), §3 items 3, 4, 7–11, 15, 20; 2026 第十八—二十、二十五条.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from states.engine import check
from states.rulesets import Policy, RuleSetId
from states.steps import Severity, Step
from states.verdicts import Outcome
from states.votes import Tally, VotingMethod
from tests.states.builders import (
    OVERRIDE,
    Story,
    assert_only_blocker,
    attempt,
    blocking_rules,
    day_after,
    prepared,
    probationary,
    resolved,
    reviewed,
    rules_in,
    tally,
    verdict,
)

IN_WRITING = "pre_review_result_in_writing"
LEAVING = "not_leaving_within_three_months"
STILL_VALID = "political_review_still_valid"
ONE_MONTH = "meeting_within_one_month_of_pre_review"
ADDS_UP = "tally_adds_up"
QUORATE = "meeting_quorate"
MAJORITY = "resolution_carried_by_majority_of_entitled"
SECRET = "voted_by_secret_ballot"
ONE_BY_ONE = "voted_one_by_one"
VOTE_RULES = {ADDS_UP, QUORATE, MAJORITY, SECRET, ONE_BY_ONE}
TALKER = "talked_by_committee_member_or_organiser"
APPROVER = "approver_may_approve"
APPROVED_ONE_BY_ONE = "approved_one_by_one"
THREE_MONTHS = "admission_approved_within_three_months"
SIX_MONTHS = "admission_approved_within_six_months"


# ------------------------------------------------------------------ 第十九条: 基层党委预审，结果书面通知


def pre_review(on: date = date(2025, 3, 10), **changes: object):
    return attempt(reviewed(date(2025, 3, 1)), Step.PRE_REVIEW_PASSED, on, **changes)


def test_art19_pre_review_result_in_writing_passes_with_written_notice() -> None:
    result = pre_review()

    found = verdict(result, IN_WRITING)
    assert found.outcome is Outcome.PASSED
    assert found.citation.text == "《发展党员工作细则》第十九条"
    assert result.allowed


def test_art19_pre_review_result_in_writing_refuses_oral_result() -> None:
    found = assert_only_blocker(pre_review(written_notice=False), IN_WRITING)

    assert found.message == "预审结果须以书面形式通知党支部。"


def test_art18_2026_pre_review_result_in_writing_cites_2026_article() -> None:
    result = attempt(reviewed(date(2026, 9, 1)), Step.PRE_REVIEW_PASSED, date(2026, 9, 10), written_notice=False)

    assert verdict(result, IN_WRITING).citation.text == "《发展党员工作细则》（2026年修订）第十八条"


def test_art19_committee_review_decision_meeting_quorate() -> None:
    base = prepared(date(2025, 3, 10)).without(
        Step.COMMITTEE_REVIEWED, Step.PRE_REVIEW_PASSED, Step.APPLICATION_FORM_FILLED
    )

    assert attempt(base, Step.COMMITTEE_REVIEWED, date(2025, 3, 1)).allowed
    refused = attempt(base, Step.COMMITTEE_REVIEWED, date(2025, 3, 1), members=5, present=2)
    assert_only_blocker(refused, "decision_meeting_quorate")


# ------------------------------------------------------------------ 第十九条: 未来三个月内将离开的，一般不办理（预审和接收两次）


@pytest.mark.parametrize(
    ("leaving", "outcome"),
    [
        (date(2025, 6, 10), Outcome.NEEDS_OVERRIDE),
        (date(2025, 6, 11), Outcome.PASSED),
        (date(2025, 4, 1), Outcome.NEEDS_OVERRIDE),
        (None, Outcome.PASSED),
    ],
    ids=["art19-pre-review-leaving-on-3-month-day", "art19-pre-review-leaving-day-after",
         "art19-pre-review-leaving-next-month", "art19-pre-review-not-leaving"],
)
def test_art19_not_leaving_within_three_months_at_pre_review(leaving: date | None, outcome: Outcome) -> None:
    result = pre_review(date(2025, 3, 10), leaving_on=leaving)

    found = verdict(result, LEAVING)
    assert found.outcome is outcome
    assert found.severity is Severity.SOFT
    assert result.allowed is (outcome is Outcome.PASSED)
    if leaving and outcome is Outcome.NEEDS_OVERRIDE:
        assert f"将于{leaving.year}年{leaving.month}月{leaving.day}日离开" in found.message


def test_art19_not_leaving_within_three_months_at_pre_review_override_allows() -> None:
    result = pre_review(date(2025, 3, 10), leaving_on=date(2025, 5, 1), override=OVERRIDE)

    assert verdict(result, LEAVING).outcome is Outcome.OVERRIDDEN
    assert result.allowed
    assert [v.rule for v in result.overridden] == [LEAVING]


def admission_meeting(on: date = date(2025, 3, 15), story: Story | None = None, **changes: object):
    return attempt(story or prepared(date(2025, 3, 1)), Step.ADMISSION_RESOLVED, on, **changes)


def test_art19_not_leaving_within_three_months_at_admission_meeting_needs_override() -> None:
    result = admission_meeting(date(2025, 3, 15), leaving_on=date(2025, 6, 15))

    found = assert_only_blocker(result, LEAVING, Outcome.NEEDS_OVERRIDE)
    assert found.citation.text == "《发展党员工作细则》第十九条"
    assert verdict(admission_meeting(date(2025, 3, 15), leaving_on=date(2025, 6, 16)), LEAVING).outcome is (
        Outcome.PASSED
    )


def test_art19_not_leaving_within_three_months_at_admission_meeting_override_allows() -> None:
    result = admission_meeting(date(2025, 3, 15), leaving_on=date(2025, 6, 15), override=OVERRIDE)

    assert verdict(result, LEAVING).outcome is Outcome.OVERRIDDEN
    assert result.allowed


def test_art19_not_leaving_within_three_months_month_end_clamped() -> None:
    result = attempt(reviewed(date(2025, 11, 20)), Step.PRE_REVIEW_PASSED, date(2025, 11, 30),
                     leaving_on=date(2026, 2, 28))

    assert verdict(result, LEAVING).outcome is Outcome.NEEDS_OVERRIDE
    later = attempt(reviewed(date(2025, 11, 20)), Step.PRE_REVIEW_PASSED, date(2025, 11, 30),
                    leaving_on=date(2026, 3, 1))
    assert verdict(later, LEAVING).outcome is Outcome.PASSED


# ------------------------------------------------------------------ 第十五条（党务指导）: 政审结果一年内有效


def test_art15_political_review_still_valid_on_anniversary_of_review() -> None:
    story = prepared(date(2025, 3, 1))
    review = story.on(Step.POLITICAL_REVIEW_PASSED)
    anniversary = review.replace(year=review.year + 1)

    result = admission_meeting(anniversary, story)

    found = verdict(result, STILL_VALID)
    assert found.outcome is Outcome.PASSED
    assert found.citation.text == "《发展党员工作细则》第十五条（一年内有效，党务指导意见）"
    assert found.citation.tag.value == "G"
    assert result.allowed


def test_art15_political_review_still_valid_older_than_one_year_needs_override() -> None:
    story = prepared(date(2025, 3, 1))
    review = story.on(Step.POLITICAL_REVIEW_PASSED)
    late = day_after(review.replace(year=review.year + 1))

    result = admission_meeting(late, story)

    found = assert_only_blocker(result, STILL_VALID, Outcome.NEEDS_OVERRIDE)
    assert found.message == f"政治审查结论（{review.year}年{review.month}月{review.day}日）已超过一年，应重新审查。"

    with_override = admission_meeting(late, story, override=OVERRIDE)
    assert verdict(with_override, STILL_VALID).outcome is Outcome.OVERRIDDEN
    assert with_override.allowed


# ------------------------------------------------------------------ 2026 第十九条: 预审合格后一个月内提交党员大会


def test_art19_2026_meeting_within_one_month_of_pre_review_passes_on_last_day() -> None:
    result = admission_meeting(date(2026, 7, 30), prepared(date(2026, 6, 30)))

    found = verdict(result, ONE_MONTH)
    assert found.outcome is Outcome.PASSED
    assert found.due_by == date(2026, 7, 30)
    assert found.citation.text == "《发展党员工作细则》（2026年修订）第十九条"
    assert found.citation.tag.value == "R26"
    assert result.allowed


def test_art19_2026_meeting_within_one_month_of_pre_review_day_after_is_violated_duty() -> None:
    result = admission_meeting(date(2026, 7, 31), prepared(date(2026, 6, 30)))

    found = verdict(result, ONE_MONTH)
    assert found.severity is Severity.DUTY
    assert found.outcome is Outcome.VIOLATED
    assert found.message == "预审合格（2026年6月30日）后应于2026年7月30日前召开党员大会讨论，已逾期。"
    assert result.allowed
    assert result.violations == (found,)


def test_art19_2026_meeting_within_one_month_of_pre_review_month_end_clamped() -> None:
    story = prepared(date(2027, 1, 31))

    assert verdict(admission_meeting(date(2027, 2, 28), story), ONE_MONTH).outcome is Outcome.PASSED
    late = verdict(admission_meeting(date(2027, 3, 1), story), ONE_MONTH)
    assert late.outcome is Outcome.VIOLATED
    assert late.due_by == date(2027, 2, 28)


def test_art20_meeting_within_one_month_of_pre_review_not_a_rule_under_2014() -> None:
    result = admission_meeting(date(2025, 9, 1), prepared(date(2025, 3, 1)))

    assert result.rule_set is RuleSetId.R2014
    assert ONE_MONTH not in rules_in(result)


def test_art19_2026_meeting_within_one_month_of_pre_review_disappears_when_r26_not_enforced() -> None:
    story = prepared(date(2026, 6, 30))

    enforced = admission_meeting(date(2026, 8, 15), story)
    relaxed = admission_meeting(date(2026, 8, 15), story, policy=Policy(enforce_r26=False))

    assert verdict(enforced, ONE_MONTH).outcome is Outcome.VIOLATED
    assert ONE_MONTH not in rules_in(relaxed)
    assert relaxed.violations == ()


# ------------------------------------------------------------------ 第二十、二十一条 / 第三十三条: 支部大会表决


def meeting_2025_admission() -> tuple[Story, Step, date]:
    return prepared(date(2025, 3, 1)), Step.ADMISSION_RESOLVED, date(2025, 3, 15)


def meeting_2025_confirmation() -> tuple[Story, Step, date]:
    return probationary(date(2024, 7, 1)), Step.CONFIRMATION_RESOLVED, date(2025, 7, 1)


def meeting_2026_admission() -> tuple[Story, Step, date]:
    return prepared(date(2026, 6, 1)), Step.ADMISSION_RESOLVED, date(2026, 6, 15)


def meeting_2026_confirmation() -> tuple[Story, Step, date]:
    return probationary(date(2025, 6, 20)), Step.CONFIRMATION_RESOLVED, date(2026, 6, 20)


def meeting_1990_admission() -> tuple[Story, Step, date]:
    return prepared(date(2010, 3, 1)), Step.ADMISSION_RESOLVED, date(2010, 3, 15)


def meeting_1990_confirmation() -> tuple[Story, Step, date]:
    return probationary(date(2009, 5, 1)), Step.CONFIRMATION_RESOLVED, date(2010, 5, 1)


MEETINGS = pytest.mark.parametrize(
    "meeting",
    [meeting_2025_admission, meeting_2025_confirmation, meeting_2026_admission, meeting_2026_confirmation],
    ids=["step15-2014", "step23-2014", "step15-2026", "step23-2026"],
)


def vote(meeting, result_tally: Tally):
    story, step, on = meeting()
    return attempt(story, step, on, tally=result_tally)


@MEETINGS
def test_art20_art33_valid_vote_passes_every_vote_rule(meeting) -> None:
    result = vote(meeting, tally(10, 8, 7))

    assert rules_in(result) >= VOTE_RULES
    assert all(verdict(result, rule).outcome is Outcome.PASSED for rule in VOTE_RULES)
    assert result.allowed


@MEETINGS
def test_art20_art33_meeting_quorate_refuses_exactly_half_present(meeting) -> None:
    result = vote(meeting, tally(10, 5, 5))

    found = verdict(result, QUORATE)
    assert found.outcome is Outcome.REFUSED
    assert found.message == "应到有表决权党员10人、实到5人，未超过半数，会议不能表决。"
    assert not result.allowed


@MEETINGS
def test_art20_art33_meeting_quorate_accepts_six_of_ten(meeting) -> None:
    result = vote(meeting, tally(10, 6, 6))

    assert verdict(result, QUORATE).outcome is Outcome.PASSED
    assert result.allowed


@MEETINGS
def test_art21_art33_resolution_carried_by_majority_of_entitled_not_of_present(meeting) -> None:
    """应到 10, 实到 6, 赞成 4: a majority of those present, not of 应到."""
    result = vote(meeting, tally(10, 6, 4))

    found = assert_only_blocker(result, MAJORITY)
    assert found.message == "赞成4票（含书面意见），未超过应到有表决权党员10人的半数（至少需要6票），决议未通过。"
    assert verdict(result, QUORATE).outcome is Outcome.PASSED


@MEETINGS
def test_art21_art33_resolution_carried_by_majority_of_entitled_exact_half_refused(meeting) -> None:
    assert verdict(vote(meeting, tally(10, 10, 5)), MAJORITY).outcome is Outcome.REFUSED
    assert verdict(vote(meeting, tally(10, 10, 6)), MAJORITY).outcome is Outcome.PASSED
    assert verdict(vote(meeting, tally(9, 9, 5)), MAJORITY).outcome is Outcome.PASSED


@MEETINGS
def test_art21_art33_written_opinions_count_in_tally(meeting) -> None:
    result = vote(meeting, tally(10, 6, 4, written_yes=2))

    assert verdict(result, MAJORITY).outcome is Outcome.PASSED
    assert result.allowed


@MEETINGS
def test_art20_art33_written_opinions_do_not_make_quorum(meeting) -> None:
    result = vote(meeting, tally(10, 5, 5, written_yes=3))

    assert assert_only_blocker(result, QUORATE).message == "应到有表决权党员10人、实到5人，未超过半数，会议不能表决。"
    assert verdict(result, MAJORITY).outcome is Outcome.PASSED


@MEETINGS
def test_art21_art33_written_no_opinions_are_not_yes(meeting) -> None:
    result = vote(meeting, tally(10, 6, 5, written_no=2, written_abstain=2))

    assert assert_only_blocker(result, MAJORITY).message.startswith("赞成5票")


@MEETINGS
def test_art21_art33_tally_adds_up_refuses_more_written_opinions_than_absent(meeting) -> None:
    result = vote(meeting, tally(10, 8, 7, written_yes=3))

    found = verdict(result, ADDS_UP)
    assert found.outcome is Outcome.REFUSED
    assert "书面意见数（3）多于未到会的有表决权人数（2）" in found.message


@MEETINGS
def test_art20_art33_tally_adds_up_refuses_more_ballots_than_present(meeting) -> None:
    result = vote(meeting, tally(10, 8, 7, no=3))

    found = assert_only_blocker(result, ADDS_UP)
    assert found.message == "选票数（10）多于实到有表决权人数（8）。"


@MEETINGS
def test_art20_art33_tally_adds_up_refuses_more_present_than_entitled(meeting) -> None:
    result = vote(meeting, tally(10, 11, 9))

    assert "实到有表决权人数（11）多于应到会有表决权人数（10）" in verdict(result, ADDS_UP).message


@MEETINGS
def test_art20_art33_tally_adds_up_accepts_fewer_ballots_than_present(meeting) -> None:
    result = vote(meeting, tally(10, 8, 7, no=0))

    assert verdict(result, ADDS_UP).outcome is Outcome.PASSED
    assert result.allowed


@MEETINGS
def test_art21_art33_voted_by_secret_ballot_refuses_show_of_hands(meeting) -> None:
    result = vote(meeting, tally(10, 8, 7, method=VotingMethod.SHOW_OF_HANDS))

    found = assert_only_blocker(result, SECRET)
    assert found.message == "表决采用了举手方式；2014年细则施行后必须采取无记名投票。"


@pytest.mark.parametrize("meeting", [meeting_1990_admission, meeting_1990_confirmation],
                         ids=["step15-1990", "step23-1990"])
def test_art21_voted_by_secret_ballot_show_of_hands_allowed_under_1990(meeting) -> None:
    result = vote(meeting, tally(10, 8, 7, method=VotingMethod.SHOW_OF_HANDS))

    assert result.rule_set is RuleSetId.R1990
    assert SECRET not in rules_in(result)
    assert result.allowed
    # the other vote rules still apply under 1990
    assert verdict(vote(meeting, tally(10, 5, 5, method=VotingMethod.SHOW_OF_HANDS)), QUORATE).outcome is (
        Outcome.REFUSED
    )


def test_art21_voted_by_secret_ballot_boundary_on_2014_06_10() -> None:
    story = prepared(date(2014, 5, 20))
    hands = tally(10, 8, 7, method=VotingMethod.SHOW_OF_HANDS)

    assert SECRET not in rules_in(admission_meeting(date(2014, 6, 9), story, tally=hands))
    assert verdict(admission_meeting(date(2014, 6, 10), story, tally=hands), SECRET).outcome is Outcome.REFUSED


@MEETINGS
def test_art21_art33_voted_one_by_one_refuses_ballot_covering_two_applicants(meeting) -> None:
    result = vote(meeting, tally(10, 8, 7, applicants_on_ballot=2))

    found = assert_only_blocker(result, ONE_BY_ONE)
    assert found.message == "一次表决涉及2名对象，不能记录：应当逐个讨论和表决。"
    assert verdict(result, ADDS_UP).outcome is Outcome.PASSED  # reported once, by the one-by-one rule


@MEETINGS
def test_art21_art33_voted_one_by_one_refuses_ballot_without_applicant(meeting) -> None:
    assert verdict(vote(meeting, tally(10, 8, 7, applicants_on_ballot=0)), ONE_BY_ONE).outcome is Outcome.REFUSED


@MEETINGS
def test_art20_art33_missing_tally_refuses_every_vote_rule(meeting) -> None:
    story, step, on = meeting()
    result = attempt(story, step, on, drop=("tally",))

    assert blocking_rules(result) >= VOTE_RULES
    assert all(verdict(result, rule).message.startswith("缺少材料") for rule in VOTE_RULES)


@pytest.mark.parametrize(
    ("meeting", "quorum", "majority"),
    [
        (meeting_2025_admission, "《发展党员工作细则》第二十条", "《发展党员工作细则》第二十一条"),
        (meeting_2026_admission, "《发展党员工作细则》（2026年修订）第十九条", "《发展党员工作细则》（2026年修订）第二十条"),
        (meeting_2025_confirmation, "《发展党员工作细则》第三十三条", "《发展党员工作细则》第三十三条"),
        (meeting_2026_confirmation, "《发展党员工作细则》（2026年修订）第三十二条",
         "《发展党员工作细则》（2026年修订）第三十二条"),
        (meeting_1990_admission, "《发展党员工作细则（试行）》（1990）（条号待核）",
         "《发展党员工作细则（试行）》（1990）（条号待核）"),
    ],
    ids=["step15-2014", "step15-2026", "step23-2014", "step23-2026", "step15-1990"],
)
def test_art20_art21_vote_refusals_cite_rule_set_in_force(meeting, quorum: str, majority: str) -> None:
    result = vote(meeting, tally(10, 5, 4))

    assert verdict(result, QUORATE).citation.text == quorum
    assert verdict(result, MAJORITY).citation.text == majority
    assert verdict(result, QUORATE).outcome is verdict(result, MAJORITY).outcome is Outcome.REFUSED


# ------------------------------------------------------------------ 党章第五条: 上级党委派党委委员或组织员谈话


@pytest.mark.parametrize("role", ["committee_member", "organiser"])
def test_art22_talked_by_committee_member_or_organiser_accepts_member_or_organiser(role: str) -> None:
    story = prepared(date(2025, 3, 1)).then(Step.ADMISSION_RESOLVED, date(2025, 3, 15))
    result = attempt(story, Step.HIGHER_TALK_HELD, date(2025, 3, 20), talker_role=role)

    found = verdict(result, TALKER)
    assert found.outcome is Outcome.PASSED
    assert found.citation.text == "《发展党员工作细则》第二十二条"
    assert found.citation.tag.value == "M"
    assert result.allowed


def test_art22_talked_by_committee_member_or_organiser_refuses_other_talker() -> None:
    story = prepared(date(2025, 3, 1)).then(Step.ADMISSION_RESOLVED, date(2025, 3, 15))

    result = attempt(story, Step.HIGHER_TALK_HELD, date(2025, 3, 20), talker_role="other")

    assert assert_only_blocker(result, TALKER).message == "谈话人须为上级党委指派的党委委员或组织员。"


# ------------------------------------------------------------------ 第二十四条（审批权限）: 党总支不能审批


def approve(on: date = date(2025, 4, 10), story: Story | None = None, **changes: object):
    return attempt(story or resolved(date(2025, 3, 10)), Step.ADMISSION_APPROVED, on, **changes)


@pytest.mark.parametrize(
    ("level", "who"),
    [("general_branch", "党总支"), ("subordinate_committee", "乡镇（街道）党委所属的基层党委")],
    ids=["art24-general-branch", "art24-committee-under-township"],
)
def test_art24_approver_may_approve_refuses_body_without_power(level: str, who: str) -> None:
    found = assert_only_blocker(approve(approver_level=level), APPROVER)

    assert found.message == f"{who}没有审批权限，应报具有审批权限的基层党委审批。"
    assert found.citation.text == "《发展党员工作细则》第二十四条（审批权限，中组部答复）"


def test_art24_approver_may_approve_accepts_grassroots_committee() -> None:
    result = approve()

    assert verdict(result, APPROVER).outcome is Outcome.PASSED
    assert result.allowed


@pytest.mark.parametrize("count", [2, 0], ids=["art24-two-in-one-decision", "art24-nobody-in-decision"])
def test_art24_approved_one_by_one_refuses_decision_not_about_exactly_one_person(count: int) -> None:
    found = assert_only_blocker(approve(applicants_in_decision=count), APPROVED_ONE_BY_ONE)

    assert found.message == f"一次审批表决涉及{count}人，应当逐个审议和表决。"


def test_art24_approved_one_by_one_accepts_single_person() -> None:
    assert verdict(approve(applicants_in_decision=1), APPROVED_ONE_BY_ONE).outcome is Outcome.PASSED


# ------------------------------------------------------------------ 第二十四条: 三个月内审批，延长不超过六个月


def test_art24_admission_approved_within_three_months_passes_on_last_day_anchored_on_meeting() -> None:
    result = approve(date(2025, 6, 10))

    three, six = verdict(result, THREE_MONTHS), verdict(result, SIX_MONTHS)
    assert three.outcome is six.outcome is Outcome.PASSED
    assert three.due_by == date(2025, 6, 10)
    assert six.due_by == date(2025, 9, 10)
    assert result.due_by == date(2025, 6, 10)
    assert result.violations == ()


def test_art24_admission_approved_within_three_months_day_after_is_violated_duty() -> None:
    result = approve(date(2025, 6, 11))

    three = verdict(result, THREE_MONTHS)
    assert three.severity is Severity.DUTY
    assert three.outcome is Outcome.VIOLATED
    assert three.grave is False
    assert three.message == "接收预备党员的决议应于2025年6月10日前审批（自2025年3月10日起3个月），已逾期。"
    assert verdict(result, SIX_MONTHS).outcome is Outcome.PASSED
    assert result.allowed
    assert result.violations == (three,)


def test_art24_admission_approved_within_six_months_passes_on_last_day() -> None:
    result = approve(date(2025, 9, 10))

    assert verdict(result, SIX_MONTHS).outcome is Outcome.PASSED
    assert [v.rule for v in result.violations] == [THREE_MONTHS]


def test_art24_admission_approved_within_six_months_day_after_is_grave_violation() -> None:
    result = approve(date(2025, 9, 11))

    six = verdict(result, SIX_MONTHS)
    assert six.severity is Severity.DUTY
    assert six.outcome is Outcome.VIOLATED
    assert six.grave is True
    assert six.due_by == date(2025, 9, 10)
    assert six.message == "接收预备党员的决议即使延长也应于2025年9月10日前审批（自2025年3月10日起半年），已逾期。"
    assert result.allowed
    assert {v.rule for v in result.violations} == {THREE_MONTHS, SIX_MONTHS}
    assert verdict(result, THREE_MONTHS).grave is False


@pytest.mark.parametrize(
    ("on", "three", "six"),
    [
        (date(2025, 7, 1), Outcome.PASSED, Outcome.PASSED),
        (date(2025, 7, 2), Outcome.VIOLATED, Outcome.PASSED),
        (date(2025, 10, 1), Outcome.VIOLATED, Outcome.PASSED),
        (date(2025, 10, 2), Outcome.VIOLATED, Outcome.VIOLATED),
    ],
    ids=["art24-received-3m-last-day", "art24-received-3m-day-after", "art24-received-6m-last-day",
         "art24-received-6m-day-after"],
)
def test_art24_admission_approval_deadlines_anchored_on_received_on(on: date, three: Outcome, six: Outcome) -> None:
    result = approve(on, received_on=date(2025, 4, 1))

    assert verdict(result, THREE_MONTHS).outcome is three
    assert verdict(result, SIX_MONTHS).outcome is six
    assert verdict(result, THREE_MONTHS).due_by == date(2025, 7, 1)
    assert verdict(result, SIX_MONTHS).due_by == date(2025, 10, 1)
    if three is Outcome.VIOLATED:
        assert "自2025年4月1日起" in verdict(result, THREE_MONTHS).message


def test_art24_admission_approval_deadlines_month_end_clamped() -> None:
    story = resolved(date(2025, 11, 30))

    result = approve(date(2026, 3, 1), story)

    assert verdict(result, THREE_MONTHS).due_by == date(2026, 2, 28)
    assert verdict(result, THREE_MONTHS).outcome is Outcome.VIOLATED
    assert verdict(result, SIX_MONTHS).due_by == date(2026, 5, 30)


def test_art25_2026_admission_approval_deadlines_cite_2026_article() -> None:
    story = resolved(date(2026, 6, 1))

    result = approve(date(2026, 12, 2), story)

    for rule in (THREE_MONTHS, SIX_MONTHS):
        assert verdict(result, rule).citation.text == "《发展党员工作细则》（2026年修订）第二十五条"
        assert verdict(result, rule).outcome is Outcome.VIOLATED
    assert verdict(result, SIX_MONTHS).grave is True


def test_art24_admission_approval_refusals_and_violations_reported_together() -> None:
    result = approve(date(2025, 9, 11), approver_level="general_branch", applicants_in_decision=3)

    assert blocking_rules(result) == {APPROVER, APPROVED_ONE_BY_ONE}
    assert {v.rule for v in result.violations} == {THREE_MONTHS, SIX_MONTHS}
    assert not result.allowed
    assert result.allowed_from is None


def test_art24_admission_approval_due_date_for_planner_when_no_evidence() -> None:
    story = resolved(date(2025, 3, 10))
    result = check(Step.ADMISSION_APPROVED, story.facts, date(2025, 12, 1))

    assert verdict(result, THREE_MONTHS).outcome is Outcome.PASSED  # the planner asks "by when", not "late?"
    assert result.due_by == date(2025, 6, 10)
    assert APPROVER not in rules_in(result)


def test_art24_admission_approval_step_still_needs_the_talk() -> None:
    story = prepared(date(2025, 3, 1)).then(Step.ADMISSION_RESOLVED, date(2025, 3, 10))

    result = approve(date(2025, 4, 10), story)

    assert blocking_rules(result) == {"preceding_steps_recorded"}
    assert "上级党委派人谈话" in verdict(result, "preceding_steps_recorded").message


def test_art24_admission_approval_received_on_given_later_than_meeting_moves_due_date() -> None:
    result = approve(date(2025, 6, 20), received_on=date(2025, 3, 10) + timedelta(days=20))

    assert verdict(result, THREE_MONTHS).due_by == date(2025, 6, 30)
    assert verdict(result, THREE_MONTHS).outcome is Outcome.PASSED


RECEIVED = "resolution_received_after_meeting"


def test_art24_resolution_received_after_meeting_refuses_receipt_before_the_meeting() -> None:
    found = assert_only_blocker(approve(received_on=date(2025, 3, 9)), RECEIVED)

    assert found.message == "党委收到决议的日期（2025年3月9日）早于支部大会日期（2025年3月10日），请核对。"
    assert found.citation.text == "《发展党员工作细则》第二十四条"


def test_art24_resolution_received_after_meeting_accepts_the_meeting_day_or_no_date() -> None:
    assert verdict(approve(received_on=date(2025, 3, 10)), RECEIVED).outcome is Outcome.PASSED
    assert verdict(approve(), RECEIVED).outcome is Outcome.PASSED
