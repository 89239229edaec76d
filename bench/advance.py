"""Benchmark: applicants advanced through the first ten steps, engine vs the raw driver, SQLite and PostgreSQL.

    .venv/bin/python bench/advance.py                                 # 10k and 100k applicants, both backends
    .venv/bin/python bench/advance.py --applicants 2000               # a quicker look
    .venv/bin/python bench/advance.py --applicants 500 --compare      # and check they wrote identical tables
    .venv/bin/python bench/advance.py --applicants 2000 --backends sqlite --profile-dir /tmp/prof

For every size, backend and contender a fresh database is migrated with ``upgrade()`` and filled (not timed)
by a ``setup`` subprocess; each contender (``bench/contenders.py``) then runs in a long-lived subprocess of its
own, so its peak RSS and CPU time are its own. The two contenders of a backend run **interleaved**: chunks of
applicants, engine and baseline in turn (the order alternating), so both meet the same load when other jobs
share the machine; the per-chunk wall and CPU times are summed. PostgreSQL is a private server started like
the tests' (``tests/pgserver.py``), or ``FAZHAN_TEST_PG_URL``.

Contenders: ``engine``; ``baseline``, the raw driver doing the same reads and writes, the step's outbox I/O
included when the engine plans notices (``contenders.outbox_script``); ``baseline-old``, the raw driver without
the outbox (the baseline before notices were planned in the step): a ratio is printed against each, so that no
target is met by moving the baseline. ``--old-baseline`` runs only ``baseline-old`` and the engine.

Each run is checked afterwards (every case a ``candidate`` at version 11, the audit chain verifies) so a run
cannot silently measure failures.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # tests.pgserver

import contenders as c  # noqa: E402  (bench/ is not a package)

from workflow import keys  # noqa: E402

# What breakdown.py and older callers import from here.
setup, requests, make_engine = c.setup, c.requests, c.make_engine
TODAY, ACTOR, STEPS_PER_APPLICANT, HISTORY = c.TODAY, c.ACTOR, c.STEPS_PER_APPLICANT, c.HISTORY
# "baseline" does the engine's outbox I/O too when the engine plans notices; "baseline-old" never does (the
# baseline before notices were planned in the step): both are measured, so no ratio hides the other.
CONTENDERS = ("baseline", "engine", "baseline-old")
BASELINES = ("baseline", "baseline-old")
BACKENDS = ("sqlite", "postgresql")
BENCH_KEY = "5e" * 32  # not a secret: a benchmark's throw-away databases share one audit key
BUSY_CPU_SHARE = 0.7  # below this share of CPU over wall time, other processes were competing for the CPU
CHUNK_APPLICANTS = 50


# ---------------------------------------------------------------- the worker subprocess

NO_PLANNER_ENV = "FAZHAN_BENCH_WITHOUT_PLANNER"


def _contender(role: str, backend: str, url: str) -> Any:
    if role == "engine":
        engine = c.Engine(url)
        if os.environ.get(NO_PLANNER_ENV):  # the bare step: no notice planning in its transaction
            from workflow import after_write

            for name in after_write.registered():
                after_write.unregister(name)
        return engine
    outbox = None
    if role == "baseline" and not os.environ.get(NO_PLANNER_ENV):
        scratch = Path(tempfile.mkdtemp(prefix="fazhan-outbox-script-"))
        try:
            outbox = c.outbox_script(scratch)  # recorded before the clock starts: not timed
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return c.SqliteBaseline(url, outbox) if backend == "sqlite" else c.PsycopgBaseline(url, outbox)


def worker(role: str, backend: str, url: str, applicants: int, profile: Path | None,
           commands: TextIO, answers: TextIO) -> None:
    """``setup``, or a contender answering ``run FIRST LAST`` with its wall and CPU seconds, then ``finish``."""
    if role == "setup":
        c.setup(url, applicants)
        return
    contender = _contender(role, backend, url)
    profiler = cProfile.Profile() if profile else None
    code = revision()  # what this process imported: others may commit while a long run goes on
    for line in commands:
        word, *numbers = line.split()
        if word == "run":
            first, last = int(numbers[0]), int(numbers[1])
            wall, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            contender.run(first, last)
            if profiler:
                profiler.disable()
            answer = {"seconds": time.perf_counter() - wall, "cpu_seconds": time.process_time() - cpu}
        else:
            peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # before the checks read the chain
            contender.close()
            if profiler and profile:
                profiler.dump_stats(profile)
            answer = {"revision": code, "peak_rss_mb": peak_kb / 1024, **c.check_outcome(url, applicants)}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()
        if word != "run":
            return


class Worker:
    """The parent's handle on one contender's subprocess."""

    def __init__(self, role: str, backend: str, url: str, applicants: int, profile: Path | None) -> None:
        command = [sys.executable, __file__, "--worker", role, "--backends", backend, "--url", url,
                   "--applicants", str(applicants)]
        if profile:
            command += ["--profile", str(profile)]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        env=_environment())
        self.seconds = self.cpu_seconds = 0.0

    def ask(self, line: str) -> dict[str, Any]:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError(f"a benchmark worker died (exit status {self.process.wait()})")
        return dict(json.loads(answer))

    def run(self, first: int, last: int) -> None:
        answer = self.ask(f"run {first} {last}")
        self.seconds += answer["seconds"]
        self.cpu_seconds += answer["cpu_seconds"]

    def finish(self) -> dict[str, Any]:
        answer = self.ask("finish")
        self.process.wait()
        return {"seconds": self.seconds, "cpu_seconds": self.cpu_seconds, **answer}


def _environment() -> dict[str, str]:
    return {**os.environ, keys.KEY_ENV: os.environ.get(keys.KEY_ENV) or BENCH_KEY}


def _setup(backend: str, url: str, applicants: int) -> None:
    subprocess.run([sys.executable, __file__, "--worker", "setup", "--backends", backend, "--url", url,
                    "--applicants", str(applicants)], check=True, env=_environment())


# ---------------------------------------------------------------- databases


class Databases:
    """Fresh databases: SQLite files in one folder, PostgreSQL databases on a private (or given) server."""

    def __init__(self, folder: Path, backends: tuple[str, ...], *, keep: bool) -> None:
        self.folder, self.keep, self.files = folder, keep, list[Path]()
        self.server: Any = None
        if "postgresql" in backends:
            from tests import pgserver

            self.server = pgserver.server()
        self.made: list[str] = []

    def new(self, backend: str, name: str) -> str:
        if backend == "sqlite":
            path = self.folder / f"{name}.db"
            self.files += [Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm", ".audit-key")]
            for file in self.files[-4:]:
                file.unlink(missing_ok=True)
            return f"sqlite:///{path}"
        database = f"bench_{name.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
        self.made.append(database)
        return str(self.server.create_database(database))

    def drop(self) -> None:
        for file in [] if self.keep else self.files:
            file.unlink(missing_ok=True)
        self.files.clear()
        for database in self.made:
            self.server.drop_database(database)
        self.made.clear()

    def close(self) -> None:
        if self.server is not None:
            self.drop()
            self.server.stop()


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


def measure(size: int, backend: str, contenders: tuple[str, ...], dbs: Databases, *, check_same: bool,
            profile_dir: Path | None, progress: Callable[[str], None]) -> dict[str, dict[str, Any]]:
    urls = {who: dbs.new(backend, f"{who}-{size}") for who in contenders}
    for who in contenders:
        _setup(backend, urls[who], size)
    workers = {who: Worker(who, backend, urls[who], size,
                           profile_dir / f"{who}-{backend}-{size}.prof" if profile_dir else None)
               for who in contenders}
    started = time.perf_counter()
    for turn, first in enumerate(range(1, size + 1, CHUNK_APPLICANTS)):
        last = min(first + CHUNK_APPLICANTS - 1, size)
        for who in (contenders if turn % 2 == 0 else tuple(reversed(contenders))):
            workers[who].run(first, last)
        if last % 10_000 == 0 and last != size:
            progress(f"  … {backend}: {last:,}/{size:,} applicants after {time.perf_counter() - started:.0f} s")
    results = {who: workers[who].finish() for who in contenders}
    if check_same and backend == "sqlite" and "engine" in contenders:
        path = {who: Path(url.removeprefix("sqlite:///")) for who, url in urls.items()}
        for base in (b for b in BASELINES if b in contenders):
            # the old baseline writes no notices: its tables are compared without the outbox
            planner = not os.environ.get(NO_PLANNER_ENV)
            skip = frozenset({"notices"}) if base == "baseline-old" and planner else frozenset()
            differences = c.compare(path["engine"], path[base], skip=skip)
            results[base]["identical"] = ("yes" if not differences else "NO — " + "; ".join(differences)) + (
                " (the notices table left out)" if skip else " (the notices table included)")
    return results


def report(size: int, backend: str, results: dict[str, dict[str, Any]], code: str) -> None:
    steps = size * STEPS_PER_APPLICANT
    say(f"{backend}: applicants={size:,}  steps={steps:,}")
    for contender, r in results.items():
        if r["revision"] != code:
            say(f"  NOTE: the {contender} ran code at {r['revision']}, not {code}: the code changed during the run")
        status = "ok" if not r["problems"] else "FAILED: " + "; ".join(r["problems"])
        say(f"  {contender:<12}  {r['seconds']:9.2f} s  {steps / r['seconds']:9,.0f} steps/s  "
            f"(CPU {r['cpu_seconds']:.2f} s)  peak RSS {r['peak_rss_mb']:7.1f} MB  checks {status} "
            f"({r['candidates']:,} candidates, {r['audit_events']:,} audit events verified)")
    for base in (b for b in BASELINES if b in results and "engine" in results):
        ratio = results["engine"]["seconds"] / results[base]["seconds"]
        cpu_ratio = results["engine"]["cpu_seconds"] / results[base]["cpu_seconds"]
        say(f"  ratio engine/{base}: time {ratio:.2f} ({'met' if ratio <= 2.0 else 'MISSED'}), "
            f"CPU {cpu_ratio:.2f} ({'met' if cpu_ratio <= 2.0 else 'MISSED'}); target <= 2.0")
        if "identical" in results[base]:
            say(f"  engine and {base} wrote identical tables: {results[base]['identical']}")
    if len(results) >= 2:
        busiest = min(r["cpu_seconds"] / r["seconds"] for r in results.values())
        if busiest < BUSY_CPU_SHARE and backend == "sqlite":
            say(f"  NOTE: a contender got only {busiest:.0%} of a CPU over its wall time: the machine was busy "
                "(the chunks interleave, so both met the same load)")


def memory_summary(sizes: list[int], all_results: dict[tuple[int, str], dict[str, dict[str, Any]]]) -> None:
    if len(sizes) < 2:
        return
    small, large = min(sizes), max(sizes)
    for (size, backend), results in all_results.items():
        if size != small or (large, backend) not in all_results:
            continue
        for contender in results:
            a, b = results[contender]["peak_rss_mb"], all_results[(large, backend)][contender]["peak_rss_mb"]
            say(f"{backend} {contender} peak RSS at {large:,} vs {small:,} applicants: {b:.1f} MB vs {a:.1f} MB "
                f"(x{b / a:.2f}; target ≈ flat)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--applicants", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--db-dir", type=Path, help="where the SQLite files go (kept); default a temp dir")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--baseline-only", action="store_true")
    only.add_argument("--engine-only", action="store_true")
    parser.add_argument("--compare", action="store_true", help="check the contenders wrote identical tables")
    parser.add_argument("--old-baseline", action="store_true",
                        help="only the old baseline (no outbox I/O) against the engine, as measured before")
    parser.add_argument("--profile-dir", type=Path, help="write a cProfile file per contender and size here")
    parser.add_argument("--without-planner", action="store_true",
                        help="the engine without the notice planners (workflow.after_write): the bare step")
    parser.add_argument("--worker", choices=("setup", *CONTENDERS), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--profile", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.without_planner:
        os.environ[NO_PLANNER_ENV] = "1"  # read by the contenders' subprocesses
    if args.worker:
        worker(args.worker, args.backends[0], args.url, args.applicants[0], args.profile, sys.stdin, sys.stdout)
        return 0
    if args.baseline_only or args.engine_only:
        contenders: tuple[str, ...] = ("baseline",) if args.baseline_only else ("engine",)
    elif args.old_baseline:
        contenders = ("baseline-old", "engine")
    elif args.without_planner:  # the engine writes no notices: the two baselines are the same program
        contenders = ("baseline", "engine")
    else:
        contenders = CONTENDERS
    folder = args.db_dir or Path(tempfile.mkdtemp(prefix="fazhan-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    if args.profile_dir:
        args.profile_dir.mkdir(parents=True, exist_ok=True)
    code = revision()
    say(f"fazhan advance benchmark: {STEPS_PER_APPLICANT} steps per applicant ({HISTORY[0][0]} … "
        f"{HISTORY[-1][0]}), interleaved in chunks of {CHUNK_APPLICANTS} applicants, Python "
        f"{sys.version.split()[0]}, {os.cpu_count()} CPUs, code at {code}")
    backends = tuple(b for b in BACKENDS if b in args.backends)
    dbs = Databases(folder, backends, keep=args.db_dir is not None)
    all_results: dict[tuple[int, str], dict[str, dict[str, Any]]] = {}
    try:
        for size in args.applicants:
            for backend in backends:
                results = measure(size, backend, contenders, dbs, check_same=args.compare,
                                  profile_dir=args.profile_dir, progress=lambda line: sys.stderr.write(line + "\n"))
                all_results[(size, backend)] = results
                report(size, backend, results, code)
                dbs.drop()
        memory_summary(args.applicants, all_results)
    finally:
        dbs.close()
        if args.db_dir is None:
            shutil.rmtree(folder, ignore_errors=True)
    failed = any(r["problems"] for results in all_results.values() for r in results.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
