"""Benchmark: recorded steps per second and latency over HTTP, as a 党委's server answers them.

    .venv/bin/python bench/load.py                                  # PostgreSQL 1, 2, 4 workers; SQLite 1 worker
    .venv/bin/python bench/load.py --applicants 200 --clients 8 --workers 1 2

For each configuration a fresh database gets the demo 党委, its logins and ``--applicants`` applicants
(bulk, not timed); then ``fazhan serve --workers N --no-scheduler`` is started as in production (gunicorn,
uvicorn workers, JSON logs to a file) and ``--clients`` threads, each logged in through the login form, record
two steps for each of their applicants over ``POST /api/applicants/{id}/steps/{step}`` (``application_submitted``
then ``talk_held``), one request after another. Timed: from the first request to the last answer. Printed:
steps per second, p50 and p95 latency, CPU seconds of the server processes, and steps per second per core used
by the workers. Every answer must be 200 and every step recorded once, or the run fails (exit status 1).

The machine the figures come from has two cores shared by PostgreSQL, the clients and the workers, so more
workers than cores cannot add throughput here; the per-core figure is the one to plan a bigger server by.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from tests import pgserver  # noqa: E402  (run as a script from the checkout)
from tests.server.processes import Server, base_env, logged_in  # noqa: E402
from tests.server.world import BRANCH, SECRETARY, TODAY, names  # noqa: E402
from tests.web.browser import demo_database  # noqa: E402
from workflow import services  # noqa: E402
from workflow.clock import FixedClock  # noqa: E402
from workflow.db import make_engine  # noqa: E402
from workflow.tables import StepRecord  # noqa: E402

STEPS = (("application_submitted", "2026-06-12", {"organisation_basis": "work_unit"}),
         ("talk_held", TODAY.isoformat(), {"talker": "王芳"}))


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def seed(url: str, applicants: int) -> list[int]:
    clock = FixedClock.on(TODAY)
    demo_database(url, clock)
    engine = make_engine(url)
    try:
        return [services.add_applicant(engine, clock, SECRETARY, name=name, sex="女", birth_date=TODAY.replace(year=2002),
                                       organisation=BRANCH)
                for name, _ in zip(names("孙"), range(applicants), strict=False)]
    finally:
        engine.dispose()


@contextmanager
def database(backend: str, folder: Path, number: int) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'load{number}.db'}"
        return
    name = f"load_{os.getpid()}_{number}"
    url = pgserver.create_database(name)
    try:
        yield url
    finally:
        pgserver.drop_database(name)


def _stat(pid: str) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) from /proc (Linux), or None if the process has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(root: int) -> float:
    """CPU seconds of a process and its descendants (gunicorn's master and workers)."""
    stats = {int(p): s for p in os.listdir("/proc") if p.isdigit() and (s := _stat(p)) is not None}
    family, total, grew = {root}, 0.0, True
    while grew:
        more = {pid for pid, (parent, _) in stats.items() if parent in family} - family
        family |= more
        grew = bool(more)
    for pid in family:
        if pid in stats:
            total += stats[pid][1]
    return total


def postmaster(url: str) -> int | None:
    """The PostgreSQL server's pid (its backends are its children), from postmaster.pid in its data directory."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            folder = conn.exec_driver_sql("SHOW data_directory").scalar()
        return int(Path(str(folder), "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None  # not readable as this user: the database's CPU is then not shown
    finally:
        engine.dispose()


def direct(url: str, cases: list[int]) -> float:
    """The baseline of the same run: CPU seconds per step of ``services.advance`` in this process, no HTTP."""
    from states.procedure import spec_for
    from workflow.evidence import parse_evidence

    engine, clock = make_engine(url), FixedClock.on(TODAY)
    started = time.process_time()
    for case_id in cases:
        for slug, on, evidence in STEPS:
            spec = spec_for(slug)
            services.advance(engine, clock, SECRETARY, case_id, services.StepRequest(
                spec.step, date.fromisoformat(on), parse_evidence(spec, evidence)))
    engine.dispose()
    return (time.process_time() - started) / (len(cases) * len(STEPS))


def drive(server: Server, cases: list[int], clients: int) -> tuple[float, list[float], list[int]]:
    """``clients`` threads, each with its own applicants; returns wall seconds, latencies and status codes."""
    logins = [logged_in(server.url, "chenjing", "fazhan-demo") for _ in range(clients)]
    latencies: list[float] = []
    statuses: list[int] = []
    lock, barrier = threading.Lock(), threading.Barrier(clients + 1)

    def work(number: int) -> None:
        client, token = logins[number]
        mine = cases[number::clients]
        seen: list[tuple[float, int]] = []
        barrier.wait()
        for case_id in mine:
            for slug, on, evidence in STEPS:
                started = time.perf_counter()
                answer = client.post(f"/api/applicants/{case_id}/steps/{slug}", headers={"X-CSRF-Token": token},
                                     json={"on": on, "evidence": evidence})
                seen.append((time.perf_counter() - started, answer.status_code))
        with lock:
            latencies.extend(s for s, _ in seen)
            statuses.extend(c for _, c in seen)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, statuses


def run_one(backend: str, workers: int, args: argparse.Namespace, folder: Path, number: int) -> dict[str, float]:
    with database(backend, folder, number) as url:
        cases = seed(url, args.applicants + args.baseline)
        env = base_env(folder, FAZHAN_TODAY=TODAY.isoformat(), FAZHAN_DB=url, FAZHAN_SECRET_KEY="b" * 48,
                       FAZHAN_LOG_LEVEL="warning")
        for variable in ("FAZHAN_AUDIT_KEY", "FAZHAN_AUDIT_KEY_FILE", "FAZHAN_PERSONAL_KEY_FILE"):
            if os.environ.get(variable):
                env[variable] = os.environ[variable]
        baseline = direct(url, cases[:args.baseline])
        cases = cases[args.baseline:]
        server = Server(["serve", "--workers", str(workers), "--no-scheduler"], env, folder, f"load{number}")
        pg = postmaster(url) if backend == "postgresql" else None
        try:
            server.wait_ready()
            cpu_before, pg_before = cpu_seconds(server.process.pid), cpu_seconds(pg) if pg else 0.0
            wall, latencies, statuses = drive(server, cases, args.clients)
            cpu = cpu_seconds(server.process.pid) - cpu_before
            pg_cpu = cpu_seconds(pg) - pg_before if pg else 0.0
        finally:
            server.stop()
        engine = make_engine(url)
        with engine.connect() as conn:
            recorded = conn.scalar(select(func.count()).select_from(StepRecord.__table__)
                                   .where(StepRecord.__table__.c.case_id.in_(cases))) or 0
        engine.dispose()
    steps = len(statuses)
    bad = sum(1 for s in statuses if s != 200)
    if bad or recorded != steps:
        say(f"  FAILED: {bad} answers not 200, {recorded} steps recorded of {steps}; log: {server.log_path}")
    quantiles = statistics.quantiles(latencies, n=100)
    per_step = (cpu + pg_cpu) / steps  # CPU seconds of one step: the web worker's and the database's
    return {"steps": steps, "wall": wall, "rate": steps / wall, "p50": quantiles[49] * 1000,
            "p95": quantiles[94] * 1000, "web_ms": cpu / steps * 1000, "db_ms": pg_cpu / steps * 1000,
            "direct_ms": baseline * 1000, "ratio": cpu / steps / baseline, "per_core": 1 / per_step,
            "ok": float(not bad and recorded == steps)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--baseline", type=int, default=50, help="applicants advanced in-process first (baseline)")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("FAZHAN_AUDIT_KEY", "6c" * 32)  # this process seeds; the servers inherit the same key
    runs = [("postgresql", w) for w in args.workers] + ([] if args.no_sqlite else [("sqlite", 1)])
    say(f"HTTP load: {args.applicants} applicants × {len(STEPS)} steps, {args.clients} clients, "
        f"{os.cpu_count()} cores, today {TODAY}")
    say(f"{'database':<11}{'workers':>8}{'steps':>7}{'seconds':>9}{'steps/s':>9}{'p50 ms':>8}{'p95 ms':>8}"
        f"{'web CPU ms':>11}{'db CPU ms':>10}{'direct ms':>10}{'web/direct':>11}{'steps/s/core':>13}")
    failed = False
    with tempfile.TemporaryDirectory(prefix="fazhan-load-") as tmp:
        os.environ.setdefault("FAZHAN_PERSONAL_KEY_FILE", str(Path(tmp) / "personal.key"))
        try:
            for number, (backend, workers) in enumerate(runs):
                r = run_one(backend, workers, args, Path(tmp), number)
                failed |= not r["ok"]
                say(f"{backend:<11}{workers:>8}{int(r['steps']):>7}{r['wall']:>9.2f}{r['rate']:>9.1f}{r['p50']:>8.1f}"
                    f"{r['p95']:>8.1f}{r['web_ms']:>11.2f}{r['db_ms']:>10.2f}{r['direct_ms']:>10.2f}"
                    f"{r['ratio']:>11.2f}{r['per_core']:>13.1f}")
        finally:
            pgserver.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
