"""Benchmark: the nightly audit at 100k cases — keyed chain verify, tables-against-trail replay, 巡察 report.

    .venv/bin/python bench/audit.py                       # 100k cases on SQLite
    .venv/bin/python bench/audit.py --cases 10000         # a quicker look
    .venv/bin/python bench/audit.py --url postgresql://…  # on PostgreSQL (an empty database)

The database is filled (not timed) with what the services write for each case — the applicant, the case, three
recorded steps with their rows, a ``case_opened`` and three ``step_recorded`` events MACed under the key — in
bulk on the driver, because recording 400k events one service call at a time would take longer than the
measurement. Before anything is timed, the replay must find the tables and the trail identical, so a generator
that drifted from the services would fail here instead of being measured.

Baseline, measured in the same run on the same database: streaming every event off the driver and decoding its
JSON payload (``audit.events`` with no checks) — the floor any verification must pay. The figures are printed
as seconds and as ratios to that baseline.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine  # noqa: E402

from states.rulesets import RuleSetId  # noqa: E402
from states.steps import Status, Step  # noqa: E402
from workflow import audit, keys, services  # noqa: E402
from workflow.clock import FixedClock  # noqa: E402
from workflow.db import make_engine, upgrade  # noqa: E402
from workflow.fastsql import Raw, Sql, columns  # noqa: E402
from workflow.machine import MOVES  # noqa: E402

STEPS = (("application_submitted", {"organisation_basis": "work_unit"}), ("talk_held", {"talker": "王芳"}),
         ("activist_designated", {"recommendation": "党员推荐", "members": 5, "present": 4}))
CLOCK = FixedClock.on(date(2025, 7, 1))


def fill(engine: Engine, cases: int) -> int:
    """The organisation through the services, then ``cases`` cases in bulk; returns the number of events."""
    services.add_organisation(engine, CLOCK, services.SYSTEM, name="某大学党委", kind="基层党委", may_approve=True)
    services.add_organisation(engine, CLOCK, services.SYSTEM, name="计算机学院党支部", kind="党支部", parent="某大学党委")
    status = Status.NEW
    for slug, _ in STEPS:
        status = MOVES[(Step(slug), status)]
    with engine.begin() as conn:
        raw = Raw(conn)
        seq, prev, key_id = raw.execute(audit.READ_HEAD).fetchone()
        key = keys.store_for(engine).get(key_id) if key_id else keys.store_for(engine).current()
        assert key is not None
        applicants, rows, steps, events = [], [], [], []
        moment = datetime(2025, 7, 1, 1, 0, tzinfo=UTC)
        for number in range(1, cases + 1):
            name = f"申请人{number}"
            applicants.append({"id": number, "name": name, "sex": "男", "birth_date": date(2001, 4, 12), "unit": "",
                               "contact": ""})
            rows.append({"id": number, "applicant_id": number, "organisation_id": 2, "status": status.value,
                         "version": len(STEPS), "opened_on": date(2025, 6, 1)})
            chain: list[tuple[str, date | None, dict[str, Any]]] = [("case_opened", None, {
                "applicant_id": number, "name": name, "sex": "男", "birth_date": "2001-04-12",
                "organisation": "计算机学院党支部", "branch_has_committee": True, "earlier_cases": []})]
            for index, (slug, evidence) in enumerate(STEPS):
                record_id = (number - 1) * len(STEPS) + index + 1
                done_on = date(2025, 6, 1) + timedelta(days=10 * index)
                backfilled = number % 10 == 0 and index == 0  # one case in ten: a back-filled first step
                steps.append({"id": record_id, "case_id": number, "step": slug, "done_on": done_on,
                              "recorded_at": moment, "actor": "王芳", "actor_role": "书记", "rule_set": RuleSetId.R2014.value,
                              "evidence": evidence, "documents": [], "backfilled": backfilled,
                              "backfill_reason": "据纸质档案补录" if backfilled else None})
                chain.append(("step_recorded", done_on, {
                    "step": slug, "done_on": done_on.isoformat(), "step_record_id": record_id, "evidence": evidence,
                    "documents": [], "override": None, "violations": [], "backfilled": backfilled,
                    "backfill_reason": "据纸质档案补录" if backfilled else None}))
            for kind, effective_on, payload in chain:
                seq += 1
                event = {"seq": seq, "kind": kind, "case_id": number, "actor": "王芳", "actor_role": "书记",
                         "effective_on": effective_on, "recorded_at": moment, "rule_set": None if kind == "case_opened" else RuleSetId.R2014.value,
                         "payload": {"version": audit.PAYLOAD_VERSION, **payload}, "prev_hash": prev, "key_id": key.id}
                event["hash"] = prev = audit.event_mac(event, key)
                events.append(event)
        for table_name, items in (("applicants", applicants), ("cases", rows), ("step_records", steps),
                                  ("audit_events", events)):
            names = tuple(items[0])
            statement = Sql("INSERT INTO {} ({}) VALUES ({})".format(table_name, *columns(names)))
            cursor = raw.driver.cursor()
            bound = [raw.bind(item) for item in items]
            cursor.executemany(statement.sqlite if raw.sqlite else statement.postgresql, bound)
        raw.execute(audit.MOVE_HEAD, {"seq": seq, "hash": prev, "key_id": key.id})
        if not raw.sqlite:  # the ids were given: move the sequences past them
            for table_name in ("applicants", "cases", "step_records"):
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), "
                                     f"(SELECT max(id) FROM {table_name}))")
    return seq


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def timed(label: str, work: Any) -> tuple[tuple[float, float], Any]:
    """Wall time, and this process's CPU time beside it: on a shared machine the wall time includes waiting."""
    started, cpu = time.perf_counter(), time.process_time()
    result = work()
    spent = time.perf_counter() - started
    cpu = time.process_time() - cpu
    say(f"  {label:<34}{spent:8.2f} s wall {cpu:8.2f} s CPU")
    return (spent, cpu), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--url", help="an empty database (default: a new SQLite file in a temporary folder)")
    args = parser.parse_args(argv)
    os.environ.setdefault(keys.KEY_ENV, "be" * 32)
    with tempfile.TemporaryDirectory() as folder:
        url = args.url or f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        started = time.perf_counter()
        events = fill(engine, args.cases)
        say(f"{args.cases} cases, {events} events on {engine.dialect.name} (filled in {time.perf_counter() - started:.1f} s)")
        from workflow import replay  # noqa: PLC0415

        with engine.connect() as conn:
            first = replay.compare(conn)
            assert first.intact and first.cases == args.cases, first.sentences()
            base, _ = timed("baseline: stream + decode events", lambda: sum(1 for _ in audit.events(conn)))
            chain, report = timed("verify the keyed chain", lambda: audit.verify(conn))
            assert report.intact and report.checked == events
            tables, report = timed("chain + tables against the trail", lambda: replay.compare(conn))
            assert report.intact
            inspection = _inspection(conn)
        engine.dispose()
    for what, index in (("wall", 0), ("CPU", 1)):
        say(f"  ratios to the baseline ({what}): chain {chain[index] / base[index]:.1f}×, chain + tables "
            f"{tables[index] / base[index]:.1f}×" + (f", 巡察 report {inspection[index] / base[index]:.1f}×" if inspection else ""))
        scaled = [t[index] * 100_000 / args.cases for t in (tables, *([inspection] if inspection else []))]
        say(f"  at 100k cases ({what}, scaled linearly): " + ", ".join(f"{t:.1f} s" for t in scaled)
            + f" — target under 60 s {'met' if max(scaled) < 60 else 'MISSED'}")
    return 0


def _inspection(conn: Any) -> tuple[float, float] | None:
    try:
        from workflow import inspection  # noqa: PLC0415
    except ImportError:
        return None
    spent, report = timed("巡察 report (whole tree, all time, open overdue steps as of the bench's day)",
                          lambda: inspection.report(conn, organisation=None, start=None, end=None, today=CLOCK.today()))
    say(f"    {len(report.findings)} findings")
    return spent


if __name__ == "__main__":
    raise SystemExit(main())
