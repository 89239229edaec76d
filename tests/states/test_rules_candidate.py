"""三、发展对象: 细则第十三、十四、十五—十八条 and the 2026 公示 (steps 7–11), through ``states.engine.check``.

procedure.md N8–N12, §2.3 (2026 第十三条), §3 items 1, 2, 4, 10, 12, 13.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from states.engine import check
from states.facts import ApplicantFacts, Person, Standing
from states.periods import add_months, cn_date
from states.rulesets import ActivistAnchor, Policy, RuleSetId
from states.steps import Severity, Status, Step
from states.verdicts import Outcome
from tests.states.builders import (
    CAL,
    OVERRIDE,
    Story,
    activist,
    assert_only_blocker,
    attempt,
    blocking_rules,
    candidate,
    day_after,
    day_before,
    full,
    probationary_member,
    publicity_evidence,
    rules_in,
    sanctioned,
    verdict,
)
from workflow.errors import StepRefused
from workflow.machine import Case, fire

ONE_YEAR = "activist_trained_one_full_year"
EVERY_HALF_YEAR = "assessed_every_half_year"
OPINIONS = "opinions_heard_before_designation"
CONSENT = "higher_committee_consented"
AFTER_CONSENT = "publicity_after_consent"
FIVE_WORKDAYS = "publicity_lasts_five_workdays"
OVER = "publicity_over_before_listing"
RESULT = "publicity_result_allows_listing"
ESTABLISHED = "candidate_status_established"
SPONSORS = "two_full_members_sponsor"
REVIEW = "review_concluded_in_writing"
TRAINING = "trained_three_days_or_24_hours"

DESIGNATED = date(2024, 3, 10)
PIN_2026 = Policy(pinned_rule_set=RuleSetId.R2026)


def designate_candidate(story: Story, on: date, **kwargs: object):
    return attempt(story, Step.CANDIDATE_DESIGNATED, on, **kwargs)


# ------------------------------------------------------------------ 第十三条: 一年以上培养教育和考察


def test_art13_activist_trained_one_full_year_refuses_day_before_anniversary() -> None:
    result = designate_candidate(activist(DESIGNATED), date(2025, 3, 9))

    found = assert_only_blocker(result, ONE_YEAR)
    assert found.allowed_from == date(2025, 3, 10)
    assert result.allowed_from == date(2025, 3, 10)
    assert found.message == "入党积极分子培养教育期（自2024年3月10日起算）未满一年，2025年3月10日起方可列为发展对象。"


def test_art13_activist_trained_one_full_year_allows_on_anniversary() -> None:
    result = designate_candidate(activist(DESIGNATED), date(2025, 3, 10))

    assert verdict(result, ONE_YEAR).outcome is Outcome.PASSED
    assert result.allowed


def test_art13_activist_trained_one_full_year_strict_mode_allows_only_day_after_anniversary() -> None:
    strict = Policy(strict_minimums=True)
    story = activist(DESIGNATED)

    on_anniversary = verdict(designate_candidate(story, date(2025, 3, 10), policy=strict), ONE_YEAR)
    assert on_anniversary.outcome is Outcome.REFUSED
    assert on_anniversary.allowed_from == date(2025, 3, 11)
    assert "2025年3月11日起" in on_anniversary.message
    assert designate_candidate(story, date(2025, 3, 11), policy=strict).allowed


@pytest.mark.parametrize(
    ("policy", "first"),
    [(Policy(), date(2025, 2, 28)), (Policy(strict_minimums=True), date(2025, 3, 1))],
    ids=["art13-feb29-start-default", "art13-feb29-start-strict"],
)
def test_art13_activist_trained_one_full_year_from_29_february(policy: Policy, first: date) -> None:
    story = activist(date(2024, 2, 29))

    refused = verdict(designate_candidate(story, day_before(first), policy=policy), ONE_YEAR)
    assert refused.outcome is Outcome.REFUSED
    assert refused.allowed_from == first
    assert verdict(designate_candidate(story, first, policy=policy), ONE_YEAR).outcome is Outcome.PASSED


def test_art13_activist_trained_one_full_year_filing_anchor_counts_from_filing() -> None:
    filing = Policy(activist_anchor=ActivistAnchor.FILING)
    story = activist(DESIGNATED, filed=date(2024, 4, 20), assessed=(date(2024, 6, 1), date(2024, 12, 1)))

    refused = verdict(designate_candidate(story, date(2025, 4, 19), policy=filing), ONE_YEAR)
    assert refused.outcome is Outcome.REFUSED
    assert refused.allowed_from == date(2025, 4, 20)
    assert "2024年4月20日" in refused.message
    assert verdict(designate_candidate(story, date(2025, 4, 20), policy=filing), ONE_YEAR).outcome is Outcome.PASSED
    # the default anchor (支委会 decision) already passed weeks earlier
    assert verdict(designate_candidate(story, date(2025, 4, 19)), ONE_YEAR).outcome is Outcome.PASSED


def test_art13_activist_trained_one_full_year_filing_anchor_falls_back_to_decision_when_not_filed() -> None:
    facts = activist(DESIGNATED).facts
    unfiled = ApplicantFacts(status=facts.status, birth_date=facts.birth_date,
                             records=tuple(r for r in facts.records if r.step is not Step.ACTIVIST_FILED))
    found = verdict(
        check(Step.CANDIDATE_DESIGNATED, unfiled, date(2025, 3, 9),
              policy=Policy(activist_anchor=ActivistAnchor.FILING), calendar=CAL),
        ONE_YEAR,
    )
    assert found.allowed_from == date(2025, 3, 10)


def test_art13_activist_trained_one_full_year_refuses_without_designation_record() -> None:
    result = check(Step.CANDIDATE_DESIGNATED, ApplicantFacts(status=Status.ACTIVIST), date(2025, 3, 10),
                   {"opinions_heard": True, "members": 5, "present": 5}, calendar=CAL)

    found = verdict(result, ONE_YEAR)
    assert found.outcome is Outcome.REFUSED
    assert "没有确定为入党积极分子的记录" in found.message
    assert found.allowed_from is None


@pytest.mark.parametrize(
    ("designated", "on", "text", "tag", "rule_set"),
    [
        (date(2024, 3, 10), date(2025, 3, 9), "《发展党员工作细则》第十三条", "V", RuleSetId.R2014),
        (date(2025, 7, 1), date(2026, 6, 15), "《发展党员工作细则》（2026年修订）第十三条", "R26", RuleSetId.R2026),
        (date(2010, 3, 10), date(2011, 3, 9), "《发展党员工作细则（试行）》（1990）（条号待核）", "M", RuleSetId.R1990),
    ],
    ids=["art13-2025-act-cites-2014-text", "art13-2026-act-cites-2026-revision", "art13-2011-act-cites-1990-text"],
)
def test_art13_activist_trained_one_full_year_refusal_cites_rule_set_in_force_on_act_date(
    designated: date, on: date, text: str, tag: str, rule_set: RuleSetId
) -> None:
    result = designate_candidate(activist(designated), on)

    found = verdict(result, ONE_YEAR)
    assert result.rule_set is rule_set
    assert found.outcome is Outcome.REFUSED
    assert found.citation.text == text
    assert found.citation.tag.value == tag
    assert f"（依据：{text}）" in found.sentence()


def test_art13_activist_trained_one_full_year_citation_switches_on_2026_05_18() -> None:
    story = activist(date(2025, 6, 1))

    before = verdict(designate_candidate(story, date(2026, 5, 17)), ONE_YEAR)
    after = verdict(designate_candidate(story, date(2026, 5, 18)), ONE_YEAR)
    assert before.citation.text == "《发展党员工作细则》第十三条"
    assert after.citation.text == "《发展党员工作细则》（2026年修订）第十三条"
    assert before.allowed_from == after.allowed_from == date(2026, 6, 1)


# -- properties of the waiting period (Hypothesis, derandomised so the suite is deterministic)

anchors = st.dates(min_value=date(2008, 1, 1), max_value=date(2027, 6, 30))
policies = st.builds(
    Policy,
    strict_minimums=st.booleans(),
    activist_anchor=st.sampled_from(list(ActivistAnchor)),
)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(designated=anchors, filing_delay=st.integers(0, 60), policy=policies, offset=st.integers(0, 364))
def test_art13_property_allowed_from_is_first_day_the_one_year_rule_passes(
    designated: date, filing_delay: int, policy: Policy, offset: int
) -> None:
    story = activist(designated, filed=designated + timedelta(days=filing_delay), assessed=())
    on = designated + timedelta(days=offset)

    refused = verdict(designate_candidate(story, on, policy=policy), ONE_YEAR)
    assert refused.outcome is Outcome.REFUSED
    first = refused.allowed_from
    assert first is not None and first > on
    assert cn_date(first) in refused.message

    assert verdict(designate_candidate(story, first, policy=policy), ONE_YEAR).outcome is Outcome.PASSED
    eve = verdict(designate_candidate(story, day_before(first), policy=policy), ONE_YEAR)
    assert eve.outcome is Outcome.REFUSED
    assert eve.allowed_from == first


@settings(max_examples=60, deadline=None, derandomize=True)
@given(designated=anchors, filing_delay=st.integers(0, 60), policy=policies, later=st.integers(0, 1500))
def test_art13_property_one_year_rule_keeps_passing_once_passed(
    designated: date, filing_delay: int, policy: Policy, later: int
) -> None:
    story = activist(designated, filed=designated + timedelta(days=filing_delay), assessed=())
    first = verdict(designate_candidate(story, designated, policy=policy), ONE_YEAR).allowed_from
    assert first is not None

    for on in [first + timedelta(days=n) for n in range(40)] + [first + timedelta(days=later)]:
        assert verdict(designate_candidate(story, on, policy=policy), ONE_YEAR).outcome is Outcome.PASSED, on


# ------------------------------------------------------------------ 第十一条（推定）: 每个完整半年都有考察记录


def test_art11_assessed_every_half_year_refuses_and_names_missing_window() -> None:
    story = activist(DESIGNATED, assessed=(date(2024, 5, 1),))

    result = designate_candidate(story, date(2025, 3, 10))

    found = assert_only_blocker(result, EVERY_HALF_YEAR)
    assert "2024年9月10日至2025年3月9日" in found.message
    assert "2024年3月10日至2024年9月9日" not in found.message
    assert found.allowed_from is None
    assert result.allowed_from is None


def test_art11_assessed_every_half_year_names_every_missing_window() -> None:
    found = verdict(designate_candidate(activist(DESIGNATED, assessed=()), date(2025, 3, 10)), EVERY_HALF_YEAR)

    assert found.outcome is Outcome.REFUSED
    assert "2024年3月10日至2024年9月9日；2024年9月10日至2025年3月9日" in found.message


def test_art11_assessed_every_half_year_window_end_belongs_to_next_window() -> None:
    """An assessment on the first day of the second window does not cover the first one."""
    story = activist(DESIGNATED, assessed=(date(2024, 9, 10), date(2024, 12, 1)))

    found = verdict(designate_candidate(story, date(2025, 3, 10)), EVERY_HALF_YEAR)
    assert found.outcome is Outcome.REFUSED
    assert "2024年3月10日至2024年9月9日" in found.message

    story = activist(DESIGNATED, assessed=(date(2024, 9, 9), date(2024, 12, 1)))
    assert verdict(designate_candidate(story, date(2025, 3, 10)), EVERY_HALF_YEAR).outcome is Outcome.PASSED


def test_art11_assessed_every_half_year_incomplete_window_not_required_yet() -> None:
    story = activist(DESIGNATED, assessed=(date(2024, 5, 1), date(2024, 12, 1)))

    found = verdict(designate_candidate(story, date(2025, 9, 9)), EVERY_HALF_YEAR)
    assert found.outcome is Outcome.PASSED  # [2025-03-10, 2025-09-10) is not over on 2025-09-09
    late = verdict(designate_candidate(story, date(2025, 9, 10)), EVERY_HALF_YEAR)
    assert late.outcome is Outcome.REFUSED
    assert "2025年3月10日至2025年9月9日" in late.message


def test_art11_assessed_every_half_year_severity_override_to_duty_records_violation() -> None:
    policy = Policy(severity_overrides={EVERY_HALF_YEAR: Severity.DUTY})
    story = activist(DESIGNATED, assessed=(date(2024, 5, 1),))

    result = designate_candidate(story, date(2025, 3, 10), policy=policy)

    found = verdict(result, EVERY_HALF_YEAR)
    assert found.severity is Severity.DUTY
    assert found.outcome is Outcome.VIOLATED
    assert "2024年9月10日至2025年3月9日" in found.message
    assert result.allowed
    assert result.violations == (found,)


def test_art11_assessed_every_half_year_filing_anchor_uses_filing_windows() -> None:
    policy = Policy(activist_anchor=ActivistAnchor.FILING)
    story = activist(DESIGNATED, filed=date(2024, 4, 20), assessed=(date(2024, 4, 1), date(2024, 12, 1)))

    found = verdict(designate_candidate(story, date(2025, 4, 20), policy=policy), EVERY_HALF_YEAR)
    assert found.outcome is Outcome.REFUSED  # the 4-1 assessment predates the filing anchor
    assert "2024年4月20日至2024年10月19日" in found.message


def test_art11_assessed_every_half_year_not_a_rule_under_1990_set() -> None:
    result = designate_candidate(activist(date(2010, 3, 10), assessed=()), date(2011, 3, 10))

    assert result.rule_set is RuleSetId.R1990
    assert EVERY_HALF_YEAR not in rules_in(result)
    assert result.allowed


# ------------------------------------------------------------------ 第十三条: 听取党小组、培养联系人、党员和群众意见


def test_art13_opinions_heard_before_designation_refuses_when_not_heard() -> None:
    found = assert_only_blocker(designate_candidate(activist(DESIGNATED), date(2025, 3, 10), opinions_heard=False),
                                OPINIONS)

    assert "尚未听取党小组、培养联系人、党员和群众的意见" in found.message


def test_art13_opinions_heard_before_designation_refuses_missing_evidence() -> None:
    result = designate_candidate(activist(DESIGNATED), date(2025, 3, 10), drop=("opinions_heard",))

    assert assert_only_blocker(result, OPINIONS).message.startswith("缺少材料")


def test_art13_refused_designation_lists_every_failing_rule() -> None:
    """Step 7 too early, with half-yearly 考察 missing and evidence missing: every rule is listed."""
    story = Story().then(Step.APPLICATION_SUBMITTED, date(2023, 12, 1)).then(Step.TALK_HELD, date(2023, 12, 8))
    story = story.then(Step.ACTIVIST_DESIGNATED, DESIGNATED).then(Step.LIAISONS_ASSIGNED, date(2024, 3, 17))
    # not filed with the 上级党委 (step 4), no 考察 record, on 2024-10-01, without opinions or meeting counts

    result = designate_candidate(story, date(2024, 10, 1), drop=("opinions_heard", "members", "present"))

    assert blocking_rules(result) == {
        "preceding_steps_recorded",
        ONE_YEAR,
        EVERY_HALF_YEAR,
        OPINIONS,
        "decision_meeting_quorate",
    }
    assert verdict(result, ONE_YEAR).allowed_from == date(2025, 3, 10)
    assert "上级党委备案" in verdict(result, "preceding_steps_recorded").message
    assert result.allowed_from is None  # missing evidence and a missing step are not a matter of time

    with pytest.raises(StepRefused) as refused:
        fire(Case(story.facts, story.status), Step.CANDIDATE_DESIGNATED, date(2024, 10, 1), {})
    assert len(refused.value.check.blocking) == 5
    assert str(refused.value).startswith("不能办理：5条规定不允许。")
    for n in range(1, 6):
        assert f"\n{n}. " in str(refused.value)


def test_art13_refused_for_time_only_gives_check_allowed_from() -> None:
    result = designate_candidate(activist(DESIGNATED), date(2024, 12, 31))

    assert blocking_rules(result) == {ONE_YEAR}
    assert result.allowed_from == date(2025, 3, 10)


# ------------------------------------------------------------------ 2026 第十三条: 上级党委同意


def file_candidate(designated: date, on: date, **changes: object):
    story = activist(add_months(designated, -13)).then(Step.CANDIDATE_DESIGNATED, designated)
    return attempt(story, Step.CANDIDATE_FILED, on, **changes)


def test_art13_2026_higher_committee_consented_refuses_without_consent() -> None:
    result = file_candidate(date(2026, 6, 1), date(2026, 6, 8), consented=False)

    found = assert_only_blocker(result, CONSENT)
    assert "上级党委尚未同意" in found.message
    assert found.citation.text == "《发展党员工作细则》（2026年修订）第十三条"
    assert found.citation.tag.value == "R26"


def test_art13_2026_higher_committee_consented_refuses_missing_consent() -> None:
    found = assert_only_blocker(file_candidate(date(2026, 6, 1), date(2026, 6, 8), drop=("consented",)), CONSENT)

    assert found.message == "缺少材料：「上级党委同意（2026年修订后须同意）」。"


def test_art13_2026_higher_committee_consented_passes_with_consent() -> None:
    result = file_candidate(date(2026, 6, 1), date(2026, 6, 8))

    assert verdict(result, CONSENT).outcome is Outcome.PASSED
    assert result.allowed


def test_art13_2014_filing_needs_no_consent() -> None:
    result = file_candidate(date(2025, 6, 1), date(2025, 6, 8), consented=False)

    assert CONSENT not in rules_in(result)
    assert result.allowed


# ------------------------------------------------------------------ 2026 第十三条: 公示不少于五个工作日


def awaiting_publicity(filed: date, policy: Policy = PIN_2026) -> Story:
    """A 发展对象 whose designation was consented to on ``filed``; the 公示 is not recorded yet."""
    return candidate(add_months(filed, -1), filed=filed, publicise=False, policy=policy)


def publicise(story: Story, on: date, posted: date, last: date | None = None, outcome: str = "no_objection"):
    return attempt(story, Step.CANDIDATE_PUBLICISED, on, **publicity_evidence(posted, last, outcome))


def test_art13_2026_publicity_lasts_five_workdays_counts_national_day_make_up_sunday() -> None:
    """Posted Fri 2025-09-26: 26, Sun 28 (调休), 29, 30, then 10-01..08 off, 10-09 is the fifth."""
    story = awaiting_publicity(date(2025, 9, 20))

    result = publicise(story, date(2025, 10, 10), posted=date(2025, 9, 26), last=date(2025, 10, 9))

    assert verdict(result, FIVE_WORKDAYS).outcome is Outcome.PASSED
    assert result.allowed


def test_art13_2026_publicity_lasts_five_workdays_refuses_ending_on_last_holiday() -> None:
    story = awaiting_publicity(date(2025, 9, 20))

    result = publicise(story, date(2025, 10, 9), posted=date(2025, 9, 26), last=date(2025, 10, 8))

    found = assert_only_blocker(result, FIVE_WORKDAYS)
    assert found.message == (
        "公示期2025年9月26日至2025年10月8日只有4个工作日，不少于五个工作日应至少到2025年10月9日。"
    )


def test_art13_2026_publicity_lasts_five_workdays_refuses_30_september_to_10_october() -> None:
    """9-30, 10-09, 10-10: three working days, though Monday–Friday would count nine."""
    story = awaiting_publicity(date(2025, 9, 20))

    found = verdict(publicise(story, date(2025, 10, 11), posted=date(2025, 9, 30), last=date(2025, 10, 10)),
                    FIVE_WORKDAYS)

    assert found.outcome is Outcome.REFUSED
    assert "只有3个工作日" in found.message
    assert "应至少到2025年10月13日" in found.message  # 10-11 is a 调休 Saturday: 9-30, 10-9, 10-10, 10-11, 10-13


@pytest.mark.parametrize(
    ("posted", "last", "outcome"),
    [
        (date(2025, 9, 30), date(2025, 10, 11), Outcome.REFUSED),  # four: ends on the 调休 Saturday
        (date(2025, 9, 30), date(2025, 10, 13), Outcome.PASSED),
        (date(2025, 9, 27), date(2025, 10, 9), Outcome.REFUSED),  # posted on a rest Saturday: not counted
        (date(2025, 9, 27), date(2025, 10, 10), Outcome.PASSED),
    ],
    ids=["art13-2026-publicity-30sep-11oct", "art13-2026-publicity-30sep-13oct",
         "art13-2026-publicity-posted-rest-saturday-9oct", "art13-2026-publicity-posted-rest-saturday-10oct"],
)
def test_art13_2026_publicity_lasts_five_workdays_national_day_boundaries(
    posted: date, last: date, outcome: Outcome
) -> None:
    story = awaiting_publicity(date(2025, 9, 20))

    found = verdict(publicise(story, day_after(last), posted=posted, last=last), FIVE_WORKDAYS)
    assert found.outcome is outcome


def test_art13_2026_publicity_lasts_five_workdays_dragon_boat_2026_under_rule_set_in_force() -> None:
    """Without pinning: a June 2026 公示 under the 2026.05 set; 2026-06-19 (端午) is not a working day."""
    story = awaiting_publicity(date(2026, 6, 12), policy=Policy())

    short = publicise(story, date(2026, 6, 20), posted=date(2026, 6, 15), last=date(2026, 6, 19))
    assert short.rule_set is RuleSetId.R2026
    assert "应至少到2026年6月22日" in assert_only_blocker(short, FIVE_WORKDAYS).message
    assert publicise(story, date(2026, 6, 23), posted=date(2026, 6, 15), last=date(2026, 6, 22)).allowed


def test_art13_2026_publicity_lasts_five_workdays_2027_not_loaded_is_refusal_not_crash() -> None:
    story = candidate(date(2027, 1, 4), publicise=False)  # filed 2027-01-11 under the 2026.05 set

    result = publicise(story, date(2027, 1, 20), posted=date(2027, 1, 11), last=date(2027, 1, 15))

    found = verdict(result, FIVE_WORKDAYS)
    assert found.outcome is Outcome.REFUSED
    assert found.severity is Severity.HARD
    assert found.message.startswith("尚未载入2027年节假日安排")
    assert not result.allowed


def test_art13_2026_publicity_lasts_five_workdays_across_new_year_met_within_loaded_year() -> None:
    """Posted Mon 2026-12-21: the five working days (12-21..12-25) all fall in 2026, whose arrangement is
    loaded, so the 公示 lasts at least five working days whatever the 2027 arrangement turns out to be.
    The guard counts every day up to 2027-01-04 first and refuses with "尚未载入2027年节假日安排"."""
    story = candidate(date(2026, 12, 7), publicise=False)  # consented 2026-12-14
    assert CAL.nth_workday(date(2026, 12, 21), 5) == date(2026, 12, 25)

    result = publicise(story, date(2027, 1, 5), posted=date(2026, 12, 21), last=date(2027, 1, 4))

    found = verdict(result, FIVE_WORKDAYS)
    assert found.outcome is Outcome.PASSED, found.message
    assert result.allowed


def test_art13_2026_publicity_over_before_listing_refuses_on_last_day() -> None:
    story = awaiting_publicity(date(2025, 6, 6))

    result = publicise(story, date(2025, 6, 13), posted=date(2025, 6, 9), last=date(2025, 6, 13))

    found = assert_only_blocker(result, OVER)
    assert found.allowed_from == date(2025, 6, 14)
    assert result.allowed_from == date(2025, 6, 14)
    assert found.message == "公示期至2025年6月13日才结束，2025年6月14日起方可确认公示结果。"
    assert publicise(story, date(2025, 6, 14), posted=date(2025, 6, 9), last=date(2025, 6, 13)).allowed


def test_art13_2026_publicity_result_allows_listing_refuses_affecting_outcome() -> None:
    story = awaiting_publicity(date(2025, 6, 6))

    result = publicise(story, date(2025, 6, 16), posted=date(2025, 6, 9), outcome="affecting")

    found = assert_only_blocker(result, RESULT)
    assert "影响发展入党" in found.message
    assert found.allowed_from is None


@pytest.mark.parametrize("outcome", ["no_objection", "not_affecting"])
def test_art13_2026_publicity_result_allows_listing_accepts_harmless_outcomes(outcome: str) -> None:
    story = awaiting_publicity(date(2025, 6, 6))

    result = publicise(story, date(2025, 6, 16), posted=date(2025, 6, 9), outcome=outcome)

    assert verdict(result, RESULT).outcome is Outcome.PASSED
    assert result.allowed


def test_art13_2026_publicity_after_consent_refuses_posting_before_consent() -> None:
    story = awaiting_publicity(date(2025, 9, 8))

    result = publicise(story, date(2025, 9, 15), posted=date(2025, 9, 5), last=date(2025, 9, 12))

    found = assert_only_blocker(result, AFTER_CONSENT)
    assert found.message == "公示开始日期（2025年9月5日）早于上级党委同意的日期（2025年9月8日）。"


def test_art13_2026_publicity_after_consent_accepts_posting_on_consent_day() -> None:
    story = awaiting_publicity(date(2025, 9, 8))

    result = publicise(story, date(2025, 9, 15), posted=date(2025, 9, 8), last=date(2025, 9, 12))

    assert verdict(result, AFTER_CONSENT).outcome is Outcome.PASSED
    assert result.allowed


def test_art13_2026_publicity_rules_do_not_apply_under_2014_set() -> None:
    story = awaiting_publicity(date(2025, 6, 6), policy=Policy())

    result = publicise(story, date(2025, 6, 13), posted=date(2025, 6, 9), last=date(2025, 6, 13), outcome="affecting")

    assert result.rule_set is RuleSetId.R2014
    assert not rules_in(result) & {AFTER_CONSENT, FIVE_WORKDAYS, OVER, RESULT}


# ------------------------------------------------------------------ 第十三条: 发展对象身份确立后才开展后续工作


AFTER_DESIGNATION = [Step.SPONSORS_ASSIGNED, Step.POLITICAL_REVIEW_PASSED, Step.TRAINING_COMPLETED]


@pytest.mark.parametrize("step", AFTER_DESIGNATION)
def test_art13_2026_candidate_status_established_refuses_without_publicity(step: Step) -> None:
    story = candidate(date(2026, 6, 1), publicise=False)  # consented 2026-06-08 under the 2026.05 set

    result = attempt(story, step, date(2026, 6, 20))

    found = assert_only_blocker(result, ESTABLISHED)
    assert found.message.startswith("上级党委同意后尚未完成不少于五个工作日的公示（「发展对象公示」）")
    assert found.citation.text == "《发展党员工作细则》（2026年修订）第十三条"


@pytest.mark.parametrize("step", AFTER_DESIGNATION)
def test_art13_2026_candidate_status_established_passes_after_publicity(step: Step) -> None:
    story = candidate(date(2026, 6, 1))  # 公示 2026-06-08..06-12, result recorded 06-13

    result = attempt(story, step, date(2026, 6, 20))

    assert verdict(result, ESTABLISHED).outcome is Outcome.PASSED
    assert result.allowed


def test_art13_2026_candidate_status_established_history_crossing_2026_05_18_needs_no_publicity() -> None:
    """Filed (备案) on 2026-05-10 under the 2014.06 set: no 公示 even though step 9 is in June 2026."""
    story = candidate(date(2026, 5, 3), filed=date(2026, 5, 10))
    assert story.facts.last(Step.CANDIDATE_FILED).rule_set is RuleSetId.R2014
    assert not story.facts.done(Step.CANDIDATE_PUBLICISED)

    result = attempt(story, Step.SPONSORS_ASSIGNED, date(2026, 6, 10))

    assert result.rule_set is RuleSetId.R2026
    assert verdict(result, ESTABLISHED).outcome is Outcome.PASSED
    assert result.allowed


def test_art13_2026_candidate_status_established_filing_on_2026_05_18_needs_publicity() -> None:
    story = candidate(date(2026, 5, 11), filed=date(2026, 5, 18), publicise=False)

    assert verdict(attempt(story, Step.SPONSORS_ASSIGNED, date(2026, 6, 10)), ESTABLISHED).outcome is Outcome.REFUSED


def test_art13_candidate_status_established_refuses_unfiled_candidate_under_2014() -> None:
    result = attempt(candidate(date(2025, 3, 1)).without(Step.CANDIDATE_FILED), Step.SPONSORS_ASSIGNED, date(2025, 3, 20))

    found = assert_only_blocker(result, ESTABLISHED)
    assert "尚未报上级党委备案" in found.message
    assert found.citation.text == "《发展党员工作细则》第十三条"


def test_art13_candidate_status_established_unfiled_candidate_passes_under_1990() -> None:
    result = attempt(candidate(date(2011, 3, 1)).without(Step.CANDIDATE_FILED), Step.SPONSORS_ASSIGNED, date(2011, 3, 20))

    assert result.rule_set is RuleSetId.R1990
    assert verdict(result, ESTABLISHED).outcome is Outcome.PASSED
    assert result.allowed


# ------------------------------------------------------------------ 第十四条 / 党章第五条: 两名正式党员作入党介绍人


def assign_sponsors(*sponsors: Person):
    return attempt(candidate(date(2025, 3, 1)), Step.SPONSORS_ASSIGNED, date(2025, 3, 20), sponsors=sponsors)


def test_art14_two_full_members_sponsor_accepts_two_full_members() -> None:
    result = assign_sponsors(full("刘洋"), full("赵敏"))

    found = verdict(result, SPONSORS)
    assert found.outcome is Outcome.PASSED
    assert found.citation.text == "《发展党员工作细则》第十四条"
    assert result.allowed


@pytest.mark.parametrize(
    "names", [("刘洋",), ("刘洋", "赵敏", "钱坤")], ids=["art14-one-sponsor", "art14-three-sponsors"]
)
def test_art14_two_full_members_sponsor_refuses_other_than_two(names: tuple[str, ...]) -> None:
    found = assert_only_blocker(assign_sponsors(*[full(n) for n in names]), SPONSORS)

    assert f"入党介绍人应为两名，现为{len(names)}名" in found.message


@pytest.mark.parametrize(
    ("sponsor", "label"),
    [
        (probationary_member("周婷"), "预备党员"),
        (sanctioned("周婷"), "受留党察看处分的党员"),
        (Person("周婷", Standing.RIGHTS_SUSPENDED), "被中止党员权利的党员"),
    ],
    ids=["art14-probationary-sponsor", "art14-sanctioned-sponsor", "art14-suspended-sponsor"],
)
def test_art14_two_full_members_sponsor_refuses_non_full_member_by_name(sponsor: Person, label: str) -> None:
    found = assert_only_blocker(assign_sponsors(full("刘洋"), sponsor), SPONSORS)

    assert found.message == f"周婷是{label}，不能作入党介绍人。"


def test_art14_two_full_members_sponsor_refuses_same_person_twice() -> None:
    found = assert_only_blocker(assign_sponsors(full("刘洋"), full("刘洋")), SPONSORS)

    assert "同一人不能重复作入党介绍人" in found.message


def test_art14_two_full_members_sponsor_lists_every_problem() -> None:
    found = verdict(assign_sponsors(probationary_member("周婷")), SPONSORS)

    assert found.message == "入党介绍人应为两名，现为1名；周婷是预备党员，不能作入党介绍人。"


# ------------------------------------------------------------------ 第十五至十七条: 政治审查形成结论性材料


def test_art15_review_concluded_in_writing_passes_with_conclusion() -> None:
    result = attempt(candidate(date(2025, 3, 1)), Step.POLITICAL_REVIEW_PASSED, date(2025, 4, 1))

    found = verdict(result, REVIEW)
    assert found.outcome is Outcome.PASSED
    assert found.citation.text == "《发展党员工作细则》第十五条至第十七条"
    assert found.citation.tag.value == "W"


def test_art15_review_concluded_in_writing_refuses_blank_conclusion() -> None:
    result = attempt(candidate(date(2025, 3, 1)), Step.POLITICAL_REVIEW_PASSED, date(2025, 4, 1), conclusion="   ")

    assert assert_only_blocker(result, REVIEW).message == "政治审查未形成结论性材料。"


def test_art15_review_concluded_in_writing_refuses_missing_conclusion() -> None:
    result = attempt(candidate(date(2025, 3, 1)), Step.POLITICAL_REVIEW_PASSED, date(2025, 4, 1),
                     drop=("conclusion",))

    assert assert_only_blocker(result, REVIEW).message.startswith("缺少材料")


def test_art15_review_concluded_in_writing_also_governs_failed_review() -> None:
    story = candidate(date(2025, 3, 1))

    assert attempt(story, Step.POLITICAL_REVIEW_FAILED, date(2025, 4, 1)).allowed
    refused = attempt(story, Step.POLITICAL_REVIEW_FAILED, date(2025, 4, 1), conclusion="")
    assert blocking_rules(refused) == {REVIEW}


def test_art16_2026_review_concluded_in_writing_cites_2026_article() -> None:
    found = verdict(attempt(candidate(date(2026, 6, 1)), Step.POLITICAL_REVIEW_PASSED, date(2026, 7, 1),
                            conclusion=" "), REVIEW)

    assert found.outcome is Outcome.REFUSED
    assert found.citation.text == "《发展党员工作细则》（2026年修订）第十六条"


# ------------------------------------------------------------------ 第十八条: 集中培训三天或二十四学时（一般）


def train(override: object = None, **changes: object):
    return attempt(candidate(date(2025, 3, 1)), Step.TRAINING_COMPLETED, date(2025, 4, 1), override=override,
                   **changes)


@pytest.mark.parametrize(
    ("days", "hours"),
    [(3, 0), (2, 24), (0, 24), (3, 24), (3.0, 23.5)],
    ids=["art18-three-days", "art18-two-days-24-hours", "art18-24-hours-only", "art18-both", "art18-three-days-float"],
)
def test_art18_trained_three_days_or_24_hours_either_condition_suffices(days: float, hours: float) -> None:
    result = train(days=days, hours=hours)

    assert verdict(result, TRAINING).outcome is Outcome.PASSED
    assert result.allowed


@pytest.mark.parametrize(
    ("days", "hours", "words"),
    [(2, 23, "集中培训2天、23学时"), (2.5, 23.5, "集中培训2.5天、23.5学时"), (None, None, "集中培训0天、0学时")],
    ids=["art18-two-days-23-hours", "art18-fractions", "art18-not-trained"],
)
def test_art18_trained_three_days_or_24_hours_short_training_needs_override(
    days: float | None, hours: float | None, words: str
) -> None:
    result = train(days=days, hours=hours)

    found = assert_only_blocker(result, TRAINING, Outcome.NEEDS_OVERRIDE)
    assert found.severity is Severity.SOFT
    assert words in found.message
    assert "不足三天且不足二十四学时" in found.message
    assert "如属特殊情况，须写明理由并由有权限的负责人特批。" in found.sentence()
    assert not result.allowed


def test_art18_trained_three_days_or_24_hours_override_lets_short_training_through() -> None:
    result = train(override=OVERRIDE, days=2, hours=16)

    found = verdict(result, TRAINING)
    assert found.outcome is Outcome.OVERRIDDEN
    assert result.allowed
    assert result.overridden == (found,)
    assert result.violations == ()


def test_art18_override_does_not_lift_hard_rules() -> None:
    story = candidate(date(2026, 6, 1), publicise=False)

    result = attempt(story, Step.TRAINING_COMPLETED, date(2026, 7, 1), override=OVERRIDE, days=1, hours=8)

    assert verdict(result, TRAINING).outcome is Outcome.OVERRIDDEN
    assert verdict(result, ESTABLISHED).outcome is Outcome.REFUSED
    assert not result.allowed


def test_art17_2026_trained_three_days_or_24_hours_cites_2026_article() -> None:
    found = verdict(attempt(candidate(date(2026, 6, 1)), Step.TRAINING_COMPLETED, date(2026, 7, 1), days=1, hours=1),
                    TRAINING)

    assert found.outcome is Outcome.NEEDS_OVERRIDE
    assert found.citation.text == "《发展党员工作细则》（2026年修订）第十七条"
