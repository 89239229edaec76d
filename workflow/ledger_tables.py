"""Tables of issue 14: each imported 台账 file, and what a 台账 row says about a person beyond the procedure.

Kept apart from ``workflow.tables`` (which imports this module at its end) so that the shared module gets a
one-line edit; nothing here imports it back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel


class LedgerImport(SQLModel, table=True):
    """One imported file: its SHA-256 makes a second import of the same file change nothing."""

    __tablename__ = "ledger_imports"

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(unique=True, index=True)
    filename: str
    organisation_id: int | None = Field(default=None, foreign_key="organisations.id")
    rows: int  # data rows read
    imported: int  # cases opened
    unchanged: int  # rows already on record
    rejected: int  # rows that could not be understood (imported with --partial only)
    audit_seq: int
    imported_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class LedgerEntry(SQLModel, table=True):
    """The 台账 row a case came from, and the columns the procedure tables do not keep (民族, 学历, 备注)."""

    __tablename__ = "ledger_entries"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", unique=True, index=True)
    import_id: int = Field(foreign_key="ledger_imports.id", index=True)
    sheet: str = ""
    row_number: int
    ethnicity: str = ""
    education: str = ""
    remark: str = ""
    imprecise: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # month-only columns
    notes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
