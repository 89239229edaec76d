"""Benchmark: what encrypting ID and phone numbers costs (issue 13: under 10 % on the step).

    .venv/bin/python bench/personal.py                  # 400 applicants, SQLite
    .venv/bin/python bench/personal.py --applicants 1000

Two databases in one run, filled the same way except that in one every applicant has an ID and a phone number
(sealed with AES-GCM, blind-indexed) and in the other none (the baseline). Measured, interleaved in chunks so
both meet the same load: registering (``add_applicant``), the first two steps (``advance``), and ``show``.
The step never reads the sealed columns, so its ratio should be ~1.0; registering and showing pay the crypto.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine  # noqa: E402

from states.procedure import spec_for  # noqa: E402
from workflow import idcard, personal, services  # noqa: E402
from workflow.clock import FixedClock  # noqa: E402
from workflow.db import make_engine, upgrade  # noqa: E402
from workflow.evidence import parse_evidence  # noqa: E402
from workflow.services import Actor, StepRequest  # noqa: E402

CLOCK = FixedClock.on(date(2025, 7, 1))
CLERK = Actor("王芳", "书记")
CHUNK = 50


def _id_number(n: int) -> str:
    first17 = f"110105{date(2001, 4, 12):%Y%m%d}{n:03d}"[:17]
    return first17 + idcard.check_char(first17)


def _world(url: str) -> Engine:
    upgrade(url)
    engine = make_engine(url)
    services.add_organisation(engine, CLOCK, CLERK, name="某大学党委", kind="基层党委", may_approve=True)
    services.add_organisation(engine, CLOCK, CLERK, name="计算机学院党支部", kind="党支部", parent="某大学党委")
    services.add_member(engine, CLOCK, CLERK, name="王芳", organisation="计算机学院党支部", since=date(2010, 1, 1))
    return engine


def _step(slug: str, on: date, **evidence: str) -> StepRequest:
    spec = spec_for(slug)
    return StepRequest(spec.step, on, parse_evidence(spec, evidence))


def say(line: str) -> None:
    sys.stdout.write(line + "\n")


def _crypto_only(rounds: int, engine: Engine) -> tuple[float, float]:
    """µs per registration and per show spent in the crypto alone (seal + blind index; two opens + masks)."""
    keys = personal.keys_for(engine)
    started = time.perf_counter()
    stored = [personal.sealed(keys, _id_number(n), f"138{n:08d}") for n in range(rounds)]
    sealing = (time.perf_counter() - started) / rounds * 1e6
    started = time.perf_counter()
    for row in stored:
        personal.masked(engine, row["id_number"], row["contact"])
    return sealing, (time.perf_counter() - started) / rounds * 1e6


class Run:
    """Two databases, the same work on each, timed per phase in interleaved chunks."""

    def __init__(self, folder: Path) -> None:
        self.engines = {"baseline": _world(f"sqlite:///{folder / 'plain.db'}"),
                        "encrypted": _world(f"sqlite:///{folder / 'sealed.db'}")}
        self.cases: dict[str, list[int]] = {name: [] for name in self.engines}
        self.totals: dict[tuple[str, str], float] = {}
        self.first = _step("application_submitted", date(2025, 6, 10), organisation_basis="工作单位党组织")
        self.talk = _step("talk_held", date(2025, 6, 18), talker="王芳")

    def register(self, name: str, lo: int, hi: int) -> None:
        sealed = name == "encrypted"
        for n in range(lo, hi):
            self.cases[name].append(services.add_applicant(
                self.engines[name], CLOCK, CLERK, name=f"申请人{n}", sex="男", birth_date=date(2001, 4, 12),
                organisation="计算机学院党支部", id_number=_id_number(n) if sealed else None,
                contact=f"138{n:08d}" if sealed else ""))

    def advance(self, name: str, lo: int, hi: int) -> None:
        for case in self.cases[name][lo:hi]:
            services.advance(self.engines[name], CLOCK, CLERK, case, self.first)
            services.advance(self.engines[name], CLOCK, CLERK, case, self.talk)

    def show(self, name: str, lo: int, hi: int) -> None:
        for case in self.cases[name][lo:hi]:
            services.show(self.engines[name], CLOCK, case)

    def phase(self, phase: str, action: Callable[[str, int, int], None], applicants: int) -> None:
        for turn, lo in enumerate(range(0, applicants, CHUNK)):
            hi = min(lo + CHUNK, applicants)
            for name in ("baseline", "encrypted") if turn % 2 == 0 else ("encrypted", "baseline"):
                started = time.perf_counter()
                action(name, lo, hi)
                self.totals[phase, name] = self.totals.get((phase, name), 0.0) + time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applicants", type=int, default=400)
    args = parser.parse_args(argv)
    run = Run(Path(tempfile.mkdtemp(prefix="fazhan-bench-personal-")))
    for phase, action in (("register", run.register), ("advance", run.advance), ("show", run.show)):
        run.phase(phase, action, args.applicants)
    say(f"fazhan bench/personal.py: {args.applicants} applicants, SQLite, interleaved chunks of {CHUNK}")
    say(f"{'phase':<10}{'baseline µs/op':>16}{'encrypted µs/op':>17}{'ratio':>8}")
    for phase, per in (("register", 1), ("advance", 2), ("show", 1)):
        base = run.totals[phase, "baseline"] / (args.applicants * per) * 1e6
        sealed = run.totals[phase, "encrypted"] / (args.applicants * per) * 1e6
        say(f"{phase:<10}{base:>16.0f}{sealed:>17.0f}{sealed / base:>8.3f}")
    sealing, opening = _crypto_only(args.applicants, run.engines["encrypted"])
    say(f"crypto alone: {sealing:.0f} µs to seal + index one applicant, {opening:.0f} µs to open + mask one "
        "(the rest of the register difference is the duplicate look-up by blind index the baseline skips)")
    for engine in run.engines.values():
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
