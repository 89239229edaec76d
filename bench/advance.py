"""Benchmark: applicants advanced through the first ten steps, engine vs a raw-SQL baseline.

    .venv/bin/python bench/advance.py                       # 10k and 100k applicants (15-30 minutes)
    .venv/bin/python bench/advance.py --applicants 1000     # a quick look
    .venv/bin/python bench/advance.py --applicants 1000 --compare   # and check both wrote identical tables

For every size and every contender a fresh SQLite file is migrated with ``upgrade()`` and filled (not timed)
by a ``setup`` subprocess; the contender then runs in a subprocess of its own, so its peak RSS belongs to that
size and that contender alone. Timed, per step and in one transaction each:

* engine: ``workflow.services.advance`` (load, roster, rules, machine, CAS update, step row, audit append);
* baseline: stdlib ``sqlite3`` doing the same reads and writes with hand-written SQL and no rule checks,
  with the statuses and rule set the engine would reach computed once beforehand.

The applicants follow ``interfaces.demo.DEMO_HISTORY`` from ``application_submitted`` to
``political_review_passed``: ten distinct steps, eleven records (the activist is assessed twice), so each
applicant costs eleven transactions. Both contenders are checked afterwards (audit chain intact, every case
a ``candidate``) so a run cannot silently measure failures.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import zip_longest
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select

from interfaces.demo import DEMO_BIRTH_DATE, DEMO_HISTORY
from states.facts import ApplicantFacts
from states.procedure import FieldKind, spec_for
from workflow import audit, roster, services
from workflow.clock import FixedClock
from workflow.db import make_engine, upgrade
from workflow.evidence import parse_evidence, to_json
from workflow.machine import Case, fire
from workflow.services import Actor, StepRequest

HISTORY = DEMO_HISTORY[:11]  # application_submitted … political_review_passed
STEPS_PER_APPLICANT = len(HISTORY)
SETUP_DAY = date(2024, 3, 1)  # the roster and the cases exist before the first act
TODAY = date(2025, 10, 1)  # after the last act; all acts but the last are back-fills (> 30 days) with a reason
BACKFILL_REASON = "据纸质档案补录"
ACTOR = Actor("王芳", "书记")
COMMITTEE, BRANCH = "某大学党委", "计算机学院党支部"
MEMBERS = (("王芳", "正式", date(2010, 1, 1)), ("赵强", "正式", date(2012, 1, 1)), ("钱多", "预备", date(2024, 9, 1)))
CHUNK = 5_000  # bulk inserts in chunks: setup memory stays flat too
PROGRESS_EVERY = 10_000
CONTENDERS = ("baseline", "engine")
BUSY_CPU_SHARE = 0.7  # below this share of CPU over wall time, other processes were competing for the CPU


# ---------------------------------------------------------------- setup (not timed)


def setup(path: Path, applicants: int) -> None:
    """A fresh migrated file: two organisations, the roster, ``applicants`` people each with a new case."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
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
                {"id": i, "name": f"申请人{i:06d}", "sex": "男" if i % 2 else "女", "birth_date": DEMO_BIRTH_DATE,
                 "id_number": None, "unit": "", "contact": ""} for i in ids])
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


def run_engine(path: Path, applicants: int) -> float:
    engine = make_engine(f"sqlite:///{path}")
    clock = FixedClock.on(TODAY)
    steps = requests()
    started = time.perf_counter()
    for case_id in range(1, applicants + 1):
        for request in steps:
            services.advance(engine, clock, ACTOR, case_id, request)
        _progress("engine", case_id, applicants, started)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


# ---------------------------------------------------------------- baseline: the storage cost alone

LOAD_CASE = ("SELECT cases.id, cases.status, cases.version, cases.organisation_id, applicants.birth_date, "
             "organisations.has_committee FROM cases JOIN applicants ON applicants.id = cases.applicant_id "
             "JOIN organisations ON organisations.id = cases.organisation_id WHERE cases.id = ?")
LOAD_STEPS = ("SELECT step, done_on, evidence, rule_set FROM step_records WHERE case_id = ? "
              "ORDER BY step_records.id")
MEMBERS_NAMED = "SELECT id, organisation_id FROM members WHERE name = ?"
STANDING_ON = ("SELECT standing FROM member_standings WHERE member_id = ? AND from_on <= ? "
               "AND (until_on IS NULL OR until_on > ?) ORDER BY from_on DESC")
SET_STATUS = "UPDATE cases SET status = ?, version = ?, closed_on = ? WHERE id = ? AND version = ?"
INSERT_STEP = ("INSERT INTO step_records (case_id, step, done_on, recorded_at, actor, actor_role, rule_set, "
               "evidence, documents, backfilled, backfill_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
READ_HEAD = "SELECT seq, hash FROM audit_head WHERE id = 1"
INSERT_EVENT = ("INSERT INTO audit_events (seq, kind, case_id, actor, actor_role, effective_on, recorded_at, "
                "rule_set, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
MOVE_HEAD = "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1"


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


def _baseline_step(cur: sqlite3.Cursor, case_id: int, p: PlannedStep, now: datetime) -> None:
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
    cur.execute(INSERT_STEP, (case_id, p.step, on, _sqlite_text(now), ACTOR.name, ACTOR.role, p.rule_set,
                              json.dumps(evidence), "[]", p.backfilled, p.reason))
    step_id = cur.lastrowid
    seq, prev_hash = cur.execute(READ_HEAD).fetchone()
    payload = {"version": audit.PAYLOAD_VERSION, "step": p.step, "done_on": on, "step_record_id": step_id,
               "evidence": evidence, "documents": [], "override": None, "violations": list(p.violations),
               "backfilled": p.backfilled, "backfill_reason": p.reason}
    recorded_at = now.astimezone(UTC)
    event = {"seq": seq + 1, "kind": "step_recorded", "case_id": case_id, "actor": ACTOR.name,
             "actor_role": ACTOR.role, "effective_on": p.on, "recorded_at": recorded_at, "rule_set": p.rule_set,
             "payload": payload, "prev_hash": prev_hash}
    digest = audit.event_hash(event)
    cur.execute(INSERT_EVENT, (seq + 1, "step_recorded", case_id, ACTOR.name, ACTOR.role, on,
                               _sqlite_text(recorded_at), p.rule_set, json.dumps(payload), prev_hash, digest))
    cur.execute(MOVE_HEAD, (seq + 1, digest))
    cur.execute("COMMIT")


def run_baseline(path: Path, applicants: int) -> float:
    planned = plan_steps()
    now = FixedClock.on(TODAY).now()
    con = sqlite3.connect(path, isolation_level=None)
    for pragma in ("foreign_keys=ON", "busy_timeout=30000", "journal_mode=WAL", "synchronous=NORMAL"):
        con.execute(f"PRAGMA {pragma}")
    cur = con.cursor()
    started = time.perf_counter()
    for case_id in range(1, applicants + 1):
        for p in planned:
            _baseline_step(cur, case_id, p, now)
        _progress("baseline", case_id, applicants, started)
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


# ---------------------------------------------------------------- checks and workers


def _progress(who: str, done: int, total: int, started: float) -> None:
    if done % PROGRESS_EVERY == 0 and done != total:
        rate = done * STEPS_PER_APPLICANT / (time.perf_counter() - started)
        sys.stderr.write(f"  … {who}: {done}/{total} applicants, {rate:,.0f} steps/s\n")
        sys.stderr.flush()


def check_outcome(engine: Engine, applicants: int) -> dict[str, Any]:
    """The run recorded what it claims: every case a candidate at version 11, the audit chain intact."""
    with engine.connect() as conn:
        candidates = conn.execute(select(func.count()).select_from(services.CASES).where(
            services.CASES.c.status == "candidate", services.CASES.c.version == STEPS_PER_APPLICANT)).scalar()
        step_rows = conn.execute(select(func.count()).select_from(services.STEPS)).scalar()
        report = audit.verify(conn)
    problems = []
    if candidates != applicants:
        problems.append(f"{candidates}/{applicants} cases are candidates at version {STEPS_PER_APPLICANT}")
    if step_rows != applicants * STEPS_PER_APPLICANT:
        problems.append(f"{step_rows} step records instead of {applicants * STEPS_PER_APPLICANT}")
    if not report.intact:
        problems.append(report.sentence())
    return {"candidates": candidates, "step_rows": step_rows, "audit_events": report.checked,
            "problems": problems}


def worker(role: str, path: Path, applicants: int, profile: Path | None) -> None:
    """One subprocess: ``setup``, or one contender's timed run followed by the checks; JSON on stdout."""
    if role == "setup":
        setup(path, applicants)
        return
    run = run_engine if role == "engine" else run_baseline
    code = revision()  # what this process imported: others may commit while a long run goes on
    cpu_started = time.process_time()
    if profile:
        profiler = cProfile.Profile()
        elapsed = profiler.runcall(run, path, applicants)
        profiler.dump_stats(profile)
    else:
        elapsed = run(path, applicants)
    cpu = time.process_time() - cpu_started  # this process's CPU: tells a busy machine from a slow engine
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # before the checks read the whole chain
    engine = make_engine(f"sqlite:///{path}")
    checks = check_outcome(engine, applicants)
    engine.dispose()
    sys.stdout.write(json.dumps({"seconds": elapsed, "cpu_seconds": cpu, "revision": code, "peak_rss_mb": peak_kb / 1024, **checks}) + "\n")


def _subprocess(role: str, path: Path, applicants: int, profile: Path | None = None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", role, "--db", str(path), "--applicants", str(applicants)]
    if profile:
        command += ["--profile", str(profile)]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(done.stdout) if done.stdout.strip() else {}


# ---------------------------------------------------------------- comparing the two files


def _rows(path: Path, table: str) -> Iterator[tuple[Any, ...]]:
    con = sqlite3.connect(path)
    try:
        yield from con.execute(f"SELECT * FROM {table} ORDER BY rowid")
    finally:
        con.close()


def compare(engine_db: Path, baseline_db: Path) -> list[str]:
    """Table by table, row by row: both contenders must have written the very same data."""
    con = sqlite3.connect(engine_db)
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    con.close()
    differences = []
    for table in tables:
        for mine, theirs in zip_longest(_rows(engine_db, table), _rows(baseline_db, table)):
            if mine != theirs:
                differences.append(f"{table}: engine {mine!r} != baseline {theirs!r}")
                break
    return differences


# ---------------------------------------------------------------- the report


def revision() -> str:
    """The commit measured, and whether the engine's code differs from it: the figures belong to that code."""
    repo = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--", "workflow", "states"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown revision"
    return head + (" + uncommitted changes in workflow/ or states/" if dirty else "")


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def measure(size: int, contenders: tuple[str, ...], db_dir: Path, *, keep: bool, check_same: bool,
            profile_dir: Path | None) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for contender in contenders:
        path = db_dir / f"{contender}-{size}.db"
        _subprocess("setup", path, size)
        profile = profile_dir / f"{contender}-{size}.prof" if profile_dir else None
        results[contender] = _subprocess(contender, path, size, profile)
    if check_same and len(contenders) == 2:
        differences = compare(db_dir / f"engine-{size}.db", db_dir / f"baseline-{size}.db")
        results["engine"]["identical"] = "yes" if not differences else "NO — " + "; ".join(differences)
    if not keep:
        for contender in contenders:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db_dir / f'{contender}-{size}.db'}{suffix}").unlink(missing_ok=True)
    return results


def report(size: int, results: dict[str, dict[str, Any]], code: str) -> None:
    steps = size * STEPS_PER_APPLICANT
    say(f"applicants={size:,}  steps={steps:,}")
    for contender, r in results.items():
        if r["revision"] != code:
            say(f"  NOTE: the {contender} ran code at {r['revision']}, not {code}: the code changed during the run")
        status = "ok" if not r["problems"] else "FAILED: " + "; ".join(r["problems"])
        say(f"  {contender:<8}  {r['seconds']:9.2f} s  {steps / r['seconds']:9,.0f} steps/s  "
            f"(CPU {r['cpu_seconds']:.2f} s)  peak RSS {r['peak_rss_mb']:7.1f} MB  checks {status} "
            f"({r['candidates']:,} candidates, {r['audit_events']:,} audit events verified)")
    if len(results) == 2:
        ratio = results["engine"]["seconds"] / results["baseline"]["seconds"]
        verdict = "met" if ratio <= 2.0 else "MISSED"
        cpu_ratio = results["engine"]["cpu_seconds"] / results["baseline"]["cpu_seconds"]
        say(f"  ratio engine/baseline (time): {ratio:.2f}  (target <= 2.0: {verdict}); "
            f"CPU time ratio {cpu_ratio:.2f} (less sensitive to a busy machine)")
        busiest = min(r["cpu_seconds"] / r["seconds"] for r in results.values())
        if busiest < BUSY_CPU_SHARE:
            say(f"  NOTE: a contender got only {busiest:.0%} of a CPU over its wall time: the machine was busy, "
                "the time ratio is unreliable, trust the CPU time ratio")
        if "identical" in results["engine"]:
            say(f"  both wrote identical tables: {results['engine']['identical']}")


def memory_summary(sizes: list[int], all_results: dict[int, dict[str, dict[str, Any]]]) -> None:
    if len(sizes) < 2:
        return
    small, large = min(sizes), max(sizes)
    for contender in all_results[small]:
        a, b = all_results[small][contender]["peak_rss_mb"], all_results[large][contender]["peak_rss_mb"]
        say(f"{contender} peak RSS at {large:,} vs {small:,} applicants: {b:.1f} MB vs {a:.1f} MB "
            f"(x{b / a:.2f}; target ≈ flat)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applicants", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--db-dir", type=Path, help="where the SQLite files go (kept); default a temp dir")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--baseline-only", action="store_true")
    only.add_argument("--engine-only", action="store_true")
    parser.add_argument("--compare", action="store_true", help="check both contenders wrote identical tables")
    parser.add_argument("--profile-dir", type=Path, help="write a cProfile file per run here")
    parser.add_argument("--worker", choices=("setup", *CONTENDERS), help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.db, args.applicants[0], args.profile)
        return 0
    contenders = ("baseline",) if args.baseline_only else ("engine",) if args.engine_only else CONTENDERS
    db_dir = args.db_dir or Path(tempfile.mkdtemp(prefix="fazhan-bench-"))
    code = revision()
    db_dir.mkdir(parents=True, exist_ok=True)
    if args.profile_dir:
        args.profile_dir.mkdir(parents=True, exist_ok=True)
    say(f"fazhan advance benchmark: {STEPS_PER_APPLICANT} steps per applicant "
        f"({HISTORY[0][0]} … {HISTORY[-1][0]}), SQLite files in {db_dir}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, code at {code}")
    all_results = {}
    try:
        for size in args.applicants:
            all_results[size] = measure(size, contenders, db_dir, keep=args.db_dir is not None,
                                        check_same=args.compare, profile_dir=args.profile_dir)
            report(size, all_results[size], code)
        memory_summary(args.applicants, all_results)
    finally:
        if args.db_dir is None:
            shutil.rmtree(db_dir, ignore_errors=True)
    failed = any(r["problems"] for results in all_results.values() for r in results.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
