"""A step remembers the row it has just written (workflow/steprows.py): the next load finds the record that parsing
the row would give, type for type, and anything not plain JSON is left to be parsed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from states.facts import Person, Standing
from states.rulesets import RuleSetId
from states.steps import Step
from tests.paths.world import UP_TO_SPONSORS, build_world, run
from workflow import steprows
from workflow.clock import FixedClock
from workflow.db import make_engine, upgrade
from workflow.fastsql import Raw
from workflow.services import load_case

CLOCK = FixedClock.on(date(2025, 10, 1))


def _sqlite(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path / 'rows.db'}"
    upgrade(url)
    return make_engine(url)


def test_the_remembered_records_are_what_parsing_the_rows_gives(tmp_path: Path) -> None:
    engine = _sqlite(tmp_path)
    case_id = build_world(engine, CLOCK)
    run(engine, CLOCK, case_id, UP_TO_SPONSORS)  # dates, people (联系人, 介绍人), choices, counts
    with engine.connect() as conn:
        remembered = load_case(conn, case_id).facts.records
        steprows._PARSED.clear()
        parsed = load_case(conn, case_id).facts.records
    engine.dispose()
    assert len(parsed) == len(UP_TO_SPONSORS)
    assert remembered == parsed
    assert [repr(r) for r in remembered] == [repr(r) for r in parsed]  # the same types, not only equal values
    liaisons = next(r for r in remembered if r.step is Step.LIAISONS_ASSIGNED).evidence["liaisons"]
    assert liaisons == [Person("赵强", Standing.FULL), Person("孙丽", Standing.FULL)]


def test_evidence_that_is_not_plain_json_is_not_remembered(tmp_path: Path) -> None:
    engine = _sqlite(tmp_path)
    with engine.connect() as conn:
        raw = Raw(conn)
        before = len(steprows._PARSED)
        steprows.remember(raw, 10**9, Step.TALK_HELD, date(2025, 1, 2), {"talker": Step.TALK_HELD},
                          '{"talker": "talk_held"}', RuleSetId.R2014)  # an enum member: a str subclass
        assert len(steprows._PARSED) == before
        steprows.remember(raw, 10**9, Step.TALK_HELD, date(2025, 1, 2), {"talker": "王芳"},
                          '{"talker": "\\u738b\\u82b3"}', RuleSetId.R2014)
        assert steprows._PARSED[(10**9, "talk_held", "2025-01-02", '{"talker": "\\u738b\\u82b3"}', "2014.06")] \
            == steprows._parse(raw, "talk_held", "2025-01-02", '{"talker": "\\u738b\\u82b3"}', "2014.06")
    engine.dispose()
