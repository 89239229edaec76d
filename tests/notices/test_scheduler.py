"""APScheduler 3.x: one job, stored in the same database, coalesced, with no misfire grace limit."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import Engine, inspect

from notices import scheduler as wiring
from notices.scheduler import JOB_ID, JOBS_TABLE, run_foreground, start_background, stored_job
from tests.notices.world import World, build

RECEIVED, REMIND = date(2025, 3, 3), date(2025, 3, 27)


@pytest.fixture
def world(engine: Engine) -> World:
    world = build(engine)
    world.applicant("李明", RECEIVED)
    world.act("李明", "application_submitted", RECEIVED, organisation_basis="work_unit")
    return world


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[date]:
    """The days each sweep the scheduler ran was told were "today"."""
    seen: list[date] = []
    real: Callable[..., Any] = wiring.sweep

    def counted(engine: Engine, today: date, *args: Any, **kwargs: Any) -> Any:
        report = real(engine, today, *args, **kwargs)
        seen.append(today)
        return report

    monkeypatch.setattr(wiring, "sweep", counted)
    return seen


@dataclass
class OnDay:
    """A fixed calendar day with the real moment: APScheduler counts missed runs in real time, and a bug that
    stopped coalescing would show up as sixty quick runs, not as a test that never ends."""

    day: date

    def today(self) -> date:
        return self.day

    def now(self) -> datetime:
        return datetime.now(UTC)


def wait_for(runs: list[date], count: int, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while len(runs) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # long enough for any extra (uncoalesced) run to show up


def test_the_job_is_stored_in_the_same_database_to_survive_downtime(world: World, database_url: str,
                                                                    runs: list[date]) -> None:
    scheduler = start_background(database_url, OnDay(REMIND), world.config, interval_seconds=60)
    try:
        wait_for(runs, 1)
    finally:
        scheduler.shutdown()
    assert JOBS_TABLE in inspect(world.engine).get_table_names()
    job = stored_job(world.engine)
    assert job is not None
    assert {k: job[k] for k in ("id", "func", "coalesce", "misfire_grace_time", "max_instances", "interval_seconds")} == {
        "id": JOB_ID, "func": "notices.scheduler:sweep_job", "coalesce": True, "misfire_grace_time": None,
        "max_instances": 1, "interval_seconds": 60}
    # A new job runs once, at once: a scheduler that starts sweeps before it waits.
    assert runs == [REMIND]
    assert {r["status"] for r in world.rows() if r["send_on"] == REMIND} == {"sent"}


def test_a_scheduler_down_for_an_hour_sweeps_once_on_restart_not_sixty_times(world: World, database_url: str,
                                                                            runs: list[date]) -> None:
    first = start_background(database_url, OnDay(REMIND), world.config, interval_seconds=60)
    wait_for(runs, 1)
    first.shutdown()
    # The process is down; the stored job's next run slips an hour into the past: sixty runs missed.
    store = SQLAlchemyJobStore(engine=world.engine, tablename=JOBS_TABLE)
    job = store.lookup_job(JOB_ID)
    job.next_run_time = datetime.now(UTC) - timedelta(hours=1)
    store.update_job(job)
    runs.clear()

    restart = date(2025, 4, 6)  # and the calendar moved on: the reminders of 04-03 and 04-04 are late
    second = start_background(database_url, OnDay(restart), world.config, interval_seconds=60)
    try:
        wait_for(runs, 1)
    finally:
        second.shutdown()
    assert runs == [restart], "coalesced into one run, and not dropped by a misfire grace time"
    late = [r for r in world.rows() if REMIND < r["send_on"] < restart]
    # the deadline (04-03) has passed: the overdue notice goes, late; the reminder of the day gives way to it
    assert {(r["name"], r["status"], r["late"]) for r in late} == {("talk_reminder@+0", "cancelled", False),
                                                                  ("talk_reminder@+1", "sent", True)}


def test_fazhan_scheduler_runs_in_the_foreground_until_stopped(world: World, database_url: str,
                                                               runs: list[date]) -> None:
    stop = threading.Event()
    worker = threading.Thread(target=run_foreground, args=(database_url, OnDay(REMIND), world.config),
                              kwargs={"interval_seconds": 60, "stop": stop})
    worker.start()
    wait_for(runs, 1, seconds=15)
    stop.set()
    worker.join(timeout=15)
    assert not worker.is_alive() and runs == [REMIND]
