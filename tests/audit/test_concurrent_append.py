"""Concurrent writers append to one chain: the head row is locked, so sequence numbers never collide and the chain
verifies. On PostgreSQL the writers are held at a barrier inside their transactions, so they really contend for the
head; SQLite takes its write lock at BEGIN (IMMEDIATE), so there they queue at BEGIN instead."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text

from workflow import audit

WRITERS = 6


@pytest.mark.parametrize("fresh", [True, False], ids=["empty-chain", "existing-chain"])
def test_concurrent_appends_take_distinct_places_in_one_verified_chain(engine: Engine, fresh: bool) -> None:
    moment = datetime(2026, 1, 5, 9, tzinfo=UTC)
    if not fresh:
        with engine.begin() as conn:
            audit.append(conn, kind="login", actor="甲", actor_role="登录", recorded_at=moment, payload={})
    contend = engine.dialect.name == "postgresql"
    barrier = threading.Barrier(WRITERS, timeout=30)
    failures: list[BaseException] = []

    def write(n: int) -> None:
        try:
            with engine.begin() as conn:
                conn.execute(text("SELECT 1"))  # the transaction has begun before the others append
                if contend:
                    barrier.wait()
                audit.append(conn, kind="login", actor=f"用户{n}", actor_role="登录", recorded_at=moment, payload={})
        except BaseException as error:  # noqa: BLE001  reported below, with the writer's number
            failures.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    with engine.connect() as conn:
        seqs = [row[0] for row in conn.execute(text("SELECT seq FROM audit_events ORDER BY seq"))]
        report = audit.verify(conn)
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) == WRITERS + (0 if fresh else 1)
    assert report.intact, report.sentence()
