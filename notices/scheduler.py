"""APScheduler 3.x wiring, and nothing else: one job that wakes the sweep. The database is the truth.

One job, ``notices-sweep``, on an interval, kept in the same database (``SQLAlchemyJobStore``, table
``apscheduler_jobs``). It is registered with ``coalesce=True`` (runs missed while the process was down
collapse into one), ``misfire_grace_time=None`` (the default grace of one second would silently drop a run
that fell due while the process was down) and ``max_instances=1``. On restart the job keeps its stored
``next_run_time``, so a scheduler that was down for days sweeps at once, once. There is no job per deadline:
deadlines are rows in the outbox, and one sweep serves millions of applicants.

The job reads the clock once, at the top, and passes ``today`` and ``now`` down.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, inspect

from notices.config import NoticeConfig
from notices.outbox import current_config, refresh_changed
from notices.sweep import SweepReport, sweep
from workflow.clock import Clock, clock_from_environment
from workflow.db import database_url, make_engine

log = logging.getLogger(__name__)
JOB_ID = "notices-sweep"
JOB_FUNC = "notices.scheduler:sweep_job"
JOBS_TABLE = "apscheduler_jobs"


@dataclass
class _Target:
    """What a job's key stands for in this process: the database, the clock, the configuration."""

    engine: Engine
    clock: Clock
    config: NoticeConfig
    since: datetime | None = None  # cases changed after this moment are planned again before the sweep


# The job store holds only a key: no URL (it may carry a password) and no clock is pickled into it.
_TARGETS: dict[str, _Target] = {}


def sweep_job(target: str) -> SweepReport | None:
    """The scheduled job: plan the cases changed since the last run, then deliver what is due."""
    found = _TARGETS.get(target)
    if found is None:
        log.warning("通知任务 %s 在本进程中没有登记，跳过。", target)
        return None
    today, now = found.clock.today(), found.clock.now()
    since = found.since or now - timedelta(days=found.config.refresh_lookback_days)
    refresh_changed(found.engine, since, today, found.config, now=now)
    found.since = now
    report = sweep(found.engine, today, now, found.config)
    log.info(report.sentence())
    return report


def start_background(db_url: str | None = None, clock: Clock | None = None, config: NoticeConfig | None = None,
                     *, interval_seconds: float | None = None, engine: Engine | None = None) -> BackgroundScheduler:
    """Start the scheduler in a background thread (``fazhan run`` calls this next to the web server)."""
    config = config or current_config()
    clock = clock or clock_from_environment(os.environ.get("FAZHAN_TODAY"))
    engine = engine or make_engine(database_url(db_url))
    key = uuid.uuid4().hex
    target = _TARGETS[key] = _Target(engine, clock, config)
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)}, timezone=UTC,
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1})
    scheduler.start(paused=True)
    existing = scheduler.get_job(JOB_ID)
    interval = timedelta(seconds=interval_seconds or config.sweep_interval_seconds)
    # Sweep at once on start; a stored run days in the past stays where it is and runs once (coalesced).
    next_run = clock.now()
    if existing is not None and existing.next_run_time is not None:
        next_run = min(existing.next_run_time, next_run)
        # The stored job also says when the last run was: plan every case changed since, however long ago.
        target.since = min(existing.next_run_time - 2 * interval,
                           clock.now() - timedelta(days=config.refresh_lookback_days))
    scheduler.add_job(
        JOB_FUNC, IntervalTrigger(seconds=interval.total_seconds(), timezone=UTC),
        id=JOB_ID, name="发展党员通知：到期通知发送", kwargs={"target": key}, replace_existing=True,
        coalesce=True, misfire_grace_time=None, max_instances=1, next_run_time=next_run)
    scheduler.resume()
    return scheduler


def run_foreground(db_url: str | None = None, clock: Clock | None = None, config: NoticeConfig | None = None,
                   *, interval_seconds: float | None = None, stop: threading.Event | None = None) -> None:
    """``fazhan scheduler``: run until Ctrl-C or SIGTERM, then finish the running sweep and stop."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
    scheduler = start_background(db_url, clock, config, interval_seconds=interval_seconds)
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)


def stored_job(engine: Engine) -> dict[str, Any] | None:
    """The job as the database holds it (for ``fazhan scheduler --status`` and the tests)."""
    if not inspect(engine).has_table(JOBS_TABLE):
        return None  # no scheduler has started on this database yet
    job = SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE).lookup_job(JOB_ID)
    if job is None:
        return None
    return {"id": job.id, "func": job.func_ref, "coalesce": job.coalesce, "misfire_grace_time": job.misfire_grace_time,
            "max_instances": job.max_instances, "next_run_time": job.next_run_time,
            "interval_seconds": job.trigger.interval.total_seconds()}
