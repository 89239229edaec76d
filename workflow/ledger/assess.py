"""What an import would do, row by row, without writing: accepted, accepted with findings, unchanged, rejected.

The dry run and the real import share this: the real one writes exactly the rows assessed here.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from sqlalchemy import Connection, select

from states.engine import default_calendar
from states.rulesets import DEFAULT_POLICY, Policy, RuleSetId
from states.steps import Status
from states.workdays import WorkdayCalendar
from workflow import personal, roster
from workflow.errors import FazhanError
from workflow.ledger.checking import CheckedHistory, CheckedStep, Finding, check_history
from workflow.ledger.reader import Ledger, RawRow
from workflow.ledger.rows import LedgerPerson, Rejected, understand
from workflow.tables import Applicant, Case, table

APPLICANTS, CASES = table(Applicant), table(Case)
POOL_FROM = 2_000  # rows; below this a pool costs more than it saves
POOL_CHUNK = 500
MAX_WORKERS = 8


class Verdict(StrEnum):
    ACCEPTED = "accepted"
    FINDINGS = "findings"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return {"accepted": "可导入", "findings": "可导入（有违规记录）", "unchanged": "已登记，不变",
                "rejected": "拒收"}[self.value]


@dataclass(frozen=True)
class RowOutcome:
    row: RawRow
    verdict: Verdict
    history: CheckedHistory | None = None
    column: str = ""
    reason: str = ""

    def as_dict(self) -> dict[str, object]:
        findings = self.history.findings if self.history else ()
        person = self.history.person if self.history else None
        return {"sheet": self.row.sheet, "row": self.row.number, "verdict": self.verdict.value,
                "label": self.verdict.label, "name": person.name if person else str(self.row.cells.get("name", "")),
                "column": self.column, "reason": self.reason,
                "findings": [{"step": f.step.value, "on": f.on.isoformat(), "rule": f.rule, "article": f.article,
                              "message": f.message, "outcome": f.outcome.value} for f in findings],
                "notes": list(person.notes) if person else []}


@dataclass
class Assessment:
    outcomes: list[RowOutcome] = field(default_factory=list)
    organisations: dict[str, int] = field(default_factory=dict)  # name → id, of the rows assessed

    def count(self, verdict: Verdict) -> int:
        return sum(1 for o in self.outcomes if o.verdict is verdict)

    @property
    def findings(self) -> int:
        return sum(len(o.history.findings) for o in self.outcomes if o.history and o.verdict is not Verdict.UNCHANGED)

    def summary(self) -> str:
        return (f"共{len(self.outcomes)}行：可导入{self.count(Verdict.ACCEPTED)}行，"
                f"可导入但有违规记录{self.count(Verdict.FINDINGS)}行（共{self.findings}处），"
                f"已登记不变{self.count(Verdict.UNCHANGED)}行，拒收{self.count(Verdict.REJECTED)}行。")


@dataclass(frozen=True)
class Organisations:
    """The organisations a row may name: all of them, or the subtree of ``--org``."""

    by_name: dict[str, tuple[int, bool]]  # name → (id, has_committee)
    default: str | None

    @classmethod
    def load(cls, conn: Connection, org: str | None) -> Organisations:
        rows = conn.execute(select(roster.ORGS.c.id, roster.ORGS.c.name, roster.ORGS.c.has_committee)).all()
        allowed = roster.subtree(conn, roster.organisation_id(conn, org)) if org else None
        return cls({r.name: (r.id, bool(r.has_committee)) for r in rows if allowed is None or r.id in allowed}, org)

    def of(self, row: RawRow) -> str:
        named = str(row.cells.get("branch") or "").strip()
        unit = str(row.cells.get("unit") or "").strip()
        if named:
            if named not in self.by_name:
                where = f"「{self.default}」及其下级中" if self.default else ""
                raise Rejected("所在支部", f"{where}没有名为「{named}」的党组织（先用 fazhan org add 登记）。")
            return named
        if unit in self.by_name:
            return unit
        if self.default:
            return self.default
        raise Rejected("所在支部", "没有所在支部，导入时也没有用 --org 指定党组织。")


class Known:
    """People already on record, by ID number (blind index) and by name, birth date and organisation."""

    def __init__(self, conn: Connection, orgs: Organisations) -> None:
        self.keys = personal.keys_for(conn)
        names = {org_id: name for name, (org_id, _) in orgs.by_name.items()}
        rows = conn.execute(select(APPLICANTS.c.name, APPLICANTS.c.birth_date, APPLICANTS.c.id_number_index,
                                   CASES.c.organisation_id).join(CASES, CASES.c.applicant_id == APPLICANTS.c.id)).all()
        self.indexes = {r.id_number_index for r in rows if r.id_number_index}
        self.people = {(r.name, r.birth_date.isoformat() if isinstance(r.birth_date, date) else str(r.birth_date),
                        names.get(r.organisation_id)) for r in rows}

    def has(self, person: LedgerPerson) -> bool:
        if person.id_number:
            return any(index in self.indexes for index in self.keys.indexes(person.id_number))
        return (person.name, person.birth.isoformat(), person.organisation) in self.people


def _cleaned(person: LedgerPerson) -> LedgerPerson:
    try:
        name, unit, phone, id_number = personal.cleaned(person.name, person.unit, person.phone, person.id_number)
    except FazhanError as problem:
        raise Rejected("姓名、单位或联系电话", str(problem)) from None
    return replace(person, name=name, unit=unit, phone=phone, id_number=id_number)


# What a worker sends back for one person: the final status and, per step, its rule set and findings. The person
# is not sent back (the parent has it), and neither is the work sent out: the forked workers inherit it.
Checked = tuple[Status, tuple[tuple[RuleSetId, tuple[Finding, ...]], ...]]
_WORK: list[tuple[LedgerPerson, bool]] = []  # set in the parent just before the workers are forked


def _check_range(start: int, stop: int, policy: Policy, calendar: WorkdayCalendar | None) -> list[Checked]:
    histories = (check_history(person, has_committee, policy, calendar) for person, has_committee in _WORK[start:stop])
    return [(h.status, tuple((s.rule_set, s.findings) for s in h.steps)) for h in histories]


def _rebuilt(person: LedgerPerson, checked: Checked) -> CheckedHistory:
    status, steps = checked
    return CheckedHistory(person, tuple(CheckedStep(dated, rule_set, findings)
                                        for dated, (rule_set, findings) in zip(person.steps, steps, strict=True)),
                          status)


def check_all(work: list[tuple[LedgerPerson, bool]], policy: Policy = DEFAULT_POLICY,
              calendar: WorkdayCalendar | None = None) -> list[CheckedHistory]:
    """Every history checked; a large 台账 is split over the machine's cores (the rules are pure functions)."""
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    # Forking a process that runs other threads (the web server's) could copy a lock held mid-way: serial there.
    if len(work) < POOL_FROM or workers < 2 or threading.active_count() > 1:
        return [check_history(person, has_committee, policy, calendar) for person, has_committee in work]
    default_calendar()  # loaded once here, inherited by the forked workers
    starts = range(0, len(work), POOL_CHUNK)
    _WORK[:] = work
    try:
        # fork: the workers run pure code only and leave with os._exit, so the parent's open transaction is untouched.
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            done = pool.map(_check_range, starts, [i + POOL_CHUNK for i in starts], [policy] * len(starts),
                            [calendar] * len(starts))
            checked = [c for chunk in done for c in chunk]
    finally:
        _WORK.clear()
    return [_rebuilt(person, c) for (person, _), c in zip(work, checked, strict=True)]


def assess_rows(rows: Iterable[RawRow], orgs: Organisations, known: Known | None, today: date,
                policy: Policy = DEFAULT_POLICY, calendar: WorkdayCalendar | None = None) -> Assessment:
    """Each row understood, checked against the rules and compared with what is on record."""
    result = Assessment()
    seen: dict[tuple[str, ...], RawRow] = {}
    understood: list[tuple[int, LedgerPerson, bool]] = []  # (position in outcomes, person, has_committee)
    for row in rows:
        try:
            person = understand(row, "", today)  # the row's own problems first, then where it belongs
            organisation = orgs.of(row)
            person = _cleaned(replace(person, organisation=organisation))
            if (first := seen.get(person.key)) is not None:
                raise Rejected("姓名", f"与{first.where}是同一人，同一份台账中只能出现一次。")
        except Rejected as rejected:
            result.outcomes.append(RowOutcome(row, Verdict.REJECTED, column=rejected.column, reason=rejected.reason))
            continue
        seen[person.key] = row
        org_id, has_committee = orgs.by_name[organisation]
        result.organisations[organisation] = org_id
        understood.append((len(result.outcomes), person, has_committee))
        result.outcomes.append(RowOutcome(row, Verdict.ACCEPTED))  # replaced once checked
    histories = check_all([(person, committee) for _, person, committee in understood], policy, calendar)
    for (position, person, _), history in zip(understood, histories, strict=True):
        if known is not None and known.has(person):
            verdict = Verdict.UNCHANGED
        else:
            verdict = Verdict.FINDINGS if history.findings else Verdict.ACCEPTED
        result.outcomes[position] = RowOutcome(result.outcomes[position].row, verdict, history)
    return result


def assess(conn: Connection, ledger: Ledger, org: str | None, today: date, policy: Policy = DEFAULT_POLICY,
           calendar: WorkdayCalendar | None = None) -> Assessment:
    orgs = Organisations.load(conn, org)
    return assess_rows(ledger.rows, orgs, Known(conn, orgs), today, policy, calendar)
