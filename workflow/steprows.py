"""A case's recorded steps as typed records, parsed once per row rather than on every load.

Every step loads all earlier steps of its case (5 on average in the benchmark, 23 by the end of the
procedure), and turning a row into a ``StepRecord`` (JSON, evidence types, enums) cost more than reading it.
Parsed records are kept in memory keyed by the row's id *and* its full stored content, so an edited or
replaced row is simply parsed again: the cache can be stale only if two rows with the same id and the same
bytes meant different things, which they cannot. Records are frozen; the cache is bounded and per process.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from states.facts import StepRecord
from states.procedure import SPECS
from states.rulesets import RuleSetId
from states.steps import Step
from workflow.evidence import from_json
from workflow.fastsql import Raw, Sql

LOAD_STEPS = Sql(
    "SELECT id, step, done_on, evidence, rule_set FROM step_records WHERE case_id = :case_id ORDER BY id",
    # The stored JSON text, not psycopg's decoded dict: the text is the cache key (hashable, exact).
    postgresql_text="SELECT id, step, done_on, evidence::text, rule_set FROM step_records"
                    " WHERE case_id = :case_id ORDER BY id",
)
CACHE_ROWS = 200_000  # ~100 MB at the worst; emptied when full (a reload costs one parse per row)
_PARSED: dict[tuple[Any, ...], StepRecord] = {}


def _parse(raw: Raw, step: str, done_on: Any, evidence: str | None, rule_set: str) -> StepRecord:
    kind = Step(step)
    return StepRecord(kind, raw.date(done_on), from_json(SPECS[kind], json.loads(evidence) if evidence else {}),
                      RuleSetId(rule_set))


_JSON_TYPES = frozenset({str, int, float, bool, type(None)})


def _plain_json(value: Any) -> bool:
    """Whether ``value`` is made of JSON's own types only, so that ``json.loads(json.dumps(value)) == value``
    holds type for type (a str subclass such as an enum member would come back a plain str)."""
    kind = type(value)
    if kind in _JSON_TYPES:
        return True
    if kind is list:
        return all(_plain_json(v) for v in value)
    if kind is dict:
        return all(type(k) is str and _plain_json(v) for k, v in value.items())
    return False


def remember(raw: Raw, row_id: int, step: Step, done_on: date, evidence: dict[str, Any], evidence_text: str,
             rule_set: RuleSetId) -> None:
    """The row a step has just inserted, parsed from what was written rather than read back and parsed again.

    The entry is keyed exactly as ``case_records`` will read the row (SQLite hands back the texts written), and
    holds what ``_parse`` would make of it: ``evidence_text`` is ``json.dumps(evidence)`` and ``evidence`` is
    plain JSON, so ``json.loads(evidence_text) == evidence`` type for type. Anything else is simply parsed on load.
    """
    if not raw.sqlite or not _plain_json(evidence):
        return
    if len(_PARSED) >= CACHE_ROWS:
        _PARSED.clear()
    record = StepRecord(step, done_on, from_json(SPECS[step], evidence), rule_set)
    _PARSED[(row_id, step.value, done_on.isoformat(), evidence_text, rule_set.value)] = record


def case_records(raw: Raw, case_id: int) -> tuple[StepRecord, ...]:
    """The case's step records in the order they were recorded."""
    records = []
    for row in raw.execute(LOAD_STEPS, {"case_id": case_id}).fetchall():
        record = _PARSED.get(row)
        if record is None:
            if len(_PARSED) >= CACHE_ROWS:
                _PARSED.clear()
            record = _PARSED[row] = _parse(raw, *row[1:])
        records.append(record)
    return tuple(records)
