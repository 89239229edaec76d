"""What an import would do, row by row, without writing: accepted, accepted with findings, unchanged, rejected.

The dry run and the real import share this: the real one writes exactly the rows assessed here. A large 台账 is
handled in forked worker processes (understood, checked, made into table rows: ``workflow/ledger/prepare.py``),
chunk by chunk and in row order, and the import's writer inserts each chunk while the next ones are checked.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Protocol

from sqlalchemy import Connection, select

from states.engine import default_calendar
from states.rulesets import DEFAULT_POLICY, Policy
from states.workdays import WorkdayCalendar
from workflow import personal, roster
from workflow.ledger.checking import CheckedHistory
from workflow.ledger.prepare import Checking, Handled, PersonRows, Prepare, Returned, ReturnedHistory
from workflow.ledger.reader import Ledger, RawRow
from workflow.ledger.rows import LedgerPerson, Rejected
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
    history: CheckedHistory | ReturnedHistory | None = None  # ReturnedHistory: checked in a worker
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
        if person.id_number:  # no index on record (a first import): no need to work out this one's
            return bool(self.indexes) and any(index in self.indexes for index in self.keys.indexes(person.id_number))
        return (person.name, person.birth.isoformat(), person.organisation) in self.people


# The rows a worker handles: set in the importing process just before the workers are forked, inherited by them.
_JOB: list[tuple[Checking, list[RawRow]]] = []


def _handle_range(start: int, stop: int) -> list[Handled]:
    checking, rows = _JOB[0]
    return [checking.handle(row, keep=False) for row in rows[start:stop]]


def _pooled(rows: int) -> bool:
    # Forking a process that runs other threads (the web server's) could copy a lock held mid-way: serial there.
    return rows >= POOL_FROM and _workers() >= 2 and threading.active_count() == 1


def _workers() -> int:
    return min(os.cpu_count() or 1, MAX_WORKERS)


def _handled(rows: list[RawRow], checking: Checking) -> Iterator[Handled]:
    """Each row handled, in order; a large 台账 is split over the machine's cores (the rules are pure functions).

    The chunks come back in order while the workers go on with the next ones, so the caller writes chunk k
    while chunk k+1 is being checked.
    """
    if not _pooled(len(rows)):
        for row in rows:
            yield checking.handle(row, keep=True)
        return
    default_calendar()  # loaded once here, inherited by the forked workers
    starts = range(0, len(rows), POOL_CHUNK)
    _JOB[:] = [(checking, rows)]
    # fork: the workers run pure code only and leave with os._exit, so the parent's open transaction is untouched.
    pool = ProcessPoolExecutor(_workers(), mp_context=multiprocessing.get_context("fork"))
    try:
        for chunk in pool.map(_handle_range, starts, [i + POOL_CHUNK for i in starts]):
            yield from chunk
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _JOB.clear()


class Sink(Protocol):
    """Where the rows of the people to import go as soon as they are known (``workflow/ledger/store.Writer``)."""

    def add(self, rows: PersonRows) -> None: ...

    def rejected(self) -> None: ...


def _nobody(_person: LedgerPerson) -> bool:
    return False


def assess_rows(rows: list[RawRow], orgs: Organisations, known: Known | None, today: date,
                policy: Policy = DEFAULT_POLICY, calendar: WorkdayCalendar | None = None, *,
                prepare: Prepare | None = None, sink: Sink | None = None) -> Assessment:
    """Each row understood, checked against the rules and compared with what is on record.

    With ``prepare`` and ``sink``, the rows of each person to import are handed to ``sink`` in row order.
    """
    result = Assessment()
    seen: dict[tuple[str, ...], RawRow] = {}
    has_committee = {name: committee for name, (_, committee) in orgs.by_name.items()}
    checking = Checking(has_committee, orgs.of, known.has if known else _nobody, today, policy, calendar, prepare)
    handled_rows = _handled(rows, checking)
    with closing(handled_rows):  # a failed write stops the workers at once, not when the traceback is dropped
        for row, handled in zip(rows, handled_rows, strict=True):
            if not isinstance(handled, Returned):
                column, reason = handled
            elif (first := seen.get(handled.key)) is not None:
                column, reason = "姓名", f"与{first.where}是同一人，同一份台账中只能出现一次。"
            else:
                seen[handled.key] = row
                result.organisations[handled.organisation] = orgs.by_name[handled.organisation][0]
                if handled.known:
                    verdict = Verdict.UNCHANGED
                else:
                    verdict = Verdict.FINDINGS if handled.findings else Verdict.ACCEPTED
                    if sink is not None and handled.rows is not None:
                        sink.add(handled.rows)
                history = handled.history or ReturnedHistory(row, handled, checking)
                result.outcomes.append(RowOutcome(row, verdict, history))
                continue
            result.outcomes.append(RowOutcome(row, Verdict.REJECTED, column=column, reason=reason))
            if sink is not None:
                sink.rejected()
    return result


def assess(conn: Connection, ledger: Ledger, org: str | None, today: date, policy: Policy = DEFAULT_POLICY,
           calendar: WorkdayCalendar | None = None, *, prepare: Callable[[Organisations], Prepare] | None = None,
           sink: Sink | None = None) -> Assessment:
    orgs = Organisations.load(conn, org)
    return assess_rows(ledger.rows, orgs, Known(conn, orgs), today, policy, calendar,
                       prepare=prepare(orgs) if prepare else None, sink=sink)
