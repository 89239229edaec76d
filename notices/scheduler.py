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
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, inspect

from notices import checkpoint_job, planning
from notices.config import NoticeConfig
from notices.outbox import current_config, refresh_changed
from notices.sweep import SweepReport, sweep
from workflow.clock import Clock, SystemClock, clock_from_environment
from workflow.db import database_url, make_engine
from workflow.locks import LEADER_LOCK, process_lock

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
    planning.install()  # a scheduler embedded elsewhere writes too (retries): cases it changes are planned at once
    key = uuid.uuid4().hex
    target = _TARGETS[key] = _Target(engine, clock, config)
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)}, timezone=UTC,
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1})
    scheduler.start(paused=True)
    existing = scheduler.get_job(JOB_ID)
    interval = timedelta(seconds=interval_seconds or config.sweep_interval_seconds)
    # Sweep at once on start; a stored run days in the past stays where it is and runs once (coalesced).
    # APScheduler wakes on the wall clock: a fixed "today" (FAZHAN_TODAY) months back would otherwise make it
    # count every missed interval since then before its first run.
    next_run = SystemClock().now()
    if existing is not None and existing.next_run_time is not None:
        next_run = min(existing.next_run_time, next_run)
        # The stored job also says when the last run was: plan every case changed since, however long ago.
        target.since = min(existing.next_run_time - 2 * interval,
                           clock.now() - timedelta(days=config.refresh_lookback_days))
    scheduler.add_job(
        JOB_FUNC, IntervalTrigger(seconds=interval.total_seconds(), timezone=UTC),
        id=JOB_ID, name="发展党员通知：到期通知发送", kwargs={"target": key}, replace_existing=True,
        coalesce=True, misfire_grace_time=None, max_instances=1, next_run_time=next_run)
    checkpoint_job.schedule(scheduler, engine, clock, config, interval)  # issue 12: weekly checkpoint (if configured)
    scheduler.resume()
    return scheduler


def run_foreground(db_url: str | None = None, clock: Clock | None = None, config: NoticeConfig | None = None,
                   *, interval_seconds: float | None = None, stop: threading.Event | None = None) -> None:
    """``fazhan scheduler``: run until Ctrl-C or SIGTERM, then finish the running sweep and stop."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
    # A leader like every server process: a ``fazhan scheduler`` beside the web workers never sweeps twice.
    leadership = Leadership(db_url, clock, config, interval_seconds=interval_seconds).start()
    try:
        stop.wait()
    finally:
        leadership.stop()


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


# ---- One leader among many processes -------------------------------------------------------------------------

_ROLE: dict[str, str] = {"role": "off"}  # this process: off, standby or leader (for the readiness endpoint)


def current_role() -> str:
    return _ROLE["role"]


class Leadership:
    """Every process may run one; only the holder of the leader lock runs the scheduler and sweeps.

    A standby tries the lock every ``retry_seconds``; the leader checks there that it still holds it. When the
    leader dies (even ``kill -9``) its lock goes with its connection or file descriptor, and a standby takes
    over on its next try and sweeps at once (the stored job's ``next_run_time`` is already due): within one
    sweep interval when ``retry_seconds`` is shorter than it. Nothing is lost or sent twice across the handover
    because the outbox, not the scheduler, is the truth (see ``notices.sweep``).
    """

    def __init__(self, db_url: str | None = None, clock: Clock | None = None, config: NoticeConfig | None = None,
                 *, interval_seconds: float | None = None, retry_seconds: float | None = None) -> None:
        self.url = database_url(db_url)
        self.clock = clock or clock_from_environment(os.environ.get("FAZHAN_TODAY"))
        self.config = config or current_config()
        self.interval = float(interval_seconds or self.config.sweep_interval_seconds)
        self.retry = float(retry_seconds or max(0.5, min(self.interval / 4, 10.0)))  # well inside one interval
        self._lock = process_lock(self.url, LEADER_LOCK, "leader")
        self._scheduler: BackgroundScheduler | None = None
        self._engine: Engine | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fazhan-leader", daemon=True)

    @property
    def is_leader(self) -> bool:
        return self._scheduler is not None

    def start(self) -> Leadership:
        _ROLE["role"] = "standby"
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._tick()
            except Exception as error:  # a database that is down now may be back on the next try
                log.warning("通知调度选主出错，%s秒后重试：%s", self.retry, error)
                self._step_down()
            self._stop.wait(self.retry)

    def _tick(self) -> None:
        if self._scheduler is None:
            if self._lock.acquire(wait=False):
                self._engine = make_engine(self.url)
                self._scheduler = start_background(self.url, self.clock, self.config,
                                                   interval_seconds=self.interval, engine=self._engine)
                _ROLE["role"] = "leader"
                log.info("本进程（%s）成为通知调度的主进程。", os.getpid())
        elif not self._lock.held():
            log.warning("本进程（%s）失去了通知调度的主锁，停止调度。", os.getpid())
            self._step_down()

    def _step_down(self) -> None:
        if self._scheduler is not None:
            try:
                self._scheduler.shutdown(wait=True)  # the running sweep finishes first
            except SchedulerNotRunningError:
                pass  # its thread ended on its own (interpreter shutting down)
            finally:
                self._scheduler = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        self._lock.release()
        _ROLE["role"] = "standby" if not self._stop.is_set() else "off"

    def stop(self) -> None:
        """Finish a running sweep, stop, and hand the lock over."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=60)
        self._step_down()
        _ROLE["role"] = "off"
