"""Writing an assessed 台账 in one transaction: bulk inserts on the driver, and ONE audit event for the import.

The rows come ready-made from the checking processes (``workflow/ledger/prepare.py``); the writer inserts them
in batches while the next rows are still being checked. Row ids are handed out in row order (PostgreSQL: from
the sequences; SQLite: above the current maximum, under the write lock BEGIN IMMEDIATE takes), so each batch is
one ``executemany`` per table: the per-row price of Core statements (``workflow/fastsql.py``) would otherwise cap
the import far below 1,000 people a second. The audit digest (``trail.digest``) is hashed batch by batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from workflow import audit, personal
from workflow.fastsql import Raw
from workflow.ledger.assess import Assessment, Organisations, Verdict
from workflow.ledger.prepare import PersonRows, Prepare
from workflow.ledger.trail import ranges


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


def _top(raw: Raw, table: str) -> int:
    return int(raw.driver.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0])


def _reserve(raw: Raw, table: str, n: int) -> list[int]:
    if n == 0:
        return []
    if raw.sqlite:
        top = _top(raw, table)
        return list(range(top + 1, top + n + 1))
    cursor = raw.driver.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",
                                (n,))
    return [int(r[0]) for r in cursor.fetchall()]


def _insert_tuples(raw: Raw, table: str, names: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Rows already in the driver's form (``Raw.converter``): the bulk tables skip the per-value type look-up."""
    if not rows:
        return
    marks = ", ".join(("?" if raw.sqlite else "%s") for _ in names)
    raw.driver.cursor().executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows)


APPLICANT_COLUMNS = ("id", "name", "sex", "birth_date", "unit", "id_number", "id_number_index", "contact")
CASE_COLUMNS = ("id", "applicant_id", "organisation_id", "status", "version", "opened_on", "closed_on")
STEP_COLUMNS = ("id", "case_id", "step", "done_on", "recorded_at", "actor", "actor_role", "rule_set", "evidence",
                "documents", "backfilled", "backfill_reason")
VIOLATION_COLUMNS = ("case_id", "step_record_id", "rule", "article", "message", "due_by", "grave")
ENTRY_COLUMNS = ("case_id", "import_id", "sheet", "row_number", "ethnicity", "education", "remark", "imprecise",
                 "notes")
FLUSH = 500  # people gathered before their rows are inserted


class Writer:
    """Inserts the people of an import as the checks hand them over, in row order; then the import and its event.

    Used inside the import's one transaction: what it wrote goes only with the commit, so a refused import (a
    rejected row, not ``partial``) writes nothing once the rejection is seen and is rolled back as a whole. On
    PostgreSQL an import that may still be refused keeps its people until the end (a rolled-back transaction
    does not give back the sequence numbers it took, and the ids must be those the import always gave).
    """

    def __init__(self, conn: Connection, source: Source, partial: bool) -> None:
        self.conn, self.raw, self.source, self.partial = conn, Raw(conn), source, partial
        # PostgreSQL sequences do not roll back: an import that may yet be refused takes no ids before the end
        self.stream = self.raw.sqlite or partial
        self.refused = False
        self.pending: list[PersonRows] = []
        self.case_ids: list[int] = []
        self.entries: list[tuple[Any, ...]] = []
        self.steps = self.violations = 0
        self.last_step_id: int | None = None
        self.sha = hashlib.sha256(b"[")  # ``trail.digest`` over the step rows, one JSON item at a time
        self.first_item = True
        # SQLite hands out ids above the current maximum (the write lock is held since BEGIN IMMEDIATE)
        self.tops = {t: _top(self.raw, t) for t in ("applicants", "cases", "step_records")} if self.raw.sqlite else {}

    def prepare(self, orgs: Organisations) -> Prepare:
        s = self.source
        return Prepare(personal.keys_for(self.conn), self.raw.converter(date),
                       self.raw.converter(datetime)(s.recorded_at), s.actor, s.actor_role, s.filename, s.today,
                       {name: org_id for name, (org_id, _) in orgs.by_name.items()})

    def rejected(self) -> None:
        if not self.partial:
            self.refused, self.pending = True, []  # nothing will be committed: stop writing

    def add(self, rows: PersonRows) -> None:
        if self.refused:
            return
        self.pending.append(rows)
        if self.stream and len(self.pending) >= FLUSH:
            self._flush()

    def _ids(self, table: str, n: int) -> list[int] | range:
        if not self.raw.sqlite:
            return _reserve(self.raw, table, n)
        top = self.tops[table]
        self.tops[table] = top + n
        return range(top + 1, top + n + 1)

    def _flush(self) -> None:
        for start in range(0, len(self.pending), FLUSH):
            self._insert(self.pending[start:start + FLUSH])
        self.pending = []

    def _insert(self, people: list[PersonRows]) -> None:
        applicant_ids = self._ids("applicants", len(people))
        case_ids = self._ids("cases", len(people))
        step_ids = iter(self._ids("step_records", sum(len(p.steps) for p in people)))
        applicants, cases, steps, violations, entries, items = [], [], [], [], [], []
        step_id = self.last_step_id
        for person, applicant_id, case_id in zip(people, applicant_ids, case_ids, strict=True):
            applicants.append((applicant_id, *person.applicant))
            cases.append((case_id, applicant_id, *person.case))
            head = f",{case_id},"
            for step, broken, item in zip(person.steps, person.violations, person.digested, strict=True):
                step_id = next(step_ids)
                steps.append((step_id, case_id, *step))
                items.append(f"[{step_id}{head}{item}")
                if broken:
                    violations += [(case_id, step_id, *v) for v in broken]
            entries.append((case_id, *person.entry))
        raw = self.raw
        _insert_tuples(raw, "applicants", APPLICANT_COLUMNS, applicants)
        _insert_tuples(raw, "cases", CASE_COLUMNS, cases)
        _insert_tuples(raw, "step_records", STEP_COLUMNS, steps)
        _insert_tuples(raw, "violations", VIOLATION_COLUMNS, violations)
        self.entries += entries  # inserted after their import row (a foreign key), which is written last
        self.case_ids += case_ids
        self.steps += len(steps)
        self.violations += len(violations)
        self.last_step_id = step_id
        if items:
            self.sha.update(("" if self.first_item else ",").encode() + ",".join(items).encode())
            self.first_item = False

    def finish(self, assessment: Assessment) -> tuple[int, int, list[int]]:
        """The rest of the people, the import row and its ONE audit event; returns (import id, audit seq, case ids)."""
        self._flush()
        source, case_ids = self.source, self.case_ids
        import_id = _reserve(self.raw, "ledger_imports", 1)[0]
        self.sha.update(b"]")
        unchanged, rejected = assessment.count(Verdict.UNCHANGED), assessment.count(Verdict.REJECTED)
        seq = audit.append(self.conn, kind="ledger_imported", actor=source.actor, actor_role=source.actor_role,
                           recorded_at=source.recorded_at, payload={
                               "sha256": source.sha256, "filename": source.filename, "rows": source.rows,
                               "imported": len(case_ids), "unchanged": unchanged, "rejected": rejected,
                               "violations": self.violations, "steps": self.steps, "import_id": import_id,
                               "case_ranges": ranges(case_ids), "last_step_id": self.last_step_id,
                               "steps_sha256": self.sha.hexdigest()})
        row = {"id": import_id, "sha256": source.sha256, "filename": source.filename,
               "organisation_id": source.organisation_id, "rows": source.rows, "imported": len(case_ids),
               "unchanged": unchanged, "rejected": rejected, "audit_seq": seq, "imported_at": source.recorded_at}
        _insert_tuples(self.raw, "ledger_imports", list(row), [tuple(self.raw.bind(row).values())])
        _insert_tuples(self.raw, "ledger_entries", ENTRY_COLUMNS, [(e[0], import_id, *e[1:]) for e in self.entries])
        return import_id, seq, case_ids


BULK_CACHE_KIB = 256 * 1024  # SQLite page cache during an import: the new rows' index pages stay in memory


@contextmanager
def bulk_cache(conn: Connection) -> Iterator[None]:
    """A larger SQLite page cache for the import's transaction, then the connection's own again.

    One transaction writes ~4 KB a person; with the default 2 MB cache SQLite spills dirty pages to the WAL
    before the commit and reads index pages back. Durability is untouched: journal, synchronous and the single
    commit stay as they are; only how much is kept in memory changes.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    driver = conn.connection.driver_connection
    before = driver.execute("PRAGMA cache_size").fetchone()[0]
    driver.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        driver.execute(f"PRAGMA cache_size = {int(before)}")
