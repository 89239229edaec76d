"""Applying again (procedure.md §3 item 18) and the 政审 result on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from states.steps import Status
from tests.paths.world import SECRETARY, UP_TO_SPONSORS, build_world, register, request, run
from tests.workflow.records_world import dump
from workflow import services
from workflow.case_extras import case_extras
from workflow.clock import FixedClock
from workflow.errors import FazhanError, StepRefused
from workflow.reapply import OpenCaseExists
from workflow.tables import AuditEvent
from workflow.tables import Case as CaseRow


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock.on(date(2025, 10, 1))


@pytest.fixture
def case_id(engine: Engine, clock: FixedClock) -> int:
    return build_world(engine, clock)


def applicant_of(engine: Engine, case: int) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(CaseRow.__table__.c.applicant_id).where(CaseRow.__table__.c.id == case))
                   .scalar_one())


def test_art3_open_case_refuses_a_second_case_and_says_what_to_do(engine: Engine, clock: FixedClock,
                                                                    case_id: int) -> None:
    run(engine, clock, case_id, UP_TO_SPONSORS[:1])
    before = dump(engine)

    with pytest.raises(OpenCaseExists) as refused:
        register(engine, clock)

    assert f"正在办理的案卷{case_id}" in str(refused.value)
    assert "「本人退出」" in str(refused.value) and f"fazhan show {case_id}" in str(refused.value)
    assert dump(engine) == before


def test_art3_withdrawn_person_applies_again_in_a_new_case_beside_the_old(engine: Engine, clock: FixedClock,
                                                                          case_id: int) -> None:
    run(engine, clock, case_id, [*UP_TO_SPONSORS[:3], ("withdrawn", date(2024, 9, 1), {"reason": "本人书面申请退出"})])

    second = register(engine, clock, organisation="数学学院党支部")

    assert second != case_id and applicant_of(engine, second) == applicant_of(engine, case_id)
    old, new = services.show(engine, clock, case_id), services.show(engine, clock, second)
    assert old.status is Status.WITHDRAWN and len(old.timeline) == 4  # the old case keeps its history
    assert new.status is Status.NEW and new.timeline == []  # clocks count from the new case's own steps
    assert services.find_case(engine, "李明") == second
    beside = case_extras(engine, second).other_cases
    assert [(c.case_id, c.status, c.closed_on) for c in beside] == [(case_id, Status.WITHDRAWN, date(2024, 9, 1))]
    with engine.connect() as conn:
        opened = conn.execute(select(AuditEvent.__table__.c.payload).where(
            AuditEvent.__table__.c.kind == "case_opened", AuditEvent.__table__.c.case_id == second)).scalar_one()
    assert opened["earlier_cases"] == [case_id]


def test_art3_reapplication_does_not_carry_earlier_activist_time(engine: Engine, clock: FixedClock,
                                                                   case_id: int) -> None:
    run(engine, clock, case_id, [*UP_TO_SPONSORS[:3], ("withdrawn", date(2024, 9, 1), {"reason": "退出"})])
    second = register(engine, clock)

    upcoming = {n.spec.step.value for n in services.show(engine, clock, second).next_steps}

    assert upcoming == {"application_submitted"}


def test_art3_same_id_number_under_another_name_is_refused(engine: Engine, clock: FixedClock, case_id: int) -> None:
    run(engine, clock, case_id, [*UP_TO_SPONSORS[:1], ("withdrawn", date(2024, 9, 1), {"reason": "退出"})])

    with pytest.raises(FazhanError, match="已登记为「李明」，与所填姓名「李敏」不一致"):
        register(engine, clock, name="李敏")


def test_art15_unqualified_review_is_refused_and_the_failed_step_ends_the_case(
        engine: Engine, clock: FixedClock, case_id: int) -> None:
    run(engine, clock, case_id, UP_TO_SPONSORS)

    with pytest.raises(StepRefused) as refused:
        services.advance(engine, clock, SECRETARY, case_id, request(
            "political_review_passed", date(2025, 9, 15), {"result": "不合格", "conclusion": "政审〔2025〕9号"}))
    assert refused.value.check.blocking[0].citation.text == "《发展党员工作细则》第十五条至第十七条"

    services.advance(engine, clock, SECRETARY, case_id, request(
        "political_review_failed", date(2025, 9, 15), {"conclusion": "政审〔2025〕9号：不合格"}))
    assert services.show(engine, clock, case_id).status is Status.NOT_ADMITTED

    again = register(engine, clock)  # 政审 不合格 ended the case: the person may apply again later
    assert services.show(engine, clock, again).status is Status.NEW
