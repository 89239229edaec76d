"""One scheduler leader: the holder of the leader lock runs the scheduler, a standby takes over when it goes."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text

from notices.config import NoticeConfig
from notices.scheduler import Leadership, stored_job
from tests.web.browser import TODAY
from workflow.clock import FixedClock
from workflow.locks import LEADER_LOCK

CONFIG = NoticeConfig(sweep_interval_seconds=2)


def wait_for(condition: Callable[[], bool], seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError("条件未在规定时间内出现")


def leadership(url: str) -> Leadership:
    return Leadership(url, FixedClock.on(TODAY), CONFIG)


def test_only_one_of_two_leads_and_the_other_takes_over_within_one_interval(engine: Engine,
                                                                            database_url: str) -> None:
    first = leadership(database_url).start()
    second = None
    try:
        wait_for(lambda: first.is_leader, 10)
        second = leadership(database_url).start()
        time.sleep(2 * second.retry + 0.2)  # the standby has tried at least twice
        assert first.is_leader and not second.is_leader
        assert stored_job(engine) is not None
        first.stop()
        took = wait_for(lambda: second.is_leader, CONFIG.sweep_interval_seconds)
        assert took < CONFIG.sweep_interval_seconds
        assert not first.is_leader
    finally:
        first.stop()
        if second is not None:
            second.stop()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_leader_whose_connection_is_cut_steps_down_and_another_leads(engine: Engine, database_url: str) -> None:
    """The database ends the leader's session (a restart, a network cut): it stops sweeping, a standby leads."""
    first, second = leadership(database_url).start(), None
    try:
        wait_for(lambda: first.is_leader, 10)
        second = leadership(database_url).start()
        with engine.connect() as conn:
            ended = conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid = :high AND objid = :low"),
                {"high": LEADER_LOCK >> 32, "low": LEADER_LOCK & 0xFFFFFFFF}).scalars().all()
        assert ended == [True]

        def one_leader_holding_the_lock() -> bool:
            leading = [x for x in (first, second) if x.is_leader]
            return len(leading) == 1 and leading[0]._lock.held()

        wait_for(one_leader_holding_the_lock, 10)
    finally:
        first.stop()
        if second is not None:
            second.stop()
