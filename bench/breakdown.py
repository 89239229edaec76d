"""Where one ``services.advance`` step spends its time: timers around its parts, no profiler.

    .venv/bin/python bench/breakdown.py 2000          # CPU time of this process (robust on a busy machine)
    .venv/bin/python bench/breakdown.py 2000 --wall   # wall-clock time (includes waiting for the disk)

cProfile inflates Python-heavy code far more than C (sqlite3), so its proportions mislead; these timers,
monkeypatched around the functions ``advance`` calls, add a few per cent and keep the proportions.
Nested parts are indented; the transaction's start and end (``fastsql.write_transaction``: BEGIN IMMEDIATE and
COMMIT on the driver) are timed on lines of their own.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

sys.path.insert(0, str(Path(__file__).resolve().parent))

import advance as bench  # noqa: E402  (bench/ is not a package)

from workflow import audit, fastsql, machine, services  # noqa: E402
from workflow.clock import FixedClock  # noqa: E402

CLOCK = time.perf_counter if "--wall" in sys.argv else time.process_time
SECONDS: defaultdict[str, float] = defaultdict(float)
CALLS: defaultdict[str, int] = defaultdict(int)
PARTS = ("load_case", "_with_roster", "policies.policy_for", "fire", "_save_status", "_save_step", "_step_payload",
         "audit.append", "planner (after_write.case_changed)")  # the top-level parts: the rest is the transaction


def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = CLOCK()
        try:
            return fn(*args, **kwargs)
        finally:
            SECONDS[name] += CLOCK() - started
            CALLS[name] += 1

    return wrapper


def instrument() -> None:
    from notices import outbox, planning
    from workflow import after_write, steprows

    planning.install()
    # (where the name is looked up when called, the name, its line in the report): nested parts are indented
    parts: list[tuple[Any, str, str]] = [
        (services, "load_case", "load_case"),
        (services, "case_records", "  load_case: steprows.case_records"),
        (services, "_with_roster", "_with_roster"),
        (services.policies, "policy_for", "policies.policy_for"),
        (services, "fire", "fire"),
        (machine, "check", "  fire: states.engine.check"),
        (services, "_save_status", "_save_status"),
        (services, "_save_step", "_save_step"),
        (steprows, "remember", "  _save_step: steprows.remember"),
        (services, "_step_payload", "_step_payload"),
        (services.audit, "append", "audit.append"),
        (audit, "event_mac_with", "  audit.append: event_mac_with"),
        (after_write, "case_changed", "planner (after_write.case_changed)"),
        (planning, "plan_facts", "  planner: plan_facts"),
        (outbox, "due_notices", "    plan_facts: deadlines.due_notices"),
        (outbox, "meeting_notices", "    plan_facts: meeting_notices"),
        (outbox, "roster_memo", "    plan_facts: roster_memo"),
        (planning, "apply_plan", "  planner: apply_plan"),
        (outbox, "case_rows", "    apply_plan: case_rows"),
        (outbox, "insert_if_absent", "    apply_plan: insert_if_absent"),
        (Connection, "execute", "[SQLAlchemy Connection.execute]"),
        (fastsql.Raw, "execute", "[fastsql.Raw.execute: driver statements]"),
        (fastsql.write_transaction, "__enter__", "[transaction start: connection, BEGIN IMMEDIATE]"),
        (fastsql.write_transaction, "__exit__", "[transaction end: COMMIT, connection kept]"),
    ]
    for owner, name, label in parts:
        setattr(owner, name, timed(label, getattr(owner, name)))


def main(applicants: int) -> None:
    instrument()
    with tempfile.TemporaryDirectory(prefix="fazhan-breakdown-") as folder:
        path = Path(folder) / "engine.db"
        bench.setup(f"sqlite:///{path}", applicants)
        engine = bench.make_engine(f"sqlite:///{path}")
        clock, requests = FixedClock.on(bench.TODAY), bench.requests()
        advance = timed("advance", services.advance)
        for case_id in range(1, applicants + 1):
            for request in requests:
                advance(engine, clock, bench.ACTOR, case_id, request)
        engine.dispose()
    steps = applicants * bench.STEPS_PER_APPLICANT
    for name in sorted(SECONDS, key=lambda n: -SECONDS[n]):
        sys.stdout.write(f"{name:40s} {SECONDS[name] * 1e6 / steps:8.1f} µs/step  "
                         f"({CALLS[name] / steps:.2f} calls/step)\n")
    rest = SECONDS["advance"] - sum(SECONDS[p] for p in PARTS)
    sys.stdout.write(f"{'advance minus its parts':40s} {rest * 1e6 / steps:8.1f} µs/step  "
                     "(the transaction's start and end, and the timers themselves)\n")


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:] if a.isdigit()]
    main(sizes[0] if sizes else 2000)
