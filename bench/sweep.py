"""Benchmark: one notice sweep over 10k and over 1M applicants, with the same number of due notices.

    .venv/bin/python bench/sweep.py                          # 10k and 1M applicants, 1,000 due notices (minutes)
    .venv/bin/python bench/sweep.py --sizes 2000 20000 --rounds 3   # a quick look

For each size a fresh SQLite file is migrated and filled with bulk Core inserts (not timed): one 基层党委 with
its 组织员, one branch per 1,000 applicants with a 书记 and a 组织委员, and for every applicant a case, an
applicant row, the recorded steps and outbox rows: two notices already sent and two pending for later days,
as a live outbox holds. Then ``--due / 2`` applicants receive an application 23 days before "today" (their talk
is due in 7 days) and are the only cases that changed. Timed:

* planning (``refresh_case``) over the changed cases only: it materialises their notices, ``--due`` of which
  fall due today (one per 书记 and 组织委员);
* one sweep (``notices.sweep.sweep``): select what is due through ``ix_notices_due``, plan each case again
  (cancel what is no longer needed), render, deliver to the inbox, mark sent.

Each size is planned and swept ``--rounds`` times (5), from the same starting state: the median is reported,
and the first round (the coldest) alongside it. The machine is shared, so wall-clock times wobble; the CPU
seconds of the sweep are printed too.

Target: the sweep's cost grows with the number of due notices, not with the number of applicants, so the
ratio of the two (median) sweep times is at most 2.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from notices.config import NoticeConfig  # noqa: E402  (run as a script from the checkout)
from notices.outbox import NOTICES, refresh_case  # noqa: E402
from notices.sweep import DUE_QUERIES, sweep  # noqa: E402
from workflow.clock import FixedClock  # noqa: E402
from workflow.db import make_engine, upgrade  # noqa: E402
from workflow.roster import MEMBERS, ORGS, ROLES, STANDINGS  # noqa: E402
from workflow.tables import Applicant, Case, InboxMessage, StepRecord  # noqa: E402

TODAY = date(2025, 10, 1)
NOW = FixedClock.on(TODAY).now()
APPLICANTS, CASES, STEPS, INBOX = Applicant.__table__, Case.__table__, StepRecord.__table__, InboxMessage.__table__
PER_BRANCH = 1_000
CHUNK = 20_000
CONFIG = NoticeConfig(smtp_port=9)


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def chunks(rows: Iterator[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def bulk(engine: Engine, table: Any, rows: Iterator[dict[str, Any]]) -> None:
    for batch in chunks(rows):
        with engine.begin() as conn:
            conn.execute(insert(table), batch)


def roster(engine: Engine, branches: int) -> list[int]:
    """The committee, its 组织员, and the branches with a 书记 and a 组织委员 each; returns the branch ids."""
    since = date(2015, 1, 1)
    with engine.begin() as conn:
        committee = conn.execute(insert(ORGS).values(name="某大学党委", kind="grassroots_committee", parent_id=None,
                                                     has_committee=True, may_approve=True)).inserted_primary_key[0]
        conn.execute(insert(ORGS), [{"name": f"第{b + 1}党支部", "kind": "branch", "parent_id": committee,
                                     "has_committee": True, "may_approve": False} for b in range(branches)])
        ids = list(conn.execute(select(ORGS.c.id).where(ORGS.c.parent_id == committee).order_by(ORGS.c.id)).scalars())
        people = [(committee, "刘洋", "organiser")] + [
            (org, f"{who}{n + 1}", post) for n, org in enumerate(ids)
            for who, post in (("书记", "secretary"), ("组织委员", "organisation_member"))]
        for org, name, post in people:
            member = conn.execute(insert(MEMBERS).values(name=name, organisation_id=org)).inserted_primary_key[0]
            conn.execute(insert(STANDINGS).values(member_id=member, standing="full", from_on=since))
            conn.execute(insert(ROLES).values(member_id=member, organisation_id=org, role=post, from_on=since))
    return ids


def populate(engine: Engine, applicants: int, changed: int) -> list[int]:
    """Everything but the changed cases' notices; returns the ids of the changed cases."""
    branches = roster(engine, max(1, applicants // PER_BRANCH))
    recorded = datetime(2025, 1, 1, tzinfo=UTC)
    changed_from = applicants - changed + 1  # the last ``changed`` cases are the ones that changed today
    bulk(engine, APPLICANTS, ({"id": i, "name": f"申请人{i}", "sex": "男", "birth_date": date(2000, 1, 1),
                              "unit": "某大学"} for i in range(1, applicants + 1)))
    bulk(engine, CASES, ({"id": i, "applicant_id": i, "organisation_id": branches[(i - 1) % len(branches)],
                          "status": "applicant", "version": 1 if i >= changed_from else 2,
                          "opened_on": date(2024, 1, 1)} for i in range(1, applicants + 1)))

    def steps() -> Iterator[dict[str, Any]]:
        for i in range(1, applicants + 1):
            received = TODAY - timedelta(days=23) if i >= changed_from else date(2024, 1, 2) + timedelta(days=i % 500)
            yield {"case_id": i, "step": "application_submitted", "done_on": received, "recorded_at": recorded,
                   "actor": "书记", "actor_role": "书记", "rule_set": "2014.06",
                   "evidence": {"organisation_basis": "work_unit"}, "documents": [], "backfilled": False}
            if i < changed_from:
                yield {"case_id": i, "step": "talk_held", "done_on": received + timedelta(days=10),
                       "recorded_at": recorded, "actor": "书记", "actor_role": "书记", "rule_set": "2014.06",
                       "evidence": {"talker": "书记"}, "documents": [], "backfilled": False}

    bulk(engine, STEPS, steps())

    def outbox() -> Iterator[dict[str, Any]]:
        """A live outbox: for every other case two notices sent long ago and two pending for later days."""
        for i in range(1, changed_from):
            member = f"member:{2 + ((i - 1) % len(branches)) * 2}"
            for n, (status, send_on) in enumerate((("sent", date(2024, 5, 1)), ("sent", date(2024, 6, 1)),
                                                   ("pending", TODAY + timedelta(days=30 + i % 300)),
                                                   ("pending", TODAY + timedelta(days=60 + i % 300)))):
                yield {"case_id": i, "kind": "assessment_reminder", "reminder_offset": n - 7,
                       "due_on": send_on + timedelta(days=7),
                       "send_on": send_on, "recipient": member, "channel": "inbox", "status": status, "subject": "",
                       "body": "", "attempts": 1 if status == "sent" else 0, "late": False,
                       "created_at": recorded, "sent_at": recorded if status == "sent" else None}

    bulk(engine, NOTICES, outbox())
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return list(range(changed_from, applicants + 1))


def explain(conn: Any, query: Any, values: dict[str, Any]) -> str:
    """SQLite's plan for one of the sweep's own statements, as it runs them."""
    compiled = query.compile(dialect=conn.dialect)
    params = compiled.construct_params(values)
    ordered = tuple(str(params[k]) for k in compiled.positiontup or ())  # the plan does not depend on the values
    rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", ordered).all()
    return " / ".join(str(row[-1]) for row in rows)


Timing = tuple[float, float, float]


def run(size: int, due: int, folder: Path, rounds: int) -> tuple[Timing, Timing]:
    """Fill a fresh file, then plan and sweep ``rounds`` times; returns the medians and the first round."""
    path = folder / f"sweep-{size}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    changed = populate(engine, size, due // 2)
    with engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(NOTICES)).scalar_one()
        plans = [explain(conn, query, {"today": TODAY, "now": NOW, "max_attempts": CONFIG.max_attempts, "batch": 500})
                 for query in DUE_QUERIES]
    say(f"  {size:,} applicants: filled in {time.perf_counter() - started:.0f} s ({rows:,} outbox rows); "
        f"due-notice queries: {'; '.join(sorted(set(plans)))}")
    engine.dispose()

    timings = [one_round(url, changed, due) for _ in range(rounds)]
    cold, median = timings[0], tuple(statistics.median(t[i] for t in timings) for i in range(3))
    say(f"  {size:,} applicants, {len(changed):,} changed cases, {due:,} due notices, {rounds} rounds: "
        f"sweep {median[0]:.2f} s (CPU {median[1]:.2f} s) median, {cold[0]:.2f} s first; "
        f"planning {median[2]:.2f} s median, {cold[2]:.2f} s first")
    return median, cold


def one_round(url: str, changed: list[int], due: int) -> tuple[float, float, float]:
    """Plan the changed cases, then sweep: (sweep seconds, sweep CPU seconds, planning seconds)."""
    engine = make_engine(url)
    with engine.begin() as conn:  # start again from the state the population left
        conn.execute(delete(INBOX))
        conn.execute(delete(NOTICES).where(NOTICES.c.case_id >= changed[0]))
    started = time.perf_counter()
    for case_id in changed:
        refresh_case(engine, case_id, TODAY, CONFIG, now=NOW)
    planning = time.perf_counter() - started
    with engine.connect() as conn:
        due_now = conn.execute(select(func.count()).select_from(NOTICES).where(
            NOTICES.c.status == "pending", NOTICES.c.send_on <= TODAY)).scalar_one()
    started, cpu = time.perf_counter(), time.process_time()
    report = sweep(engine, TODAY, NOW, CONFIG)
    swept, swept_cpu = time.perf_counter() - started, time.process_time() - cpu
    with engine.connect() as conn:
        delivered = conn.execute(select(func.count()).select_from(INBOX)).scalar_one()
    engine.dispose()
    if not (len(report.sent) == due_now == delivered == due) or report.failed:
        raise SystemExit(f"the sweep did not do its work: due {due_now}, sent {len(report.sent)}, inbox {delivered}")
    return swept, swept_cpu, planning


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[10_000, 1_000_000], metavar=("SMALL", "LARGE"))
    parser.add_argument("--due", type=int, default=1_000, help="due notices in each sweep (even)")
    parser.add_argument("--rounds", type=int, default=5, help="plan-and-sweep rounds per size (median reported)")
    parser.add_argument("--dir", type=Path, default=None, help="where the SQLite files go (default: a temp dir)")
    args = parser.parse_args(argv)
    folder = args.dir or Path(tempfile.mkdtemp(prefix="fazhan-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    say(f"notice sweep benchmark: {args.due:,} due notices, SQLite files in {folder}")
    run(200, 20, folder, 1)  # warm-up, not counted: imports, the holiday calendar, compiled templates
    (small, small_first), (large, large_first) = (run(size, args.due, folder, args.rounds) for size in args.sizes)
    ratio = large[0] / small[0]
    for size, (swept, cpu, _) in zip(args.sizes, (small, large), strict=True):
        say(f"sweep, {size:,} applicants: {swept:.2f} s (CPU {cpu:.2f} s), median of {args.rounds}: "
            f"{args.due / swept:,.0f} notices/s ({args.due / cpu:,.0f} per CPU second; target 10,000)")
    say(f"ratio: {ratio:.2f} (target ≤ 2: {'met' if ratio <= 2 else 'NOT met'}); CPU ratio {large[1] / small[1]:.2f}; "
        f"first-round ratio {large_first[0] / small_first[0]:.2f}; planning ratio {large[2] / small[2]:.2f}")
    return 0 if ratio <= 2 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
