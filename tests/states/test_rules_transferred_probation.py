"""Rules for a transferred 预备党员 (N27), through ``states.engine.check``: 转出/转入审查, 推迟讨论转正 at 预备期满
and not beyond six months, the six-month flag on a late 转正 meeting, and 党龄 from 预备期满之日. Each test names
its article (test_art32_…: N27 is cited as 第三十二条 (2014) / 第三十一条 (2026) with its number awaiting confirmation).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from states.engine import check, plan
from states.paths import membership_dates
from states.rulesets import DEFAULT_POLICY, RuleSetId
from states.steps import Status, Step
from states.verdicts import Outcome
from tests.states.builders import (
    Story,
    assert_only_blocker,
    attempt,
    day_after,
    day_before,
    probationary,
    verdict,
)

MEETING = date(2025, 3, 10)  # the 支部大会 that admitted the 预备党员
PROBATION_END = date(2026, 3, 10)  # 预备期满 (党章第七条: one year from the meeting)
SIX_MONTHS = date(2026, 9, 10)  # last day of 推迟…不超过6个月 (inclusive, §3 item 3)
N27_2014 = "《发展党员工作细则》第三十二条（转入的预备党员可推迟讨论转正"
N27_2026 = "《发展党员工作细则》（2026年修订）第三十一条（转入的预备党员可推迟讨论转正"
OUT = {"to_organisation": "数学学院党支部", "materials_transferred": True}
REVIEW = {"reviewed_by": "周敏", "reason": "入党志愿书和考察材料齐全"}
POSTPONE = "confirmation_postponed"


def sent(on: date = date(2025, 11, 3)) -> Story:
    return probationary(MEETING).then(Step.PROBATIONARY_TRANSFERRED, on, **OUT)


def transferred(reviewed: date = date(2025, 11, 17)) -> Story:
    return sent().then(Step.PROBATIONARY_TRANSFER_RECEIVED, reviewed, **REVIEW)


def postpone(story: Story, on: date, until: date, reason: str = "转入时间短，需进一步考察") -> object:
    return attempt(story, Step.CONFIRMATION_POSTPONED, on, until=until, reason=reason)


def confirm(story: Story, on: date) -> object:
    return attempt(story, Step.CONFIRMATION_RESOLVED, on)


# ------------------------------------------------------------------ 转出 and 转接中 (N27)


def test_art32_n27_probationary_materials_handed_over_both_sides() -> None:
    story = probationary(MEETING)
    handed = attempt(story, Step.PROBATIONARY_TRANSFERRED, date(2025, 11, 3), **OUT)
    kept = attempt(story, Step.PROBATIONARY_TRANSFERRED, date(2025, 11, 3), **{**OUT, "materials_transferred": False})

    assert handed.allowed
    found = assert_only_blocker(kept, "probationary_materials_handed_over")
    assert found.citation.text.startswith(N27_2014)


def test_art32_n27_probationary_case_in_transfer_refuses_other_steps_citing_n27() -> None:
    refused = attempt(sent(), Step.PROBATION_ASSESSED, date(2025, 11, 10))

    found = assert_only_blocker(refused, "not_in_transfer")
    assert found.citation.text.startswith(N27_2014)
    assert "数学学院党支部" in found.message
    assert attempt(transferred(), Step.PROBATION_ASSESSED, date(2025, 11, 20)).allowed  # 继续教育考察


def test_art32_n27_planner_offers_only_the_probationary_review_while_in_transfer() -> None:
    upcoming = plan(sent().facts, date(2025, 11, 10))

    assert [n.spec.step for n in upcoming if n.possible_now] == [Step.PROBATIONARY_TRANSFER_RECEIVED]


def test_art32_n27_probationary_review_not_before_the_transfer_and_gives_reason() -> None:
    early = attempt(sent(), Step.PROBATIONARY_TRANSFER_RECEIVED, day_before(date(2025, 11, 3)), **REVIEW)
    on_the_day = attempt(sent(), Step.PROBATIONARY_TRANSFER_RECEIVED, date(2025, 11, 3), **REVIEW)
    no_reason = attempt(sent(), Step.PROBATIONARY_TRANSFER_RECEIVED, date(2025, 11, 3), **{**REVIEW, "reason": " "})

    assert "transfer_is_pending" in {v.rule for v in early.blocking}
    assert on_the_day.allowed
    assert_only_blocker(no_reason, "transfer_review_gives_reason")


# ------------------------------------------------------------------ 推迟讨论转正 (N27): only transferred, at 预备期满, ≤ 6 months


def test_art32_n27_postponement_at_probation_end_both_sides() -> None:
    before = postpone(transferred(), day_before(PROBATION_END), SIX_MONTHS)
    on_the_day = postpone(transferred(), PROBATION_END, SIX_MONTHS)

    found = assert_only_blocker(before, "postponement_at_probation_end")
    assert found.allowed_from == PROBATION_END
    assert on_the_day.allowed
    assert verdict(on_the_day, "postponement_at_probation_end").citation.text.startswith(N27_2014)  # before 2026-05-18


def test_art32_n27_postponement_within_six_months_both_sides() -> None:
    last_day = postpone(transferred(), PROBATION_END, SIX_MONTHS)
    day_after_six = postpone(transferred(), PROBATION_END, day_after(SIX_MONTHS))

    assert last_day.allowed
    found = assert_only_blocker(day_after_six, "postponement_within_six_months")
    assert "最迟推迟到2026年9月10日" in found.message


def test_art32_n27_postponement_for_transferred_member_only() -> None:
    own_member = postpone(probationary(MEETING), PROBATION_END, SIX_MONTHS)

    found = assert_only_blocker(own_member, "postponement_for_transferred_member")
    assert "转入的预备党员" in found.message


def test_art32_n27_postponement_reason_given_required() -> None:
    assert_only_blocker(postpone(transferred(), PROBATION_END, SIX_MONTHS, reason="  "), "postponement_reason_given")


def test_art32_n27_postponement_refused_once_the_confirmation_was_discussed() -> None:
    discussed = transferred().then(Step.CONFIRMATION_RESOLVED, PROBATION_END)

    assert "postponement_at_probation_end" in {v.rule for v in postpone(discussed, PROBATION_END, SIX_MONTHS).blocking}


# ------------------------------------------------------------------ 转正 meeting more than six months after 预备期满 (N27)


@pytest.mark.parametrize(("on", "violated"), [(SIX_MONTHS, False), (day_after(SIX_MONTHS), True)],
                         ids=["n27-last-day", "n27-day-after"])
def test_art32_n27_transferred_confirmation_within_six_months_flags_not_refuses(on: date, violated: bool) -> None:
    story = transferred().then(Step.CONFIRMATION_POSTPONED, PROBATION_END, until=SIX_MONTHS, reason="需进一步考察")

    result = confirm(story, on)

    found = verdict(result, "transferred_confirmation_within_six_months")
    assert result.allowed  # it happened: the meeting stands, the breach is on record
    assert (found.outcome is Outcome.VIOLATED) is violated and found.grave is violated
    assert found.due_by == SIX_MONTHS
    assert found.citation.text.startswith(N27_2026)


def test_art32_n27_six_month_flag_applies_to_transferred_members_only() -> None:
    assert verdict(confirm(probationary(MEETING), day_after(SIX_MONTHS)),
                   "transferred_confirmation_within_six_months").outcome is Outcome.PASSED


def test_art32_n27_postponement_does_not_let_the_meeting_come_early() -> None:
    """党章第七条: the 转正 meeting still waits for 预备期满; a postponement only moves it later."""
    result = confirm(transferred(), day_before(PROBATION_END))

    assert_only_blocker(result, "probation_period_complete")


def test_art32_n27_party_age_still_counts_from_probation_end_after_a_postponement() -> None:
    story = (transferred()
             .then(Step.CONFIRMATION_POSTPONED, PROBATION_END, until=date(2026, 8, 1), reason="需进一步考察")
             .then(Step.CONFIRMATION_RESOLVED, date(2026, 8, 3))
             .then(Step.CONFIRMATION_APPROVED, date(2026, 9, 1)))
    story = Story(story.policy, story.birth_date, story.branch_has_committee, story.records, Status.FULL_MEMBER)

    dates = membership_dates(story.facts, DEFAULT_POLICY)

    assert dates is not None
    assert dates.party_age_from == PROBATION_END
    assert dates.probation_until == PROBATION_END - timedelta(days=1)


def test_art32_n27_citation_follows_the_rule_set_of_the_act() -> None:
    under_2014 = check(Step.PROBATIONARY_TRANSFERRED, probationary(MEETING).facts, date(2025, 11, 3),
                       {**OUT, "materials_transferred": False})

    assert under_2014.rule_set is RuleSetId.R2014
    assert verdict(under_2014, "probationary_materials_handed_over").citation.text.startswith(N27_2014)
