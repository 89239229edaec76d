"""Two processes advancing the same applicant at the same moment: exactly one wins, the other loses cleanly."""

from __future__ import annotations

import multiprocessing
import time
from datetime import date

import pytest
from sqlalchemy import Engine, event

from tests.workflow.records_world import SECRETARY, build_world, dump, step
from workflow import services
from workflow.clock import FixedClock
from workflow.db import make_engine
from workflow.errors import StaleRecord, StepRefused

TODAY = date(2025, 8, 1)


def _advance(url: str, case_id: int, expected_version: int | None, barrier, began_events, me: int, results) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    # Different dates: two different acts, a real conflict. The same act twice is recognised as a repeat and
    # answered "已记录" (tests/audit/test_repeats.py).
    request = step("talk_held", date(2025, 7, 22 + me), talker="王芳")

    # Whoever commits first waits (5 s at most) until the other has begun its own call: the two calls overlap
    # for certain, however the machine schedules the processes, and the timestamps below show it.
    @event.listens_for(engine, "commit")
    def _hold(_conn: object) -> None:
        began_events[1 - me].wait(timeout=5)

    barrier.wait()
    began = time.time()
    began_events[me].set()
    try:
        services.advance(engine, FixedClock.on(TODAY), SECRETARY, case_id,
                         services.StepRequest(request.step, request.on, request.evidence,
                                              expected_version=expected_version))
        outcome = "ok"
    except StaleRecord:
        outcome = "conflict"
    except StepRefused:
        outcome = "refused"
    finally:
        engine.dispose()
    results.put((outcome, began, time.time()))


def _race(url: str, case_id: int, expected_version: int | None) -> list[str]:
    context = multiprocessing.get_context("spawn")
    barrier, began_events, results = context.Barrier(2), [context.Event(), context.Event()], context.Queue()
    workers = [context.Process(target=_advance, args=(url, case_id, expected_version, barrier, began_events, me,
                                                      results)) for me in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    answers = [results.get(timeout=5) for _ in workers]
    assert max(began for _, began, _ in answers) < min(ended for _, _, ended in answers), "the two calls overlapped"
    return sorted(outcome for outcome, _, _ in answers)


@pytest.mark.parametrize("expected_version", [1, None], ids=["with-version", "without-version"])
def test_two_processes_advance_one_applicant_exactly_one_wins(
        engine: Engine, database_url: str, expected_version: int | None) -> None:
    clock = FixedClock.on(TODAY)
    case_id = build_world(engine, clock)
    services.advance(engine, clock, SECRETARY, case_id,
                     step("application_submitted", date(2025, 7, 20), organisation_basis="work_unit"))
    outcomes = _race(database_url, case_id, expected_version)
    assert outcomes[1] == "ok" or outcomes[0] == "ok"
    assert outcomes.count("ok") == 1
    loser = next(o for o in outcomes if o != "ok")
    assert loser in ({"conflict"} if expected_version else {"conflict", "refused"})
    view = services.show(engine, clock, case_id)
    assert [t["step"] for t in view.timeline] == ["application_submitted", "talk_held"]
    assert view.version == 2
    assert services.verify_audit(engine).intact
    assert len(dump(make_engine(database_url))["step_records"]) == 2
