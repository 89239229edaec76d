"""Tables of issue 16: members leaving the roster (转出, 去世) and the group robot of each organisation.

Kept apart from ``workflow.tables`` (which imports this module at its end) so that the shared module gets a
one-line edit; nothing here imports it back.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel


class MemberDeparture(SQLModel, table=True):
    """A member leaving the roster on a date: transferred out, deceased, or left otherwise (e.g. 出党)."""

    __tablename__ = "member_departures"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    left_on: date
    reason: str  # workflow.roster_changes.Departure value
    note: str = ""  # where to (转往哪个党组织), or the document that records it


class RobotTarget(SQLModel, table=True):
    """The group robot (钉钉 or 企业微信) that receives one organisation's notices."""

    __tablename__ = "robot_targets"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", unique=True)
    kind: str  # notices.robots.RobotKind value
    url: str  # the webhook address (钉钉 access_token, 企业微信 key), sealed: personal.ROBOT_URL_FIELD
    secret: str = ""  # 钉钉 加签 secret (SEC…); empty when the robot does not sign
    at_mobiles: str = ""  # mobile numbers to @ (comma-separated), where the robot allows it
    enabled: bool = True
