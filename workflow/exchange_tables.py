"""The table of issue 11 (item 1): each case file exchanged with a database outside this one.

Kept apart from ``workflow.tables`` (which imports this module at its end) so that the shared module gets a
one-line edit; nothing here imports it back.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel


class CaseExchange(SQLModel, table=True):
    """One case sent to (``export``) or received from (``import``) an organisation outside this database.

    ``content_sha256`` is the SHA-256 the file carries over its canonical content: a second import of the same
    file finds its row and changes nothing. No personal number is kept here (the case's applicant row holds it,
    encrypted).
    """

    __tablename__ = "case_exchanges"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    direction: str  # "export" or "import"
    counterpart: str  # the organisation outside this database: the receiver of an export, the sender of an import
    content_sha256: str = Field(index=True)
    file_sha256: str
    source_hash: str  # the sending database's last audit link for the case
    public_key: str  # the sending database's Ed25519 checkpoint key (hex)
    exchanged_on: date
    actor: str
    audit_seq: int
    recorded_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
