"""The scheduler mails the signed checkpoint to the higher committee once a week — exactly once, across restarts —
through a real SMTP server on loopback; the attached checkpoint verifies against the database it came from."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import Engine, select

from notices import checkpoint_job
from notices.scheduler import JOBS_TABLE, start_background
from tests.notices.servers import Mailbox, smtp_server
from tests.notices.test_scheduler import OnDay
from tests.notices.world import World, build
from workflow import audit, checkpoints

HIGHER = "zuzhibu@shangji.example.cn"
MONDAY = date(2026, 11, 30)  # ISO week 2026-W49


@pytest.fixture
def world(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv(checkpoint_job.ENV_TO, HIGHER)
    return build(engine)


def _run_scheduler_once(world: World, database_url: str, port: int, day: date) -> None:
    """Start the real scheduler, let the checkpoint job run once (it runs at start), and stop it."""
    started = datetime.now(UTC)
    scheduler = start_background(database_url, OnDay(day), replace(world.config, smtp_port=port), interval_seconds=60)
    try:
        store = SQLAlchemyJobStore(engine=world.engine, tablename=JOBS_TABLE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the next run moves on once this one has been handed to a worker
            job = store.lookup_job(checkpoint_job.JOB_ID)
            if job is not None and job.next_run_time > started + timedelta(seconds=30):
                break
            time.sleep(0.05)
    finally:
        scheduler.shutdown(wait=True)  # the running job finishes first


def _checkpoints(mailbox: Mailbox) -> list[checkpoints.Checkpoint]:
    found = []
    for message in mailbox.messages:
        [attachment] = list(message.iter_attachments())
        found.append(checkpoints.Checkpoint(**json.loads(attachment.get_content())))
    return found


def test_one_checkpoint_a_week_across_restarts_and_it_verifies(world: World, database_url: str) -> None:
    with smtp_server() as (mailbox, port):
        _run_scheduler_once(world, database_url, port, MONDAY)
        assert len(mailbox.messages) == 1
        _run_scheduler_once(world, database_url, port, MONDAY + timedelta(days=4))  # restarted, same week
        assert len(mailbox.messages) == 1
        _run_scheduler_once(world, database_url, port, MONDAY + timedelta(days=7))  # next week
        assert len(mailbox.messages) == 2
    first, second = mailbox.messages
    assert first["To"] == HIGHER and "2026-W49" in first["Subject"] and "2026-W50" in second["Subject"]
    assert first["Message-ID"] != second["Message-ID"]
    signed = _checkpoints(mailbox)
    with world.engine.connect() as conn:
        chain = audit.verify(conn)
        assert chain.intact
        for checkpoint in signed:  # with the public key the higher committee keeps
            assert checkpoints.check(conn, checkpoint, chain, checkpoint.public_key) is None
        sent = [e["payload"] for e in audit.events(conn) if e["kind"] == "checkpoint_sent"]
        rows = conn.execute(select(checkpoint_job.SENDS.c.week, checkpoint_job.SENDS.c.status)).all()
    assert [(p["week"], p["code"]) for p in sent] == [("2026-W49", signed[0].code()), ("2026-W50", signed[1].code())]
    assert sorted(rows) == [("2026-W49", "sent"), ("2026-W50", "sent")]
    assert signed[1].events > signed[0].events  # the first send is itself in the trail the second one signs


def test_a_failed_send_is_tried_again_with_the_same_checkpoint(world: World) -> None:
    clock = OnDay(MONDAY)
    quiet = replace(world.config, smtp_port=9)  # nothing listens: refused
    assert checkpoint_job.send_weekly(world.engine, clock, quiet, [HIGHER]) == []
    with world.engine.connect() as conn:
        failed = conn.execute(select(checkpoint_job.SENDS)).one()
    assert failed.status == "failed" and "邮件发送失败" in failed.last_error
    with smtp_server() as (mailbox, port):
        assert checkpoint_job.send_weekly(world.engine, clock, replace(quiet, smtp_port=port), [HIGHER]) == [HIGHER]
    assert [c.to_json() for c in _checkpoints(mailbox)] == [failed.checkpoint]
