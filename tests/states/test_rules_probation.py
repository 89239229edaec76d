"""五、预备党员的教育考察和转正: 细则第三十二、三十三、三十四、三十七条, the extension, cancellation and
withdrawal (steps 20–25 and the side outcomes), through ``states.engine.check``.

procedure.md N23–N28, P6 (党章第七条), §3 items 2, 5, 14, 15, 18, 19; 2026 第二十九、三十一—三十三、三十六条.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from states.facts import ApplicantFacts, StepRecord
from states.periods import add_months, cn_date
from states.rules import probation_ends_on
from states.rulesets import DEFAULT_POLICY, Policy, RuleSetId
from states.steps import Severity, Status, Step
from states.verdicts import Outcome
from states.votes import VotingMethod
from tests.states.builders import (
    Story,
    activist,
    applicant,
    assert_only_blocker,
    attempt,
    blocking_rules,
    candidate,
    confirmed_by_branch,
    day_before,
    full_member,
    probationary,
    resolved,
    rules_in,
    tally,
    verdict,
)
from workflow.machine import Case, fire

OATH = "oath_within_one_month_of_approval"
IN_WRITING = "confirmation_requested_in_writing"
COMPLETE = "probation_period_complete"
PROCEDURE = "confirmation_procedure_followed"
LENGTH = "extension_six_to_twelve_months"
ONCE = "extended_only_once"
APPROVED_IN_TIME = "confirmation_approved_within_three_months"
ARCHIVE = "archive_complete"
REASON = "withdrawal_reason_recorded"

MEETING = date(2025, 7, 1)


def confirm(story: Story, on: date, **kwargs: object):
    return attempt(story, Step.CONFIRMATION_RESOLVED, on, **kwargs)


def extended(meeting: date, months: int, on: date | None = None, **story: object) -> Story:
    """A 预备党员 whose 预备期 the 支部大会 extended by ``months`` at 预备期满."""
    return probationary(meeting, **story).then(Step.PROBATION_EXTENDED, on or add_months(meeting, 12), months=months)


# ------------------------------------------------------------------ 2026 第二十九条: 批准后一个月内入党宣誓


def approved_on(approval: date, meeting: date) -> Story:
    return resolved(meeting).then(Step.ADMISSION_APPROVED, approval)


def test_art29_2026_oath_within_one_month_of_approval_passes_on_last_day() -> None:
    result = attempt(approved_on(date(2026, 6, 30), date(2026, 6, 1)), Step.OATH_TAKEN, date(2026, 7, 30))

    found = verdict(result, OATH)
    assert found.outcome is Outcome.PASSED
    assert found.due_by == date(2026, 7, 30)
    assert found.citation.text == "《发展党员工作细则》（2026年修订）第二十九条（单一来源）"
    assert found.citation.tag.value == "R26"


def test_art29_2026_oath_within_one_month_of_approval_day_after_is_violated_duty() -> None:
    result = attempt(approved_on(date(2026, 6, 30), date(2026, 6, 1)), Step.OATH_TAKEN, date(2026, 7, 31))

    found = verdict(result, OATH)
    assert found.severity is Severity.DUTY
    assert found.outcome is Outcome.VIOLATED
    assert found.message == "批准接收（2026年6月30日）后应于2026年7月30日前组织入党宣誓，已逾期。"
    assert result.allowed
    assert result.violations == (found,)


def test_art29_oath_within_one_month_of_approval_not_a_rule_under_2014() -> None:
    result = attempt(approved_on(date(2025, 3, 31), date(2025, 3, 1)), Step.OATH_TAKEN, date(2025, 9, 1))

    assert result.rule_set is RuleSetId.R2014
    assert OATH not in rules_in(result)
    assert result.allowed


def test_art29_2026_oath_rule_follows_date_of_oath_not_of_approval() -> None:
    """§3 item 1: the act's own date picks the rule set, so a June 2026 oath after a May approval is late."""
    result = attempt(approved_on(date(2026, 4, 30), date(2026, 4, 1)), Step.OATH_TAKEN, date(2026, 6, 1))

    found = verdict(result, OATH)
    assert found.outcome is Outcome.VIOLATED
    assert found.due_by == date(2026, 5, 30)


def test_art29_2026_oath_within_one_month_disappears_when_r26_not_enforced() -> None:
    story = approved_on(date(2026, 6, 30), date(2026, 6, 1))

    result = attempt(story, Step.OATH_TAKEN, date(2026, 9, 1), policy=Policy(enforce_r26=False))

    assert OATH not in rules_in(result)
    assert result.violations == ()


# ------------------------------------------------------------------ 第三十三条: 书面转正申请


def test_art33_confirmation_requested_in_writing_passes_in_writing() -> None:
    story = probationary(MEETING).without(Step.CONFIRMATION_REQUESTED)

    result = attempt(story, Step.CONFIRMATION_REQUESTED, date(2026, 6, 1))

    assert verdict(result, IN_WRITING).outcome is Outcome.PASSED
    assert result.allowed


def test_art33_confirmation_requested_in_writing_refuses_oral_request() -> None:
    story = probationary(MEETING).without(Step.CONFIRMATION_REQUESTED)

    found = assert_only_blocker(attempt(story, Step.CONFIRMATION_REQUESTED, date(2026, 6, 1), in_writing=False),
                                IN_WRITING)

    assert found.message == "转正申请须以书面形式提出。"
    assert found.citation.text == "《发展党员工作细则》（2026年修订）第三十二条"


def test_art33_confirmation_meeting_needs_written_request_first() -> None:
    result = confirm(probationary(MEETING).without(Step.CONFIRMATION_REQUESTED), date(2026, 7, 1))

    assert blocking_rules(result) == {"preceding_steps_recorded"}


# ------------------------------------------------------------------ 第三十二条 / 党章第七条: 预备期一年


def test_art32_probation_period_complete_refuses_day_before_anniversary_of_meeting() -> None:
    result = confirm(probationary(MEETING), date(2026, 6, 30))

    found = assert_only_blocker(result, COMPLETE)
    assert found.allowed_from == date(2026, 7, 1)
    assert result.allowed_from == date(2026, 7, 1)
    assert found.message == "预备期至2026年6月30日，2026年7月1日起方可讨论转正。"


def test_art32_probation_period_complete_allows_on_anniversary_of_meeting() -> None:
    result = confirm(probationary(MEETING), date(2026, 7, 1))

    assert verdict(result, COMPLETE).outcome is Outcome.PASSED
    assert result.allowed


def test_art32_probation_period_complete_strict_mode_from_day_after_anniversary() -> None:
    strict = Policy(strict_minimums=True)

    refused = verdict(confirm(probationary(MEETING), date(2026, 7, 1), policy=strict), COMPLETE)
    assert refused.outcome is Outcome.REFUSED
    assert refused.allowed_from == date(2026, 7, 2)
    assert confirm(probationary(MEETING), date(2026, 7, 2), policy=strict).allowed


def test_art32_probation_period_complete_meeting_on_29_february() -> None:
    story = probationary(date(2024, 2, 29))

    refused = verdict(confirm(story, date(2025, 2, 27)), COMPLETE)
    assert refused.allowed_from == date(2025, 2, 28)
    assert verdict(confirm(story, date(2025, 2, 28)), COMPLETE).outcome is Outcome.PASSED


def test_art32_probation_period_complete_after_six_month_extension_from_2027_01_01() -> None:
    story = extended(MEETING, 6)

    refused = assert_only_blocker(confirm(story, date(2026, 12, 31)), COMPLETE)
    assert refused.allowed_from == date(2027, 1, 1)
    assert refused.message == "预备期至2026年12月31日，2027年1月1日起方可讨论转正。"
    assert confirm(story, date(2027, 1, 1)).allowed


def test_art32_probation_period_complete_after_twelve_month_extension() -> None:
    story = extended(MEETING, 12)

    assert verdict(confirm(story, date(2027, 6, 30)), COMPLETE).allowed_from == date(2027, 7, 1)
    assert confirm(story, date(2027, 7, 1)).allowed


def test_art32_probation_period_complete_refuses_without_admission_meeting() -> None:
    story = probationary(MEETING).without(Step.ADMISSION_RESOLVED)

    found = verdict(confirm(story, date(2026, 7, 1)), COMPLETE)
    assert found.outcome is Outcome.REFUSED
    assert found.message == "没有支部大会通过接收为预备党员的记录。"
    assert found.allowed_from is None


@pytest.mark.parametrize(
    ("meeting", "on", "text"),
    [
        (date(2024, 7, 1), date(2025, 6, 30), "《发展党员工作细则》第三十二条"),
        (date(2025, 7, 1), date(2026, 6, 30), "《发展党员工作细则》（2026年修订）第三十一条"),
        (date(2009, 7, 1), date(2010, 6, 30), "《中国共产党章程》第七条"),
    ],
    ids=["art32-2025-act", "art31-2026-act", "party-constitution-art7-1990-act"],
)
def test_art32_probation_period_complete_cites_rule_set_in_force(meeting: date, on: date, text: str) -> None:
    found = verdict(confirm(probationary(meeting), on), COMPLETE)

    assert found.outcome is Outcome.REFUSED
    assert found.citation.text == text


# -- properties of the waiting period (Hypothesis, derandomised so the suite is deterministic)

meetings = st.dates(min_value=date(2008, 1, 1), max_value=date(2026, 12, 31))
extensions = st.none() | st.integers(min_value=6, max_value=12)


def probation_story(meeting: date, extension: int | None) -> Story:
    return probationary(meeting) if extension is None else extended(meeting, extension)


@settings(max_examples=120, deadline=None, derandomize=True)
@given(meeting=meetings, strict=st.booleans(), extension=extensions, offset=st.integers(0, 364))
def test_art32_property_allowed_from_is_first_day_the_probation_rule_passes(
    meeting: date, strict: bool, extension: int | None, offset: int
) -> None:
    story, policy = probation_story(meeting, extension), Policy(strict_minimums=strict)
    on = meeting + timedelta(days=offset)

    refused = verdict(confirm(story, on, policy=policy), COMPLETE)
    assert refused.outcome is Outcome.REFUSED
    first = refused.allowed_from
    assert first is not None and first > on
    assert cn_date(first) in refused.message

    assert verdict(confirm(story, first, policy=policy), COMPLETE).outcome is Outcome.PASSED
    eve = verdict(confirm(story, day_before(first), policy=policy), COMPLETE)
    assert eve.outcome is Outcome.REFUSED
    assert eve.allowed_from == first


@settings(max_examples=60, deadline=None, derandomize=True)
@given(meeting=meetings, strict=st.booleans(), extension=extensions, later=st.integers(0, 1500))
def test_art32_property_probation_rule_keeps_passing_once_passed(
    meeting: date, strict: bool, extension: int | None, later: int
) -> None:
    story, policy = probation_story(meeting, extension), Policy(strict_minimums=strict)
    first = verdict(confirm(story, meeting, policy=policy), COMPLETE).allowed_from
    assert first is not None

    for on in [first + timedelta(days=n) for n in range(40)] + [first + timedelta(days=later)]:
        assert verdict(confirm(story, on, policy=policy), COMPLETE).outcome is Outcome.PASSED, on


# ------------------------------------------------------------------ 第三十三条: 转正讨论前的程序


@pytest.mark.parametrize(
    ("missing", "label"),
    [("group_opinion", "党小组意见"), ("opinions_sought", "征求党员和群众意见"), ("committee_reviewed", "支部委员会审查")],
)
def test_art33_confirmation_procedure_followed_names_missing_stage(missing: str, label: str) -> None:
    result = confirm(probationary(MEETING), date(2026, 7, 1), **{missing: False})

    found = assert_only_blocker(result, PROCEDURE)
    assert found.message == f"转正讨论前缺少：{label}。"


def test_art33_confirmation_procedure_followed_lists_all_missing_stages() -> None:
    result = confirm(probationary(date(2024, 7, 1)), date(2025, 7, 1),
                     group_opinion=False, opinions_sought=False, committee_reviewed=False)

    found = assert_only_blocker(result, PROCEDURE)
    assert found.message == "转正讨论前缺少：党小组意见、征求党员和群众意见、支部委员会审查。"
    assert found.citation.text == "《发展党员工作细则》第三十三条"


def test_art33_confirmation_procedure_followed_missing_evidence_refused() -> None:
    result = confirm(probationary(MEETING), date(2026, 7, 1), drop=("group_opinion",))

    assert assert_only_blocker(result, PROCEDURE).message.startswith("缺少材料")


def test_art33_early_meeting_with_bad_procedure_and_vote_lists_every_failing_rule() -> None:
    result = confirm(probationary(MEETING), date(2026, 6, 1), committee_reviewed=False,
                     tally=tally(10, 5, 4, method=VotingMethod.SHOW_OF_HANDS))

    assert blocking_rules(result) == {
        COMPLETE, PROCEDURE, "meeting_quorate", "resolution_carried_by_majority_of_entitled", "voted_by_secret_ballot"
    }
    assert result.allowed_from is None


# ------------------------------------------------------------------ 第三十二条: 延长预备期一次，半年至一年


def extend(story: Story, on: date, months: int, **changes: object):
    return attempt(story, Step.PROBATION_EXTENDED, on, months=months, **changes)


@pytest.mark.parametrize(
    ("months", "outcome"),
    [(5, Outcome.REFUSED), (6, Outcome.PASSED), (9, Outcome.PASSED), (12, Outcome.PASSED), (13, Outcome.REFUSED),
     (0, Outcome.REFUSED)],
    ids=["art32-extend-5-months", "art32-extend-6-months", "art32-extend-9-months", "art32-extend-12-months",
         "art32-extend-13-months", "art32-extend-0-months"],
)
def test_art32_extension_six_to_twelve_months(months: int, outcome: Outcome) -> None:
    result = extend(probationary(MEETING), date(2026, 7, 1), months)

    found = verdict(result, LENGTH)
    assert found.outcome is outcome
    assert result.allowed is (outcome is Outcome.PASSED)
    if outcome is Outcome.REFUSED:
        assert found.message == f"延长预备期{months}个月不符合规定：不能少于半年，最长不超过一年。"


def test_art32_extension_months_missing_refused() -> None:
    result = attempt(probationary(MEETING), Step.PROBATION_EXTENDED, date(2026, 7, 1), drop=("months",))

    assert verdict(result, LENGTH).message == "缺少材料：「延长时间（月，6至12）」。"


def test_art32_extended_only_once_refuses_second_extension() -> None:
    result = extend(extended(MEETING, 6), date(2027, 1, 1), 6)

    found = verdict(result, ONCE)
    assert found.outcome is Outcome.REFUSED
    assert found.message == "预备期已于2026年7月1日延长过一次，不能再次延长。"
    assert found.citation.text == "《发展党员工作细则》（2026年修订）第三十一条"
    assert blocking_rules(result) == {ONCE, "not_done_before"}


def test_art32_extended_only_once_passes_first_extension() -> None:
    result = extend(probationary(MEETING), date(2026, 7, 1), 6)

    assert verdict(result, ONCE).outcome is Outcome.PASSED
    assert result.allowed


@pytest.mark.parametrize("step", [Step.PROBATION_EXTENDED, Step.PROBATION_CANCELLED])
def test_art33_extension_and_cancellation_votes_need_secret_ballot_and_quorum(step: Step) -> None:
    story = probationary(date(2024, 7, 1))

    hands = attempt(story, step, date(2025, 7, 1), tally=tally(10, 8, 7, method=VotingMethod.SHOW_OF_HANDS))
    assert assert_only_blocker(hands, "voted_by_secret_ballot").citation.text == "《发展党员工作细则》第三十三条"
    thin = attempt(story, step, date(2025, 7, 1), tally=tally(10, 5, 5))
    assert verdict(thin, "meeting_quorate").outcome is Outcome.REFUSED
    assert attempt(story, step, date(2025, 7, 1)).allowed


# ------------------------------------------------------------------ 取消预备党员资格 / 本人退出


def test_art32_cancellation_moves_probationary_member_to_disqualified() -> None:
    story = probationary(MEETING)
    case = Case(story.facts, story.status)

    fire(case, Step.PROBATION_CANCELLED, date(2026, 3, 1), {"reason": "违犯党纪，情节较重", "tally": tally()})

    assert case.state is Status.DISQUALIFIED


def test_art3_withdrawal_reason_recorded_refuses_blank_reason() -> None:
    result = attempt(candidate(date(2025, 3, 1)), Step.WITHDRAWN, date(2025, 4, 1), reason="   ")

    found = assert_only_blocker(result, REASON)
    assert found.message == "请写明退出的原因。"
    assert found.citation.text == "《发展党员工作细则》第三条"


def test_art3_withdrawal_reason_recorded_refuses_missing_reason() -> None:
    result = attempt(candidate(date(2025, 3, 1)), Step.WITHDRAWN, date(2025, 4, 1), reason="")

    assert assert_only_blocker(result, REASON).message == "缺少材料：「退出原因」。"


@pytest.mark.parametrize("status", ["applicant", "activist", "candidate"])
def test_art3_withdrawal_reason_recorded_allows_withdrawal_at_any_stage_before_admission(status: str) -> None:
    story = {
        "applicant": applicant(date(2025, 1, 6)),
        "activist": activist(date(2024, 3, 10)),
        "candidate": candidate(date(2025, 3, 1)),
    }[status]

    result = attempt(story, Step.WITHDRAWN, date(2025, 6, 1))

    assert verdict(result, REASON).outcome is Outcome.PASSED
    assert result.allowed


def test_art3_withdrawal_not_open_to_probationary_member_who_is_disqualified_instead() -> None:
    """§3 item 19: a 预备党员 who wants to leave is handled as 取消预备党员资格."""
    result = attempt(probationary(MEETING), Step.WITHDRAWN, date(2026, 3, 1))

    assert blocking_rules(result) == {"status_allows_step"}


# ------------------------------------------------------------------ 第三十四条: 转正决议三个月内审批


def approve_confirmation(resolution: date, on: date, **changes: object):
    return attempt(confirmed_by_branch(resolution), Step.CONFIRMATION_APPROVED, on, **changes)


def test_art34_confirmation_approved_within_three_months_passes_on_last_day() -> None:
    result = approve_confirmation(date(2025, 7, 1), date(2025, 10, 1))

    found = verdict(result, APPROVED_IN_TIME)
    assert found.outcome is Outcome.PASSED
    assert found.due_by == date(2025, 10, 1)
    assert found.citation.text == "《发展党员工作细则》第三十四条"
    assert found.citation.tag.value == "M"
    assert result.allowed


def test_art34_confirmation_approved_within_three_months_day_after_is_violated_duty() -> None:
    result = approve_confirmation(date(2025, 7, 1), date(2025, 10, 2))

    found = verdict(result, APPROVED_IN_TIME)
    assert found.severity is Severity.DUTY
    assert found.outcome is Outcome.VIOLATED
    assert found.grave is False  # no six-month clause for 转正 (§3 item 15)
    assert found.message == "转正决议应于2025年10月1日前审批（自2025年7月1日起3个月），已逾期。"
    assert result.allowed
    assert result.violations == (found,)


def test_art34_confirmation_approved_within_three_months_anchored_on_received_on() -> None:
    on_time = approve_confirmation(date(2025, 7, 1), date(2025, 10, 20), received_on=date(2025, 7, 20))
    late = approve_confirmation(date(2025, 7, 1), date(2025, 10, 21), received_on=date(2025, 7, 20))

    assert verdict(on_time, APPROVED_IN_TIME).outcome is Outcome.PASSED
    assert verdict(late, APPROVED_IN_TIME).outcome is Outcome.VIOLATED
    assert verdict(late, APPROVED_IN_TIME).due_by == date(2025, 10, 20)


def test_art33_2026_confirmation_approved_within_three_months_cites_2026_article() -> None:
    found = verdict(approve_confirmation(date(2026, 7, 1), date(2026, 11, 1)), APPROVED_IN_TIME)

    assert found.outcome is Outcome.VIOLATED
    assert found.citation.text == "《发展党员工作细则》（2026年修订）第三十三条"


# ------------------------------------------------------------------ 第三十七条: 材料归档


def archive(**changes: object):
    return attempt(full_member(date(2025, 8, 1)), Step.RECORDS_ARCHIVED, date(2025, 8, 20), **changes)


def test_art37_archive_complete_passes_with_all_five_documents() -> None:
    result = archive()

    found = verdict(result, ARCHIVE)
    assert found.outcome is Outcome.PASSED
    assert found.citation.text == "《发展党员工作细则》第三十七条"
    assert result.allowed


def test_art37_archive_complete_refuses_and_names_missing_documents() -> None:
    result = archive(documents=("application_form", "application_letter", "assessment_records"))

    found = assert_only_blocker(result, ARCHIVE)
    assert found.message == "归档材料不全，缺少：政治审查材料、转正申请书。"


def test_art37_archive_complete_refuses_empty_archive() -> None:
    found = verdict(archive(documents=()), ARCHIVE)

    assert found.outcome is Outcome.REFUSED
    assert found.message == "归档材料不全，缺少：入党志愿书、入党申请书、政治审查材料、转正申请书、培养教育考察材料。"


def test_art36_2026_archive_complete_cites_2026_article() -> None:
    story = full_member(date(2026, 8, 1))

    found = verdict(attempt(story, Step.RECORDS_ARCHIVED, date(2026, 8, 20), documents=()), ARCHIVE)
    assert found.citation.text == "《发展党员工作细则》（2026年修订）第三十六条"


def test_art32_probation_extension_after_29_february_counts_from_the_meeting_in_one_step() -> None:
    """第三十二条: 2024-02-29 meeting + 一年 + 6个月 = 2025-08-29 (not 2025-02-28 + 6 months = 2025-08-28)."""
    facts = ApplicantFacts(records=(
        StepRecord(Step.ADMISSION_RESOLVED, date(2024, 2, 29)),
        StepRecord(Step.PROBATION_EXTENDED, date(2025, 3, 1), {"months": 6}),
    ))
    assert probation_ends_on(facts, DEFAULT_POLICY) == date(2025, 8, 29)
