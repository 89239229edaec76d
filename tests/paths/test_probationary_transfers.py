"""A 预备党员 transferred between two branches of one database (N27), on SQLite and PostgreSQL: 转出, 转接中,
转入审查, the receiving branch's 教育考察, 推迟讨论转正 (audited, on the case), a 转正 meeting beyond six months
(recorded with its violation) and 党龄 from 预备期满之日."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from states.steps import Status
from tests.notices.histories import PROBATIONARY
from tests.paths.world import FIRST, SECOND, SECRETARY, build_world, record, request, run
from tests.workflow.records_world import dump
from workflow import services
from workflow.case_extras import case_extras
from workflow.clock import FixedClock
from workflow.errors import StepRefused
from workflow.tables import AuditEvent

PROBATION_END = date(2026, 12, 12)  # the 支部大会 of 2025-12-12 + one year
SIX_MONTHS = date(2027, 6, 12)
OUT = ("probationary_transferred", date(2026, 5, 4), {"to_organisation": SECOND, "materials_transferred": "是"})
REVIEW = ("probationary_transfer_received", date(2026, 5, 11), {"reviewed_by": "周敏", "reason": "志愿书等材料齐全"})
POSTPONE = ("confirmation_postponed", PROBATION_END, {"until": "2027-03-01", "reason": "转入不满一年需继续考察"})
TALLY = {"tally": "应到=5,实到=5,赞成=5,方式=无记名", "group_opinion": "是", "opinions_sought": "是",
         "committee_reviewed": "是"}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock.on(date(2027, 8, 1))


@pytest.fixture
def member_case(engine: Engine, clock: FixedClock) -> int:
    case_id = build_world(engine, clock)
    run(engine, clock, case_id, PROBATIONARY)
    return case_id


def events(engine: Engine, case_id: int) -> list[tuple[str, dict[str, object]]]:
    table = AuditEvent.__table__
    with engine.connect() as conn:
        return [(kind, payload) for kind, payload in conn.execute(
            select(table.c.kind, table.c.payload).where(table.c.case_id == case_id).order_by(table.c.seq))]


def test_n27_probationary_transfer_in_transit_refuses_and_changes_nothing(engine: Engine, clock: FixedClock,
                                                                         member_case: int) -> None:
    record(engine, clock, member_case, OUT)
    before = dump(engine)

    with pytest.raises(StepRefused) as refused:
        services.advance(engine, clock, SECRETARY, member_case, request("probation_assessed", date(2026, 5, 6)))

    assert [v.rule for v in refused.value.check.blocking] == ["not_in_transfer"]
    assert "第三十二条（转入的预备党员" in refused.value.check.blocking[0].citation.text
    assert dump(engine) == before
    assert services.show(engine, clock, member_case).organisation == FIRST


def test_n27_receiving_branch_continues_postpones_and_a_late_meeting_is_recorded_with_its_violation(
        engine: Engine, clock: FixedClock, member_case: int) -> None:
    record(engine, clock, member_case, OUT)
    record(engine, clock, member_case, REVIEW)
    assert services.show(engine, clock, member_case).organisation == SECOND
    run(engine, clock, member_case, [("probation_assessed", date(2026, 6, 1), {}),
                                     ("confirmation_requested", date(2026, 11, 20), {"in_writing": "是"})])

    with pytest.raises(StepRefused):  # 推迟 beyond six months from 预备期满 is refused, nothing recorded
        record(engine, clock, member_case, (*POSTPONE[:2], {**POSTPONE[2], "until": "2027-06-13"}))
    record(engine, clock, member_case, POSTPONE)
    services.advance(engine, clock, SECRETARY, member_case,
                     request("confirmation_resolved", date(2027, 6, 14), TALLY))  # two days beyond the cap

    view = services.show(engine, clock, member_case)
    postponed = [row for row in view.timeline if row["step"] == "confirmation_postponed"]
    assert [(row["done_on"], row["evidence"]["reason"]) for row in postponed] == [(PROBATION_END, "转入不满一年需继续考察")]
    assert "转正讨论推迟到2027年3月1日（理由：转入不满一年需继续考察）" in case_extras(engine, member_case).lines()
    late = [v for v in view.violations if v["rule"] == "transferred_confirmation_within_six_months"]
    assert len(late) == 1 and late[0]["grave"] and late[0]["due_by"] == SIX_MONTHS
    assert "第三十一条（转入的预备党员" in late[0]["article"]
    kinds = [kind for kind, payload in events(engine, member_case) if payload.get("step") == "confirmation_postponed"]
    assert kinds == ["step_refused", "step_recorded"]

    services.advance(engine, clock, SECRETARY, member_case, request("confirmation_approved", date(2027, 7, 1)))
    membership = case_extras(engine, member_case).membership
    assert membership is not None and membership.party_age_from == PROBATION_END  # 党龄 from 预备期满之日
    assert services.show(engine, clock, member_case).status is Status.FULL_MEMBER
    assert services.verify_audit(engine).intact
