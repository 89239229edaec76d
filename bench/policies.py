"""What resolving a case's policy costs on a step's path, against the step's own case load in the same run.

    .venv/bin/python bench/policies.py [--rounds 2000]

On one SQLite database (a 党委, a 党总支, a 党支部, one case) the two reads alternate, ``load_case`` (the step's first
read: the case row and its steps) as the baseline and ``policies.policy_for`` (one recursive query up the tree),
first with no setting stored anywhere, then with three settings at two levels. Figures are per call; the ratio
is what the extra query adds to the baseline read. Not a test: prints figures only.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, Engine

from states.procedure import spec_for
from states.rulesets import DEFAULT_POLICY, Policy
from workflow import policies, services
from workflow.clock import FixedClock
from workflow.db import make_engine, upgrade
from workflow.evidence import parse_evidence

ACTOR = services.Actor("王芳", "书记")


def _timed(conn: Connection, rounds: int, case: int, org: int) -> tuple[float, float]:
    base = extra = 0.0
    for _ in range(rounds):  # interleaved, so both meet the same load on a shared machine
        start = time.perf_counter()
        services.load_case(conn, case)
        middle = time.perf_counter()
        policies.policy_for(conn, org)
        extra += time.perf_counter() - middle
        base += middle - start
    return base / rounds * 1e6, extra / rounds * 1e6


def _deployment_only(conn: Connection, organisation_id: int, base: Policy = DEFAULT_POLICY) -> Policy:  # noqa: ARG001
    return base  # what the step did before policies were per organisation


def _steps(engine: Engine, clock: FixedClock, case: int, rounds: int) -> tuple[float, float]:
    """A whole recorded step (a repeatable 考察 on the same case), with and without the resolution, alternating."""
    real, spec = policies.policy_for, spec_for("activist_assessed")
    timings = {False: 0.0, True: 0.0}
    for _ in range(20):  # warm-up: caches, statement preparation
        services.advance(engine, clock, ACTOR, case, services.StepRequest(spec.step, date(2025, 2, 1),
                                                                          parse_evidence(spec, {})))
    for n in range(rounds * 2):
        resolving = n % 2 == 0
        policies.policy_for = real if resolving else _deployment_only  # type: ignore[assignment]
        request = services.StepRequest(spec.step, date(2025, 2, 1), parse_evidence(spec, {}))
        start = time.perf_counter()
        services.advance(engine, clock, ACTOR, case, request)
        timings[resolving] += time.perf_counter() - start
    policies.policy_for = real
    return timings[False] / rounds * 1e6, timings[True] / rounds * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2000)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        engine, clock = make_engine(url), FixedClock.on(date(2025, 3, 1))
        services.add_organisation(engine, clock, ACTOR, name="党委", kind="基层党委", may_approve=True)
        services.add_organisation(engine, clock, ACTOR, name="党总支", kind="党总支", parent="党委")
        services.add_organisation(engine, clock, ACTOR, name="支部", kind="党支部", parent="党总支")
        case = services.add_applicant(engine, clock, ACTOR, name="李明", sex="男", birth_date=date(2001, 4, 12),
                                      organisation="支部")
        for slug, on, raw in [("application_submitted", date(2024, 3, 4), {"organisation_basis": "work_unit"}),
                              ("talk_held", date(2024, 3, 20), {"talker": "王芳"}),
                              ("activist_designated", date(2024, 9, 10),
                               {"recommendation": "party_members", "members": "5", "present": "4"})]:
            spec = spec_for(slug)
            services.advance(engine, clock, ACTOR, case, services.StepRequest(
                spec.step, on, parse_evidence(spec, raw), backfill_reason="补录"))
        org = services.load_case(engine.connect(), case).organisation_id
        with engine.connect() as conn:
            _timed(conn, 200, case, org)  # warm-up
            empty = _timed(conn, rounds, case, org)
        for where, key, value in [("党委", "activist_wait_months", "6"), ("党委", "strict_age", "是"),
                                  ("支部", "activist_wait_months", "3")]:
            policies.change(engine, clock, organisation=where, key=key, value=value, by="刘洋")
        with engine.connect() as conn:
            stored = _timed(conn, rounds, case, org)
        steps = _steps(engine, clock, case, max(rounds // 10, 50))
        engine.dispose()
    for label, (base, extra) in [("no settings stored", empty), ("3 settings, 2 levels", stored)]:
        sys.stdout.write(f"{label:22}  load_case {base:7.1f} µs   policy_for {extra:7.1f} µs   ratio {extra / base:.2f}\n")
    without, with_policy = steps
    sys.stdout.write(f"whole step (advance)    without resolving {without:7.1f} µs   with {with_policy:7.1f} µs   "
                     f"ratio {with_policy / without:.2f}\n")


if __name__ == "__main__":
    main()
