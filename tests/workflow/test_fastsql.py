"""The hot path's plumbing (workflow/fastsql.py): driver statements store what SQLAlchemy would store, a write
transaction begun on the driver commits or rolls back everything in it, Core statements included, and the
driver wrapper is shared only while it wraps the same pooled connection."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select, text

from tests.paths.world import build_world
from workflow.clock import FixedClock
from workflow.db import make_engine, upgrade
from workflow.fastsql import Raw, Sql, columns, write_transaction
from workflow.tables import StepRecord, table

STEPS = table(StepRecord)
STORED = ("case_id", "step", "done_on", "recorded_at", "actor", "actor_role", "rule_set", "evidence", "documents",
          "backfilled", "backfill_reason")
CLOCK = FixedClock.on(date(2025, 10, 1))
INSERT_STEP = Sql("INSERT INTO step_records ({}) VALUES ({})".format(*columns(STORED)))


class Kind(enum.StrEnum):
    APPLIED = "application_submitted"


def _sqlite(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path / 'fast.db'}"
    upgrade(url)
    return make_engine(url)


def _steps(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(STEPS)).scalar_one())


def _row(case_id: int, moment: datetime) -> dict[str, Any]:
    return {"case_id": case_id, "step": Kind.APPLIED, "done_on": date(2025, 3, 4), "recorded_at": moment,
            "actor": "王芳", "actor_role": "书记", "rule_set": "rules_2014", "evidence": {"说明": "引号\"与\\"},
            "documents": ["申请书.pdf"], "backfilled": True, "backfill_reason": None}


@pytest.mark.parametrize("moment", [datetime(2025, 3, 4, 9, 30, 0, 5, tzinfo=timezone(timedelta(hours=8))),
                                    datetime(2025, 3, 4, 1, 30, tzinfo=UTC)], ids=["beijing", "utc"])
def test_a_driver_statement_stores_exactly_what_sqlalchemy_stores(tmp_path: Path, moment: datetime) -> None:
    """Dates, moments (in UTC), JSON, a str enum and a bool go through the driver's adapters as Core's types."""
    engine = _sqlite(tmp_path)
    case_id = build_world(engine, CLOCK)
    with engine.begin() as conn:
        conn.execute(insert(STEPS), [_row(case_id, moment)])
        Raw(conn).execute(INSERT_STEP, _row(case_id, moment))
        stored = conn.execute(text(f"SELECT {', '.join(STORED)} FROM step_records ORDER BY id")).all()
    engine.dispose()
    assert len(stored) == 2
    assert stored[0] == stored[1]
    assert stored[1][2:4] == ("2025-03-04", "2025-03-04 01:30:00.000005" if moment.microsecond else
                              "2025-03-04 01:30:00.000000")


def test_a_write_transaction_commits_driver_and_core_statements_together(engine: Engine) -> None:
    case_id = build_world(engine, CLOCK)
    before = _steps(engine)
    with write_transaction(engine) as conn:
        Raw(conn).execute(INSERT_STEP, _row(case_id, datetime(2025, 3, 4, tzinfo=UTC)))
        conn.execute(insert(STEPS), [_row(case_id, datetime(2025, 3, 5, tzinfo=UTC))])  # SQLAlchemy's own
    with write_transaction(engine) as conn:
        Raw(conn).execute(INSERT_STEP, _row(case_id, datetime(2025, 3, 6, tzinfo=UTC)))  # the driver's alone
    assert _steps(engine) == before + 3


@pytest.mark.parametrize("with_core", [False, True], ids=["driver-only", "with-core"])
def test_a_failed_write_transaction_leaves_nothing(engine: Engine, with_core: bool) -> None:
    case_id = build_world(engine, CLOCK)
    before = _steps(engine)
    with pytest.raises(RuntimeError), write_transaction(engine) as conn:
        Raw(conn).execute(INSERT_STEP, _row(case_id, datetime(2025, 3, 4, tzinfo=UTC)))
        if with_core:
            conn.execute(insert(STEPS), [_row(case_id, datetime(2025, 3, 5, tzinfo=UTC))])
        raise RuntimeError("中途出错")
    assert _steps(engine) == before
    with write_transaction(engine) as conn:  # the connection kept for reuse was not left inside a transaction
        Raw(conn).execute(INSERT_STEP, _row(case_id, datetime(2025, 3, 6, tzinfo=UTC)))
    assert _steps(engine) == before + 1


def test_the_driver_wrapper_is_shared_only_on_the_same_pooled_connection(tmp_path: Path) -> None:
    engine = _sqlite(tmp_path)
    with engine.connect() as first, engine.connect() as second:
        assert Raw(first) is Raw(first)
        assert Raw(second).driver is second.connection.driver_connection
        assert Raw(first).driver is first.connection.driver_connection  # not the wrapper made for ``second``
        old = Raw(first).driver
        first.invalidate()  # the driver connection is closed; the next use reconnects
        assert first.execute(text("SELECT 1")).scalar_one() == 1
        assert Raw(first).driver is not old
        assert Raw(first).driver is first.connection.driver_connection
    engine.dispose()
