"""The append-only, hash-chained audit trail: append inside the service's transaction, verify, replay.

Each event's hash covers its content and the previous event's hash, so editing, deleting, inserting or
reordering any event breaks the chain at that event. The single ``audit_head`` row holds the last link:
locking it serialises appends, and comparing it with the last event reveals a cut-off tail.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from workflow.fastsql import Raw, Sql, columns
from workflow.tables import AuditEvent, AuditHead, table

PAYLOAD_VERSION = 1
EVENTS = table(AuditEvent)
HEAD = table(AuditHead)
GENESIS = "0" * 64
# On every action's path, so run on the driver (workflow/fastsql.py). SQLite locks at BEGIN IMMEDIATE;
# PostgreSQL serialises appends on the head row.
READ_HEAD = Sql("SELECT seq, hash FROM audit_head WHERE id = 1", postgresql_suffix=" FOR UPDATE")
EVENT_COLUMNS = ("seq", "kind", "case_id", "actor", "actor_role", "effective_on", "recorded_at", "rule_set",
                 "payload", "prev_hash", "hash")
INSERT_EVENT = Sql("INSERT INTO audit_events ({}) VALUES ({})".format(*columns(EVENT_COLUMNS)))
MOVE_HEAD = Sql("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1")


def _utc_text(moment: datetime) -> str:
    """Stored moments are UTC; SQLite returns them without a zone, PostgreSQL with one."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def event_hash(event: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical JSON of the event's content and the previous hash."""
    content = {
        "seq": event["seq"],
        "kind": event["kind"],
        "case_id": event["case_id"],
        "actor": event["actor"],
        "actor_role": event["actor_role"],
        "effective_on": event["effective_on"].isoformat() if event["effective_on"] else None,
        "recorded_at": _utc_text(event["recorded_at"]),
        "rule_set": event["rule_set"],
        "payload": event["payload"],
        "prev_hash": event["prev_hash"],
    }
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def append(
    conn: Connection,
    *,
    kind: str,
    actor: str,
    actor_role: str,
    recorded_at: datetime,
    payload: Mapping[str, Any],
    case_id: int | None = None,
    effective_on: date | None = None,
    rule_set: str | None = None,
) -> int:
    """Add one event at the end of the chain, in the caller's transaction; returns its sequence number."""
    raw = Raw(conn)
    head = raw.execute(READ_HEAD).fetchone()
    if head is None:
        conn.execute(insert(HEAD).values(id=1, seq=0, hash=GENESIS))
        seq, prev_hash = 1, GENESIS
    else:
        seq, prev_hash = head[0] + 1, head[1]
    event = {
        "seq": seq, "kind": kind, "case_id": case_id, "actor": actor, "actor_role": actor_role,
        "effective_on": effective_on, "recorded_at": recorded_at.astimezone(UTC), "rule_set": rule_set,
        "payload": {"version": PAYLOAD_VERSION, **payload}, "prev_hash": prev_hash,
    }
    event["hash"] = event_hash(event)
    raw.execute(INSERT_EVENT, event)
    raw.execute(MOVE_HEAD, {"seq": seq, "hash": event["hash"]})
    return seq


@dataclass(frozen=True)
class ChainReport:
    """What ``fazhan audit verify`` says: how many events were checked and the first bad one, if any."""

    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None

    def sentence(self) -> str:
        if self.intact:
            return f"审计链完整：共{self.checked}条事件，逐条核验无误。"
        where = f"第{self.first_bad_seq}条事件" if self.first_bad_seq else "链尾"
        return f"审计链被破坏：{where}{self.problem}（此前{self.checked}条事件核验无误）。"


def verify(conn: Connection) -> ChainReport:
    """Walk the whole chain in order and name the first event that does not fit."""
    expected_seq, prev_hash, checked = 1, GENESIS, 0
    for row in conn.execute(select(EVENTS).order_by(EVENTS.c.seq)).mappings():
        if row["seq"] != expected_seq:
            problem = "之前有事件被删除" if row["seq"] > expected_seq else "序号重复"
            return ChainReport(checked, expected_seq, problem)
        if row["prev_hash"] != prev_hash:
            return ChainReport(checked, row["seq"], "与前一条事件不衔接（事件被插入、删除或调换了顺序）")
        if event_hash(dict(row)) != row["hash"]:
            return ChainReport(checked, row["seq"], "内容与其哈希值不符（事件被修改）")
        prev_hash, expected_seq, checked = row["hash"], expected_seq + 1, checked + 1
    head = conn.execute(select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.id == 1)).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if (head_seq, head_hash) != (checked, prev_hash):
        return ChainReport(checked, None, f"与链头记录不符：链头记为{head_seq}条，实有{checked}条（末尾事件被删除或改动）")
    return ChainReport(checked)


def case_events(conn: Connection, case_id: int) -> list[dict[str, Any]]:
    """One case's events in chain order (for the history view and replay)."""
    rows = conn.execute(select(EVENTS).where(EVENTS.c.case_id == case_id).order_by(EVENTS.c.seq)).mappings()
    return [dict(row) for row in rows]
