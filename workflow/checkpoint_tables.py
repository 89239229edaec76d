"""Table of issue 12 item 6: the weekly checkpoint sent to the higher committee, one row per week and recipient.

The row is the truth that makes the send happen once a week across restarts (like the notices' outbox): it is
inserted with the signed checkpoint when the week's first run finds none, and marked sent, with its audit event,
once the mail server has accepted it. Kept apart from ``workflow.tables`` (which imports it at its end).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel


class CheckpointSend(SQLModel, table=True):
    __tablename__ = "checkpoint_sends"
    __table_args__ = (UniqueConstraint("week", "recipient", name="uq_checkpoint_sends_week"),)

    id: int | None = Field(default=None, primary_key=True)
    week: str  # ISO week of the scheduler's today, e.g. "2026-W49"
    recipient: str  # the higher committee's address
    status: str = "pending"  # pending → sent; failed (tried again at the next run)
    checkpoint: str  # the signed checkpoint (JSON) as made at the week's first run: a retry sends the same
    code: str
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
