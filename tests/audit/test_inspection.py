"""Issue 12, item 5: the 巡察 report's meeting findings — refused show of hands and combined items, late opinions."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from states.attendance import Ballots
from states.votes import VotingMethod
from tests.audit import world
from tests.meetings import world as meetings_world
from tests.meetings.world import ADMISSION_DAY, BRANCH, SECRETARY
from workflow import inspection, meetings
from workflow.clock import FixedClock
from workflow.errors import FazhanError


@pytest.fixture
def clock() -> FixedClock:
    return world.clock()


def _report(engine: Engine, **options: object) -> inspection.InspectionReport:
    with engine.connect() as conn:
        return inspection.report(conn, **{"organisation": None, "start": None, "end": None, **options})  # type: ignore[arg-type]


def test_refused_meeting_acts_are_findings_with_their_category_and_article(engine: Engine, clock: FixedClock) -> None:
    meetings_world.build(engine, clock)
    li = meetings_world.applicant(engine, clock, "李明")
    zhang = meetings_world.applicant(engine, clock, "张华")
    meeting_id = meetings.open_meeting(engine, clock, SECRETARY, organisation=BRANCH, kind="党员大会",
                                       held_on=ADMISSION_DAY).meeting_id
    meetings.record_attendance(engine, clock, SECRETARY, meeting_id, meetings_world.BRANCH_MEMBERS[:8])
    with pytest.raises(meetings.MeetingRefused):
        meetings.add_item(engine, clock, SECRETARY, meeting_id, [li, zhang], "接收预备党员")
    item_id = meetings.add_item(engine, clock, SECRETARY, meeting_id, li, "接收预备党员")
    meetings.record_discussion(engine, clock, SECRETARY, item_id, "对该同志逐个进行了讨论。")
    with pytest.raises(meetings.MeetingRefused):
        meetings.record_ballot(engine, clock, SECRETARY, item_id, Ballots(7, 1, 0, 0, VotingMethod.SHOW_OF_HANDS))
    found = _report(engine, organisation="某大学党委")
    refused = [f for f in found.findings if f.what.startswith("被系统拒绝的会议操作")]
    assert [f.category for f in refused] == ["未逐一表决", "非无记名投票"]
    assert all(f.article == inspection.VOTE_ARTICLE for f in refused)
    assert refused[1].case_id == li and refused[1].applicant == "李明" and refused[1].on == ADMISSION_DAY
    assert found.counts()["非无记名投票"] == 1 and found.counts()["未逐一表决"] == 1
    # Outside the period, or outside the subtree, they are not listed.
    assert not [f for f in _report(engine, end=date(2025, 12, 11)).findings if f.what.startswith("被系统拒绝")]
    assert _report(engine, organisation=BRANCH).counts()["非无记名投票"] == 1


def test_a_period_that_ends_before_it_starts_is_refused_in_chinese(engine: Engine) -> None:
    with pytest.raises(FazhanError, match="起始日期2026-01-01晚于截止日期2025-01-01"):
        _report(engine, start=date(2026, 1, 1), end=date(2025, 1, 1))

