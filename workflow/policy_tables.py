"""Table of issue 11 item 9: the policy settings an organisation sets for itself (inherited by those below it).

Kept apart from ``workflow.tables`` (which imports this module at its end) so that the shared module gets a
one-line edit; nothing here imports it back.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class OrganisationPolicy(SQLModel, table=True):
    """One setting (states.policy_settings key) an organisation has set; absent settings are inherited."""

    __tablename__ = "organisation_policies"
    __table_args__ = (UniqueConstraint("organisation_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True)
    key: str
    value: str
    set_by: str
    set_on: date
    reason: str = ""
