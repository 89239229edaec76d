"""Every table, as SQLModel classes in one module (the SQLModel docs' advice). Enums are stored as values.

Nothing here is SQLite-only: the same tables run on PostgreSQL through psycopg 3. Schema changes go
through Alembic migrations in ``workflow/migrations``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Dialect, Index, Table, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UtcDateTime(TypeDecorator[datetime]):
    """A moment, always stored and returned in UTC: SQLite would otherwise drop the zone and keep wall time."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a moment without a time zone cannot be stored")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:  # noqa: ARG002
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def table(model: type[SQLModel]) -> Table:
    """The Core table of a model, for SQLAlchemy Core statements (typed: SQLModel hides ``__table__``)."""
    found: Table = model.__table__  # type: ignore[attr-defined]
    return found


def _json(nullable: bool = False) -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=nullable))


def _moment() -> Any:
    return Field(sa_column=Column(UtcDateTime(), nullable=False))


class Organisation(SQLModel, table=True):
    """A party organisation: 基层党委 / 党总支 / 党支部 / 党小组, as a tree."""

    __tablename__ = "organisations"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    kind: str  # OrganisationKind value
    parent_id: int | None = Field(default=None, foreign_key="organisations.id", index=True)
    has_committee: bool = True  # a branch with fewer than 7 正式党员 has no 支委会
    may_approve: bool = False  # a 基层党委 with the power to approve 预备党员
    webhook_url: str | None = None  # "robot:<id>" (its group robot, notices/robots.py) or a sealed plain webhook


class Member(SQLModel, table=True):
    """A party member on the roster of an organisation."""

    __tablename__ = "members"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True)
    email: str | None = None  # for notices by mail


class MemberStanding(SQLModel, table=True):
    """A member's standing over time (正式, 预备, 留党察看, 权利中止): one row per period."""

    __tablename__ = "member_standings"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    standing: str  # states.facts.Standing value
    from_on: date
    until_on: date | None = None  # exclusive; None: still so


class MemberRole(SQLModel, table=True):
    """A member's post in an organisation over time (书记, 组织委员, 组织员 …)."""

    __tablename__ = "member_roles"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True)
    role: str  # Post value
    from_on: date
    until_on: date | None = None


class Applicant(SQLModel, table=True):
    """A person who applies to join; personal data validated on entry."""

    __tablename__ = "applicants"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    sex: str  # "男" / "女"
    birth_date: date
    id_number: str | None = Field(default=None, unique=True)  # AES-GCM sealed (workflow/personal.py)
    id_number_index: str | None = Field(default=None, unique=True, index=True)  # keyed blind index (HMAC)
    unit: str = ""
    contact: str = ""  # AES-GCM sealed


class Case(SQLModel, table=True):
    """One application procedure of one applicant in one organisation. Reapplying opens a new case."""

    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_org_status", "organisation_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    applicant_id: int = Field(foreign_key="applicants.id", index=True)
    organisation_id: int = Field(foreign_key="organisations.id")
    status: str  # states.steps.Status value
    version: int = 0  # bumped by every change: the optimistic lock
    opened_on: date
    closed_on: date | None = None


class StepRecord(SQLModel, table=True):
    """One recorded act: the effective date ``done_on`` and the moment it was entered, ``recorded_at``."""

    __tablename__ = "step_records"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    step: str  # states.steps.Step value
    done_on: date
    recorded_at: datetime = _moment()
    actor: str
    actor_role: str
    rule_set: str
    evidence: dict[str, Any] = _json()
    documents: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    backfilled: bool = False
    backfill_reason: str | None = None


class RuleOverride(SQLModel, table=True):
    """A soft rule passed by permission: the reason and who authorised it."""

    __tablename__ = "rule_overrides"

    id: int | None = Field(default=None, primary_key=True)
    step_record_id: int = Field(foreign_key="step_records.id", index=True)
    rule: str
    article: str
    reason: str
    authoriser: str


class Violation(SQLModel, table=True):
    """A duty breached (a late talk, a late approval): the step stands, the breach is on record."""

    __tablename__ = "violations"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    step_record_id: int = Field(foreign_key="step_records.id")
    rule: str
    article: str
    message: str
    due_by: date | None = None
    grave: bool = False


class AuditEvent(SQLModel, table=True):
    """Append-only, hash-chained log of every action and every refused attempt."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("seq"),)

    id: int | None = Field(default=None, primary_key=True)
    seq: int  # position in the chain, 1, 2, 3 …
    kind: str
    case_id: int | None = Field(default=None, index=True)
    actor: str
    actor_role: str
    effective_on: date | None = None
    recorded_at: datetime = _moment()
    rule_set: str | None = None
    payload: dict[str, Any] = _json()
    prev_hash: str
    hash: str  # HMAC-SHA-256 under the key ``key_id``; plain SHA-256 for events from before keys (key_id NULL)
    key_id: str | None = None


class AuditHead(SQLModel, table=True):
    """The chain's last link, one row: locking it serialises appends; it also reveals a cut-off tail."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = ""
    key_id: str | None = None  # the key the next event is MACed with (changed only by a rotation event)


# ---------------------------------------------------------------- meetings and one-by-one votes


class Meeting(SQLModel, table=True):
    """A 支部委员会会议, 支部党员大会 or the 基层党委 meeting that approves, on one date."""

    __tablename__ = "meetings"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True)
    kind: str  # MeetingKind value
    held_on: date
    title: str = ""
    chair: str = ""
    recorder: str = ""
    status: str = "open"  # open → closed; a closed meeting is changed only by corrections
    version: int = 0
    closed_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))


class MeetingVoter(SQLModel, table=True):
    """The roster of the meeting date: who is entitled to vote (应到), who was excluded and why, who attended."""

    __tablename__ = "meeting_voters"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meetings.id", index=True)
    member_id: int = Field(foreign_key="members.id")
    standing: str  # on the meeting date
    entitled: bool  # 正式党员, not sanctioned, not suspended, not excluded under P4
    excluded_reason: str | None = None  # P4 category, with the consent and resolution references
    present: bool = False


class AgendaItem(SQLModel, table=True):
    """One applicant, one purpose, one discussion, one ballot: a ballot covering two applicants cannot exist."""

    __tablename__ = "agenda_items"
    __table_args__ = (UniqueConstraint("meeting_id", "case_id", "purpose"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meetings.id", index=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    purpose: str  # ItemPurpose value
    discussion: str = ""
    method: str | None = None  # VotingMethod value
    yes: int | None = None
    no: int | None = None
    abstain: int | None = None
    invalid: int | None = None
    extension_months: int | None = None  # a 延长预备期 resolution fixes its length
    result: str = "pending"  # pending → passed / failed
    step_record_id: int | None = Field(default=None, foreign_key="step_records.id")


class WrittenOpinion(SQLModel, table=True):
    """A 书面意见 of an entitled member who could not attend, on one agenda item; rejected ones are kept too."""

    __tablename__ = "written_opinions"

    id: int | None = Field(default=None, primary_key=True)
    agenda_item_id: int = Field(foreign_key="agenda_items.id", index=True)
    member_id: int = Field(foreign_key="members.id")
    opinion: str  # states.votes.Opinion value
    submitted_on: date
    accepted: bool
    rejection_reason: str | None = None


class MeetingCorrection(SQLModel, table=True):
    """A correction to a closed meeting: what was wrong, what is right, why, and who says so."""

    __tablename__ = "meeting_corrections"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meetings.id", index=True)
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_items.id")
    field_name: str
    old_value: str
    new_value: str
    reason: str
    corrected_by: str
    corrected_at: datetime = _moment()


class Document(SQLModel, table=True):
    """A generated document (minutes, 支部大会决议) with the content hash that also goes into the audit trail."""

    __tablename__ = "documents"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int | None = Field(default=None, foreign_key="meetings.id", index=True)
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_items.id")
    case_id: int | None = Field(default=None, foreign_key="cases.id", index=True)
    kind: str  # "minutes", "resolution", …
    format: str  # "html", "docx", "pdf"
    path: str
    sha256: str
    created_at: datetime = _moment()


# ---------------------------------------------------------------- notices: the outbox is the truth


class Notice(SQLModel, table=True):
    """One notice to one recipient over one channel. The unique key makes every notice exist once."""

    __tablename__ = "notices"
    __table_args__ = (
        UniqueConstraint("case_id", "kind", "due_on", "recipient", "channel", "reminder_offset", name="uq_notices_key"),
        Index("ix_notices_due", "status", "send_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    kind: str  # NoticeKind value ("overdue_escalation:<kind>" for an escalation)
    due_on: date  # the deadline or opening date the notice is about
    # Days from due_on of a reminder in a series (-7, 0, +1 …); 0 for a notice that belongs to no series.
    reminder_offset: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    send_on: date  # when it should go out
    recipient: str  # "member:<id>" or an organisation's channel, e.g. "org:<id>"
    channel: str  # "inbox", "email", "webhook"
    status: str = "pending"  # pending → sending → sent; failed (retrying); cancelled
    subject: str = ""
    body: str = ""
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    last_error: str | None = None
    late: bool = False  # sent after its send_on day (the scheduler was down)
    sent_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    created_at: datetime = _moment()
    # What planning knew (step, the template's details; JSON written by notices/stored.py): the sweep renders from it.
    detail: str | None = None


class InboxMessage(SQLModel, table=True):
    """The in-app inbox of one member."""

    __tablename__ = "inbox_messages"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    notice_id: int | None = Field(default=None, foreign_key="notices.id", unique=True)
    subject: str
    body: str
    created_at: datetime = _moment()
    read_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))


# ---------------------------------------------------------------- people who log in


class User(SQLModel, table=True):
    """A login of the web interface: a role and the organisation whose subtree is its scope."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True)
    password_hash: str  # argon2
    display_name: str
    role: str  # "secretary", "organisation_member", "organiser", "inspector", "admin"
    organisation_id: int | None = Field(default=None, foreign_key="organisations.id")
    member_id: int | None = Field(default=None, foreign_key="members.id")
    active: bool = True
    created_at: datetime = _moment()


# ---------------------------------------------------------------- sessions and login throttling (issue 13)


class WebSession(SQLModel, table=True):
    """A server-side login session: the cookie carries a random token, the table only its SHA-256.

    Logout, a password change and an administrator's disable end the rows at once; ``last_seen_at`` drives
    the idle timeout, ``created_at`` the absolute one.
    """

    __tablename__ = "web_sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    csrf: str
    created_at: datetime = _moment()
    last_seen_at: datetime = _moment()
    ended_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    ended_reason: str | None = None


class LoginFailure(SQLModel, table=True):
    """One failed login, kept for the throttle window: per account and per address."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_username", "username", "at"),
                      Index("ix_login_failures_address", "address", "at"))

    id: int | None = Field(default=None, primary_key=True)
    username: str
    address: str
    at: datetime = _moment()


from workflow.checkpoint_tables import CheckpointSend  # noqa: E402,F401  (issue 12: weekly checkpoint outbox)
from workflow.exchange_tables import CaseExchange  # noqa: E402,F401  (issue 11: a case exchanged with another database)
from workflow.ledger_tables import LedgerEntry, LedgerImport  # noqa: E402,F401  (issue 14: registers both tables)
from workflow.policy_tables import OrganisationPolicy  # noqa: E402,F401  (issue 11 item 9: per-organisation policies)
from workflow.roster_tables import MemberDeparture, RobotTarget  # noqa: E402,F401  (issue 16: registers both tables)
from workflow.roster_version import RosterVersion  # noqa: E402,F401  (issue 15: the roster's version, 0018)
from workflow.transfer_tables import CaseTransfer  # noqa: E402,F401  (issue 11: the sender's sight after a transfer)
