"""A trail worth attacking: the meetings world with 李明 admitted at a branch general meeting by secret ballot."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text

from states.attendance import Ballots
from states.votes import VotingMethod
from tests.meetings import world
from tests.meetings.world import ADMISSION_DAY, BRANCH, BRANCH_MEMBERS, SECRETARY
from workflow import meetings, replay
from workflow.clock import FixedClock


def clock() -> FixedClock:
    return FixedClock.on(ADMISSION_DAY)


def admitted(engine: Engine, clock: FixedClock) -> dict[str, int]:
    """李明 (steps 1–15, the last by a meeting's vote) and 张华 (steps 1–14): ids of what the attacks edit."""
    world.build(engine, clock)
    li = world.applicant(engine, clock, "李明")
    zhang = world.applicant(engine, clock, "张华")
    meeting_id = meetings.open_meeting(engine, clock, SECRETARY, organisation=BRANCH, kind="党员大会",
                                       held_on=ADMISSION_DAY).meeting_id
    meetings.record_attendance(engine, clock, SECRETARY, meeting_id, BRANCH_MEMBERS[:8])
    item_id = meetings.add_item(engine, clock, SECRETARY, meeting_id, li, "接收预备党员")
    meetings.record_discussion(engine, clock, SECRETARY, item_id, "对该同志逐个进行了讨论。")
    meetings.record_ballot(engine, clock, SECRETARY, item_id, Ballots(7, 1, 0, 0, VotingMethod.SECRET_BALLOT))
    assert meetings.decide_item(engine, clock, SECRETARY, item_id).passed
    return {"li": li, "zhang": zhang, "meeting": meeting_id, "item": item_id}


def sql(engine: Engine, statement: str, **params: Any) -> None:
    with engine.begin() as conn:
        conn.execute(text(statement), params)


def tables_report(engine: Engine) -> replay.TablesReport:
    with engine.connect() as conn:
        return replay.compare(conn)
