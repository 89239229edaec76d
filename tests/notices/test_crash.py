"""Kill and restart: a process killed between sending and marking, and a scheduler down for days.

Neither produces a loss, and neither produces a duplicate the receiver cannot recognise: the inbox gets each
message once (one transaction with the mark, and a UNIQUE notice_id), and an email delivered again after a
crash carries the same Message-ID as the first copy.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select, update

from notices.delivery import message_id
from notices.outbox import NOTICES
from notices.sweep import sweep
from tests.notices.servers import smtp_server
from tests.notices.world import Recorder, World, with_one_application
from workflow.clock import FixedClock
from workflow.tables import InboxMessage

RECEIVED, REMIND = date(2025, 3, 3), date(2025, 3, 27)
ROOT = Path(__file__).resolve().parents[2]
INBOX = InboxMessage.__table__


@pytest.fixture
def world(engine: Engine) -> World:
    return with_one_application(engine, RECEIVED)


def due_today(world: World, day: date) -> list[dict]:
    return [r for r in world.rows() if r["send_on"] == day]


def inbox_copies(engine: Engine) -> dict[int, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(INBOX.c.notice_id, func.count()).group_by(INBOX.c.notice_id)).all()
    return {int(n): int(c) for n, c in rows}


@pytest.mark.parametrize("when", ["after", "before"], ids=["killed-after-smtp-accepted", "killed-before-sending"])
def test_killed_between_claim_and_mark_neither_loses_nor_duplicates(world: World, database_url: str,
                                                                    when: str) -> None:
    config = world.config
    with smtp_server() as (mailbox, port):
        child = subprocess.run([sys.executable, "-m", "tests.notices.crash_child", database_url, str(port),
                                REMIND.isoformat(), when], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert child.returncode == -signal.SIGKILL, child.stderr
        email = next(r for r in due_today(world, REMIND) if r["channel"] == "email")
        assert (email["status"], email["attempts"]) == ("sending", 1)  # claimed, never marked
        assert len(mailbox.messages) == (1 if when == "after" else 0)

        config = replace(config, smtp_port=port)
        now = FixedClock.on(REMIND).now()
        early = sweep(world.engine, REMIND, now + timedelta(seconds=60), config)
        assert email["id"] not in early.sent, "within its lease another sweep may still be delivering it"
        later = sweep(world.engine, REMIND, now + timedelta(seconds=config.lease_seconds), config)
        assert later.redelivered == [email["id"]] and email["id"] in later.sent

    rows = due_today(world, REMIND)
    assert {r["status"] for r in rows} == {"sent"}, "no loss"
    assert {r["attempts"] for r in rows if r["channel"] == "inbox"} == {1}
    assert inbox_copies(world.engine) == {r["id"]: 1 for r in rows if r["channel"] == "inbox"}
    # Email: every copy of the notice carries its one Message-ID, so the receiver can drop the second.
    assert mailbox.by_message_id() == {message_id(email["id"], "fazhan.local"): 2 if when == "after" else 1}
    assert sweep(world.engine, REMIND, now + timedelta(days=1), config).sent == []


def test_a_redelivered_inbox_notice_is_not_inserted_twice(world: World) -> None:
    """Even if a row were left ``sending`` with its message already in the inbox, the UNIQUE notice_id holds."""
    row = next(r for r in due_today(world, REMIND) if r["channel"] == "inbox")
    now = FixedClock.on(REMIND).now()
    with world.engine.begin() as conn:
        conn.execute(update(NOTICES).where(NOTICES.c.id == row["id"]).values(
            status="sending", attempts=1, subject="旧标题", body="旧正文", next_attempt_at=now - timedelta(hours=1)))
        conn.execute(insert(INBOX).values(member_id=int(row["recipient"].split(":")[1]), notice_id=row["id"],
                                          subject="旧标题", body="旧正文", created_at=now))
    report = sweep(world.engine, REMIND, now, world.config)
    assert row["id"] in report.sent and inbox_copies(world.engine)[row["id"]] == 1


def test_a_scheduler_down_for_days_sends_the_missed_notices_on_restart_marked_late(world: World) -> None:
    """Down from 2025-03-26 to 2025-04-05: the reminders of 03-27, 04-03 and 04-04 are missed; on 04-06 the deadline
    (04-03) has passed, so each recipient gets one message about it, the overdue one (issue 16 item 5), late."""
    channels = Recorder(world.config)
    sweep(world.engine, REMIND - timedelta(days=1), FixedClock.on(REMIND - timedelta(days=1)).now(), world.config,
          channels)
    restart = date(2025, 4, 6)
    report = sweep(world.engine, restart, FixedClock.on(restart).now(), world.config, channels)
    rows = {r["id"]: r for r in world.rows()}
    missed = [r for r in rows.values() if r["send_on"] < restart]
    assert {r["name"] for r in missed} == {"talk_reminder@-7", "talk_reminder@+0", "talk_reminder@+1"}
    overdue = [r for r in missed if r["name"] == "talk_reminder@+1"]
    assert sorted(report.sent) == sorted(r["id"] for r in overdue) == sorted(report.late)
    assert all(r["status"] == "sent" and r["late"] for r in overdue)
    given_way = [r for r in missed if r["name"] != "talk_reminder@+1"]
    assert sorted(report.superseded) == sorted(r["id"] for r in given_way) and report.cancelled == len(given_way)
    assert {r["status"] for r in given_way} == {"cancelled"} and all("逾期通知" in r["last_error"] for r in given_way)
    copies = inbox_copies(world.engine)
    assert sum(copies.get(r["id"], 0) for r in missed if r["channel"] == "inbox") == len(
        {r["recipient"] for r in missed if r["channel"] == "inbox"})  # one message per person, not three
    assert {r["recipient"] for r in overdue} == {r["recipient"] for r in given_way}
    assert {r["status"] for r in rows.values() if r["send_on"] >= restart} == {"pending"}  # the escalation, 04-10
    subject = rows[min(report.sent)]["subject"]
    assert subject == "【谈话逾期】李明的入党谈话已逾期3天"  # written on the day it went out, not the day it was due
    again = sweep(world.engine, restart, FixedClock.on(restart).now(), world.config, channels)
    assert again.sent == []


@pytest.mark.parametrize(("restart", "names"), [
    (date(2025, 4, 3), {"talk_reminder@-7", "talk_reminder@+0"}),  # the deadline itself: not yet passed, both go
    (date(2025, 4, 4), {"talk_reminder@+1"}),  # the day after: only the overdue notice
])
def test_late_reminders_merge_into_the_overdue_notice_only_once_the_deadline_has_passed(
        world: World, restart: date, names: set[str]) -> None:
    report = sweep(world.engine, restart, FixedClock.on(restart).now(), world.config, Recorder(world.config))
    rows = {r["id"]: r for r in world.rows()}
    assert {rows[i]["name"] for i in report.sent} == names
    series = {(r["recipient"], r["channel"]) for r in rows.values() if r["send_on"] < restart}
    assert len(report.superseded) == (0 if restart == date(2025, 4, 3) else 2 * len(series))  # -7 and +0 of each
