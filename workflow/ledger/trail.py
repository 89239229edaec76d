"""An imported 台账 in the audit trail: one event whose digest vouches for every step row it wrote.

The import writes one ``ledger_imported`` event (file SHA-256, row count, the case ids, and the SHA-256 of the
step rows and violations it inserted). ``cases_of`` lets the tables-against-trail comparison (``workflow/replay.py``)
treat those rows as if each had its own event, but only while the rows still hash to the digest in the event: a
step row of an import changed, added or deleted afterwards makes every case of that import unaccounted for.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from workflow.tables import Applicant, Case, StepRecord, Violation, table

CASES, APPLICANTS, STEPS, VIOLATIONS = table(Case), table(Applicant), table(StepRecord), table(Violation)


def ranges(ids: Sequence[int]) -> list[list[int]]:
    """Sorted ids as ``[first, last]`` runs (an import's ids are one run unless another writer interleaved).

    >>> ranges([1, 2, 3, 7, 8, 10])
    [[1, 3], [7, 8], [10, 10]]
    """
    runs: list[list[int]] = []
    for i in sorted(ids):
        if runs and runs[-1][1] == i - 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return runs


def _text(day: Any) -> str:
    return day.isoformat() if isinstance(day, date) else str(day)


def digest(steps: Iterable[tuple[int, int, str, Any, bool]], violations: dict[int, list[str]]) -> str:
    """SHA-256 over (id, case, step, date, back-filled, violated rules) of every step row, in id order."""
    canonical = [[i, case, step, _text(on), bool(backfilled), sorted(violations.get(i, ()))]
                 for i, case, step, on, backfilled in sorted(steps)]
    return hashlib.sha256(json.dumps(canonical, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def _in(column: Any, runs: list[list[int]]) -> Any:
    return or_(*(column.between(first, last) for first, last in runs)) if runs else column.is_(None)


def cases_of(conn: Connection, payload: dict[str, Any]) -> list[tuple[int, str, list[dict[str, Any]]]]:
    """Each imported case with its step payloads as ``step_recorded`` events carry them; [] if the rows were changed."""
    runs, last_step = payload.get("case_ranges") or [], payload.get("last_step_id")
    if not runs or last_step is None:
        return []
    steps = conn.execute(select(STEPS.c.id, STEPS.c.case_id, STEPS.c.step, STEPS.c.done_on, STEPS.c.backfilled)
                         .where(and_(_in(STEPS.c.case_id, runs), STEPS.c.id <= last_step))).all()
    rules: dict[int, list[str]] = {}
    for record_id, rule in conn.execute(select(VIOLATIONS.c.step_record_id, VIOLATIONS.c.rule)
                                        .join(STEPS, STEPS.c.id == VIOLATIONS.c.step_record_id)
                                        .where(and_(_in(STEPS.c.case_id, runs), STEPS.c.id <= last_step))):
        rules.setdefault(record_id, []).append(rule)
    if digest([tuple(s) for s in steps], rules) != payload.get("steps_sha256"):
        return []
    names = dict(conn.execute(select(CASES.c.id, APPLICANTS.c.name).join(APPLICANTS, APPLICANTS.c.id == CASES.c.applicant_id)
                              .where(_in(CASES.c.id, runs))).all())
    by_case: dict[int, list[dict[str, Any]]] = {case_id: [] for case_id in sorted(names)}
    for s in sorted(steps):
        by_case.setdefault(s.case_id, []).append({
            "step_record_id": s.id, "step": s.step, "done_on": _text(s.done_on), "backfilled": bool(s.backfilled),
            "violations": sorted(rules.get(s.id, ())), "override": None})
    return [(case_id, names.get(case_id, ""), found) for case_id, found in by_case.items()]
