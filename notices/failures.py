"""Notices that could not be delivered, for a person to act on: the list, and putting one back in the queue.

A row is ``failed`` after a refused delivery (retried with backoff until ``max_attempts``), or after its last
allowed attempt was interrupted (left ``sending`` by a process that died; ``notices.sweep`` marks it once its
lease expires). The CLI (``fazhan notices failed``, ``fazhan notices retry``) and the web page call these.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select, update

from notices.deadlines import parse_key
from notices.outbox import CASES, NOTICES, NoticeStatus
from workflow import audit, roster
from workflow.errors import FazhanError
from workflow.tables import Applicant

APPLICANTS = Applicant.__table__


@dataclass(frozen=True)
class FailedNotice:
    id: int
    case_id: int
    applicant: str
    organisation_id: int
    kind_label: str
    send_on: date
    recipient: str  # the person's or the organisation's name
    channel: str
    attempts: int
    last_error: str
    next_attempt_at: datetime | None  # None: no further automatic attempt, a person must act

    @property
    def gave_up(self) -> bool:
        return self.next_attempt_at is None

    def sentence(self) -> str:
        when = "不再自动重发，请核实后重发" if self.gave_up else "将自动重试"
        return (f"通知{self.id}：{self.kind_label}（{self.applicant}）→ {self.recipient}［{self.channel}］，"
                f"已尝试{self.attempts}次，{when}。原因：{self.last_error}")

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "case_id": self.case_id, "applicant": self.applicant, "kind_label": self.kind_label,
                "send_on": self.send_on.isoformat(), "recipient": self.recipient, "channel": self.channel,
                "attempts": self.attempts, "last_error": self.last_error, "gave_up": self.gave_up,
                "next_attempt_at": self.next_attempt_at.isoformat() if self.next_attempt_at else None}


def failed_notices(engine: Engine, *, organisation_ids: Collection[int] | None = None, gave_up_only: bool = False,
                   limit: int = 500) -> list[FailedNotice]:
    """Failed notices, those nobody will retry automatically first; ``organisation_ids`` limits the scope."""
    query = (select(NOTICES.c.id, NOTICES.c.case_id, NOTICES.c.kind, NOTICES.c.send_on, NOTICES.c.recipient,
                    NOTICES.c.channel, NOTICES.c.attempts, NOTICES.c.last_error, NOTICES.c.next_attempt_at,
                    APPLICANTS.c.name, CASES.c.organisation_id)
             .join(CASES, CASES.c.id == NOTICES.c.case_id).join(APPLICANTS, APPLICANTS.c.id == CASES.c.applicant_id)
             .where(NOTICES.c.status == NoticeStatus.FAILED.value))
    if organisation_ids is not None:
        query = query.where(CASES.c.organisation_id.in_(list(organisation_ids)))
    if gave_up_only:
        query = query.where(NOTICES.c.next_attempt_at.is_(None))
    query = query.order_by(NOTICES.c.next_attempt_at.is_not(None), NOTICES.c.send_on, NOTICES.c.id).limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        names = _recipient_names(conn, {r.recipient for r in rows})
    return [FailedNotice(r.id, r.case_id, r.name, r.organisation_id, parse_key(r.kind)[0].label, r.send_on,
                         names.get(r.recipient, r.recipient), r.channel, r.attempts, r.last_error or "",
                         r.next_attempt_at) for r in rows]


def _recipient_names(conn: Any, addresses: set[str]) -> dict[str, str]:
    members = {int(a.partition(":")[2]) for a in addresses if a.startswith("member:")}
    orgs = {int(a.partition(":")[2]) for a in addresses if not a.startswith("member:")}
    names = {f"member:{i}": n for i, n in conn.execute(
        select(roster.MEMBERS.c.id, roster.MEMBERS.c.name).where(roster.MEMBERS.c.id.in_(members)))}
    names |= {f"org:{i}": n for i, n in conn.execute(
        select(roster.ORGS.c.id, roster.ORGS.c.name).where(roster.ORGS.c.id.in_(orgs)))}
    return names


def retry_notice(engine: Engine, notice_id: int, *, actor: str, actor_role: str, now: datetime) -> None:
    """Put one failed notice back in the queue with a fresh count of attempts; the act is audited."""
    with engine.begin() as conn:
        row = conn.execute(select(NOTICES.c.case_id, NOTICES.c.status, NOTICES.c.attempts, NOTICES.c.last_error)
                           .where(NOTICES.c.id == notice_id)).first()
        if row is None:
            raise FazhanError(f"没有编号为{notice_id}的通知。")
        changed = conn.execute(update(NOTICES).where(NOTICES.c.id == notice_id,
                                                     NOTICES.c.status == NoticeStatus.FAILED.value)
                               .values(status=NoticeStatus.PENDING.value, attempts=0, next_attempt_at=None)).rowcount
        if not changed:
            raise FazhanError(f"通知{notice_id}的状态是“{NoticeStatus(row.status).label}”，不是发送失败的通知，无需重发。")
        audit.append(conn, kind="notice_retried", case_id=row.case_id, actor=actor, actor_role=actor_role,
                     recorded_at=now, payload={"notice_id": notice_id, "attempts": row.attempts,
                                               "last_error": row.last_error})
