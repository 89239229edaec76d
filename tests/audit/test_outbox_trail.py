"""Delivery outcomes are in the trail (one event per sweep transaction), and an outbox state edited in the table
is named by the table check: a reminder faked as sent, or a sent one hidden."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, text

from notices.sweep import sweep
from tests.notices.world import Recorder, World, with_one_application
from workflow import audit, outbox_trail, replay
from workflow.clock import FixedClock

RECEIVED, REMIND = date(2025, 3, 3), date(2025, 3, 27)


@pytest.fixture
def world(engine: Engine) -> World:
    return with_one_application(engine, RECEIVED)


def _report(engine: Engine) -> replay.TablesReport:
    with engine.connect() as conn:
        return replay.compare(conn)


def _recorded(engine: Engine) -> dict[int, str]:
    states = outbox_trail.States({})
    with engine.connect() as conn:
        for event in audit.events(conn):
            if event["kind"] == outbox_trail.KIND:
                states.apply(event)
    return states.last


def test_every_delivery_outcome_is_in_the_trail(world: World) -> None:
    recorder = Recorder(world.config)
    report = sweep(world.engine, REMIND, FixedClock.on(REMIND).now(), world.config, recorder)
    assert recorder.sent and report.sent  # inbox rows in the case's transaction, email rows one by one
    held = {r["id"]: r["status"] for r in world.rows()}
    assert _recorded(world.engine) == {i: s for i, s in held.items() if s in {"sent", "failed"}}
    assert _report(world.engine).intact, _report(world.engine).sentences()


@pytest.mark.parametrize(("edited_from", "edited_to", "trail_says"), [
    ("failed", "sent", "发送失败"),  # a failed reminder made to look delivered
    ("pending", "sent", "没有发送记录"),  # a reminder never sent made to look sent
    ("sent", "pending", "已发送"),  # a sent reminder hidden (and queued to go out again)
])
def test_an_outbox_state_edited_in_the_table_is_named(world: World, edited_from: str, edited_to: str,
                                                      trail_says: str) -> None:
    sweep(world.engine, REMIND, FixedClock.on(REMIND).now(), world.config)  # email fails (nothing on port 9)
    assert _report(world.engine).intact
    target = next(r for r in world.rows() if r["status"] == edited_from)
    with world.engine.begin() as conn:
        conn.execute(text("UPDATE notices SET status = :s WHERE id = :i"), {"s": edited_to, "i": target["id"]})
    found = _report(world.engine)
    assert not found.intact and found.total == 1
    difference = found.differences[0]
    assert (difference.subject.startswith(f"通知{target['id']}（"), difference.field, difference.trail,
            difference.table) == (True, "发送状态", trail_says, outbox_trail.LABELS[edited_to])
    assert difference.case_id == world.cases["李明"]
