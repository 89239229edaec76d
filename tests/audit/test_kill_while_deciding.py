"""A decision killed (SIGKILL) inside its transaction leaves the item undecided and decidable (issue 12 item 6).

The child process (``tests/audit/decide_child.py``) has written the step row and its audit event and is about to
mark the item passed when it is killed: on SQLite it holds the write lock, on PostgreSQL its session sits idle in
an open transaction. After the kill nothing of the decision is left, the item can be decided, the trail verifies.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, make_url, text

from tests.meetings import world
from tests.meetings.test_meetings import admission_item, item, vote
from tests.meetings.world import ADMISSION_DAY, BRANCH_MEMBERS, SECRETARY, events
from tests.workflow.records_world import dump
from workflow import meetings, replay
from workflow.clock import FixedClock

ROOT = Path(__file__).resolve().parents[2]


def _inside_a_transaction(engine: Engine, database_url: str) -> bool:
    """Whether the child holds an open write transaction right now (seen from outside, not from its word)."""
    if engine.dialect.name == "sqlite":
        probe = sqlite3.connect(make_url(database_url).database or "", timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as locked:
            return "locked" in str(locked)
        finally:
            probe.close()
        return False
    with engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' AND datname = current_database()"
            " AND backend_xid IS NOT NULL")).scalar_one())  # an open transaction that has written something


def test_a_decision_killed_inside_its_transaction_leaves_nothing(engine: Engine, database_url: str,
                                                                 tmp_path: Path) -> None:
    clock = FixedClock.on(ADMISSION_DAY)
    world.build(engine, clock)
    _, item_id = admission_item(engine, clock, BRANCH_MEMBERS[:7])
    vote(engine, clock, item_id, yes=6, abstain=1)
    before, trail = dump(engine), len(events(engine))
    ready = tmp_path / "ready"
    child = subprocess.Popen([sys.executable, "-m", "tests.audit.decide_child", database_url, str(item_id), str(ready)],
                             cwd=ROOT, env=os.environ.copy(), stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists(), child.stderr.read() if child.stderr and child.poll() is not None else "no answer"
        assert _inside_a_transaction(engine, database_url)
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()

    assert dump(engine) == before  # no step record, no status change, no version bump
    assert len(events(engine)) == trail
    assert item(engine, item_id)["result"] == "pending"
    decided = meetings.decide_item(engine, clock, SECRETARY, item_id)
    assert decided.passed and item(engine, item_id)["result"] == "passed"
    with engine.connect() as conn:
        report = replay.compare(conn)
    assert report.intact, report.sentences()
