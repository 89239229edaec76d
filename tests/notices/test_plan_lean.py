"""The planner with less work per step (issue 15's last gap) writes exactly what the plain way writes.

* A reminder series comes from a table of offsets worked out once per configuration: the same notices as
  building each one with its own ``timedelta``, in order, each offset once.
* The plan's new rows go to the driver as tuples: they hold what a Core insert of the same values holds, byte
  for byte as the driver returns them, on SQLite and PostgreSQL.
* A series is encoded once per plan: every stored detail equals the notice's own encoding, without the memo.
* Cancellations and revivals go out in one statement each: the counts and the statuses are those of one
  statement per row, on both databases.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert, text

from notices import stored
from notices.config import NoticeConfig
from notices.deadlines import Audience, DueNotice, NoticeKind, _series
from notices.outbox import NEW_ROW_COLUMNS, NOTICES, Planned, plan_case, refresh_case
from states.steps import Step
from tests.notices.world import QUIET_CONFIG, World, build, to_activist

ON = date(2025, 3, 3)


@pytest.mark.parametrize("offsets", [(-7, 0, 1), [1, -7, 0, -7], (0,), (), (-30, -7, 0), (3, -3)])
def test_a_series_from_the_offset_table_equals_one_notice_built_per_offset(offsets: Any) -> None:
    detail = {"anchor_on": ON, "article": "细则第九条"}
    audience = (Audience.BRANCH_LEADERS, Audience.LIAISONS)
    made = _series(NoticeKind.TALK_REMINDER, Step.TALK_HELD, ON, offsets, audience, detail)
    plain = [DueNotice(NoticeKind.TALK_REMINDER, Step.TALK_HELD, ON, ON + timedelta(days=offset), audience, offset,
                       None, detail) for offset in sorted(set(offsets))]
    assert made == plain and [repr(n) for n in made] == [repr(n) for n in plain]
    assert [n.send_on - n.due_on for n in made] == [timedelta(days=o) for o in sorted(set(offsets))]
    assert all(n.detail is detail for n in made)  # one mapping per series: the outbox encodes it once


@pytest.fixture
def world(engine: Engine) -> World:
    built = build(engine)
    built.applicant("李明", ON)
    to_activist(built, "李明", ON, date(2025, 3, 20), date(2025, 4, 10), date(2025, 4, 20), date(2025, 5, 6))
    built.applicant("张伟", ON)  # a second case, only to hold the rows a Core insert writes
    return built


COLUMNS = ", ".join(c for c in NEW_ROW_COLUMNS if c != "case_id")


def stored_as_given(world: World, case_id: int) -> list[tuple[Any, ...]]:
    """The case's rows as the driver returns them (no SQLAlchemy types): the text SQLite holds, PostgreSQL's values."""
    with world.engine.connect() as conn:
        query = text(f"SELECT {COLUMNS}, next_attempt_at, last_error, sent_at FROM notices WHERE case_id = :case_id"
                     " ORDER BY kind, due_on, recipient, channel, reminder_offset")
        return [tuple(row) for row in conn.execute(query, {"case_id": case_id})]


def test_rows_inserted_as_tuples_hold_what_a_core_insert_holds(world: World) -> None:
    case, other = world.cases["李明"], world.cases["张伟"]
    now = datetime(2025, 5, 6, 9, 30, 15, 123456).astimezone()
    with world.engine.begin() as conn:
        conn.execute(NOTICES.delete().where(NOTICES.c.case_id == case))
        plan = plan_case(conn, case, date(2025, 5, 6), QUIET_CONFIG)
    assert plan.liaisons == ["赵强", "孙丽"]
    inserted = refresh_case(world.engine, case, date(2025, 5, 6), QUIET_CONFIG, now=now).inserted
    written = stored_as_given(world, case)
    assert inserted == len(written) > 10
    with world.engine.begin() as conn:  # the same rows through Core, as the planner wrote them before
        for kind, offset, due_on, _, recipient, channel, *_ in written:
            due = due_on if isinstance(due_on, date) else date.fromisoformat(due_on)
            planned: Planned = plan.planned[(kind, due, recipient, channel, offset)]
            conn.execute(insert(NOTICES).values(
                case_id=other, kind=planned.notice.key, reminder_offset=planned.notice.reminder_offset,
                due_on=planned.notice.due_on, send_on=planned.notice.send_on, recipient=planned.recipient.address,
                channel=planned.recipient.channel.value, status="pending", subject="", body="", attempts=0,
                late=False, created_at=now, detail=stored._encode(planned.notice, plan.liaisons)))
    assert stored_as_given(world, other) == written


def test_a_back_filled_series_gets_only_its_latest_past_reminder(world: World) -> None:
    case, today = world.cases["李明"], date(2025, 12, 1)  # every deadline of the 积极分子 is past by then
    with world.engine.begin() as conn:
        conn.execute(NOTICES.delete().where(NOTICES.c.case_id == case))
        plan = plan_case(conn, case, today, QUIET_CONFIG)
    latest: dict[tuple[Any, ...], date] = {}  # the plain way: series by kind, topic, deadline, address, channel
    for p in plan.planned.values():
        if p.notice.send_on < today:
            series = (p.notice.kind, p.notice.topic, p.notice.due_on, p.recipient.address, p.recipient.channel)
            latest[series] = max(latest.get(series, p.notice.send_on), p.notice.send_on)
    wanted = {key for key, p in plan.planned.items() if p.notice.send_on >= today or latest[
        (p.notice.kind, p.notice.topic, p.notice.due_on, p.recipient.address, p.recipient.channel)] == p.notice.send_on}
    assert refresh_case(world.engine, case, today, QUIET_CONFIG).inserted == len(wanted) < len(plan.planned)
    assert {(r["kind"], r["due_on"], r["recipient"], r["channel"], r["reminder_offset"])
            for r in world.rows("李明")} == wanted
    assert any(k[0].startswith("overdue_escalation:") for k in wanted)  # an escalation is a series of its own


def test_every_stored_detail_is_the_notices_own_encoding(world: World) -> None:
    case = world.cases["李明"]
    with world.engine.begin() as conn:
        plan = plan_case(conn, case, date(2025, 5, 6), QUIET_CONFIG)
    rows = {(r["kind"], r["due_on"], r["recipient"], r["channel"], r["reminder_offset"]): r
            for r in world.rows("李明")}
    waiting = [(key, p) for key, p in plan.planned.items() if key in rows and rows[key]["status"] == "pending"]
    assert len(waiting) > 10
    assert any(Audience.LIAISONS in p.notice.audience for _, p in waiting)  # their text names the 培养联系人
    for key, planned in waiting:
        assert rows[key]["detail"] == stored._encode(planned.notice, plan.liaisons)


def test_cancelling_and_reviving_several_rows_at_once_counts_each_on_both_databases(world: World) -> None:
    case, today = world.cases["李明"], date(2025, 5, 6)
    before = {r["id"]: r for r in world.rows("李明")}
    fewer = dataclasses.replace(QUIET_CONFIG, offsets=(-7, 0))  # the reminders the day after are no longer wanted
    day_after = {i for i, r in before.items() if r["status"] == "pending" and r["reminder_offset"] == 1}
    assert len(day_after) >= 4
    dropped = refresh_case(world.engine, case, today, fewer)
    assert (dropped.cancelled, dropped.revived, dropped.inserted) == (len(day_after), 0, 0)
    assert {i for i, r in ((r["id"], r) for r in world.rows("李明")) if r["status"] == "cancelled"} >= day_after
    back = refresh_case(world.engine, case, today, QUIET_CONFIG)
    assert (back.cancelled, back.revived, back.inserted) == (0, len(day_after), 0)
    assert {r["id"]: r["status"] for r in world.rows("李明")} == {i: r["status"] for i, r in before.items()}
    again = refresh_case(world.engine, case, today, QUIET_CONFIG)
    assert (again.cancelled, again.revived, again.inserted, again.rescheduled) == (0, 0, 0, 0)


def test_a_configuration_with_new_offsets_inserts_the_new_reminders_once(world: World) -> None:
    case, today = world.cases["李明"], date(2025, 5, 6)
    more = dataclasses.replace(QUIET_CONFIG, offsets=(-14, -7, 0, 1))
    first = refresh_case(world.engine, case, today, more)
    added = [r for r in world.rows("李明") if r["reminder_offset"] == -14]
    assert first.inserted == len(added) > 0 and all(r["send_on"] == r["due_on"] - timedelta(days=14) for r in added)
    assert refresh_case(world.engine, case, today, more).inserted == 0


def test_the_offsets_table_is_per_configuration() -> None:
    one = _series(NoticeKind.TALK_REMINDER, Step.TALK_HELD, ON, NoticeConfig().offsets, (), {})
    other = _series(NoticeKind.TALK_REMINDER, Step.TALK_HELD, ON, NoticeConfig(offsets=(-3,)).offsets, (), {})
    assert [n.offset for n in one] == [-7, 0, 1] and [n.offset for n in other] == [-3]
