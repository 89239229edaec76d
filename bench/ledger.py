"""Benchmark: a 台账 of N people with full histories imported, beside the single-step path, in the same run.

    .venv/bin/python bench/ledger.py                      # 100,000 people (the target: ≥ 1,000 people/s)
    .venv/bin/python bench/ledger.py --people 5000        # a quicker look
    .venv/bin/python bench/ledger.py --people 5000 --postgresql   # on a private PostgreSQL server too

The 台账 (.xlsx, 28 columns, 16 steps a person, every rule checked) is built once with openpyxl and cached in the
temp folder; building it is not timed. The import is timed from the file's bytes to the commit (read, check,
write, audit). The baseline is the single-step path, ``services.advance`` for the first eleven steps of a
sample of applicants (``bench/contenders.py``), measured right after on the same machine, so the ratio holds
whatever else the machine is doing. Each run is checked afterwards: every case on record, the audit chain intact.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("FAZHAN_AUDIT_KEY", "5e" * 32)  # throw-away databases share one audit key
os.environ.setdefault("FAZHAN_PERSONAL_KEY", "6b" * 32)  # not a secret: throw-away databases

import contenders as c  # noqa: E402  (bench/ is not a package)
from openpyxl import Workbook  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from tests.ledger.sheets import BRANCH, HEADERS, clean_history, person  # noqa: E402
from workflow import services  # noqa: E402
from workflow.clock import FixedClock  # noqa: E402
from workflow.db import make_engine, upgrade  # noqa: E402
from workflow.ledger.importer import import_ledger  # noqa: E402
from workflow.tables import Case, table  # noqa: E402

TODAY = date(2026, 11, 30)
STEPS_PER_PERSON = 16


def ledger_file(people: int) -> Path:
    """A cached .xlsx of ``people`` rows; histories start on different days so the rules see varied dates."""
    path = Path(tempfile.gettempdir()) / f"fazhan-bench-ledger-{people}.xlsx"
    if path.exists():
        return path
    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    sheet.append(list(HEADERS))
    for i in range(people):
        # birth day and ID sequence together unique: every row is a different person
        row = person(f"人{i}", date(1960, 1, 1) + timedelta(days=i % 12000), i // 12000,
                     clean_history(date(2015, 1, 1) + timedelta(days=i % 3000)))
        if i % 10 == 0:  # one in ten broken: a 发展对象 made before a full year
            row["确定发展对象时间"] = row["确定积极分子时间"] + timedelta(days=200)
        sheet.append([row.get(h) for h in HEADERS])
    book.save(path)
    return path


def _fresh(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    clock = FixedClock.on(date(2014, 1, 1))
    services.add_organisation(engine, clock, c.ACTOR, name="某大学党委", kind="基层党委", may_approve=True)
    services.add_organisation(engine, clock, c.ACTOR, name=BRANCH, kind="党支部", parent="某大学党委")
    engine.dispose()


def _children_cpu() -> float:
    """CPU seconds of finished child processes: the rule checks of a large 台账 run in a pool of workers."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_import(url: str, path: Path) -> tuple[float, float, float, int]:
    _fresh(url)
    engine = make_engine(url)
    data = path.read_bytes()
    wall, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
    result = import_ledger(engine, FixedClock.on(TODAY), c.ACTOR, path.name, data)
    wall, cpu, children = time.perf_counter() - wall, time.process_time() - cpu, _children_cpu() - children
    with engine.connect() as conn:
        cases = conn.execute(select(func.count()).select_from(table(Case))).scalar_one()
    report = services.verify_audit(engine)
    engine.dispose()
    if cases != len(result.case_ids) or not report.intact:
        raise SystemExit(f"the import did not write what it said: {cases} cases, {report.sentence()}")
    return wall, cpu, children, cases


def time_single_steps(url: str, applicants: int) -> tuple[float, float]:
    c.setup(url, applicants)
    contender = c.Engine(url)
    wall, cpu = time.perf_counter(), time.process_time()
    contender.run(1, applicants)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    contender.close()
    return wall, cpu


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def run(url_for: dict[str, str], people: int, sample: int) -> None:
    path = ledger_file(people)
    for backend, url in url_for.items():
        say(f"[{backend}] load average before the run: {_load()} (1/5/15 min) on {os.cpu_count()} CPUs")
        single_wall, single_cpu = time_single_steps(url + "-single" if backend == "sqlite" else url, sample)
        wall, parent_cpu, workers_cpu, cases = time_import(url if backend == "sqlite" else url.replace("_single", "_import"), path)
        single_steps = sample * c.STEPS_PER_APPLICANT / single_wall
        steps = cases * STEPS_PER_PERSON / wall
        say(f"[{backend}] single-step path (services.advance): {sample} applicants × {c.STEPS_PER_APPLICANT} steps "
              f"in {single_wall:.1f} s (CPU {single_cpu:.1f} s): {sample / single_wall:,.0f} people/s, "
              f"{single_steps:,.0f} steps/s")
        cpu = parent_cpu + workers_cpu
        say(f"[{backend}] 台账 import: {cases:,} people × {STEPS_PER_PERSON} steps in {wall:.1f} s (CPU {cpu:.1f} s: "
            f"importing process {parent_cpu:.1f} s, checking workers {workers_cpu:.1f} s): "
              f"{cases / wall:,.0f} people/s ({cases / cpu:,.0f} per CPU-second, workers included), {steps:,.0f} "
              f"steps/s — {steps / single_steps:.1f}× the single-step path per step; target 1,000 people/s: "
              f"{'met' if cases / wall >= 1000 else 'MISSED'}")
        say(f"[{backend}] load average after the run: {_load()} (1/5/15 min) on {os.cpu_count()} CPUs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=300, help="applicants advanced one step at a time (baseline)")
    parser.add_argument("--postgresql", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="fazhan-bench-ledger-"))
    urls = {"sqlite": f"sqlite:///{folder / 'ledger.db'}"}
    if args.postgresql:
        from tests import pgserver

        server = pgserver.server()
        urls["postgresql"] = server.create_database("bench_single")
        server.create_database("bench_import")
    try:
        run(urls, args.people, args.sample)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # ~4 KB a person: a 100k run leaves 400 MB otherwise
        if args.postgresql:
            pgserver.stop()


if __name__ == "__main__":
    main()
