"""Data scope and permissions: which cases a login may see, and which steps it may record.

Every page route and every API route goes through these checks (via ``interfaces.web.deps``), so a case
outside the user's organisation subtree is "not found" everywhere, never merely hidden from a menu.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from interfaces.web.users import UserRole, WebUser
from states.attendance import MeetingKind
from states.procedure import StepSpec
from states.steps import Role
from workflow import roster, transfers
from workflow.errors import FazhanError
from workflow.services import CASES
from workflow.tables import Meeting
from workflow.transfer_sight import PastSight, past_sight

BRANCH_ACTORS = frozenset({Role.APPLICANT, Role.BRANCH, Role.BRANCH_COMMITTEE, Role.BRANCH_GENERAL_MEETING})
COMMITTEE_ACTORS = frozenset({Role.HIGHER_COMMITTEE, Role.HIGHER_ORGANISATION_DEPARTMENT})
# The branch records what the applicant hands in (申请书, 志愿书, 转正申请) as well as its own acts.
RECORDS: dict[UserRole, frozenset[Role]] = {
    UserRole.SECRETARY: BRANCH_ACTORS,
    UserRole.ORGANISATION_MEMBER: BRANCH_ACTORS,
    UserRole.ORGANISER: COMMITTEE_ACTORS,
    UserRole.INSPECTOR: frozenset(),
    UserRole.ADMIN: BRANCH_ACTORS | COMMITTEE_ACTORS,
}
MEETINGS = Meeting.__table__
ADDS_APPLICANTS = frozenset({UserRole.SECRETARY, UserRole.ORGANISATION_MEMBER, UserRole.ADMIN})
BRANCH_ROLES = frozenset({UserRole.SECRETARY, UserRole.ORGANISATION_MEMBER, UserRole.ADMIN})
# Who records a meeting: the branch its 支委会 and 党员大会, the committee's 组织员 the 党委会议 that approves.
HOLDS: dict[MeetingKind, frozenset[UserRole]] = {
    MeetingKind.BRANCH_COMMITTEE: BRANCH_ROLES,
    MeetingKind.BRANCH_GENERAL_MEETING: BRANCH_ROLES,
    MeetingKind.PARTY_COMMITTEE: frozenset({UserRole.ORGANISER, UserRole.ADMIN}),
}


class OutOfScope(FazhanError, LookupError):
    """A case that does not exist or lies outside the user's scope: the two are told apart nowhere."""

    def __init__(self, key: object, what: str = "申请人") -> None:
        super().__init__(f"找不到{what}「{key}」。" if what == "申请人" else f"找不到{what}（编号{key}）。")


class Forbidden(FazhanError):
    """An action the user's role does not allow on a case the user may see."""


class SentAway(Forbidden):
    """A case this user's organisation transferred away: its page shows the records up to the 转出, read-only."""

    def __init__(self, sight: PastSight) -> None:
        super().__init__(sight.line())
        self.sight = sight


@dataclass(frozen=True)
class Organisation:
    id: int
    name: str
    kind: roster.OrganisationKind


@dataclass(frozen=True)
class Scope:
    """A user and the organisations whose cases they may see (None: all, for the administrator)."""

    user: WebUser
    organisation_ids: frozenset[int] | None

    @property
    def root(self) -> str | None:
        """The organisation whose subtree is the scope, by name; None means everything."""
        return None if self.organisation_ids is None else self.user.organisation

    def covers(self, organisation_id: int) -> bool:
        return self.organisation_ids is None or organisation_id in self.organisation_ids

    def may_record(self, spec: StepSpec) -> bool:
        return spec.actor in RECORDS[self.user.role]

    @property
    def may_add_applicants(self) -> bool:
        return self.user.role in ADDS_APPLICANTS

    @property
    def read_only(self) -> bool:
        return not RECORDS[self.user.role]

    def require_step(self, spec: StepSpec) -> None:
        """Refuse a step that belongs to another level (a branch cannot record a 上级党委 approval)."""
        if not self.may_record(spec):
            if self.read_only:
                raise Forbidden(f"{self.user.role.label}只能查看，不能记录步骤。")
            raise Forbidden(f"「{spec.label}」由{spec.actor.label}办理，{self.user.role.label}不能记录。")

    def may_hold(self, kind: MeetingKind) -> bool:
        return self.user.role in HOLDS[kind]

    def require_meeting_action(self, kind: MeetingKind) -> None:
        if not self.may_hold(kind):
            raise Forbidden(f"{self.user.role.label}不能记录{kind.label}。")

    def require_add_applicants(self) -> None:
        if not self.may_add_applicants:
            raise Forbidden(f"{self.user.role.label}不能登记入党申请人，请由党支部登记。")


def scope_for(engine: Engine, user: WebUser) -> Scope:
    """The scope of a login: the administrator sees everything, everyone else their organisation's subtree."""
    if user.role is UserRole.ADMIN:
        return Scope(user, None)
    if user.organisation_id is None:
        return Scope(user, frozenset())
    with engine.connect() as conn:
        return Scope(user, frozenset(roster.subtree(conn, user.organisation_id)))


MAX_ID = 2**31 - 1  # the largest id PostgreSQL's integer column holds


def require_case(engine: Engine, scope: Scope, case_id: int) -> int:
    """The case number if the user may see the case; otherwise ``OutOfScope``, as for a missing case."""
    if not 0 < case_id <= MAX_ID:  # a number no row can have: 404, before the database overflows
        raise OutOfScope(case_id)
    with engine.connect() as conn:
        organisation_id = conn.execute(select(CASES.c.organisation_id).where(CASES.c.id == case_id)).scalar()
        # a 转接中 case is also open to the receiving branch, which must record its 转入审查 (细则第十二条)
        visible = organisation_id is not None and scope.covers(organisation_id)
        incoming = None if visible or organisation_id is None else transfers.incoming_organisation(conn, case_id)
        visible = visible or (incoming is not None and scope.covers(incoming))
        # the sender keeps read-only sight of what it recorded (细则第十二条); the administrator sees everything
        sent = None if visible or organisation_id is None or scope.organisation_ids is None else \
            past_sight(conn, case_id, scope.organisation_ids)
    if sent is not None:
        raise SentAway(sent)
    if not visible:
        raise OutOfScope(case_id)
    return case_id


def require_meeting(engine: Engine, scope: Scope, meeting_id: int) -> int:
    """The meeting number if its organisation is in scope; otherwise ``OutOfScope`` (404), as for a case."""
    if not 0 < meeting_id <= MAX_ID:
        raise OutOfScope(meeting_id, "会议")
    with engine.connect() as conn:
        organisation_id = conn.execute(select(MEETINGS.c.organisation_id).where(MEETINGS.c.id == meeting_id)).scalar()
    if organisation_id is None or not scope.covers(organisation_id):
        raise OutOfScope(meeting_id, "会议")
    return meeting_id


def organisations(engine: Engine, scope: Scope) -> list[Organisation]:
    """The organisations in scope, in the order they were registered."""
    with engine.connect() as conn:
        rows = conn.execute(select(roster.ORGS.c.id, roster.ORGS.c.name, roster.ORGS.c.kind)
                            .order_by(roster.ORGS.c.id)).all()
    return [Organisation(row.id, row.name, roster.OrganisationKind(row.kind)) for row in rows if scope.covers(row.id)]


def require_organisation(engine: Engine, scope: Scope, name: str) -> Organisation:
    """An organisation named by a form or a request, if it is in scope."""
    for organisation in organisations(engine, scope):
        if organisation.name == name:
            return organisation
    raise Forbidden(f"党组织「{name}」不在您的管理范围内。")
