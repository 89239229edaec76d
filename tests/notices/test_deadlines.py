"""Which notices the facts call for, and on which days: pure, no database (notices/deadlines.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from notices.config import NoticeConfig
from notices.deadlines import Audience, DueNotice, NoticeKind, due_notices, notice_key, notice_name, parse_key
from states.facts import ApplicantFacts
from states.rulesets import Policy
from states.steps import Status, Step
from tests.builders import run_history
from tests.notices.histories import (
    ACTIVIST,
    APPLIED,
    CONSENTED_2026,
    PRE_REVIEWED_2026,
    PROBATIONARY,
    RESOLVED_2014,
)

T, A, E = NoticeKind.TALK_REMINDER, NoticeKind.ASSESSMENT_REMINDER, NoticeKind.OVERDUE_ESCALATION


def facts_of(history: list, **policy: object) -> ApplicantFacts:
    return run_history(history, policy=Policy(**policy)).facts  # type: ignore[arg-type]


def schedule(notices: list[DueNotice]) -> list[tuple[str, date, date]]:
    return [(notice_name(n.key, n.offset), n.due_on, n.send_on) for n in notices]


def of_kind(notices: list[DueNotice], kind: NoticeKind) -> list[DueNotice]:
    return [n for n in notices if n.kind is kind or n.topic is kind]


def test_talk_within_one_month_of_receipt_month_end_is_clamped() -> None:
    """Received 31 January: the month ends on 28 February (§3 item 3), reminders at -7, 0, +1, escalation at +7."""
    found = due_notices(facts_of(APPLIED), date(2025, 1, 31))
    assert schedule(found) == [
        ("talk_reminder@-7", date(2025, 2, 28), date(2025, 2, 21)),
        ("talk_reminder@+0", date(2025, 2, 28), date(2025, 2, 28)),
        ("talk_reminder@+1", date(2025, 2, 28), date(2025, 3, 1)),
        ("overdue_escalation:talk_reminder", date(2025, 2, 28), date(2025, 3, 7)),
    ]
    assert found[0].audience == (Audience.BRANCH_LEADERS,)
    assert found[-1].audience == (Audience.HIGHER_LEADERS,) and found[-1].detail["anchor_on"] == date(2025, 1, 31)


def test_offsets_and_escalation_are_configuration() -> None:
    config = NoticeConfig(offsets=(-14, -3, 0), escalate_after_days=10)
    found = due_notices(facts_of(APPLIED), date(2025, 2, 1), config)
    assert [n.send_on for n in found] == [date(2025, 2, 14), date(2025, 2, 25), date(2025, 2, 28), date(2025, 3, 10)]


def test_talk_reminders_stop_once_the_talk_is_held() -> None:
    history = [*APPLIED, ("talk_held", date(2025, 2, 10), {"talker": "陈静"})]
    assert due_notices(facts_of(history), date(2025, 2, 10)) == []


def test_assessment_every_half_year_from_designation_then_from_the_last_assessment() -> None:
    found = of_kind(due_notices(facts_of(ACTIVIST), date(2024, 7, 1)), A)
    assert {n.due_on for n in found} == {date(2024, 12, 14)}
    assert found[0].audience == (Audience.BRANCH_LEADERS, Audience.LIAISONS)
    assessed = [*ACTIVIST, ("activist_assessed", date(2024, 12, 10), {})]
    assert {n.due_on for n in of_kind(due_notices(facts_of(assessed), date(2024, 12, 10)), A)} == {date(2025, 6, 10)}


@pytest.mark.parametrize(("strict", "eligible"), [(False, date(2025, 6, 14)), (True, date(2025, 6, 15))],
                         ids=["anniversary", "strict-day-after"])
def test_candidate_eligible_on_the_anniversary_of_designation(strict: bool, eligible: date) -> None:
    found = of_kind(due_notices(facts_of(ACTIVIST), date(2024, 7, 1), policy=Policy(strict_minimums=strict)),
                    NoticeKind.CANDIDATE_ELIGIBLE)
    assert schedule(found) == [("candidate_eligible@-7", eligible, eligible - timedelta(days=7)),
                               ("candidate_eligible@+0", eligible, eligible)]


def test_notices_do_not_depend_on_how_far_today_has_moved() -> None:
    """The outbox recognises a notice by its key: the same facts give the same notices on every later day."""
    facts = facts_of(ACTIVIST)
    first = schedule(due_notices(facts, date(2024, 7, 1)))
    for day in (date(2024, 12, 14), date(2024, 12, 30), date(2025, 6, 14), date(2025, 9, 1)):
        assert schedule(due_notices(facts, day)) == first


def test_approval_within_three_months_and_six_at_most() -> None:
    found = of_kind(due_notices(facts_of(RESOLVED_2014), date(2025, 12, 26)), NoticeKind.APPROVAL_WARNING)
    by_limit = {n.detail["limit_months"]: n.due_on for n in found if n.kind is NoticeKind.APPROVAL_WARNING}
    assert by_limit == {3: date(2026, 3, 12), 6: date(2026, 6, 12)}
    assert all(n.audience == (Audience.HIGHER_ORGANISER,) for n in found if n.kind is NoticeKind.APPROVAL_WARNING)
    escalations = [n for n in found if n.kind is E]
    assert [(n.due_on, n.send_on) for n in escalations] == [(date(2026, 3, 12), date(2026, 3, 19)),
                                                           (date(2026, 6, 12), date(2026, 6, 19))]


def test_probation_end_and_the_confirmation_discussion() -> None:
    found = of_kind(due_notices(facts_of(PROBATIONARY), date(2026, 1, 16)), NoticeKind.PROBATION_ENDING)
    assert schedule(found) == [
        ("probation_ending@-30", date(2026, 12, 12), date(2026, 11, 12)),
        ("probation_ending@-7", date(2026, 12, 12), date(2026, 12, 5)),
        ("probation_ending@+0", date(2026, 12, 12), date(2026, 12, 12)),
        ("overdue_escalation:probation_ending", date(2026, 12, 12), date(2027, 1, 11)),
    ]
    assert found[0].detail["last_day"] == date(2026, 12, 11)


def test_an_extended_probation_moves_the_notices() -> None:
    extended = [*PROBATIONARY, ("confirmation_requested", date(2026, 11, 20), {"in_writing": "是"}),
                ("probation_extended", date(2026, 12, 20), {"months": "6", "tally": "应到=5,实到=5,赞成=4,方式=无记名"})]
    found = of_kind(due_notices(facts_of(extended), date(2026, 12, 20)), NoticeKind.PROBATION_ENDING)
    assert {n.due_on for n in found} == {date(2027, 6, 12)}
    assert found[0].detail["extended_months"] == 6 and found[0].detail["requested"] is True


def test_2026_publicity_counts_working_days_across_mid_autumn_and_national_day() -> None:
    notices = due_notices(facts_of(CONSENTED_2026), date(2026, 9, 24))
    publicity = {n.kind: n for n in notices if n.step is Step.CANDIDATE_PUBLICISED}
    posted = publicity[NoticeKind.PUBLICITY_NOTICE]
    assert (posted.send_on, posted.detail["start_on"], posted.detail["end_on"]) == (
        date(2026, 9, 24), date(2026, 9, 28), date(2026, 10, 9))  # 9-28, 9-29, 9-30, 10-8, 10-9
    ended = publicity[NoticeKind.PUBLICITY_ENDED]
    assert (ended.due_on, ended.send_on) == (date(2026, 10, 10), date(2026, 10, 10))


def test_2026_meeting_within_one_month_of_pre_review() -> None:
    found = of_kind(due_notices(facts_of(PRE_REVIEWED_2026), date(2026, 11, 2)), NoticeKind.ADMISSION_MEETING_DUE)
    assert [(notice_name(n.key, n.offset), n.due_on) for n in found] == [
        ("admission_meeting_due@-7", date(2026, 12, 2)), ("admission_meeting_due@+0", date(2026, 12, 2)),
        ("admission_meeting_due@+1", date(2026, 12, 2)), ("overdue_escalation:admission_meeting_due", date(2026, 12, 2))]
    assert not of_kind(due_notices(facts_of(PRE_REVIEWED_2026), date(2026, 11, 2), policy=Policy(enforce_r26=False)),
                       NoticeKind.ADMISSION_MEETING_DUE)


def test_a_2026_duty_never_falls_due_before_the_2026_text() -> None:
    """Approved 2026-01-16: the reported one-month oath rule would have fallen due before 2026-05-18."""
    assert not of_kind(due_notices(facts_of(PROBATIONARY), date(2026, 6, 1)), NoticeKind.OATH_REMINDER)


def test_2014_rules_know_no_publicity_meeting_deadline_or_oath_deadline() -> None:
    kinds = {n.kind for n in due_notices(facts_of(RESOLVED_2014), date(2025, 12, 26))}
    assert kinds == {NoticeKind.APPROVAL_WARNING, E}


@pytest.mark.parametrize("status", [Status.WITHDRAWN, Status.FULL_MEMBER, Status.NOT_ADMITTED, Status.NEW])
def test_closed_or_unopened_cases_call_for_nothing(status: Status) -> None:
    assert due_notices(replace(facts_of(APPLIED), status=status), date(2025, 2, 1)) == []


def test_every_key_parses_back() -> None:
    found = [n for h, day in ((APPLIED, date(2025, 2, 1)), (ACTIVIST, date(2024, 7, 1)),
                              (PROBATIONARY, date(2026, 1, 16)), (CONSENTED_2026, date(2026, 9, 24)))
             for n in due_notices(facts_of(h), day)]
    assert {parse_key(notice_key(n.kind, n.offset, n.topic)) for n in found} == {(n.kind, n.offset, n.topic)
                                                                                 for n in found}
    assert not any("@" in n.key for n in found)  # the outbox keeps the offset in its own column
