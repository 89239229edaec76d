"""Benchmark: what planning the case's notices inside the step's transaction costs a recorded step.

    .venv/bin/python bench/planning.py --applicants 1000

Two fresh SQLite files set up as ``bench/advance.py`` does (``bench/contenders.py``: the roster, N cases, the first
eleven steps of the demo history each). The same ``services.advance`` calls run on both, 50 applicants at a time,
the order alternating: on one with the notices planner installed (``notices.planning``, as every interface
process installs it), on the other without. Printed: ms per step (wall and CPU) of each and the difference,
and the outbox rows the planner wrote (the file without it has none).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from contenders import STEPS_PER_APPLICANT, Engine, setup  # noqa: E402  (run as a script from the checkout)

from notices import planning  # noqa: E402
from notices.outbox import NOTICES  # noqa: E402
from workflow import after_write  # noqa: E402

CHUNK = 50


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=1000)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="fazhan-planning-"))
    urls = {name: f"sqlite:///{folder / name}.db" for name in ("with", "without")}
    for url in urls.values():
        setup(url, args.applicants)
    engines = {name: Engine(url) for name, url in urls.items()}
    spent = {name: [0.0, 0.0] for name in urls}
    for number, first in enumerate(range(1, args.applicants + 1, CHUNK)):
        last = min(first + CHUNK - 1, args.applicants)
        for name in ("with", "without") if number % 2 == 0 else ("without", "with"):
            if name == "with":
                planning.install()
            else:
                after_write.unregister(planning.NAME)
            started, cpu = time.perf_counter(), time.process_time()
            engines[name].run(first, last)
            spent[name][0] += time.perf_counter() - started
            spent[name][1] += time.process_time() - cpu
    steps = args.applicants * STEPS_PER_APPLICANT
    rows = {}
    for name, contender in engines.items():
        with contender.engine.connect() as conn:
            rows[name] = conn.execute(select(func.count()).select_from(NOTICES)).scalar_one()
        contender.close()
    print(  # noqa: T201  (a benchmark prints its figures)
        f"{args.applicants:,} applicants, {steps:,} steps, SQLite, interleaved by {CHUNK}")
    for name in ("without", "with"):
        wall, cpu = spent[name]
        print(  # noqa: T201
            f"  {name:7} planner: {wall / steps * 1000:.3f} ms a step (CPU {cpu / steps * 1000:.3f} ms); "
              f"{rows[name]:,} outbox rows")
    (wall_with, cpu_with), (wall_without, cpu_without) = spent["with"], spent["without"]
    print(  # noqa: T201  (a benchmark prints its figures)
        f"  planning adds {(wall_with - wall_without) / steps * 1000:.3f} ms wall, "
          f"{(cpu_with - cpu_without) / steps * 1000:.3f} ms CPU a step: "
          f"{wall_with / wall_without:.2f}× wall, {cpu_with / cpu_without:.2f}× CPU")
    return 0 if rows["with"] > 0 and rows["without"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
