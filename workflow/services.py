"""Services: each action loads, checks, applies and records in one transaction, or changes nothing.

SQLAlchemy Core statements over the SQLModel tables (the ORM unit of work costs ~10× a raw write here).
A refused step rolls back and only its attempt is appended to the audit trail, in a transaction of its own.

Why past 500 lines: ``advance`` and what it shares with registration, ``show`` and the audit checks stay in one
module so the hot path reads top to bottom; the irregular paths have their own modules (transfers, reapply).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, func, insert, select, update

from states import limits
from states.engine import NextStep, plan
from states.facts import ApplicantFacts, Override, Person
from states.procedure import SPECS, FieldKind, StepSpec
from states.publicity import status_label
from states.rulesets import DEFAULT_POLICY, Policy, RuleSetId
from states.steps import Status, Step
from states.verdicts import Check
from states.workdays import WorkdayCalendar
from workflow import (
    after_write,
    audit,
    authority,
    inputs,
    personal,
    policies,
    reapply,
    repeats,
    roster,
    roster_version,
    steprows,
)
from workflow.after_write import CaseChange
from workflow.clock import Clock
from workflow.errors import FazhanError, StaleRecord, StepRefused, UnknownApplicant
from workflow.evidence import BadEvidence, from_json, to_json
from workflow.fastsql import Raw, Sql, columns, write_transaction
from workflow.idcard import id_number_problem
from workflow.machine import Case, fire
from workflow.steprows import case_records
from workflow.tables import (
    Applicant,
    Member,
    MemberRole,
    MemberStanding,
    RuleOverride,
    Violation,
    table,
)
from workflow.tables import Case as CaseRow
from workflow.tables import StepRecord as StepRow

APPLICANTS, CASES, STEPS = table(Applicant), table(CaseRow), table(StepRow)
OVERRIDES, VIOLATIONS = table(RuleOverride), table(Violation)
BACKFILL_AFTER = timedelta(days=30)  # an act entered more than this after its date is a back-fill

# The statements on every step's path run on the driver (workflow/fastsql.py explains why).
LOAD_CASE = Sql(
    "SELECT c.id, c.status, c.version, c.organisation_id, a.birth_date, o.has_committee FROM cases c"
    " JOIN applicants a ON a.id = c.applicant_id JOIN organisations o ON o.id = c.organisation_id"
    " WHERE c.id = :case_id"
)
# A writer locks the case row before it reads the steps: on PostgreSQL (READ COMMITTED) a concurrent writer would
# otherwise see the winner's steps beside the old version and be refused by a rule instead of told "conflict".
# SQLite's BEGIN IMMEDIATE already serialises writers.
LOAD_CASE_FOR_WRITE = Sql(LOAD_CASE.sqlite, postgresql_suffix=" FOR UPDATE OF c")
SET_STATUS = Sql("UPDATE cases SET status = :status, version = :new_version, closed_on = :closed_on"
                 " WHERE id = :case_id AND version = :seen_version")
# A case that closes drops its waiting notices in the same transaction (the outbox would at its next planning).
CANCEL_NOTICES = Sql("UPDATE notices SET status = 'cancelled' WHERE case_id = :case_id"
                     " AND status IN ('pending', 'failed')")
STEP_COLUMNS = ("case_id", "step", "done_on", "recorded_at", "actor", "actor_role", "rule_set", "evidence",
                "documents", "backfilled", "backfill_reason")
INSERT_STEP = Sql("INSERT INTO step_records ({}) VALUES ({})".format(*columns(STEP_COLUMNS)))


@dataclass(frozen=True)
class Actor:
    """Who performs an action, as recorded in the audit trail."""

    name: str
    role: str = "未指定"


SYSTEM = Actor("系统", "系统")


def _inserted_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the database returned no primary key")
    return int(key[0])


@dataclass(frozen=True)
class Settings:
    policy: Policy = DEFAULT_POLICY
    calendar: WorkdayCalendar | None = None


# ---------------------------------------------------------------- roster


def add_organisation(engine: Engine, clock: Clock, actor: Actor, *, name: str, kind: str,
                     parent: str | None = None, has_committee: bool = True, may_approve: bool = False) -> int:
    name = inputs.checked(name, limits.ORGANISATION)  # NFKC, no line breaks, bounded (states/limits.py)
    with engine.begin() as conn:
        if conn.execute(select(roster.ORGS.c.id).where(roster.ORGS.c.name == name)).first():
            raise FazhanError(f"党组织「{name}」已存在。")
        parent_id = roster.organisation_id(conn, parent) if parent else None
        org_kind = roster.organisation_kind(kind)
        org_id = _inserted_id(conn.execute(insert(roster.ORGS).values(
            name=name, kind=org_kind.value, parent_id=parent_id, has_committee=has_committee,
            may_approve=may_approve)))
        audit.append(conn, kind="organisation_added", actor=actor.name, actor_role=actor.role,
                     recorded_at=clock.now(), payload={"organisation_id": org_id, "name": name,
                     "kind": org_kind.value, "parent": parent, "has_committee": has_committee,
                     "may_approve": may_approve})
        return int(org_id)


def add_member(engine: Engine, clock: Clock, actor: Actor, *, name: str, organisation: str,
               standing: str = "正式", since: date, post: str | None = None) -> int:
    name = inputs.checked(name, limits.NAME)
    with engine.begin() as conn:
        org_id = roster.organisation_id(conn, organisation)
        member_standing = roster.standing(standing)
        member_id = _inserted_id(conn.execute(insert(table(Member)).values(name=name, organisation_id=org_id)
                                 ))
        conn.execute(insert(table(MemberStanding)).values(member_id=member_id,
                                                             standing=member_standing.value, from_on=since))
        member_post = roster.post(post) if post else None
        if member_post:
            conn.execute(insert(table(MemberRole)).values(member_id=member_id, organisation_id=org_id,
                                                             role=member_post.value, from_on=since))
        audit.append(conn, kind="member_added", actor=actor.name, actor_role=actor.role, recorded_at=clock.now(),
                     effective_on=since, payload={"member_id": member_id, "name": name,
                     "organisation": organisation, "standing": member_standing.value,
                     "post": member_post.value if member_post else None})
        return int(member_id)


def change_standing(engine: Engine, clock: Clock, actor: Actor, *, name: str, standing: str, since: date) -> None:
    """A new standing from a date (转正, 留党察看, 中止权利 …); the previous period ends that day."""
    with engine.begin() as conn:
        member = roster.member_id(conn, name)
        new = roster.standing(standing)
        conn.execute(update(roster.STANDINGS).where(roster.STANDINGS.c.member_id == member,
                                                    roster.STANDINGS.c.until_on.is_(None)).values(until_on=since))
        conn.execute(insert(roster.STANDINGS).values(member_id=member, standing=new.value, from_on=since))
        audit.append(conn, kind="standing_changed", actor=actor.name, actor_role=actor.role,
                     recorded_at=clock.now(), effective_on=since,
                     payload={"member_id": member, "name": name, "standing": new.value})


# ---------------------------------------------------------------- applicants and cases


def add_applicant(engine: Engine, clock: Clock, actor: Actor, *, name: str, sex: str, birth_date: date,
                  organisation: str, id_number: str | None = None, unit: str = "", contact: str = "") -> int:
    """Register a person and open a case in the organisation; the procedure starts with step 1."""
    if sex not in {"男", "女"}:
        raise BadEvidence("性别请填写“男”或“女”。")
    name, unit, contact, id_number = personal.cleaned(name, unit, contact, id_number)  # NFKC, limits
    if birth_date > clock.today():
        raise BadEvidence("出生日期不能晚于今天。")
    if id_number:
        problem = id_number_problem(id_number, birth_date)
        if problem:
            raise BadEvidence(problem)
        id_number = id_number.strip().upper()
    with engine.begin() as conn:
        org_id = roster.organisation_id(conn, organisation)
        known = applicant_with_id_number(conn, id_number) if id_number else None
        earlier = reapply.may_open_new_case(conn, known, name) if known is not None else []
        applicant_id = known if known is not None else _inserted_id(conn.execute(insert(APPLICANTS).values(
            name=name, sex=sex, birth_date=birth_date, unit=unit,
            **personal.sealed(conn, id_number, contact),  # encrypted + blind index
        )))
        case_id = _inserted_id(conn.execute(insert(CASES).values(
            applicant_id=applicant_id, organisation_id=org_id, status=Status.NEW.value, version=0,
            opened_on=clock.today())))
        has_committee = conn.execute(select(roster.ORGS.c.has_committee).where(roster.ORGS.c.id == org_id)).scalar()
        audit.append(conn, kind="case_opened", case_id=case_id, actor=actor.name, actor_role=actor.role,
                     recorded_at=clock.now(), payload={
                         "applicant_id": applicant_id, "name": name, "sex": sex,
                         "birth_date": birth_date.isoformat(), "organisation": organisation,
                         "branch_has_committee": bool(has_committee), "earlier_cases": earlier})
        return int(case_id)


def applicant_with_id_number(conn: Connection, id_number: str) -> int | None:
    """The person already registered with this ID number, if any: a second application reuses the person."""
    return personal.applicant_by_id_number(conn, id_number)  # by the blind index: the number is encrypted


def find_case(engine: Engine, key: str) -> int:
    """A case by number or by the applicant's name (the latest case of that person)."""
    with engine.connect() as conn:
        if key.isascii() and key.isdigit() and len(key) < 18 and conn.execute(select(CASES.c.id).where(CASES.c.id == int(key))).first():
            return int(key)
        person = personal.id_number_key(conn, key)  # an ID number, found by its blind index
        rows = conn.execute(select(CASES.c.id, CASES.c.applicant_id)
                            .join(APPLICANTS, APPLICANTS.c.id == CASES.c.applicant_id)
                            .where(APPLICANTS.c.id == person if person is not None else APPLICANTS.c.name == key)
                            .order_by(CASES.c.id)).all()
    if not rows:
        raise UnknownApplicant(key)
    if len({applicant for _, applicant in rows}) > 1:
        numbers = "、".join(str(case) for case, _ in rows)
        raise FazhanError(f"有多名叫「{key}」的申请人（案卷编号 {numbers}），请用编号指明。")
    return int(rows[-1][0])  # a reapplication opens a new case: the latest is the live one


@dataclass(frozen=True)
class LoadedCase:
    id: int
    version: int
    organisation_id: int
    facts: ApplicantFacts


def load_case(conn: Connection, case_id: int, *, for_write: bool = False) -> LoadedCase:
    """A case's row and its recorded steps, as the facts the rules read (the row locked first when writing)."""
    raw = Raw(conn)
    row = raw.execute(LOAD_CASE_FOR_WRITE if for_write else LOAD_CASE, {"case_id": case_id}).fetchone()
    if row is None:
        raise UnknownApplicant(case_id)
    case, status, version, organisation, birth_date, has_committee = row
    records = case_records(raw, case_id)  # parsed once per row (workflow/steprows.py)
    facts = ApplicantFacts(Status(status), raw.date(birth_date), bool(has_committee), records)
    return LoadedCase(case, version, organisation, facts)


# ---------------------------------------------------------------- advance: the one way a step is recorded


@dataclass(frozen=True)
class Advanced:
    case_id: int
    step: Step
    status: Status
    version: int
    check: Check
    backfilled: bool
    audit_seq: int
    repeated: bool = False  # the same step, date and evidence as the last record: answered 已记录 (workflow/repeats.py)

    def as_dict(self) -> dict[str, Any]:
        """What the CLI's ``--json`` and the web API answer for a recorded step."""
        return {"case_id": self.case_id, "step": self.step.value, "status": self.status.value,
                "version": self.version, "backfilled": self.backfilled, "audit_seq": self.audit_seq,
                "repeated": self.repeated, "check": self.check.as_dict()}


@dataclass(frozen=True)
class StepRequest:
    """One step as a secretary asks for it: the act's date, its evidence, and any override or back-fill reason."""

    step: Step
    on: date
    evidence: Mapping[str, Any] = field(default_factory=dict)
    override: Override | None = None
    backfill_reason: str | None = None
    expected_version: int | None = None
    documents: tuple[str, ...] = ()


def advance(engine: Engine, clock: Clock, actor: Actor, case_id: int, request: StepRequest,
            settings: Settings = Settings()) -> Advanced:
    """Record one procedure step for one applicant in a single transaction, or raise and change nothing."""
    recorded_at = clock.now()
    try:
        with write_transaction(engine) as conn:  # engine.begin() less the pool's toll (workflow/fastsql.py)
            return advance_in(conn, clock, actor, case_id, request, settings, recorded_at=recorded_at,
                              recognise_repeat=True)
    except StepRefused as refused:
        log_refusal(engine, actor, case_id, request, refused.check, recorded_at)
        raise


def advance_in(conn: Connection, clock: Clock, actor: Actor, case_id: int, request: StepRequest,
               settings: Settings = Settings(), *, recorded_at: Any = None,
               recognise_repeat: bool = False) -> Advanced:
    """``advance`` inside the caller's transaction (a meeting's decision and its step commit together).

    On ``StepRefused`` the caller rolls back and logs the attempt with ``log_refusal`` in a transaction of its own.
    With ``recognise_repeat`` a submit equal to the last record is answered with that record (workflow/repeats.py).
    """
    recorded_at = recorded_at or clock.now()
    loaded = load_case(conn, case_id, for_write=True)
    evidence = None
    last = repeats.may_repeat(loaded.facts.records, request.step, request.on) if recognise_repeat else None
    if last is not None:  # before the version check: a re-sent form carries the version it was rendered with
        evidence = _with_roster(conn, SPECS[request.step], request.evidence, request.on, loaded.organisation_id)
        if repeats.same_evidence(last, evidence):
            seq, backfilled = repeats.recorded_event(conn, case_id)
            return Advanced(case_id, request.step, loaded.facts.status, loaded.version,
                            Check(request.step, request.on, last.rule_set, ()), backfilled, seq, repeated=True)
    if request.expected_version is not None and request.expected_version != loaded.version:
        raise StaleRecord()
    backfilled = _check_dates(request, clock.today())
    if evidence is None:
        evidence = _with_roster(conn, SPECS[request.step], request.evidence, request.on, loaded.organisation_id)
    case = Case(loaded.facts, loaded.facts.status)
    seen_roster = roster_version.current(conn)  # read once: the policy and the planner both key their memos on it
    policy = policies.policy_for(conn, loaded.organisation_id, settings.policy, version=seen_roster)  # its own settings
    verdict = fire(case, request.step, request.on, evidence, override=request.override,
                   policy=policy, calendar=settings.calendar,  # an authoriser is judged on the roster of the date
                   authorisers=authority.resolve(conn, request.override, evidence, request.on, loaded.organisation_id))
    version = _save_status(conn, loaded, case.state, request.on)
    if case.state.is_terminal:  # withdrawn, not admitted, full member …: no reminder may go out after this
        Raw(conn).execute(CANCEL_NOTICES, {"case_id": case_id})
    stored = {k: to_json(v) for k, v in evidence.items()}  # the step row and its event hold the same evidence
    step_id = _save_step(conn, case_id, request, stored, verdict, actor, recorded_at, backfilled)
    seq = audit.append(conn, kind="step_recorded", case_id=case_id, actor=actor.name,
                       actor_role=actor.role, recorded_at=recorded_at, effective_on=request.on,
                       rule_set=verdict.rule_set.value,
                       payload=_step_payload(request, stored, verdict, backfilled, step_id))
    # The case's reminders are planned again in this transaction (notices registers the planner: after_write.py).
    after_write.case_changed(conn, CaseChange(case_id, clock.today(), recorded_at, settings, case.facts,
                                              loaded.organisation_id, seen_roster))
    return Advanced(case_id, request.step, case.state, version, verdict, backfilled, seq)


def _check_reasons(request: StepRequest) -> None:
    """Reasons typed by a person are bounded like every other field (states/limits.py): never a 10 MB reason."""
    texts = [request.backfill_reason]
    if request.override:
        texts += [request.override.reason, request.override.authoriser]
    for text in texts:
        if text:
            inputs.checked(text, limits.REASON, required=False)


def _check_dates(request: StepRequest, today: date) -> bool:
    """No acts in the future; an act entered long after its date is a back-fill and must say why."""
    if request.backfill_reason or request.override:
        _check_reasons(request)
    if request.on > today:
        raise BadEvidence(f"办理日期{request.on.isoformat()}晚于今天，不能预先记录。")
    backfilled = today - request.on > BACKFILL_AFTER
    if backfilled and not (request.backfill_reason or "").strip():
        raise BadEvidence(f"办理日期早于今天{(today - request.on).days}天，属于补录，请写明补录原因"
                          "（如：据纸质档案补录；命令行用 --backfill-reason）。")
    return backfilled


def _with_roster(conn: Connection, spec: StepSpec, evidence: Mapping[str, Any], on: date, org: int) -> dict[str, Any]:
    """People named in the evidence take their standing from the roster on the act's date."""
    typed = dict(evidence)
    for f in spec.evidence:
        if f.kind is FieldKind.PEOPLE and f.key in typed:
            people: list[Person] = list(typed[f.key])
            typed[f.key] = roster.people_on(conn, people, on, org)
    return typed


def _save_status(conn: Connection, loaded: LoadedCase, status: Status, on: date) -> int:
    """Compare-and-set on the version: of two concurrent edits only one can win."""
    closed = on if status.is_terminal and status is not Status.FULL_MEMBER else None
    changed = Raw(conn).execute(SET_STATUS, {"case_id": loaded.id, "seen_version": loaded.version,
                                             "status": status.value, "new_version": loaded.version + 1,
                                             "closed_on": closed}).rowcount
    if changed != 1:
        raise StaleRecord()
    return loaded.version + 1


def _save_step(conn: Connection, case_id: int, request: StepRequest, stored: dict[str, Any], verdict: Check,
               actor: Actor, recorded_at: Any, backfilled: bool) -> int:
    """The step's row (``stored``: its evidence as JSON values) and its overrides and violations."""
    raw = Raw(conn)
    text = json.dumps(stored) if raw.sqlite else None  # as ``Raw.bind`` would write it: kept for steprows
    step_id = raw.insert_returning_id(INSERT_STEP, {
        "case_id": case_id, "step": request.step.value, "done_on": request.on, "recorded_at": recorded_at,
        "actor": actor.name, "actor_role": actor.role, "rule_set": verdict.rule_set.value,
        "evidence": text if text is not None else stored, "documents": list(request.documents),
        "backfilled": backfilled, "backfill_reason": request.backfill_reason if backfilled else None,
    })
    if text is not None:  # the next load of this case need not parse the row it has just written
        steprows.remember(raw, step_id, request.step, request.on, stored, text, verdict.rule_set)
    if request.override and verdict.overridden:  # most steps have no override: the verdicts are not scanned
        conn.execute(insert(OVERRIDES), [
            {"step_record_id": step_id, "rule": v.rule, "article": v.citation.text,
             "reason": request.override.reason, "authoriser": request.override.authoriser}
            for v in verdict.overridden])
    violations = verdict.violations
    if violations:
        conn.execute(insert(VIOLATIONS), [
            {"case_id": case_id, "step_record_id": step_id, "rule": v.rule, "article": v.citation.text,
             "message": v.message, "due_by": v.due_by, "grave": v.grave} for v in violations])
    return int(step_id)


def _step_payload(request: StepRequest, stored: dict[str, Any], verdict: Check, backfilled: bool,
                  step_id: int) -> dict[str, Any]:
    return {
        "step": request.step.value, "done_on": request.on.isoformat(), "step_record_id": step_id,
        "evidence": stored, "documents": list(request.documents),
        "override": {"reason": request.override.reason, "authoriser": request.override.authoriser}
        if request.override and verdict.overridden else None,
        "violations": [v.rule for v in verdict.violations], "backfilled": backfilled,
        "backfill_reason": request.backfill_reason if backfilled else None,
    }


def log_refusal(engine: Engine, actor: Actor, case_id: int, request: StepRequest, verdict: Check,
                recorded_at: Any) -> None:
    """The only trace a refused step leaves: one audit event for the attempt."""
    with engine.begin() as conn:
        audit.append(conn, kind="step_refused", case_id=case_id, actor=actor.name, actor_role=actor.role,
                     recorded_at=recorded_at, effective_on=request.on, rule_set=verdict.rule_set.value,
                     payload={"step": request.step.value, "done_on": request.on.isoformat(),
                              "evidence": {k: to_json(v) for k, v in request.evidence.items()},
                              "refused_by": [v.as_dict() for v in verdict.blocking]})


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class CaseView:
    """What ``fazhan show`` prints: the person, where they stand, the timeline, next steps, violations."""

    case_id: int
    applicant: dict[str, Any]
    organisation: str
    status: Status
    version: int
    timeline: list[dict[str, Any]]
    next_steps: list[NextStep]
    violations: list[dict[str, Any]]
    status_name: str = ""  # as people are told it: 「拟列为发展对象」 under 2026.05 (states.publicity)

    def as_dict(self) -> dict[str, Any]:
        """One view for ``fazhan show --json`` and the web API (values still Python: dates stay dates)."""
        return {"case_id": self.case_id, "applicant": self.applicant, "organisation": self.organisation,
                "status": self.status.value, "status_name": self.status_name or self.status.label,
                "version": self.version,
                "timeline": self.timeline, "next": [n.as_dict() for n in self.next_steps],
                "violations": self.violations}


def show(engine: Engine, clock: Clock, case_id: int, settings: Settings = Settings()) -> CaseView:
    with engine.connect() as conn:
        loaded = load_case(conn, case_id)
        person = conn.execute(select(APPLICANTS, roster.ORGS.c.name.label("organisation"))
                              .join(CASES, CASES.c.applicant_id == APPLICANTS.c.id)
                              .join(roster.ORGS, roster.ORGS.c.id == CASES.c.organisation_id)
                              .where(CASES.c.id == case_id)).mappings().one()
        timeline = [dict(r) for r in conn.execute(
            select(STEPS.c.step, STEPS.c.done_on, STEPS.c.recorded_at, STEPS.c.actor, STEPS.c.actor_role,
                   STEPS.c.rule_set, STEPS.c.evidence, STEPS.c.backfilled, STEPS.c.backfill_reason)
            .where(STEPS.c.case_id == case_id).order_by(STEPS.c.id)).mappings()]
        violations = [dict(r) for r in conn.execute(
            select(VIOLATIONS.c.rule, VIOLATIONS.c.article, VIOLATIONS.c.message, VIOLATIONS.c.due_by,
                   VIOLATIONS.c.grave).where(VIOLATIONS.c.case_id == case_id).order_by(VIOLATIONS.c.id)).mappings()]
        policy = policies.policy_for(conn, loaded.organisation_id, settings.policy)
    applicant = {k: person[k] for k in ("id", "name", "sex", "birth_date", "id_number", "unit", "contact")}
    applicant["id_number"], applicant["contact"] = personal.masked(engine, person["id_number"],
                                                                   person["contact"])  # full values: personal.reveal
    upcoming = plan(loaded.facts, clock.today(), policy=policy, calendar=settings.calendar)
    return CaseView(case_id, applicant, person["organisation"], loaded.facts.status, loaded.version, timeline,
                    upcoming, violations, status_label(loaded.facts, policy, clock.today()))


@dataclass(frozen=True)
class CaseSummary:
    case_id: int
    name: str
    organisation: str
    status: Status
    upcoming: list[NextStep]
    overdue: list[NextStep]
    next_due: date | None


def list_cases(engine: Engine, clock: Clock, *, organisation: str | None = None, status: str | None = None,
               overdue_only: bool = False, settings: Settings = Settings()) -> list[CaseSummary]:
    """Cases in an organisation's subtree, by status, or only those with an overdue step."""
    today = clock.today()
    with engine.connect() as conn:
        query = (select(CASES.c.id, APPLICANTS.c.name, roster.ORGS.c.name.label("organisation"))
                 .join(APPLICANTS, APPLICANTS.c.id == CASES.c.applicant_id)
                 .join(roster.ORGS, roster.ORGS.c.id == CASES.c.organisation_id).order_by(CASES.c.id))
        if organisation:
            query = query.where(CASES.c.organisation_id.in_(roster.subtree(conn, roster.organisation_id(conn, organisation))))
        if status:
            query = query.where(CASES.c.status == _status(status).value)
        summaries: list[CaseSummary] = []
        by_org: dict[int, Policy] = {}  # each organisation's policy is resolved once, not once per case
        for row in conn.execute(query).all():
            loaded = load_case(conn, row.id)
            facts, org = loaded.facts, loaded.organisation_id
            if org not in by_org:
                by_org[org] = policies.policy_for(conn, org, settings.policy)
            upcoming = plan(facts, today, policy=by_org[org], calendar=settings.calendar)
            late = [n for n in upcoming if n.due_by and n.due_by < today]
            if overdue_only and not late:
                continue
            dues = [n.due_by for n in upcoming if n.due_by]
            summaries.append(CaseSummary(row.id, row.name, row.organisation, facts.status, upcoming, late,
                                         min(dues) if dues else None))
    return summaries


def _status(text: str) -> Status:
    for status in Status:
        if text in {status.value, status.label}:
            return status
    raise FazhanError(f"「{text}」不是可识别的状态，可选：{'、'.join(s.label for s in Status)}。")


def history(engine: Engine, case_id: int) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        load_case(conn, case_id)
        return audit.case_events(conn, case_id)


def verify_audit(engine: Engine) -> audit.ChainReport:
    with engine.connect() as conn:
        return audit.verify(conn)


def replay_case(engine: Engine, case_id: int, settings: Settings = Settings()) -> tuple[ApplicantFacts, ApplicantFacts]:
    """Rebuild the case from its audit events alone; returns (replayed, as the tables hold it)."""
    with engine.connect() as conn:
        events = audit.case_events(conn, case_id)
        held = load_case(conn, case_id).facts
    opened = next(e for e in events if e["kind"] == "case_opened")["payload"]
    case = Case(ApplicantFacts(birth_date=date.fromisoformat(opened["birth_date"]),
                               branch_has_committee=opened["branch_has_committee"]))
    for event in events:
        if event["kind"] != "step_recorded":
            continue
        payload = event["payload"]
        step = Step(payload["step"])
        override = Override(**payload["override"]) if payload["override"] else None
        fire(case, step, date.fromisoformat(payload["done_on"]), from_json(SPECS[step], payload["evidence"]),
             override=override, policy=replace(settings.policy, pinned_rule_set=RuleSetId(event["rule_set"])),
             calendar=settings.calendar)
    return case.facts, held


def count_by_status(engine: Engine) -> dict[Status, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(CASES.c.status, func.count()).group_by(CASES.c.status)).all()
    return {Status(s): int(n) for s, n in rows}


@dataclass(frozen=True)
class Deadline:
    """One dated item on the dashboard: a step that becomes possible or falls due."""

    case_id: int
    name: str
    organisation: str
    step: NextStep
    kind: str  # "overdue", "due", "opens"
    on: date


def dashboard(engine: Engine, clock: Clock, *, within_days: int = 30,
              settings: Settings = Settings()) -> tuple[dict[Status, int], list[Deadline]]:
    """Counts per status and every overdue, due or newly possible step in the next ``within_days`` days."""
    today = clock.today()
    horizon = today + timedelta(days=within_days)
    items: list[Deadline] = []
    for summary in list_cases(engine, clock, settings=settings):
        for item in summary.upcoming:
            base = (summary.case_id, summary.name, summary.organisation, item)
            if item.due_by and item.due_by < today:
                items.append(Deadline(*base, "overdue", item.due_by))
            elif item.due_by and item.due_by <= horizon:
                items.append(Deadline(*base, "due", item.due_by))
            elif item.earliest and today < item.earliest <= horizon:
                items.append(Deadline(*base, "opens", item.earliest))
    return count_by_status(engine), sorted(items, key=lambda d: (d.on, d.case_id))
