"""The in-app inbox of each member (read/unread), and the outbox as a secretary or an operator looks at it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, func, select, update

from notices.config import NoticeConfig
from notices.deadlines import parse_key
from notices.outbox import CASES, DEFAULT_SETTINGS, NOTICES, NoticeStatus, plan_case
from notices.sweep import notice_text
from workflow import roster
from workflow.errors import FazhanError
from workflow.services import Settings
from workflow.tables import Applicant, InboxMessage

INBOX = InboxMessage.__table__
APPLICANTS = Applicant.__table__


@dataclass(frozen=True)
class InboxItem:
    id: int
    subject: str
    body: str
    created_at: datetime
    read_at: datetime | None
    notice_id: int | None


def inbox_of(engine: Engine, name: str, *, unread_only: bool = False) -> tuple[int, list[InboxItem]]:
    """A member's messages, newest first; the member is found by name on the roster."""
    with engine.connect() as conn:
        member = roster.member_id(conn, name)
        query = select(INBOX).where(INBOX.c.member_id == member).order_by(INBOX.c.created_at.desc(), INBOX.c.id.desc())
        if unread_only:
            query = query.where(INBOX.c.read_at.is_(None))
        rows = conn.execute(query).mappings().all()
    return member, [InboxItem(r["id"], r["subject"], r["body"], r["created_at"], r["read_at"], r["notice_id"])
                    for r in rows]


def mark_read(engine: Engine, message_id: int, now: datetime) -> InboxItem:
    """Mark one message read (again reading it changes nothing); returns it."""
    with engine.begin() as conn:
        row = conn.execute(select(INBOX).where(INBOX.c.id == message_id)).mappings().first()
        if row is None:
            raise FazhanError(f"没有编号为{message_id}的消息。")
        if row["read_at"] is None:
            conn.execute(update(INBOX).where(INBOX.c.id == message_id).values(read_at=now))
    return InboxItem(row["id"], row["subject"], row["body"], row["created_at"], row["read_at"] or now, row["notice_id"])


def unread_count(engine: Engine, member_id: int) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(INBOX).where(
            INBOX.c.member_id == member_id, INBOX.c.read_at.is_(None))).scalar_one())


def list_notices(engine: Engine, *, failed: bool = False, case_id: int | None = None, status: str | None = None,
                 limit: int = 200) -> list[dict[str, Any]]:
    """Outbox rows with the applicant's name; ``failed`` lists the rows that could not be delivered."""
    query = (select(NOTICES, APPLICANTS.c.name.label("applicant"))
             .join(CASES, CASES.c.id == NOTICES.c.case_id).join(APPLICANTS, APPLICANTS.c.id == CASES.c.applicant_id))
    if failed:
        query = query.where(NOTICES.c.status == NoticeStatus.FAILED.value)
    if status:
        query = query.where(NOTICES.c.status == NoticeStatus(status).value)
    if case_id is not None:
        query = query.where(NOTICES.c.case_id == case_id)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query.order_by(NOTICES.c.send_on, NOTICES.c.id).limit(limit)).mappings()]
        for row in rows:
            row["recipient_name"] = _recipient_name(conn, row["recipient"])
            row["kind_label"] = parse_key(row["kind"])[0].label
    return rows


def _recipient_name(conn: Any, address: str) -> str:
    kind, _, number = address.partition(":")
    table = roster.MEMBERS if kind == "member" else roster.ORGS
    return str(conn.execute(select(table.c.name).where(table.c.id == int(number))).scalar() or address)


def preview(engine: Engine, notice_id: int, today: date, config: NoticeConfig,
            settings: Settings = DEFAULT_SETTINGS) -> tuple[dict[str, Any], str, str]:
    """A notice's row and its text: as sent, or as it would be rendered today. Changes nothing."""
    with engine.connect() as conn:
        row = conn.execute(select(NOTICES).where(NOTICES.c.id == notice_id)).first()
        if row is None:
            raise FazhanError(f"没有编号为{notice_id}的通知。")
        day = today if row.body else max(today, row.send_on)  # as it will read on the day it goes out
        plan = plan_case(conn, row.case_id, day, config, settings)
        rendered = notice_text(conn, row, plan, [], day, config)
        return dict(row._mapping), rendered.subject, rendered.body


def retry(engine: Engine, notice_id: int) -> None:
    """Put a failed notice back in the queue with a fresh count of attempts."""
    with engine.begin() as conn:
        changed = conn.execute(update(NOTICES).where(NOTICES.c.id == notice_id,
                                                     NOTICES.c.status == NoticeStatus.FAILED.value)
                               .values(status=NoticeStatus.PENDING.value, attempts=0, next_attempt_at=None)).rowcount
    if not changed:
        raise FazhanError(f"通知{notice_id}不是发送失败的通知，无需重发。")
