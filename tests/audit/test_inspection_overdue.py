"""The 巡察 report lists open overdue steps: a case whose next step is past its latest date as of the report's end
is a finding 时间不足或超期 with its article (细则第七条: the talk within one month of the application)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from tests.meetings import world
from tests.meetings.world import BEFORE_MEETING, SECRETARY
from workflow import inspection, services
from workflow.clock import FixedClock

RECEIVED = BEFORE_MEETING[0][1]  # 2024-03-04: the talk is due by 2024-04-04 (one month)
TALK_DUE = date(2024, 4, 4)


def _overdue(engine: Engine, end: date | None, today: date | None = None) -> list[inspection.Finding]:
    with engine.connect() as conn:
        found = inspection.report(conn, organisation="某大学党委", start=None, end=end, today=today)
    return [f for f in found.findings if "逾期未办" in f.what]


def test_an_open_step_past_its_latest_date_is_a_finding_from_the_day_after(engine: Engine) -> None:
    clock = FixedClock.on(world.ADMISSION_DAY)
    world.build(engine, clock)
    li = world.applicant(engine, clock, "李明", history=BEFORE_MEETING[:1])
    assert _overdue(engine, TALK_DUE) == []  # the last allowed day: not yet overdue
    [late] = _overdue(engine, TALK_DUE.replace(day=5))
    assert (late.category, late.case_id, late.applicant, late.on) == ("时间不足或超期", li, "李明", TALK_DUE)
    assert late.article == "《发展党员工作细则》第七条" and "已逾期1天" in late.what and "谈话" in late.what
    assert [f.case_id for f in _overdue(engine, None, today=date(2024, 6, 1))] == [li]  # a running period: today
    assert _overdue(engine, None) == []  # no day to judge by: nothing claimed


def test_a_step_done_after_the_end_still_counts_as_open_on_that_day(engine: Engine) -> None:
    clock = FixedClock.on(world.ADMISSION_DAY)
    world.build(engine, clock)
    li = world.applicant(engine, clock, "李明", history=BEFORE_MEETING[:1])
    talk = world.request("talk_held", date(2024, 5, 6), {"talker": "支部书记 陈静"})
    services.advance(engine, clock, SECRETARY, li, talk)  # late: recorded with its violation
    assert [f.on for f in _overdue(engine, date(2024, 5, 5))] == [TALK_DUE]
    assert _overdue(engine, date(2024, 5, 6)) == []  # done that day: the lateness is the step's violation now
    with engine.connect() as conn:
        later = inspection.report(conn, organisation=None, start=None, end=date(2024, 5, 6))
    assert any(f.category == "时间不足或超期" and f.case_id == li and "逾期未办" not in f.what for f in later.findings)
