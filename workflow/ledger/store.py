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

from states.rulesets import RuleSetId
from states.steps import Status, Step
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
    if rows:
        _insert_tuples(raw, table, list(rows[0]), [tuple(raw.bind(row).values()) for row in rows])


def _insert_tuples(raw: Raw, table: str, names: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Rows already in the driver's form (``Raw.converter``): the bulk tables skip the per-value type look-up."""
    if not rows:
        return
    marks = ", ".join(("?" if raw.sqlite else "%s") for _ in names)
    raw.driver.cursor().executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows)


def applicant_values(keys: personal.PersonalKeys, person: LedgerPerson) -> dict[str, Any]:
    """The one place an imported person becomes an ``applicants`` row (ID and phone sealed, with the blind index)."""
    return {"name": person.name, "sex": person.sex, "birth_date": person.birth, "unit": person.unit,
            **personal.sealed(keys, person.id_number, person.phone)}


def _case_values(history: CheckedHistory, applicant_id: int, org_id: int, today: date) -> dict[str, Any]:
    status = history.status
    closed = history.steps[-1].step.on.on if status.is_terminal and status is not Status.FULL_MEMBER else None
    return {"applicant_id": applicant_id, "organisation_id": org_id, "status": status.value,
            "version": len(history.steps), "opened_on": today, "closed_on": closed}


STEP_COLUMNS = ("id", "case_id", "step", "done_on", "recorded_at", "actor", "actor_role", "rule_set", "evidence",
                "documents", "backfilled", "backfill_reason")
VIOLATION_COLUMNS = ("case_id", "step_record_id", "rule", "article", "message", "due_by", "grave")
ENTRY_COLUMNS = ("case_id", "import_id", "sheet", "row_number", "ethnicity", "education", "remark", "imprecise",
                 "notes")
_VALUES = {**{s: s.value for s in Step}, **{r: r.value for r in RuleSetId}}  # an enum's .value is a slow property


def _json_ready(evidence: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v if type(v) is str else to_json(v) for k, v in evidence.items()}


class _Rows:
    """The rows of every table, gathered before the inserts; steps, violations and entries as driver tuples."""

    def __init__(self) -> None:
        self.applicants: list[dict[str, Any]] = []
        self.cases: list[dict[str, Any]] = []
        self.steps: list[tuple[Any, ...]] = []
        self.violations: list[tuple[Any, ...]] = []
        self.entries: list[tuple[Any, ...]] = []
        self.digested: list[tuple[int, int, str, date, bool]] = []  # what the audit digest covers, per step row
        self.rules: dict[int, list[str]] = {}  # step row id → the rules it broke


def _gather(conn: Connection, raw: Raw, accepted: list[Any], orgs: Mapping[str, int], source: Source,
            import_id: int) -> _Rows:
    keys = personal.keys_for(conn)
    rows = _Rows()
    day, document, text = raw.converter(date), raw.converter(dict), _VALUES.__getitem__
    recorded_at, no_documents = raw.converter(datetime)(source.recorded_at), raw.converter(list)([])
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
            step_id, dated = next(step_ids), checked.step
            step, on = text(dated.step), dated.on.on
            rows.steps.append((step_id, case_id, step, day(on), recorded_at, source.actor, source.actor_role,
                               text(checked.rule_set), document(_json_ready(dated.evidence)), no_documents, True,
                               reason))
            rows.digested.append((step_id, case_id, step, on, True))
            if checked.findings:
                rows.rules[step_id] = [f.rule for f in checked.findings]
                rows.violations += [(case_id, step_id, f.rule, f.article, f.message,
                                     day(f.due_by) if f.due_by else None, f.grave) for f in checked.findings]
        rows.entries.append((case_id, import_id, outcome.row.sheet, outcome.row.number, person.ethnicity,
                             person.education, person.remark, document(list(person.imprecise)),
                             document(list(person.notes))))
    return rows


def write(conn: Connection, assessment: Assessment, source: Source) -> tuple[int, int, list[int]]:
    """Insert the accepted rows, the import and its audit event; returns (import id, audit seq, case ids)."""
    raw = Raw(conn)
    accepted = [o for o in assessment.outcomes if o.verdict in {Verdict.ACCEPTED, Verdict.FINDINGS}]
    import_id = _reserve(raw, "ledger_imports", 1)[0]
    rows = _gather(conn, raw, accepted, assessment.organisations, source, import_id)
    _insert(raw, "applicants", rows.applicants)
    _insert(raw, "cases", rows.cases)
    _insert_tuples(raw, "step_records", STEP_COLUMNS, rows.steps)
    _insert_tuples(raw, "violations", VIOLATION_COLUMNS, rows.violations)
    case_ids = [c["id"] for c in rows.cases]
    seq = audit.append(conn, kind="ledger_imported", actor=source.actor, actor_role=source.actor_role,
                       recorded_at=source.recorded_at, payload={
                           "sha256": source.sha256, "filename": source.filename, "rows": source.rows,
                           "imported": len(case_ids), "unchanged": assessment.count(Verdict.UNCHANGED),
                           "rejected": assessment.count(Verdict.REJECTED), "violations": len(rows.violations),
                           "steps": len(rows.steps), "import_id": import_id, "case_ranges": ranges(case_ids),
                           "last_step_id": rows.steps[-1][0] if rows.steps else None,
                           "steps_sha256": digest(rows.digested, rows.rules)})
    _insert(raw, "ledger_imports", [{
        "id": import_id, "sha256": source.sha256, "filename": source.filename,
        "organisation_id": source.organisation_id, "rows": source.rows, "imported": len(case_ids),
        "unchanged": assessment.count(Verdict.UNCHANGED), "rejected": assessment.count(Verdict.REJECTED),
        "audit_seq": seq, "imported_at": source.recorded_at}])
    _insert_tuples(raw, "ledger_entries", ENTRY_COLUMNS, rows.entries)
    return import_id, seq, case_ids
