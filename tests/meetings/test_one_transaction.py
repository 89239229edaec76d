"""Deciding an item is ONE transaction, and a refused agenda item leaves its refused attempt (issue 12 item 4).

The failure in the middle of a decision is real: a database trigger refuses the item's update after the step has
been written in the same transaction, on SQLite and on PostgreSQL alike. Nothing of the step may survive.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from tests.meetings import world
from tests.meetings.test_meetings import admission_item, item, vote
from tests.meetings.world import ADMISSION_DAY, BRANCH_MEMBERS, SECRETARY, events
from tests.workflow.records_world import dump
from workflow import meetings
from workflow.clock import FixedClock
from workflow.meetings import MeetingRefused


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock.on(ADMISSION_DAY)


def _refuse_item_decisions(engine: Engine) -> None:
    """A trigger that aborts any agenda item being marked passed: the failure happens after the step is written."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("CREATE TRIGGER no_decision BEFORE UPDATE OF result ON agenda_items "
                              "WHEN NEW.result = 'passed' BEGIN SELECT RAISE(ABORT, 'decision blocked'); END"))
        else:
            conn.execute(text("CREATE FUNCTION no_decision() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                              "RAISE EXCEPTION 'decision blocked'; END $$"))
            conn.execute(text("CREATE TRIGGER no_decision BEFORE UPDATE ON agenda_items FOR EACH ROW "
                              "WHEN (NEW.result = 'passed') EXECUTE FUNCTION no_decision()"))


def _allow_item_decisions(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER no_decision" if engine.dialect.name == "sqlite"
                          else "DROP TRIGGER no_decision ON agenda_items"))


def test_a_failure_after_the_step_is_written_leaves_the_item_undecided_and_decidable(
        engine: Engine, clock: FixedClock) -> None:
    world.build(engine, clock)
    _, item_id = admission_item(engine, clock, BRANCH_MEMBERS[:7])
    vote(engine, clock, item_id, yes=6, abstain=1)
    before, trail = dump(engine), len(events(engine))
    _refuse_item_decisions(engine)
    with pytest.raises(DBAPIError, match="decision blocked"):
        meetings.decide_item(engine, clock, SECRETARY, item_id)
    _allow_item_decisions(engine)
    assert dump(engine) == before  # no step record, no status change, no version bump
    assert len(events(engine)) == trail  # and no step_recorded event without its meeting_item_passed
    decided = meetings.decide_item(engine, clock, SECRETARY, item_id)
    assert decided.passed and item(engine, item_id)["result"] == "passed"
    kinds = [e["kind"] for e in events(engine)[trail:]]
    assert kinds == ["step_recorded", "meeting_item_passed"]
    assert events(engine, "meeting_item_passed")[-1]["payload"]["step_record_id"] == item(engine, item_id)[
        "step_record_id"]


def test_art21_two_applicants_on_one_item_are_refused_and_the_attempt_is_logged(
        engine: Engine, clock: FixedClock) -> None:
    world.build(engine, clock)
    first, item_id = admission_item(engine, clock, BRANCH_MEMBERS[:7])
    second = world.applicant(engine, clock, "张华")
    meeting_id = item(engine, item_id)["meeting_id"]
    before = dump(engine)
    with pytest.raises(MeetingRefused, match="一个议题只能涉及一名申请人（收到2名）.*逐个讨论和表决"):
        meetings.add_item(engine, clock, SECRETARY, meeting_id, [first, second], "接收预备党员")
    assert dump(engine) == before
    refused = events(engine)[-1]
    assert refused["kind"] == "meeting_refused"
    assert refused["payload"]["action"] == "add_item" and refused["payload"]["case_id"] == [first, second]
    # One applicant in a list is an ordinary item.
    assert meetings.add_item(engine, clock, SECRETARY, meeting_id, [second], "接收预备党员") > item_id
