"""Benchmark: exporting a case to another database and importing it there (issue 11 item 1).

    .venv/bin/python bench/exchange.py                 # 100 积极分子, SQLite → SQLite
    .venv/bin/python bench/exchange.py --cases 300

The baseline is what the receiving branch would do without the file: record the same six steps of the person's
history by hand (``services.advance``, back-filled). Measured in the same run, interleaved in chunks so all
three meet the same load: the baseline, the export (转出 step + JSON + signature + 纪实表 .docx + closing the
case) and the import (checks, the person, the steps as 转入材料, the 转入审查).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine  # noqa: E402

from states.procedure import spec_for  # noqa: E402
from workflow import idcard, services  # noqa: E402
from workflow.case_exchange import export_case  # noqa: E402
from workflow.case_import import Review, import_case  # noqa: E402
from workflow.clock import FixedClock  # noqa: E402
from workflow.db import make_engine, upgrade  # noqa: E402
from workflow.evidence import parse_evidence  # noqa: E402
from workflow.services import Actor, StepRequest  # noqa: E402

CLOCK = FixedClock.on(date(2026, 3, 1))
CLERK = Actor("王芳", "书记")
CHUNK = 25
HISTORY = [("application_submitted", date(2024, 3, 4), {"organisation_basis": "work_unit"}),
           ("talk_held", date(2024, 3, 20), {"talker": "王芳"}),
           ("activist_designated", date(2024, 6, 14), {"recommendation": "party_members", "members": "5", "present": "4"}),
           ("activist_filed", date(2024, 6, 28), {}),
           ("liaisons_assigned", date(2024, 7, 1), {"liaisons": "王芳,赵强"}),
           ("activist_assessed", date(2024, 12, 10), {})]
REVIEW = Review("连续计算", "材料齐全", date(2025, 1, 20))


def _id_number(n: int) -> str:
    first17 = f"110105{date(2001, 4, 12):%Y%m%d}{n:03d}"[:17]
    return first17 + idcard.check_char(first17)


def _world(url: str, branch: str) -> Engine:
    upgrade(url)
    engine = make_engine(url)
    services.add_organisation(engine, CLOCK, CLERK, name="某大学党委", kind="基层党委", may_approve=True)
    services.add_organisation(engine, CLOCK, CLERK, name=branch, kind="党支部", parent="某大学党委")
    for name in ("王芳", "赵强"):
        services.add_member(engine, CLOCK, CLERK, name=name, organisation=branch, since=date(2010, 1, 1))
    return engine


def _history(engine: Engine, n: int, branch: str) -> int:
    case_id = services.add_applicant(engine, CLOCK, CLERK, name=f"申请人{n}", sex="男", birth_date=date(2001, 4, 12),
                                     organisation=branch, id_number=_id_number(n))
    for slug, on, evidence in HISTORY:
        spec = spec_for(slug)
        services.advance(engine, CLOCK, CLERK, case_id, StepRequest(spec.step, on, parse_evidence(spec, evidence),
                                                                    backfill_reason="据纸质档案补录"))
    return case_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100)
    cases = parser.parse_args().cases
    with tempfile.TemporaryDirectory() as folder:
        sender = _world(f"sqlite:///{folder}/sender.db", "计算机学院党支部")
        receiver = _world(f"sqlite:///{folder}/receiver.db", "物理学院党支部")
        typed = _world(f"sqlite:///{folder}/typed.db", "物理学院党支部")
        spent = {"baseline": 0.0, "export": 0.0, "import": 0.0}
        for start in range(0, cases, CHUNK):
            chunk = range(start, min(start + CHUNK, cases))
            begun = time.perf_counter()
            for n in chunk:
                _history(typed, n, "物理学院党支部")  # the baseline: the receiver types the history in
            spent["baseline"] += time.perf_counter() - begun
            made = {n: _history(sender, n, "计算机学院党支部") for n in chunk}
            begun = time.perf_counter()
            files = {n: export_case(sender, CLOCK, CLERK, made[n], to="物理学院党支部（外单位）",
                                    out=Path(folder) / f"{n}.json", record=Path(folder) / f"{n}.docx",
                                    on=date(2025, 1, 10)).path for n in chunk}
            spent["export"] += time.perf_counter() - begun
            begun = time.perf_counter()
            for n in chunk:
                import_case(receiver, CLOCK, Actor("周敏", "书记"), files[n].read_bytes(), org="物理学院党支部",
                            review=REVIEW)
            spent["import"] += time.perf_counter() - begun
    base = spent["baseline"]
    sys.stdout.write(f"{cases} cases, SQLite; per case: baseline (6 steps typed) {base / cases * 1000:.1f} ms\n")
    for what in ("export", "import"):
        sys.stdout.write(f"  {what}: {spent[what] / cases * 1000:.1f} ms per case = {spent[what] / base:.2f}× the baseline\n")


if __name__ == "__main__":
    main()
