"""The two contenders of ``bench/advance.py`` and the database they start from (not timed).

* ``Engine``: ``workflow.services.advance``, one call per step, on SQLite or PostgreSQL.
* ``SqliteBaseline`` / ``PsycopgBaseline``: the raw driver (stdlib ``sqlite3``, ``psycopg`` 3) doing the same
  reads and writes with hand-written SQL and no rule checks, with the statuses and rule set the engine would
  reach computed once beforehand: the storage cost. They MAC each event with the same audit key
  (``workflow.audit.event_mac``) and write the same rows (``--compare`` checks it on SQLite).
  With ``outbox=True`` they also do the step's outbox I/O as the engine's planner does it (read the case's
  notice rows, update the ones whose status changes, insert the new ones), the rows taken from an
  ``OutboxScript`` recorded before the clock starts; with ``outbox=False`` they are the older baseline
  (no notices), kept so a ratio can be read against both.

Each contender runs the applicants it is given, ``run(first, last)``, so that the driver can interleave
the two in chunks: both then meet the same load on a shared machine.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import zip_longest
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from interfaces.demo import DEMO_BIRTH_DATE, DEMO_HISTORY
from states.facts import ApplicantFacts
from states.procedure import FieldKind, spec_for
from workflow import audit, keys, roster, services
from workflow.clock import FixedClock
from workflow.db import make_engine, upgrade
from workflow.evidence import parse_evidence, to_json
from workflow.machine import Case, fire
from workflow.services import Actor, StepRequest
from workflow.tables import Notice

HISTORY = DEMO_HISTORY[:11]  # application_submitted … political_review_passed
STEPS_PER_APPLICANT = len(HISTORY)
SETUP_DAY = date(2024, 3, 1)  # the roster and the cases exist before the first act
TODAY = date(2025, 10, 1)  # after the last act; all acts but the last are back-fills (> 30 days) with a reason
BACKFILL_REASON = "据纸质档案补录"
ACTOR = Actor("王芳", "书记")
COMMITTEE, BRANCH = "某大学党委", "计算机学院党支部"
MEMBERS = (("王芳", "正式", date(2010, 1, 1)), ("赵强", "正式", date(2012, 1, 1)), ("钱多", "预备", date(2024, 9, 1)))
CHUNK = 5_000  # bulk inserts in chunks: setup memory stays flat too


# ---------------------------------------------------------------- setup (not timed)


def setup(url: str, applicants: int) -> None:
    """A freshly migrated database: two organisations, the roster, ``applicants`` people each with a new case."""
    upgrade(url)
    engine = make_engine(url)
    clock = FixedClock.on(SETUP_DAY)
    services.add_organisation(engine, clock, ACTOR, name=COMMITTEE, kind="基层党委", may_approve=True)
    services.add_organisation(engine, clock, ACTOR, name=BRANCH, kind="党支部", parent=COMMITTEE)
    for name, standing, since in MEMBERS:
        services.add_member(engine, clock, ACTOR, name=name, organisation=BRANCH, standing=standing, since=since)
    with engine.begin() as conn:
        org_id = roster.organisation_id(conn, BRANCH)
        for start in range(1, applicants + 1, CHUNK):
            ids = range(start, min(start + CHUNK, applicants + 1))
            conn.execute(insert(services.APPLICANTS), [
                {"id": i, "name": f"申请人{i:06d}", "sex": "男" if i % 2 else "女", "birth_date": DEMO_BIRTH_DATE}
                for i in ids])
            conn.execute(insert(services.CASES), [
                {"id": i, "applicant_id": i, "organisation_id": org_id, "status": "new", "version": 0,
                 "opened_on": SETUP_DAY, "closed_on": None} for i in ids])
        audit.append(conn, kind="cases_imported", actor=ACTOR.name, actor_role=ACTOR.role, recorded_at=clock.now(),
                     payload={"organisation": BRANCH, "cases": applicants, "first_case_id": 1})
    engine.dispose()


def requests() -> list[StepRequest]:
    """The eleven requests, parsed once as a secretary would type them (parsing is not part of ``advance``)."""
    made = []
    for slug, on, typed in HISTORY:
        spec = spec_for(slug)
        made.append(StepRequest(spec.step, on, parse_evidence(spec, typed), backfill_reason=BACKFILL_REASON))
    return made


# ---------------------------------------------------------------- engine


class Engine:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.clock = FixedClock.on(TODAY)
        self.steps = requests()

    def run(self, first: int, last: int) -> None:
        for case_id in range(first, last + 1):
            for request in self.steps:
                services.advance(self.engine, self.clock, ACTOR, case_id, request)

    def close(self) -> None:
        self.engine.dispose()


# ---------------------------------------------------------------- the outbox I/O of each step, recorded


NOTICE_COLUMNS = ("case_id", "kind", "due_on", "reminder_offset", "send_on", "recipient", "channel", "status",
                  "subject", "body", "attempts", "late", "created_at", "detail")
CHANGING = ("status", "send_on", "detail")  # what planning may change on a stored row
NoticeKey = tuple[str, date, str, str, int]


@dataclass(frozen=True)
class OutboxStep:
    """What one step does to its case's outbox: rows updated (found by key) and rows inserted, in order."""

    updates: tuple[tuple[NoticeKey, dict[str, Any]], ...]
    inserts: tuple[dict[str, Any], ...]  # without case_id


def _notice_key(row: Any) -> NoticeKey:
    return (row["kind"], row["due_on"], row["recipient"], row["channel"], row["reminder_offset"])


def outbox_script(folder: Path) -> list[OutboxStep]:
    """The outbox writes of each of the eleven steps, taken from the engine advancing one applicant on a scratch
    database set up like the measured ones (same roster, same ids). Every applicant has the same history, so
    each step's rows are the same but for ``case_id``: recorded once here, before any timing."""
    from notices import planning

    planning.install()
    url = f"sqlite:///{folder / 'outbox-script.db'}"
    setup(url, 1)
    engine = make_engine(url)
    clock = FixedClock.on(TODAY)
    notices = Notice.__table__  # type: ignore[attr-defined]
    script, before = [], dict[int, dict[str, Any]]()
    for request in requests():
        services.advance(engine, clock, ACTOR, 1, request)
        with engine.connect() as conn:
            after = {r["id"]: dict(r) for r in conn.execute(select(notices).order_by(notices.c.id)).mappings()}
        updates = []
        for number, row in after.items():
            old = before.get(number)
            if old is not None and old != row:
                if any(old[k] != row[k] for k in row if k not in CHANGING):
                    raise SystemExit(f"planning changed more than {CHANGING} of a notice row: {old} -> {row}")
                updates.append((_notice_key(row), {k: row[k] for k in CHANGING}))
        inserts = tuple({k: row[k] for k in NOTICE_COLUMNS if k != "case_id"} for number, row in after.items()
                        if number not in before)
        script.append(OutboxStep(tuple(updates), inserts))
        before = after
    engine.dispose()
    return script


# ---------------------------------------------------------------- baselines: the storage cost alone

LOAD_CASE = ("SELECT cases.id, cases.status, cases.version, cases.organisation_id, applicants.birth_date, "
             "organisations.has_committee FROM cases JOIN applicants ON applicants.id = cases.applicant_id "
             "JOIN organisations ON organisations.id = cases.organisation_id WHERE cases.id = ?")
LOAD_STEPS = "SELECT id, step, done_on, evidence, rule_set FROM step_records WHERE case_id = ? ORDER BY id"
MEMBERS_NAMED = "SELECT id, organisation_id FROM members WHERE name = ?"
STANDING_ON = ("SELECT standing FROM member_standings WHERE member_id = ? AND from_on <= ? "
               "AND (until_on IS NULL OR until_on > ?) ORDER BY from_on DESC")
SET_STATUS = "UPDATE cases SET status = ?, version = ?, closed_on = ? WHERE id = ? AND version = ?"
INSERT_STEP = ("INSERT INTO step_records (case_id, step, done_on, recorded_at, actor, actor_role, rule_set, "
               "evidence, documents, backfilled, backfill_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
READ_HEAD = "SELECT seq, hash, key_id FROM audit_head WHERE id = 1"
INSERT_EVENT = ("INSERT INTO audit_events (seq, kind, case_id, actor, actor_role, effective_on, recorded_at, "
                "rule_set, payload, prev_hash, hash, key_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
MOVE_HEAD = "UPDATE audit_head SET seq = ?, hash = ?, key_id = ? WHERE id = 1"
CASE_NOTICES = ("SELECT id, kind, due_on, recipient, channel, reminder_offset, status, send_on, detail FROM notices"
                " WHERE case_id = ?")
UPDATE_NOTICE = "UPDATE notices SET status = ?, send_on = ?, detail = ? WHERE id = ?"
INSERT_NOTICE = (f"INSERT INTO notices ({', '.join(NOTICE_COLUMNS)}) VALUES ({', '.join('?' * len(NOTICE_COLUMNS))})"
                 " ON CONFLICT DO NOTHING")


@dataclass(frozen=True)
class PlannedStep:
    """What the engine will write for one step, worked out once by the pure rules before the clock starts."""

    step: str
    on: date
    evidence: dict[str, Any]  # JSON-ready; people fields are filled from the roster at run time
    people_field: str | None
    people: tuple[str, ...]
    status: str
    rule_set: str
    violations: tuple[str, ...]
    backfilled: bool

    @property
    def reason(self) -> str | None:
        return BACKFILL_REASON if self.backfilled else None


def plan_steps() -> list[PlannedStep]:
    case = Case(ApplicantFacts(birth_date=DEMO_BIRTH_DATE, branch_has_committee=True))
    planned = []
    for request in requests():
        spec = spec_for(request.step.value)
        verdict = fire(case, request.step, request.on, request.evidence)
        people_field = next((f.key for f in spec.evidence if f.kind is FieldKind.PEOPLE and f.key in request.evidence),
                            None)
        names = tuple(p.name for p in request.evidence[people_field]) if people_field else ()
        planned.append(PlannedStep(request.step.value, request.on,
                                   {k: to_json(v) for k, v in request.evidence.items()}, people_field, names,
                                   case.state.value, verdict.rule_set.value, tuple(v.rule for v in verdict.violations),
                                   TODAY - request.on > services.BACKFILL_AFTER))
    if any(p.violations for p in planned):
        raise SystemExit("the history now records violations: the baseline would have to write them too")
    return planned


def _sqlite_text(moment: datetime) -> str:
    """How ``tables.UtcDateTime`` stores a moment on SQLite: in UTC, no zone, SQLAlchemy's DATETIME format."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _payload(p: PlannedStep, step_id: int, evidence: dict[str, Any]) -> dict[str, Any]:
    return {"version": audit.PAYLOAD_VERSION, "step": p.step, "done_on": p.on.isoformat(), "step_record_id": step_id,
            "evidence": evidence, "documents": [], "override": None, "violations": list(p.violations),
            "backfilled": p.backfilled, "backfill_reason": p.reason}


def _event(case_id: int, p: PlannedStep, seq: int, prev_hash: str, recorded_at: datetime,
           key: keys.AuditKey) -> dict[str, Any]:
    """The event's fields but its payload (``audit.event_mac_with`` takes the payload as its canonical text)."""
    return {"seq": seq, "kind": "step_recorded", "case_id": case_id, "actor": ACTOR.name, "actor_role": ACTOR.role,
            "effective_on": p.on, "recorded_at": recorded_at, "rule_set": p.rule_set,
            "prev_hash": prev_hash, "key_id": key.id}


class SqliteBaseline:
    """stdlib ``sqlite3``: WAL, ``synchronous=NORMAL``, ``BEGIN IMMEDIATE`` per step, as ``workflow.db`` sets up."""

    def __init__(self, url: str, outbox: list[OutboxStep] | None = None) -> None:
        self.planned = plan_steps()
        self.now = FixedClock.on(TODAY).now()
        self.key = keys.store_for_url(url).current()
        # the outbox rows as this driver takes them: dates as ISO text, moments as SQLAlchemy's UTC text
        self.outbox = [OutboxStep(tuple((key, (u["status"], u["send_on"].isoformat(), u["detail"]))
                                        for key, u in o.updates),
                                  tuple(tuple(_sqlite_value(r[k]) for k in NOTICE_COLUMNS[1:]) for r in o.inserts))
                       for o in outbox] if outbox is not None else None
        self.con = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        for pragma in ("foreign_keys=ON", "busy_timeout=30000", "journal_mode=WAL", "synchronous=NORMAL"):
            self.con.execute(f"PRAGMA {pragma}")
        self.cur = self.con.cursor()

    def run(self, first: int, last: int) -> None:
        for case_id in range(first, last + 1):
            for number, p in enumerate(self.planned):
                self._step(case_id, p, self.outbox[number] if self.outbox is not None else None)

    def _step(self, case_id: int, p: PlannedStep, outbox: OutboxStep | None = None) -> None:
        cur, key = self.cur, self.key
        cur.execute("BEGIN IMMEDIATE")
        row = cur.execute(LOAD_CASE, (case_id,)).fetchone()
        cur.execute(LOAD_STEPS, (case_id,)).fetchall()
        on = p.on.isoformat()
        evidence = dict(p.evidence)
        if p.people_field:
            people = []
            for name in p.people:
                member = cur.execute(MEMBERS_NAMED, (name,)).fetchall()[0][0]
                standing = cur.execute(STANDING_ON, (member, on, on)).fetchone()
                people.append({"name": name, "standing": standing[0] if standing else "not_a_member"})
            evidence[p.people_field] = people
        version = row[2]
        if cur.execute(SET_STATUS, (p.status, version + 1, None, case_id, version)).rowcount != 1:
            raise RuntimeError(f"case {case_id}: version conflict")
        cur.execute(INSERT_STEP, (case_id, p.step, on, _sqlite_text(self.now), ACTOR.name, ACTOR.role, p.rule_set,
                                  json.dumps(evidence), "[]", p.backfilled, p.reason))
        step_id = cur.lastrowid or 0
        seq, prev_hash, key_id = cur.execute(READ_HEAD).fetchone()
        if key_id not in (None, key.id):
            raise RuntimeError(f"the chain is keyed with {key_id}, the baseline holds {key.id}")
        payload_text = audit.encode_payload(_payload(p, step_id, evidence))  # stored as MACed, as the engine does
        recorded_at = self.now.astimezone(UTC)
        event = _event(case_id, p, seq + 1, prev_hash, recorded_at, key)
        digest = audit.event_mac_with(event, payload_text, key)
        cur.execute(INSERT_EVENT, (seq + 1, "step_recorded", case_id, ACTOR.name, ACTOR.role, on,
                                   _sqlite_text(recorded_at), p.rule_set, payload_text, prev_hash, digest, key.id))
        cur.execute(MOVE_HEAD, (seq + 1, digest, key.id))
        if outbox is not None:
            ids = {(kind, due, who, channel, offset): i for i, kind, due, who, channel, offset, *_
                   in cur.execute(CASE_NOTICES, (case_id,)).fetchall()}
            for (kind, due, who, channel, offset), values in outbox.updates:
                cur.execute(UPDATE_NOTICE, (*values, ids[(kind, due.isoformat(), who, channel, offset)]))
            if outbox.inserts:
                cur.executemany(INSERT_NOTICE, [(case_id, *row) for row in outbox.inserts])
        cur.execute("COMMIT")

    def close(self) -> None:
        self.con.close()


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return _sqlite_text(value)
    return value.isoformat() if isinstance(value, date) else value


def _pg(sql: str) -> str:
    return sql.replace("?", "%s")


class PsycopgBaseline:
    """psycopg 3 on one connection, one transaction per step, the head row locked as the engine locks it."""

    def __init__(self, url: str, outbox: list[OutboxStep] | None = None) -> None:
        import psycopg
        from psycopg.types.json import Json

        self.json = Json
        self.outbox = [OutboxStep(tuple((key, (u["status"], u["send_on"], u["detail"])) for key, u in o.updates),
                                  tuple(tuple(r[k] for k in NOTICE_COLUMNS[1:]) for r in o.inserts))
                       for o in outbox] if outbox is not None else None
        self.planned = plan_steps()
        self.now = FixedClock.on(TODAY).now()
        self.key = keys.store_for_url(url).current()
        plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.con = psycopg.connect(plain)

    def run(self, first: int, last: int) -> None:
        for case_id in range(first, last + 1):
            for number, p in enumerate(self.planned):
                self._step(case_id, p, self.outbox[number] if self.outbox is not None else None)

    def _step(self, case_id: int, p: PlannedStep, outbox: OutboxStep | None = None) -> None:
        key = self.key
        with self.con.transaction(), self.con.cursor() as cur:
            row = cur.execute(_pg(LOAD_CASE), (case_id,)).fetchone()
            cur.execute(_pg(LOAD_STEPS).replace("evidence,", "evidence::text,"), (case_id,)).fetchall()
            evidence = dict(p.evidence)
            if p.people_field:
                people = []
                for name in p.people:
                    member = cur.execute(_pg(MEMBERS_NAMED), (name,)).fetchall()[0][0]
                    standing = cur.execute(_pg(STANDING_ON), (member, p.on, p.on)).fetchone()
                    people.append({"name": name, "standing": standing[0] if standing else "not_a_member"})
                evidence[p.people_field] = people
            version = row[2]
            cur.execute(_pg(SET_STATUS), (p.status, version + 1, None, case_id, version))
            if cur.rowcount != 1:
                raise RuntimeError(f"case {case_id}: version conflict")
            step_id = cur.execute(_pg(INSERT_STEP) + " RETURNING id", (
                case_id, p.step, p.on, self.now, ACTOR.name, ACTOR.role, p.rule_set, self.json(evidence),
                self.json([]), p.backfilled, p.reason)).fetchone()[0]
            seq, prev_hash, key_id = cur.execute(_pg(READ_HEAD) + " FOR UPDATE").fetchone()
            if key_id not in (None, key.id):
                raise RuntimeError(f"the chain is keyed with {key_id}, the baseline holds {key.id}")
            payload = _payload(p, step_id, evidence)
            event = _event(case_id, p, seq + 1, prev_hash, self.now.astimezone(UTC), key)
            digest = audit.event_mac_with(event, audit.encode_payload(payload), key)
            cur.execute(_pg(INSERT_EVENT), (seq + 1, "step_recorded", case_id, ACTOR.name, ACTOR.role, p.on,
                                            event["recorded_at"], p.rule_set, self.json(payload), prev_hash, digest,
                                            key.id))
            cur.execute(_pg(MOVE_HEAD), (seq + 1, digest, key.id))
            if outbox is not None:
                ids = {(kind, due, who, channel, offset): i for i, kind, due, who, channel, offset, *_
                       in cur.execute(_pg(CASE_NOTICES), (case_id,)).fetchall()}
                for row_key, values in outbox.updates:
                    cur.execute(_pg(UPDATE_NOTICE), (*values, ids[row_key]))
                if outbox.inserts:
                    cur.executemany(_pg(INSERT_NOTICE), [(case_id, *row) for row in outbox.inserts])

    def close(self) -> None:
        self.con.close()


# ---------------------------------------------------------------- checks


def check_outcome(url: str, applicants: int) -> dict[str, Any]:
    """The run recorded what it claims: every case a candidate at version 11, the audit chain intact."""
    engine = make_engine(url)
    with engine.connect() as conn:
        candidates = conn.execute(select(func.count()).select_from(services.CASES).where(
            services.CASES.c.status == "candidate", services.CASES.c.version == STEPS_PER_APPLICANT)).scalar()
        step_rows = conn.execute(select(func.count()).select_from(services.STEPS)).scalar()
        report = audit.verify(conn)
    engine.dispose()
    problems = []
    if candidates != applicants:
        problems.append(f"{candidates}/{applicants} cases are candidates at version {STEPS_PER_APPLICANT}")
    if step_rows != applicants * STEPS_PER_APPLICANT:
        problems.append(f"{step_rows} step records instead of {applicants * STEPS_PER_APPLICANT}")
    if not report.intact:
        problems.append(report.sentence())
    return {"candidates": candidates, "step_rows": step_rows, "audit_events": report.checked,
            "problems": problems}


def _rows(path: Path, table: str) -> Iterator[tuple[Any, ...]]:
    con = sqlite3.connect(path)
    try:
        yield from con.execute(f"SELECT * FROM {table} ORDER BY rowid")
    finally:
        con.close()


UNCOMPARED = frozenset({"roster_version"})  # a random value per database (workflow/roster_version.py)


def compare(engine_db: Path, baseline_db: Path, *, skip: frozenset[str] = frozenset()) -> list[str]:
    """Table by table, row by row: both contenders must have written the very same data (the outbox included)."""
    con = sqlite3.connect(engine_db)
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
              if r[0] not in UNCOMPARED | skip]
    con.close()
    differences = []
    for table in tables:
        for mine, theirs in zip_longest(_rows(engine_db, table), _rows(baseline_db, table)):
            if mine != theirs:
                differences.append(f"{table}: engine {mine!r} != baseline {theirs!r}")
                break
    return differences
