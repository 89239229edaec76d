"""Workers starting together migrate a fresh database once: the others wait for the migration lock."""

from __future__ import annotations

import multiprocessing
import time
from typing import Any

from sqlalchemy import text

from workflow.db import make_engine, upgrade
from workflow.locks import MIGRATION_LOCK, held

STARTERS = 3


def _start(url: str, barrier: Any, results: Any) -> None:
    barrier.wait()
    entered = time.time()
    try:
        upgrade(url)
        results.put(("ok", entered, time.time()))
    except Exception as error:  # noqa: BLE001  (reported to the parent, which fails the test)
        results.put((f"{type(error).__name__}: {error}", entered, time.time()))


def test_three_workers_starting_together_migrate_once(database_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(STARTERS), context.Queue()
    starters = [context.Process(target=_start, args=(database_url, barrier, results)) for _ in range(STARTERS)]
    for starter in starters:
        starter.start()
    outcomes = [results.get(timeout=180) for _ in starters]
    for starter in starters:
        starter.join(timeout=30)
    assert [o for o, _, _ in outcomes] == ["ok"] * STARTERS, outcomes
    # They really contended: each had started before any of them had finished.
    assert max(entered for _, entered, _ in outcomes) < min(left for _, _, left in outcomes)
    engine = make_engine(database_url)
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    engine.dispose()
    assert len(versions) == 1


def _try_lock(url: str, results: Any) -> None:
    from workflow.locks import process_lock

    lock = process_lock(url, MIGRATION_LOCK, "migrate")
    results.put(lock.acquire(wait=False))
    lock.release()


def test_the_migration_lock_excludes_another_process_while_held(database_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    with held(database_url, MIGRATION_LOCK, "migrate"):
        inside = context.Process(target=_try_lock, args=(database_url, results))
        inside.start()
        assert results.get(timeout=60) is False
        inside.join(timeout=30)
    after = context.Process(target=_try_lock, args=(database_url, results))
    after.start()
    assert results.get(timeout=60) is True
    after.join(timeout=30)
