"""Transfers of 积极分子 (细则第十二条) on a real database (SQLite and PostgreSQL): 转出, 转接中, 转入审查."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from states.steps import Status, Step
from tests.paths.world import FIRST, SECOND, SECRETARY, UP_TO_SPONSORS, build_world, record, request, run
from tests.workflow.records_world import dump
from workflow import services
from workflow.clock import FixedClock
from workflow.errors import StepRefused
from workflow.evidence import BadEvidence
from workflow.tables import AuditEvent

RECEIVER = "周敏"
OUT = ("activist_transferred", date(2025, 1, 10), {"to_organisation": SECOND, "materials_transferred": "是"})


def review(continuity: str, on: date = date(2025, 1, 20)) -> tuple[str, date, dict[str, str]]:
    return ("transfer_received", on, {"reviewed_by": RECEIVER, "continuity": continuity, "reason": "材料齐全"})


def designate(on: date) -> object:
    return request("candidate_designated", on, {"opinions_heard": "是", "members": "3", "present": "3"})


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock.on(date(2026, 3, 1))


@pytest.fixture
def activist_case(engine: Engine, clock: FixedClock) -> int:
    case_id = build_world(engine, clock)
    run(engine, clock, case_id, UP_TO_SPONSORS[:6])  # designated 2024-06-14, assessed 2024-12-10
    return case_id


def organisation_of(engine: Engine, clock: FixedClock, case_id: int) -> str:
    return services.show(engine, clock, case_id).organisation


def test_art12_case_in_transfer_refuses_every_step_and_changes_nothing(engine: Engine, clock: FixedClock,
                                                                       activist_case: int) -> None:
    record(engine, clock, activist_case, OUT)
    before = dump(engine)

    with pytest.raises(StepRefused) as refused:
        services.advance(engine, clock, SECRETARY, activist_case, request("activist_assessed", date(2025, 1, 15)))

    blocking = refused.value.check.blocking
    assert [v.rule for v in blocking] == ["not_in_transfer"]
    assert blocking[0].citation.text == "《发展党员工作细则》第十二条"
    assert dump(engine) == before
    assert organisation_of(engine, clock, activist_case) == FIRST  # still the sender's until the review


def test_art13_transferred_activist_designated_by_receiving_committee_on_the_continuous_anniversary(
        engine: Engine, clock: FixedClock, activist_case: int) -> None:
    record(engine, clock, activist_case, OUT)
    record(engine, clock, activist_case, review("continuous"))
    assert organisation_of(engine, clock, activist_case) == SECOND
    run(engine, clock, activist_case, [("activist_assessed", date(2025, 6, 1), {})])

    with pytest.raises(StepRefused) as early:
        services.advance(engine, clock, SECRETARY, activist_case, designate(date(2025, 6, 13)))
    assert early.value.check.allowed_from == date(2025, 6, 14)
    assert {v.rule for v in early.value.check.blocking} == {"activist_trained_one_full_year"}

    done = services.advance(engine, clock, SECRETARY, activist_case, designate(date(2025, 6, 14)))
    assert done.status is Status.CANDIDATE
    assert organisation_of(engine, clock, activist_case) == SECOND


def test_art13_transferred_activist_with_restart_counts_from_the_review(
        engine: Engine, clock: FixedClock, activist_case: int) -> None:
    record(engine, clock, activist_case, OUT)
    record(engine, clock, activist_case, review("restart"))
    run(engine, clock, activist_case, [("activist_assessed", date(2025, 6, 1), {}),
                                       ("activist_assessed", date(2025, 12, 1), {})])

    with pytest.raises(StepRefused) as early:
        services.advance(engine, clock, SECRETARY, activist_case, designate(date(2026, 1, 19)))
    assert early.value.check.allowed_from == date(2026, 1, 20)

    assert services.advance(engine, clock, SECRETARY, activist_case, designate(date(2026, 1, 20))).status \
        is Status.CANDIDATE


def test_art12_review_moves_the_case_in_the_same_transaction_with_an_audit_event(
        engine: Engine, clock: FixedClock, activist_case: int) -> None:
    record(engine, clock, activist_case, OUT)
    record(engine, clock, activist_case, review("continuous"))

    with engine.connect() as conn:
        kinds = conn.execute(select(AuditEvent.__table__.c.kind, AuditEvent.__table__.c.payload)
                             .where(AuditEvent.__table__.c.case_id == activist_case)
                             .order_by(AuditEvent.__table__.c.seq)).all()
    moved = [{k: v for k, v in payload.items() if k != "version"} for kind, payload in kinds
             if kind == "case_transferred"]
    assert moved == [{"from": FIRST, "to": SECOND, "transferred_on": "2025-01-10", "continuity": "continuous"}]
    assert services.verify_audit(engine).intact


def test_art12_transfer_to_an_unknown_organisation_is_refused_in_chinese(
        engine: Engine, clock: FixedClock, activist_case: int) -> None:
    before = dump(engine, skip_audit=False)

    with pytest.raises(BadEvidence, match="接收党组织「外校党支部」不在本系统中"):
        record(engine, clock, activist_case,
               ("activist_transferred", date(2025, 1, 10), {"to_organisation": "外校党支部",
                                                            "materials_transferred": "是"}))
    with pytest.raises(BadEvidence, match="就是本案卷现在所属的党组织"):
        record(engine, clock, activist_case,
               ("activist_transferred", date(2025, 1, 10), {"to_organisation": FIRST, "materials_transferred": "是"}))
    assert dump(engine, skip_audit=False) == before


def test_art12_review_without_transfer_is_refused_and_leaves_only_the_attempt(
        engine: Engine, clock: FixedClock, activist_case: int) -> None:
    before = dump(engine)

    with pytest.raises(StepRefused) as refused:
        record(engine, clock, activist_case, review("continuous"))

    assert "transfer_is_pending" in {v.rule for v in refused.value.check.blocking}
    assert dump(engine) == before
    assert organisation_of(engine, clock, activist_case) == FIRST


def test_art12_candidate_can_be_transferred_too(engine: Engine, clock: FixedClock) -> None:
    case_id = build_world(engine, clock)
    run(engine, clock, case_id, UP_TO_SPONSORS)
    record(engine, clock, case_id, ("activist_transferred", date(2025, 7, 10),
                                    {"to_organisation": SECOND, "materials_transferred": "是"}))
    record(engine, clock, case_id, review("continuous", date(2025, 7, 15)))

    view = services.show(engine, clock, case_id)
    assert (view.status, view.organisation) == (Status.CANDIDATE, SECOND)
    assert Step.TRANSFER_RECEIVED.value in {t["step"] for t in view.timeline}
