"""Delivery outcomes of notices in the audit trail, and the outbox table checked against them.

What the trail holds: each time the sweep marks notices ``sent`` or ``failed``, one ``notice_states`` event in the
same transaction lists them (``{"notices": [[id, status], …]}``) — one event per transaction, not per notice,
so the sweep's batches stay cheap. The first such event of a database also carries a ``baseline``: the rows
already sent or failed before the trail recorded deliveries (an older database), so they are not reported.

What is compared (``differences``): whether a notice was sent. A row the table calls 已发送 that the trail never
saw sent (a reminder faked as sent), and a row the trail saw sent that the table no longer calls sent (a sent
reminder hidden or made to go out again), are named. Planning (pending, cancelled, revived) is not in the trail:
it is recomputed from the case's facts at every sweep, so a row edited there is planned again, not believed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from workflow import audit
from workflow.tables import AuditEvent, Notice, table

KIND = "notice_states"
SENT, FAILED = "sent", "failed"
NOTICES, EVENTS = table(Notice), table(AuditEvent)
LABELS = {"pending": "待发送", "sending": "发送中", SENT: "已发送", FAILED: "发送失败", "cancelled": "已取消"}
_BASELINED: set[str] = set()  # databases (by URL) known to hold a baseline already: one look per process


def _has_baseline(conn: Connection) -> bool:
    url = conn.engine.url.render_as_string(hide_password=False)
    if url in _BASELINED:
        return True
    found = conn.execute(select(func.count()).select_from(EVENTS).where(EVENTS.c.kind == KIND)).scalar_one()
    if found:
        _BASELINED.add(url)
    return bool(found)


def record(conn: Connection, changes: Iterable[tuple[int, str]], recorded_at: datetime) -> int | None:
    """One event for the delivery outcomes written in this transaction (nothing when there are none)."""
    listed = [[int(notice_id), status] for notice_id, status in changes]
    if not listed:
        return None
    payload: dict[str, Any] = {"notices": listed}
    if not _has_baseline(conn):
        done = {i for i, _ in listed}
        payload["baseline"] = [[int(i), s] for i, s in conn.execute(
            select(NOTICES.c.id, NOTICES.c.status).where(NOTICES.c.status.in_((SENT, FAILED))).order_by(NOTICES.c.id))
            if i not in done]
    seq = audit.append(conn, kind=KIND, actor="系统", actor_role="通知发送", recorded_at=recorded_at, payload=payload)
    _BASELINED.add(conn.engine.url.render_as_string(hide_password=False))
    return seq


@dataclass
class States:
    """The state of each notice as the trail last recorded it."""

    last: dict[int, str]
    seen: bool = False  # whether the trail records deliveries at all (a database from before does not)

    def take(self, event: dict[str, Any]) -> None:
        """Any event in chain order: only ``notice_states`` events change what is known."""
        if event["kind"] == KIND:
            self.apply(event)

    def apply(self, event: dict[str, Any]) -> None:
        payload = event["payload"]
        self.seen = True
        for notice_id, status in payload.get("baseline", ()):
            self.last.setdefault(int(notice_id), status)
        for notice_id, status in payload.get("notices", ()):
            self.last[int(notice_id)] = status


@dataclass(frozen=True)
class Mismatch:
    notice_id: int
    case_id: int | None
    what: str  # kind and recipient, as a person reads them
    trail: str
    table: str


def differences(conn: Connection, states: States) -> Iterator[Mismatch]:
    """Notices whose being sent differs between the table and the trail."""
    if not states.seen:
        return
    rows = conn.execute(select(NOTICES.c.id, NOTICES.c.case_id, NOTICES.c.kind, NOTICES.c.recipient,
                               NOTICES.c.status)).all()
    held = {r.id: r for r in rows}
    for notice_id in sorted({r.id for r in rows if r.status == SENT} | {i for i, s in states.last.items() if s == SENT}):
        row, known = held.get(notice_id), states.last.get(notice_id)
        status = row.status if row is not None else None
        if (known == SENT) == (status == SENT):
            continue
        what = f"（{row.kind}，发给{row.recipient}）" if row is not None else ""
        yield Mismatch(notice_id, row.case_id if row is not None else None, what,
                       LABELS.get(known or "", "没有发送记录"),
                       LABELS.get(status or "", "没有这条通知（被删除）"))
