"""The roster's version: one row whose value changes in every transaction that writes the roster.

Database triggers (migration 0018) give it a new value on every insert, update or delete in ``organisations``,
``members``, ``member_standings``, ``member_roles``, ``member_departures``, ``robot_targets`` and
``organisation_policies`` (the settings inherited down the organisation tree), whoever writes them (the services, the demo data, an import, a hand-made SQL fix). Triggers rather than calls in each writer:
a writer added later cannot forget them. The value is unique, not a counter (PostgreSQL: a sequence, which a
rollback does not take back; SQLite: ``random()``, 64 bits), so a version seen inside a transaction that later
rolled back is never seen again with other rows.

Planning a step's notices reads it once per transaction and reuses the post holders it looked up under the same
version (``notices.recipients.roster_memo``): a roster change made by any process is seen by the next step.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Connection
from sqlmodel import Field, SQLModel

from workflow.fastsql import Raw, Sql

ROSTER_TABLES = ("organisations", "members", "member_standings", "member_roles", "member_departures",
                 "robot_targets", "organisation_policies")
CURRENT = Sql("SELECT version FROM roster_version WHERE id = 1")


class RosterVersion(SQLModel, table=True):
    """The single row (id 1) holding the roster's current version."""

    __tablename__ = "roster_version"

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(default=0, sa_column=Column(BigInteger(), nullable=False))


def current(conn: Connection) -> int:
    """The roster's version as this transaction sees it (one indexed read on the driver)."""
    return int(Raw(conn).execute(CURRENT).fetchone()[0])
