"""The tables-against-trail check after the paths of issue 11: a transfer and its review replay cleanly, and an
organisation edited in the table after a transfer is named."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, text

from tests.paths.world import SECOND, SECRETARY, UP_TO_SPONSORS, build_world, request, run
from workflow import replay, transfers
from workflow.clock import FixedClock


@pytest.fixture
def transferred(engine: Engine) -> int:
    clock = FixedClock.on(date(2026, 3, 1))
    case_id = build_world(engine, clock)
    run(engine, clock, case_id, UP_TO_SPONSORS[:6])
    transfers.record(engine, clock, SECRETARY, case_id, request(
        "activist_transferred", date(2025, 1, 10), {"to_organisation": SECOND, "materials_transferred": "是"}))
    transfers.record(engine, clock, SECRETARY, case_id, request(
        "transfer_received", date(2025, 1, 20), {"reviewed_by": "周敏", "continuity": "continuous", "reason": "材料齐全"}))
    return case_id


def test_a_transferred_case_replays_to_the_tables(engine: Engine, transferred: int) -> None:
    with engine.connect() as conn:
        report = replay.compare(conn)
        held = conn.execute(text("SELECT o.name FROM cases c JOIN organisations o ON o.id = c.organisation_id"
                                 " WHERE c.id = :c"), {"c": transferred}).scalar_one()
    assert report.intact, report.sentences()
    assert held == SECOND


def test_an_organisation_moved_back_by_hand_is_named(engine: Engine, transferred: int) -> None:
    """The trail says the receiving branch holds the case; the table is edited back to the sending one."""
    with engine.begin() as conn:
        first = conn.execute(text("SELECT min(id) FROM organisations")).scalar_one()
        conn.execute(text("UPDATE cases SET organisation_id = :o WHERE id = :c"), {"o": first, "c": transferred})
    with engine.connect() as conn:
        report = replay.compare(conn)
    assert not report.intact
    named = "".join(report.sentences())
    assert "所属党组织" in named and SECOND in named
