"""Table of issue 11: each completed transfer of a case between two organisations of this database.

The sending organisation keeps read-only sight of the case up to its 转出 (``workflow.transfer_sight``); this
row says which organisation sent it, where to, and which step record was the 转出. Kept apart from
``workflow.tables`` (which imports this module at its end) so the shared module gets a one-line edit.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel


class CaseTransfer(SQLModel, table=True):
    """One 转出 reviewed by the receiving branch: written with the 转入审查 in one transaction."""

    __tablename__ = "case_transfers"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    from_organisation_id: int = Field(foreign_key="organisations.id", index=True)
    to_organisation_id: int = Field(foreign_key="organisations.id")
    out_step_id: int = Field(foreign_key="step_records.id")  # the 转出: the sender sees the records up to it
    transferred_on: date
    received_on: date
