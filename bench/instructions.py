"""The step's cost in CPU instructions, engine vs the raw driver on SQLite: a figure the machine's load cannot move.

    .venv/bin/python bench/instructions.py                       # 40 applicants: engine with its planner vs baseline
    .venv/bin/python bench/instructions.py --without-planner     # the bare step vs the baseline without the outbox
    .venv/bin/python bench/instructions.py --applicants 100

Why: on a shared 2-CPU machine the timed ratios of ``advance.py`` move by ±10% from run to run, more than most
single changes to the step are worth. Here each contender of ``contenders.py`` runs under Valgrind's callgrind
(``apt-get install valgrind``), which counts the user-space instructions the process executes: the same code
gives the same count whatever else runs (±0.1%). Only the timed part is counted: the counters are zeroed when
the child calls ``getppid()`` after set-up and two warm-up applicants, and read when it calls ``getpgrp()``.

What it cannot see: time in the kernel (the writes of a commit), cache misses and branch mispredictions, which
cost Python's interpreter more per instruction than SQLite's C. ``advance.py``'s interleaved timings remain the
target's measure; this one tells whether a change made the step cheaper, and by how much.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
WARM_APPLICANTS = 2


def _child(contender: str, applicants: int, folder: Path) -> None:
    """Runs inside callgrind: set up, warm up, then the counted applicants between the two marker calls."""
    sys.path.insert(0, str(HERE))
    import contenders as c

    from workflow import after_write

    url = f"sqlite:///{folder / 'bench.db'}"
    planner = contender in ("engine", "baseline")
    if planner:
        from notices import planning

        planning.install()
    else:
        for name in after_write.registered():
            after_write.unregister(name)
    script = c.outbox_script(folder) if contender == "baseline" else None
    c.setup(url, applicants)
    runner = c.Engine(url) if contender.startswith("engine") else c.SqliteBaseline(url, script)
    runner.run(1, WARM_APPLICANTS)
    os.getppid()  # callgrind: --zero-before=getppid
    runner.run(WARM_APPLICANTS + 1, applicants)
    os.getpgrp()  # callgrind: --dump-before=getpgrp
    runner.close()


def _counted(contender: str, applicants: int, folder: Path) -> int:
    """The instructions of the counted part, from the dump callgrind writes at ``getpgrp``."""
    work = folder / contender
    work.mkdir()
    out = work / "callgrind.out"
    command = ["valgrind", "--tool=callgrind", "--zero-before=getppid", "--dump-before=getpgrp",
               f"--callgrind-out-file={out}", sys.executable, __file__, "--child", contender,
               "--applicants", str(applicants), "--folder", str(work)]
    environment = {**os.environ, "PYTHONHASHSEED": "0"}  # the same dictionaries, hence the same count, every run
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    dumps = sorted(work.glob("callgrind.out.*"))
    if done.returncode != 0 or not dumps:
        raise SystemExit(f"{contender}: callgrind failed ({done.returncode}):\n{done.stderr[-2000:]}")
    for line in dumps[0].read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise SystemExit(f"{contender}: no instruction total in {dumps[0]}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--applicants", type=int, default=40)
    parser.add_argument("--without-planner", action="store_true",
                        help="the engine without its notice planner, against the baseline without the outbox")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        _child(options.child, options.applicants, Path(options.folder))
        return 0
    if shutil.which("valgrind") is None:
        sys.stderr.write("valgrind is not installed: apt-get install valgrind\n")
        return 2
    if options.applicants <= WARM_APPLICANTS:
        sys.stderr.write(f"--applicants must be more than the {WARM_APPLICANTS} warm-up applicants\n")
        return 2
    import contenders as c

    pair = ("engine-bare", "baseline-old") if options.without_planner else ("engine", "baseline")
    steps = (options.applicants - WARM_APPLICANTS) * c.STEPS_PER_APPLICANT
    with tempfile.TemporaryDirectory(prefix="fazhan-instructions-") as folder, ThreadPoolExecutor(2) as pool:
        counts = dict(zip(pair, pool.map(lambda name: _counted(name, options.applicants, Path(folder)), pair),
                          strict=True))
    sys.stdout.write(f"sqlite: applicants={options.applicants:,} counted steps={steps:,} (under callgrind)\n")
    for name, count in counts.items():
        sys.stdout.write(f"  {name:<13} {count / steps:>12,.0f} instructions/step\n")
    sys.stdout.write(f"  ratio {pair[0]}/{pair[1]}: {counts[pair[0]] / counts[pair[1]]:.2f}\n")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main(sys.argv[1:]))
