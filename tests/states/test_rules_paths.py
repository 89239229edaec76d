"""Rules of the paths off the straight line: the 政审 result, a stale 政审 at step 12, refusals citing the
missing step's article, and step names shared by two steps. Each test names its article."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from states.facts import ApplicantFacts
from states.periods import add_years
from states.procedure import SPECS, spec_for
from states.rulesets import Policy, RuleSetId
from states.steps import Severity, Status, Step
from states.verdicts import Outcome
from tests.states.builders import (
    OVERRIDE,
    Story,
    assert_only_blocker,
    attempt,
    blocking_rules,
    candidate,
    day_after,
    verdict,
)
from workflow.errors import StepRefused
from workflow.machine import Case, fire

QUALIFIED = "political_review_qualified"
FAILED_IS_UNQUALIFIED = "political_review_failed_is_unqualified"
VALID_AT_12 = "political_review_valid_at_committee_review"
PRECEDING = "preceding_steps_recorded"
REVIEW_2014 = "《发展党员工作细则》第十五条至第十七条"
REVIEW_2026 = "《发展党员工作细则》（2026年修订）第十六条"


# ------------------------------------------------------------------ 第十五条至第十七条: 政审结果合格或不合格


def test_art15_political_review_qualified_passes_with_qualified_result() -> None:
    result = attempt(candidate(date(2025, 3, 1)), Step.POLITICAL_REVIEW_PASSED, date(2025, 4, 1), result="qualified")

    found = verdict(result, QUALIFIED)
    assert found.outcome is Outcome.PASSED
    assert found.citation.text == REVIEW_2014
    assert result.allowed


def test_art15_political_review_qualified_refuses_unqualified_result() -> None:
    result = attempt(candidate(date(2025, 3, 1)), Step.POLITICAL_REVIEW_PASSED, date(2025, 4, 1),
                     result="unqualified", conclusion="政审〔2025〕9号：不合格")

    found = assert_only_blocker(result, QUALIFIED)
    assert found.citation.text == REVIEW_2014
    assert "不能发展入党" in found.message and "「政治审查不合格」" in found.message


def test_art15_political_review_qualified_refuses_free_text_without_result() -> None:
    """A conclusion that merely says 合格 is no result: the result is a closed choice."""
    result = attempt(candidate(date(2025, 3, 1)), Step.POLITICAL_REVIEW_PASSED, date(2025, 4, 1),
                     drop=("result",), conclusion="合格")

    found = assert_only_blocker(result, QUALIFIED)
    assert found.message == "缺少材料：「政治审查结果（合格或不合格）」。"


def test_art16_2026_political_review_qualified_cites_2026_article() -> None:
    result = attempt(candidate(date(2026, 6, 1)), Step.POLITICAL_REVIEW_PASSED, date(2026, 7, 1),
                     result="unqualified")

    assert assert_only_blocker(result, QUALIFIED).citation.text == REVIEW_2026


def test_art15_political_review_failed_is_unqualified_ends_the_case_as_not_admitted() -> None:
    story = candidate(date(2025, 3, 1))
    case = Case(story.facts, story.status)

    done = fire(case, Step.POLITICAL_REVIEW_FAILED, date(2025, 4, 1),
                {"conclusion": "政审〔2025〕9号", "result": "unqualified"})

    assert case.state is Status.NOT_ADMITTED
    assert verdict(done, FAILED_IS_UNQUALIFIED).citation.text == REVIEW_2014
    assert SPECS[Step.POLITICAL_REVIEW_FAILED].dest is Status.NOT_ADMITTED


def test_art15_political_review_failed_is_unqualified_refuses_a_qualified_result() -> None:
    story = candidate(date(2025, 3, 1))
    case = Case(story.facts, story.status)

    with pytest.raises(StepRefused) as refused:
        fire(case, Step.POLITICAL_REVIEW_FAILED, date(2025, 4, 1), {"conclusion": "政审", "result": "qualified"})

    assert {v.rule for v in refused.value.check.blocking} == {FAILED_IS_UNQUALIFIED}
    assert case.state is Status.CANDIDATE


# ------------------------------------------------------------------ 第十五条（党务指导）: 政审一年内有效，支委会审查时核对


def up_to_committee(review_on: date) -> Story:
    """A 发展对象 with sponsors, training and a 政审 dated ``review_on``, ready for step 12."""
    base = candidate(date(2025, 1, 10))
    start = base.last_on
    base = base.then(Step.SPONSORS_ASSIGNED, start + timedelta(days=1))
    base = base.then(Step.POLITICAL_REVIEW_PASSED, review_on)
    return base.then(Step.TRAINING_COMPLETED, start + timedelta(days=3))


REVIEWED_ON = date(2025, 1, 20)
ANNIVERSARY = add_years(REVIEWED_ON, 1)


def test_art15_political_review_valid_at_committee_review_passes_on_the_anniversary() -> None:
    result = attempt(up_to_committee(REVIEWED_ON), Step.COMMITTEE_REVIEWED, ANNIVERSARY)

    found = verdict(result, VALID_AT_12)
    assert found.outcome is Outcome.PASSED
    assert found.citation.text == "《发展党员工作细则》第十五条（一年内有效，党务指导意见）"
    assert result.allowed and not result.violations


def test_art15_political_review_valid_at_committee_review_flags_the_day_after() -> None:
    result = attempt(up_to_committee(REVIEWED_ON), Step.COMMITTEE_REVIEWED, day_after(ANNIVERSARY))

    found = verdict(result, VALID_AT_12)
    assert found.outcome is Outcome.VIOLATED  # flagged at step 12, not only at the meeting
    assert found.message == "政治审查结论（2025年1月20日）到2026年1月20日已满一年，支部委员会审查时已失效，应重新进行政治审查。"
    assert result.allowed


@pytest.mark.parametrize(("severity", "outcome"), [(Severity.HARD, Outcome.REFUSED),
                                                   (Severity.SOFT, Outcome.NEEDS_OVERRIDE)])
def test_art15_political_review_valid_at_committee_review_severity_is_a_policy(severity: Severity,
                                                                               outcome: Outcome) -> None:
    policy = Policy(severity_overrides={VALID_AT_12: severity})
    story = up_to_committee(REVIEWED_ON)

    late = attempt(story, Step.COMMITTEE_REVIEWED, day_after(ANNIVERSARY), policy=policy)
    on_time = attempt(story, Step.COMMITTEE_REVIEWED, ANNIVERSARY, policy=policy)

    assert assert_only_blocker(late, VALID_AT_12, outcome)
    assert on_time.allowed
    if severity is Severity.SOFT:
        passed = attempt(story, Step.COMMITTEE_REVIEWED, day_after(ANNIVERSARY), policy=policy, override=OVERRIDE)
        assert verdict(passed, VALID_AT_12).outcome is Outcome.OVERRIDDEN


# ------------------------------------------------------------------ a missing step is refused under its own article


def test_art15_preceding_steps_recorded_cites_the_missing_review_article() -> None:
    story = up_to_committee(REVIEWED_ON).without(Step.POLITICAL_REVIEW_PASSED)

    result = attempt(story, Step.COMMITTEE_REVIEWED, date(2025, 3, 1))

    found = assert_only_blocker(result, PRECEDING)
    assert found.message == "须先办理「10. 进行政治审查」。"
    assert found.citation.text == REVIEW_2014  # not step 12's 第十九条
    assert attempt(up_to_committee(REVIEWED_ON), Step.COMMITTEE_REVIEWED, date(2025, 3, 1)).allowed


def test_art16_2026_preceding_steps_recorded_cites_the_2026_review_article() -> None:
    story = candidate(date(2026, 6, 1))
    start = story.last_on
    story = story.then(Step.SPONSORS_ASSIGNED, start + timedelta(days=1))
    story = story.then(Step.TRAINING_COMPLETED, start + timedelta(days=3))

    found = assert_only_blocker(attempt(story, Step.COMMITTEE_REVIEWED, start + timedelta(days=10)), PRECEDING)

    assert found.citation.text == REVIEW_2026


def test_art8_art9_preceding_steps_recorded_gives_one_refusal_per_missing_article() -> None:
    story = candidate(date(2025, 3, 1)).without(Step.ACTIVIST_FILED, Step.LIAISONS_ASSIGNED)
    facts = ApplicantFacts(Status.ACTIVIST, story.birth_date, True,
                           tuple(r for r in story.facts.records if r.step not in {
                               Step.CANDIDATE_DESIGNATED, Step.CANDIDATE_FILED}))
    result = attempt(Story(records=facts.records, status=Status.ACTIVIST), Step.CANDIDATE_DESIGNATED,
                     date(2025, 3, 1))

    cited = {v.citation.text: v.message for v in result.blocking if v.rule == PRECEDING}
    assert cited == {"《发展党员工作细则》第八条": "须先办理「4. 上级党委备案」。",
                     "《发展党员工作细则》第九条": "须先办理「5. 指定培养联系人」。"}
    assert blocking_rules(result) == {PRECEDING}


def test_art19_preceding_steps_in_order_keeps_the_attempted_steps_article() -> None:
    story = up_to_committee(date(2025, 3, 5))

    found = assert_only_blocker(attempt(story, Step.COMMITTEE_REVIEWED, date(2025, 3, 1)),
                                "preceding_steps_in_order")

    assert found.citation.text == "《发展党员工作细则》第十九条"  # step 12's own article
    assert "早于已办理的「10. 进行政治审查」（2025年3月5日）" in found.message


# ------------------------------------------------------------------ step names shared by 15/23 and 17/24


@pytest.mark.parametrize(("name", "status", "number"), [
    ("支部大会讨论", Status.CANDIDATE, 15), ("支部大会讨论", Status.PROBATIONARY, 23),
    ("上级党委审批", Status.CANDIDATE, 17), ("上级党委审批", Status.PROBATIONARY, 24),
])
def test_art20_art33_shared_step_name_resolves_by_the_cases_stage(name: str, status: Status, number: int) -> None:
    assert spec_for(name, status).number == number


def test_art20_art33_shared_step_name_lists_both_when_neither_fits() -> None:
    with pytest.raises(KeyError) as error:
        spec_for("支部大会讨论", Status.ACTIVIST)

    message = str(error.value)
    assert "「15. 支部大会讨论」（发展对象时办理）" in message and "「23. 支部大会讨论」（预备党员时办理）" in message


def test_art20_shared_step_number_is_never_ambiguous() -> None:
    assert spec_for("23", Status.CANDIDATE).number == 23
    assert spec_for("支部大会讨论").number == 15  # no case known: the earlier step, as before
    assert RuleSetId.R2014 in SPECS[Step.ADMISSION_RESOLVED].basis


# ------------------------------------------------------------------ 第十二条: 转出、转接中、转入审查


TRANSFERRED_ON = date(2024, 9, 1)
DESIGNATED_ON = date(2024, 3, 10)


def in_transfer() -> Story:
    from tests.states.builders import activist

    return activist(DESIGNATED_ON).then(Step.ACTIVIST_TRANSFERRED, TRANSFERRED_ON)


def received(continuity: str, on: date = date(2024, 9, 20)) -> Story:
    return in_transfer().then(Step.TRANSFER_RECEIVED, on, continuity=continuity)


@pytest.mark.parametrize("step", [Step.ACTIVIST_ASSESSED, Step.CANDIDATE_DESIGNATED, Step.ACTIVIST_TRANSFERRED,
                                  Step.WITHDRAWN])
def test_art12_not_in_transfer_refuses_every_other_step_while_pending(step: Step) -> None:
    result = attempt(in_transfer(), step, date(2025, 4, 1))

    found = verdict(result, "not_in_transfer")
    assert found.outcome is Outcome.REFUSED
    assert found.citation.text == "《发展党员工作细则》第十二条"
    assert "案卷正在转接中：2024年9月1日已转往「某大学研究生第三党支部」" in found.message


def test_art12_not_in_transfer_passes_once_reviewed_and_before_any_transfer() -> None:
    from tests.states.builders import activist

    after = attempt(received("continuous"), Step.ACTIVIST_ASSESSED, date(2024, 10, 1))
    before = attempt(activist(DESIGNATED_ON), Step.ACTIVIST_ASSESSED, date(2024, 8, 1))

    assert verdict(after, "not_in_transfer").outcome is Outcome.PASSED and after.allowed
    assert verdict(before, "not_in_transfer").outcome is Outcome.PASSED and before.allowed


def test_art12_transfer_is_pending_allows_the_review_on_the_transfer_day_not_before() -> None:
    on_the_day = attempt(in_transfer(), Step.TRANSFER_RECEIVED, TRANSFERRED_ON)
    day_before = attempt(in_transfer(), Step.TRANSFER_RECEIVED, TRANSFERRED_ON - timedelta(days=1))

    assert on_the_day.allowed
    assert "preceding_steps_in_order" in blocking_rules(day_before)
    assert "transfer_is_pending" in blocking_rules(day_before)


def test_art12_transfer_is_pending_refuses_a_review_without_a_transfer() -> None:
    result = attempt(received("continuous"), Step.TRANSFER_RECEIVED, date(2024, 10, 1))

    found = assert_only_blocker(result, "transfer_is_pending")
    assert found.message == "没有待审查的转出记录：须先由原党组织记录「转出」。"


def test_art12_transfer_review_gives_reason_refuses_blank_reason_and_missing_reviewer() -> None:
    blank = attempt(in_transfer(), Step.TRANSFER_RECEIVED, date(2024, 9, 20), reason=" ")
    missing = attempt(in_transfer(), Step.TRANSFER_RECEIVED, date(2024, 9, 20), drop=("reviewed_by",))

    assert assert_only_blocker(blank, "transfer_review_gives_reason").message == "转入审查须写明审查人和理由。"
    assert assert_only_blocker(missing, "transfer_review_gives_reason").message == "缺少材料：「审查人」。"


def test_art13_transferred_activist_with_continuous_time_on_the_original_anniversary() -> None:
    story = received("continuous").then(Step.ACTIVIST_ASSESSED, date(2024, 12, 1))
    anniversary = date(2025, 3, 10)

    assert attempt(story, Step.CANDIDATE_DESIGNATED, anniversary).allowed
    early = attempt(story, Step.CANDIDATE_DESIGNATED, anniversary - timedelta(days=1))
    assert assert_only_blocker(early, "activist_trained_one_full_year").allowed_from == anniversary


def test_art13_transferred_activist_with_restart_counts_from_the_review() -> None:
    review = date(2024, 9, 20)
    story = received("restart", review).then(Step.ACTIVIST_ASSESSED, date(2025, 1, 10)).then(
        Step.ACTIVIST_ASSESSED, date(2025, 6, 10))

    refused = attempt(story, Step.CANDIDATE_DESIGNATED, date(2025, 9, 19))
    assert assert_only_blocker(refused, "activist_trained_one_full_year").allowed_from == date(2025, 9, 20)
    assert attempt(story, Step.CANDIDATE_DESIGNATED, date(2025, 9, 20)).allowed


def test_art12_planner_offers_only_the_review_while_in_transfer() -> None:
    from states.engine import plan

    upcoming = plan(in_transfer().facts, date(2024, 9, 5))

    assert [n.spec.step for n in upcoming if n.possible_now] == [Step.TRANSFER_RECEIVED]
    assert all("not_in_transfer" in {v.rule for v in n.blockers} for n in upcoming if not n.possible_now)


# ------------------------------------------------------------------ 第二十四条: 特殊情况延长审批时间（不超过六个月）


MEETING_ON = date(2025, 3, 10)  # the 支部大会; three months end 2025-06-10, six months 2025-09-10
EXTENSION = {"extension_reason": "发展对象在外地实习，党委委员谈话推迟", "extension_by": "某大学党委",
             "extended_on": date(2025, 5, 20)}


def approve(on: date, **changes: object):
    from tests.states.builders import resolved

    return attempt(resolved(MEETING_ON), Step.ADMISSION_APPROVED, on, **changes)


def test_art24_approval_extension_complete_lets_the_three_month_flag_give_way() -> None:
    late = approve(date(2025, 6, 11))
    extended = approve(date(2025, 6, 11), **EXTENSION)

    assert verdict(late, "admission_approved_within_three_months").outcome is Outcome.VIOLATED
    assert verdict(extended, "admission_approved_within_three_months").outcome is Outcome.PASSED
    assert verdict(extended, "approval_extension_complete").outcome is Outcome.PASSED
    assert not extended.violations


def test_art24_approval_extension_complete_still_flags_beyond_six_months() -> None:
    on_last_day = approve(date(2025, 9, 10), **EXTENSION)
    day_after_six = approve(date(2025, 9, 11), **EXTENSION)

    assert not on_last_day.violations
    found = verdict(day_after_six, "admission_approved_within_six_months")
    assert found.outcome is Outcome.VIOLATED and found.grave


def test_art24_approval_extension_complete_cannot_be_decided_after_three_months_lapsed() -> None:
    on_the_last_day = approve(date(2025, 7, 1), **{**EXTENSION, "extended_on": date(2025, 6, 10)})
    too_late = approve(date(2025, 7, 1), **{**EXTENSION, "extended_on": date(2025, 6, 11)})

    assert verdict(on_the_last_day, "admission_approved_within_three_months").outcome is Outcome.PASSED
    found = verdict(too_late, "admission_approved_within_three_months")
    assert found.outcome is Outcome.VIOLATED and "不能补作延长" in found.message


def test_art24_approval_extension_complete_refuses_a_partial_extension() -> None:
    result = approve(date(2025, 6, 11), extension_reason="特殊情况")

    found = assert_only_blocker(result, "approval_extension_complete")
    assert found.message == "延长审批时间须同时写明「批准延长的组织」、「决定延长的日期」。"
    assert found.citation.text == "《发展党员工作细则》第二十四条"


def test_art24_approval_extension_complete_refuses_a_date_after_the_approval() -> None:
    result = approve(date(2025, 6, 11), **{**EXTENSION, "extended_on": date(2025, 6, 12)})

    assert "应在支部大会之后、审批之前" in assert_only_blocker(result, "approval_extension_complete").message


def test_art18_override_on_a_step_without_soft_rules_is_refused_not_dropped() -> None:
    no_soft = approve(date(2025, 4, 10), override=OVERRIDE)
    from tests.states.builders import candidate as candidate_story

    soft = attempt(candidate_story(date(2025, 3, 1)), Step.TRAINING_COMPLETED, date(2025, 4, 1), days=1, hours=8,
                   override=OVERRIDE)

    found = assert_only_blocker(no_soft, "override_applies")
    assert found.message == "「17. 上级党委审批」没有可以特批的一般性规定，不能填写特批理由和特批人。"
    assert soft.allowed and verdict(soft, "override_applies").outcome is Outcome.PASSED


# ------------------------------------------------------------------ 第十九条: 预审时登记的离开日期，支部大会时再查


def test_art19_not_leaving_within_three_months_remembers_the_date_given_at_pre_review() -> None:
    from tests.states.builders import reviewed

    story = reviewed(date(2025, 2, 20)).then(Step.PRE_REVIEW_PASSED, date(2025, 3, 1), leaving_on=date(2025, 7, 1))
    story = story.then(Step.APPLICATION_FORM_FILLED, date(2025, 3, 2))

    soon = attempt(story, Step.ADMISSION_RESOLVED, date(2025, 4, 1))  # 7-01 is within three months of 4-01
    later = attempt(story, Step.ADMISSION_RESOLVED, date(2025, 3, 31))  # limit 6-30: 7-01 is beyond it

    assert assert_only_blocker(soon, "not_leaving_within_three_months", Outcome.NEEDS_OVERRIDE)
    assert later.allowed


# ------------------------------------------------------------------ 党章第七条: 预备期起止和党龄起算日


def test_art7_membership_dates_give_probation_span_and_party_age_start() -> None:
    from states.paths import membership_dates
    from tests.states.builders import full_member, probationary

    admitted = probationary(date(2025, 3, 10)).facts
    confirmed = full_member(date(2026, 4, 20)).facts

    dates = membership_dates(admitted, Policy())
    assert dates is not None
    assert (dates.probation_from, dates.probation_until, dates.party_age_from) == (
        date(2025, 3, 10), date(2026, 3, 9), None)
    assert dates.lines()[1] == "党龄起算日：按期转正的，自2026年3月10日（预备期满之日）起算"
    full = membership_dates(confirmed, Policy())
    assert full is not None and full.party_age_from == full.probation_until + timedelta(days=1)
    assert membership_dates(candidate(date(2025, 3, 1)).facts, Policy()) is None
