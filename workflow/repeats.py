"""A repeated submit of the same step (a double click, a re-sent request, a CLI run twice) is recorded once.

A submit repeats the case's *last* recorded step when it names the same step, the same date and the same evidence.
It is answered "已记录" with the record already there, never refused and never recorded a second time.
The test reads nothing more than a step already reads: the case's steps are loaded under the case row's write
lock (``FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so of two identical submits at once the
second waits, then sees the first one's step as the last and is told it is already recorded.
Only the repeat path reads more (the existing record's audit event).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from states.facts import StepRecord
from states.steps import Step
from workflow.audit import EVENTS
from workflow.evidence import to_json


def may_repeat(records: tuple[StepRecord, ...], step: Step, on: date) -> StepRecord | None:
    """The last record, when it is the same step on the same date (the cheap half of the test)."""
    if not records:
        return None
    last = records[-1]
    return last if last.step is step and last.on == on else None


def same_evidence(record: StepRecord, evidence: Mapping[str, Any]) -> bool:
    """Evidence compared as stored (JSON form), so 「2025-01-02」 typed again equals the stored date."""
    stored = {k: to_json(v) for k, v in record.evidence.items()}
    typed = {k: to_json(v) for k, v in evidence.items()}
    return stored == typed


def recorded_event(conn: Connection, case_id: int) -> tuple[int, bool]:
    """The audit sequence number of the case's last recorded step and whether it was a back-fill."""
    row = conn.execute(select(EVENTS.c.seq, EVENTS.c.payload).where(
        EVENTS.c.case_id == case_id, EVENTS.c.kind == "step_recorded").order_by(EVENTS.c.seq.desc()).limit(1)).first()
    if row is None:  # a step that came in through an import: its event is the import's
        return 0, False
    payload = row.payload if isinstance(row.payload, dict) else {}
    return int(row.seq), bool(payload.get("backfilled"))
