"""Benchmark: the notice sweep (render, deliver to the inbox, mark sent), fast lane vs the old path, same run.

    .venv/bin/python bench/sweep.py                                 # 100k and 1M applicants, 20,000 due notices
    .venv/bin/python bench/sweep.py --sizes 2000 20000 --due 2000 --rounds 1   # a quick look

For each size a fresh SQLite file is migrated and filled by a bulk loader on the driver (not timed): one 基层党委
with its 组织员, one branch per 1,000 applicants with a 书记 and a 组织委员, and for every applicant a case, an
applicant row, the recorded steps and a live outbox (two notices sent long ago, two pending for later days).
Then ``--due / 2`` applicants have an application 23 days before "today" (their talk is due in 7 days): their
cases are planned once (``refresh_case``, as the step's transaction now does), which writes ``--due`` rows due
today (one per 书记 and 组织委员). Those rows are kept and put back before every round.

Timed, interleaved round by round on the same file and the same due rows:

* **old path** (the baseline): the same rows without their planning details (``notices.detail`` NULL, as rows
  planned before migration 0015): the sweep plans each case again, renders every notice, one transaction per case.
  This is what the sweep did before this change.
* **fast lane**: the rows as the step's planning wrote them: one transaction per batch of ``batch_size`` rows,
  each template series rendered once and filled per notice, ``executemany`` for the marks and the inbox.

Each round checks that every due notice reached the inbox exactly once. Printed: notices per second (wall) and
per CPU second, median of ``--rounds``, for both, and their ratio. Target: 10,000 notices/s at 1M applicants.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from notices.config import NoticeConfig  # noqa: E402  (run as a script from the checkout)
from notices.outbox import NOTICES, refresh_case  # noqa: E402
from notices.sweep import sweep  # noqa: E402
from workflow.clock import FixedClock  # noqa: E402
from workflow.db import make_engine, upgrade  # noqa: E402
from workflow.tables import InboxMessage  # noqa: E402

TODAY = date(2025, 10, 1)
NOW = FixedClock.on(TODAY).now()
INBOX = InboxMessage.__table__
PER_BRANCH = 1_000
CHUNK = 50_000
CONFIG = NoticeConfig(smtp_port=9)
RECORDED = "2025-01-01 00:00:00.000000"


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def bulk(driver: Any, sql: str, rows: Iterator[tuple[Any, ...]]) -> None:
    """executemany on the driver, a chunk per transaction: ~10× Core's inserts, which matters at 1M."""
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            driver.executemany(sql, batch)
            driver.commit()
            batch = []
    if batch:
        driver.executemany(sql, batch)
        driver.commit()


def populate(engine: Engine, applicants: int, changed: int) -> list[int]:
    """Everything but the changed cases' notices; returns the ids of the changed cases."""
    branches = max(1, applicants // PER_BRANCH)
    raw = engine.raw_connection()
    driver: Any = raw.driver_connection
    try:
        driver.execute("INSERT INTO organisations (id, name, kind, parent_id, has_committee, may_approve)"
                       " VALUES (1, '某大学党委', 'grassroots_committee', NULL, 1, 1)")
        bulk(driver, "INSERT INTO organisations (id, name, kind, parent_id, has_committee, may_approve)"
                     " VALUES (?, ?, 'branch', 1, 1, 0)", ((b + 2, f"第{b + 1}党支部") for b in range(branches)))
        people = [(1, 1, "刘洋", "organiser")] + [
            (2 + 2 * b + k, b + 2, f"{who}{b + 1}", post) for b in range(branches)
            for k, (who, post) in enumerate((("书记", "secretary"), ("组织委员", "organisation_member")))]
        bulk(driver, "INSERT INTO members (id, name, organisation_id) VALUES (?, ?, ?)",
             ((i, name, org) for i, org, name, _ in people))
        bulk(driver, "INSERT INTO member_standings (member_id, standing, from_on) VALUES (?, 'full', '2015-01-01')",
             ((i,) for i, *_ in people))
        bulk(driver, "INSERT INTO member_roles (member_id, organisation_id, role, from_on) VALUES (?, ?, ?, '2015-01-01')",
             ((i, org, post) for i, org, _, post in people))
        changed_from = applicants - changed + 1  # the last ``changed`` cases are the ones that changed today
        bulk(driver, "INSERT INTO applicants (id, name, sex, birth_date, unit, contact) VALUES (?, ?, '男', '2000-01-01',"
                     " '某大学', '')", ((i, f"申请人{i}") for i in range(1, applicants + 1)))
        bulk(driver, "INSERT INTO cases (id, applicant_id, organisation_id, status, version, opened_on)"
                     " VALUES (?, ?, ?, 'applicant', ?, '2024-01-01')",
             ((i, i, 2 + (i - 1) % branches, 1 if i >= changed_from else 2) for i in range(1, applicants + 1)))

        def steps() -> Iterator[tuple[Any, ...]]:
            for i in range(1, applicants + 1):
                received = TODAY - timedelta(days=23) if i >= changed_from else date(2024, 1, 2) + timedelta(days=i % 500)
                yield (i, "application_submitted", received.isoformat(), '{"organisation_basis": "work_unit"}')
                if i < changed_from:
                    yield (i, "talk_held", (received + timedelta(days=10)).isoformat(), '{"talker": "书记"}')

        bulk(driver, "INSERT INTO step_records (case_id, step, done_on, recorded_at, actor, actor_role, rule_set,"
                     f" evidence, documents, backfilled) VALUES (?, ?, ?, '{RECORDED}', '书记', '书记', '2014.06', ?,"
                     " '[]', 0)", steps())

        def outbox() -> Iterator[tuple[Any, ...]]:
            """A live outbox: for every other case two notices sent long ago and two pending for later days."""
            for i in range(1, changed_from):
                member = f"member:{2 + ((i - 1) % branches) * 2}"
                for n, (status, send_on) in enumerate((("sent", date(2024, 5, 1)), ("sent", date(2024, 6, 1)),
                                                       ("pending", TODAY + timedelta(days=30 + i % 300)),
                                                       ("pending", TODAY + timedelta(days=60 + i % 300)))):
                    yield (i, n - 7, (send_on + timedelta(days=7)).isoformat(), send_on.isoformat(), member, status,
                           1 if status == "sent" else 0, RECORDED if status == "sent" else None)

        bulk(driver, "INSERT INTO notices (case_id, kind, reminder_offset, due_on, send_on, recipient, channel, status,"
                     " subject, body, attempts, late, created_at, sent_at) VALUES (?, 'assessment_reminder', ?, ?, ?, ?,"
                     f" 'inbox', ?, '', '', ?, 0, '{RECORDED}', ?)", outbox())
        driver.execute("ANALYZE")
        driver.commit()
    finally:
        raw.close()
    return list(range(changed_from, applicants + 1))


Timing = tuple[float, float]  # wall seconds, CPU seconds


def snapshot(engine: Engine, first: int) -> tuple[list[str], list[tuple[Any, ...]]]:
    raw = engine.raw_connection()
    try:
        cursor = raw.driver_connection.execute("SELECT * FROM notices WHERE case_id >= ?", (first,))  # type: ignore[union-attr]
        return [c[0] for c in cursor.description], cursor.fetchall()
    finally:
        raw.close()


def restore(engine: Engine, first: int, names: list[str], rows: list[tuple[Any, ...]], *, with_detail: bool) -> None:
    """Put the due rows back as planned (with or without their details) and empty the inbox."""
    detail = names.index("detail")
    rows = rows if with_detail else [(*r[:detail], None, *r[detail + 1:]) for r in rows]
    raw = engine.raw_connection()
    driver: Any = raw.driver_connection
    try:
        driver.execute("DELETE FROM inbox_messages")
        driver.execute("DELETE FROM notices WHERE case_id >= ?", (first,))
        driver.executemany(f"INSERT INTO notices ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})", rows)
        driver.commit()
    finally:
        raw.close()


def one_round(url: str, due: int) -> Timing:
    engine = make_engine(url)
    started, cpu = time.perf_counter(), time.process_time()
    report = sweep(engine, TODAY, NOW, CONFIG)
    timing = time.perf_counter() - started, time.process_time() - cpu
    with engine.connect() as conn:
        delivered = conn.execute(select(func.count()).select_from(INBOX)).scalar_one()
        distinct = conn.execute(select(func.count(INBOX.c.notice_id.distinct()))).scalar_one()
    engine.dispose()
    if not (len(report.sent) == delivered == distinct == due) or report.failed or report.errors:
        raise SystemExit(f"the sweep did not do its work: due {due}, sent {len(report.sent)}, inbox {delivered}")
    return timing


def run(size: int, due: int, folder: Path, rounds: int) -> dict[str, list[Timing]]:
    path = folder / f"sweep-{size}.db"
    for suffix in ("", "-wal", "-shm", ".audit-key", ".personal-key"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    changed = populate(engine, size, due // 2)
    filled = time.perf_counter() - started
    started = time.perf_counter()
    for case_id in changed:
        refresh_case(engine, case_id, TODAY, CONFIG, now=NOW)
    planned = time.perf_counter() - started
    names, rows = snapshot(engine, changed[0])
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(NOTICES)).scalar_one()
        due_now = conn.execute(select(func.count()).select_from(NOTICES).where(
            NOTICES.c.status == "pending", NOTICES.c.send_on <= TODAY)).scalar_one()
    engine.dispose()
    if due_now != due:
        raise SystemExit(f"{due_now} notices due, expected {due}")
    say(f"  {size:,} applicants: filled in {filled:.0f} s, {total:,} outbox rows; {len(changed):,} changed cases "
        f"planned in {planned:.1f} s ({planned / len(changed) * 1000:.2f} ms a case); {due:,} notices due")
    found: dict[str, list[Timing]] = {"old path": [], "fast lane": []}
    for number in range(rounds):
        order = ("old path", "fast lane") if number % 2 == 0 else ("fast lane", "old path")
        for name in order:
            engine = make_engine(url)
            restore(engine, changed[0], names, rows, with_detail=name == "fast lane")
            engine.dispose()
            found[name].append(one_round(url, due))
    return found


def rate(due: int, timings: list[Timing], pick: Callable[[Timing], float]) -> float:
    return due / statistics.median(pick(t) for t in timings)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--due", type=int, default=20_000, help="due notices in each sweep (even)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per contender and size (median reported)")
    parser.add_argument("--dir", type=Path, default=None, help="where the SQLite files go (default: a temp dir)")
    args = parser.parse_args(argv)
    folder = args.dir or Path(tempfile.mkdtemp(prefix="fazhan-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    say(f"notice sweep benchmark: {args.due:,} due notices, SQLite files in {folder}")
    run(200, 20, folder, 1)  # warm-up, not counted: imports, the holiday calendar, compiled templates
    met = True
    for size in args.sizes:
        found = run(size, args.due, folder, args.rounds)
        for name, timings in found.items():
            say(f"  {name:9}  {rate(args.due, timings, lambda t: t[0]):9,.0f} notices/s wall  "
                f"{rate(args.due, timings, lambda t: t[1]):9,.0f} per CPU second  "
                f"(median of {args.rounds}: {statistics.median(t[0] for t in timings):.2f} s, "
                f"CPU {statistics.median(t[1] for t in timings):.2f} s)")
        wall = rate(args.due, found["fast lane"], lambda t: t[0])
        ratio = wall / rate(args.due, found["old path"], lambda t: t[0])
        cpu_ratio = rate(args.due, found["fast lane"], lambda t: t[1]) / rate(args.due, found["old path"], lambda t: t[1])
        say(f"  {size:,} applicants: fast lane {ratio:.1f}× the old path (CPU {cpu_ratio:.1f}×); "
            f"target 10,000/s wall: {'met' if wall >= 10_000 else 'NOT met'}")
        met = met and wall >= 10_000
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
