"""Writing an assessed 台账 in one transaction: bulk inserts on the driver, and ONE audit event for the import.

Row ids are reserved up front (PostgreSQL: from the sequences; SQLite: above the current maximum, under the write
lock BEGIN IMMEDIATE takes), so applicants, cases, steps and violations are each one ``executemany``: the per-row
price of Core statements (``workflow/fastsql.py``) would otherwise cap the import far below 1,000 people a second.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from states.steps import Status
from workflow import audit, personal
from workflow.evidence import to_json
from workflow.fastsql import Raw
from workflow.ledger.assess import Assessment, Verdict
from workflow.ledger.checking import CheckedHistory
from workflow.ledger.rows import LedgerPerson
from workflow.ledger.trail import digest, ranges


@dataclass(frozen=True)
class Source:
    """Where the rows came from and who imports them."""

    filename: str
    sha256: str
    rows: int
    actor: str
    actor_role: str
    recorded_at: datetime
    today: date
    organisation_id: int | None


def _reserve(raw: Raw, table: str, n: int) -> list[int]:
    if n == 0:
        return []
    if raw.sqlite:
        top = raw.driver.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0]
        return list(range(top + 1, top + n + 1))
    cursor = raw.driver.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",
                                (n,))
    return [int(r[0]) for r in cursor.fetchall()]


def _insert(raw: Raw, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    if not rows:
        return
    names = list(rows[0])
    marks = ", ".join(("?" if raw.sqlite else "%s") for _ in names)
    statement = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"
    values = [tuple(raw.bind(row).values()) for row in rows]
    raw.driver.cursor().executemany(statement, values)


def applicant_values(keys: personal.PersonalKeys, person: LedgerPerson) -> dict[str, Any]:
    """The one place an imported person becomes an ``applicants`` row (ID and phone sealed, with the blind index)."""
    return {"name": person.name, "sex": person.sex, "birth_date": person.birth, "unit": person.unit,
            **personal.sealed(keys, person.id_number, person.phone)}


def _case_values(history: CheckedHistory, applicant_id: int, org_id: int, today: date) -> dict[str, Any]:
    status = history.status
    closed = history.steps[-1].step.on.on if status.is_terminal and status is not Status.FULL_MEMBER else None
    return {"applicant_id": applicant_id, "organisation_id": org_id, "status": status.value,
            "version": len(history.steps), "opened_on": today, "closed_on": closed}


class _Rows:
    """The rows of every table, gathered before the inserts."""

    def __init__(self) -> None:
        self.applicants: list[dict[str, Any]] = []
        self.cases: list[dict[str, Any]] = []
        self.steps: list[dict[str, Any]] = []
        self.violations: list[dict[str, Any]] = []
        self.entries: list[dict[str, Any]] = []


def _gather(conn: Connection, raw: Raw, accepted: list[Any], orgs: Mapping[str, int], source: Source,
            import_id: int) -> _Rows:
    keys = personal.keys_for(conn)
    rows = _Rows()
    applicant_ids = _reserve(raw, "applicants", len(accepted))
    case_ids = _reserve(raw, "cases", len(accepted))
    step_ids = iter(_reserve(raw, "step_records", sum(len(o.history.steps) for o in accepted)))
    for outcome, applicant_id, case_id in zip(accepted, applicant_ids, case_ids, strict=True):
        history: CheckedHistory = outcome.history
        person = history.person
        rows.applicants.append({"id": applicant_id, **applicant_values(keys, person)})
        rows.cases.append({"id": case_id, **_case_values(history, applicant_id, orgs[person.organisation], source.today)})
        reason = f"据台账补录：{source.filename}，{outcome.row.where}"
        for checked in history.steps:
            step_id = next(step_ids)
            rows.steps.append({
                "id": step_id, "case_id": case_id, "step": checked.step.step.value, "done_on": checked.step.on.on,
                "recorded_at": source.recorded_at, "actor": source.actor, "actor_role": source.actor_role,
                "rule_set": checked.rule_set.value,
                "evidence": {k: to_json(v) for k, v in checked.step.evidence.items()}, "documents": [],
                "backfilled": True, "backfill_reason": reason})
            rows.violations += [{"case_id": case_id, "step_record_id": step_id, "rule": f.rule, "article": f.article,
                                 "message": f.message, "due_by": f.due_by, "grave": f.grave} for f in checked.findings]
        rows.entries.append({"case_id": case_id, "import_id": import_id, "sheet": outcome.row.sheet,
                             "row_number": outcome.row.number, "ethnicity": person.ethnicity,
                             "education": person.education, "remark": person.remark,
                             "imprecise": list(person.imprecise), "notes": list(person.notes)})
    return rows


def _digest(rows: _Rows) -> str:
    rules: dict[int, list[str]] = {}
    for v in rows.violations:
        rules.setdefault(v["step_record_id"], []).append(v["rule"])
    return digest(((s["id"], s["case_id"], s["step"], s["done_on"], s["backfilled"]) for s in rows.steps), rules)


def write(conn: Connection, assessment: Assessment, source: Source) -> tuple[int, int, list[int]]:
    """Insert the accepted rows, the import and its audit event; returns (import id, audit seq, case ids)."""
    raw = Raw(conn)
    accepted = [o for o in assessment.outcomes if o.verdict in {Verdict.ACCEPTED, Verdict.FINDINGS}]
    import_id = _reserve(raw, "ledger_imports", 1)[0]
    rows = _gather(conn, raw, accepted, assessment.organisations, source, import_id)
    for table, values in (("applicants", rows.applicants), ("cases", rows.cases), ("step_records", rows.steps),
                          ("violations", rows.violations)):
        _insert(raw, table, values)
    case_ids = [c["id"] for c in rows.cases]
    seq = audit.append(conn, kind="ledger_imported", actor=source.actor, actor_role=source.actor_role,
                       recorded_at=source.recorded_at, payload={
                           "sha256": source.sha256, "filename": source.filename, "rows": source.rows,
                           "imported": len(case_ids), "unchanged": assessment.count(Verdict.UNCHANGED),
                           "rejected": assessment.count(Verdict.REJECTED), "violations": len(rows.violations),
                           "steps": len(rows.steps), "import_id": import_id, "case_ranges": ranges(case_ids),
                           "last_step_id": rows.steps[-1]["id"] if rows.steps else None,
                           "steps_sha256": _digest(rows)})
    _insert(raw, "ledger_imports", [{
        "id": import_id, "sha256": source.sha256, "filename": source.filename,
        "organisation_id": source.organisation_id, "rows": source.rows, "imported": len(case_ids),
        "unchanged": assessment.count(Verdict.UNCHANGED), "rejected": assessment.count(Verdict.REJECTED),
        "audit_seq": seq, "imported_at": source.recorded_at}])
    _insert(raw, "ledger_entries", rows.entries)
    return import_id, seq, case_ids
