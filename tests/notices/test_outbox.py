"""Planning the outbox: rows from facts and the roster, idempotent, cancelled when their reason has gone."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from notices.outbox import NOTICES, refresh_all, refresh_case, refresh_changed
from notices.sweep import DUE_QUERIES, sweep
from states.steps import Step
from tests.notices.world import BRANCH, COMMITTEE, Recorder, World, build, to_activist, without_planner
from workflow import after_write, services
from workflow.clock import FixedClock
from workflow.roster import ROLES
from workflow.services import StepRequest
from workflow.tables import AgendaItem, Meeting


def table(world: World, name: str, status: str | None = None) -> set[tuple[Any, ...]]:
    return {(r["name"], r["send_on"], world.who(r["recipient"]), r["channel"]) for r in world.rows(name)
            if status is None or r["status"] == status}


@pytest.fixture
def world(engine: Engine) -> World:
    return build(engine, emails=True)


def test_rows_for_each_recipient_and_channel(world: World) -> None:
    world.set_webhook(BRANCH, "http://127.0.0.1:9/robot")
    world.applicant("李明", date(2025, 3, 3))
    world.act("李明", "application_submitted", date(2025, 3, 3), organisation_basis="work_unit")
    reminder = {(k, s, who, ch) for k, s, who, ch in table(world, "李明") if k == "talk_reminder@-7"}
    # 书记 with an email, 组织委员 without one, and the branch's group robot.
    assert reminder == {("talk_reminder@-7", date(2025, 3, 27), "陈静", "inbox"),
                        ("talk_reminder@-7", date(2025, 3, 27), "陈静", "email"),
                        ("talk_reminder@-7", date(2025, 3, 27), "王芳", "inbox"),
                        ("talk_reminder@-7", date(2025, 3, 27), BRANCH, "webhook")}
    escalation = {(who, ch) for k, _, who, ch in table(world, "李明") if k.startswith("overdue_escalation")}
    assert escalation == {("刘洋", "inbox"), ("刘洋", "email"), ("周平", "inbox")}  # the committee has no robot


def test_liaisons_hear_about_assessments_and_eligibility(world: World) -> None:
    world.applicant("李明", date(2024, 3, 4))
    to_activist(world, "李明", date(2024, 3, 4), date(2024, 3, 20), date(2024, 6, 14), date(2024, 6, 28), date(2024, 7, 1))
    people = {who for k, _, who, ch in table(world, "李明", "pending") if ch == "inbox" and k.startswith("assessment")}
    assert people == {"陈静", "王芳", "赵强", "孙丽"}


def test_refresh_is_idempotent_and_the_key_is_unique(world: World) -> None:
    world.applicant("李明", date(2025, 3, 3))
    world.act("李明", "application_submitted", date(2025, 3, 3), organisation_basis="work_unit")
    before = world.rows("李明")
    again = refresh_case(world.engine, world.cases["李明"], date(2025, 3, 4), world.config)
    assert (again.inserted, again.cancelled) == (0, 0) and world.rows("李明") == before
    row = {k: v for k, v in before[0].items() if k not in {"id", "name"}}
    with pytest.raises(IntegrityError), world.engine.begin() as conn:
        conn.execute(insert(NOTICES).values(**row))


def test_rows_are_cancelled_when_the_step_is_done(world: World) -> None:
    world.applicant("李明", date(2025, 3, 3))
    world.act("李明", "application_submitted", date(2025, 3, 3), organisation_basis="work_unit")
    world.act("李明", "talk_held", date(2025, 3, 20), talker="陈静")
    assert {r["status"] for r in world.rows("李明")} == {"cancelled"}


def test_rows_are_cancelled_when_the_applicant_withdraws(world: World) -> None:
    world.applicant("李明", date(2024, 3, 4))
    to_activist(world, "李明", date(2024, 3, 4), date(2024, 3, 20), date(2024, 6, 14), date(2024, 6, 28), date(2024, 7, 1))
    assert table(world, "李明", "pending")
    world.act("李明", "withdrawn", date(2024, 8, 1), reason="本人因出国留学申请退出")
    assert not table(world, "李明", "pending")


def test_the_step_cancels_its_reminders_in_its_own_transaction(world: World) -> None:
    """The talk is held: its twelve reminder rows are cancelled by the step itself, before any sweep runs."""
    world.applicant("李明", date(2025, 3, 3))
    world.act("李明", "application_submitted", date(2025, 3, 3), organisation_basis="work_unit")
    assert {r["status"] for r in world.rows("李明")} == {"pending"}
    services.advance(world.engine, FixedClock.on(date(2025, 3, 25)), services.SYSTEM, world.cases["李明"],
                     StepRequest(Step.TALK_HELD, date(2025, 3, 25), {"talker": "陈静"}))
    assert len(world.rows("李明")) == 12 and {r["status"] for r in world.rows("李明")} == {"cancelled"}
    report = sweep(world.engine, date(2025, 3, 27), FixedClock.on(date(2025, 3, 27)).now(), world.config)
    assert report.sent == [] and report.cancelled == 0


def test_cases_changed_without_the_hook_are_planned_from_the_audit_trail(world: World) -> None:
    world.applicant("李明", date(2025, 3, 3))
    clock = FixedClock.on(date(2025, 3, 3))
    with without_planner():
        services.advance(world.engine, clock, services.SYSTEM, world.cases["李明"],
                         StepRequest(Step.APPLICATION_SUBMITTED, date(2025, 3, 3), {"organisation_basis": "work_unit"}))
    assert world.rows("李明") == []
    assert refresh_changed(world.engine, clock.now() + timedelta(hours=2), date(2025, 3, 3), world.config) == 0
    assert refresh_changed(world.engine, clock.now(), date(2025, 3, 3), world.config) == 1
    assert {k for k, *_ in table(world, "李明", "pending")} >= {"talk_reminder@-7", "overdue_escalation:talk_reminder"}


def test_a_back_filled_case_gets_the_latest_reminder_not_the_whole_series(world: World) -> None:
    """Entered on 2025-05-10, received 2025-03-03 and no talk: one overdue reminder and the escalation, today."""
    world.applicant("李明", date(2025, 3, 3))
    services.advance(world.engine, FixedClock.on(date(2025, 5, 10)), services.SYSTEM, world.cases["李明"],
                     StepRequest(Step.APPLICATION_SUBMITTED, date(2025, 3, 3),
                                 {"organisation_basis": "work_unit"}, backfill_reason="据纸质档案补录"))
    refresh_case(world.engine, world.cases["李明"], date(2025, 5, 10), world.config)
    assert {(k, s) for k, s, who, ch in table(world, "李明") if who == "陈静" or who == "刘洋"} == {
        ("talk_reminder@+1", date(2025, 4, 4)), ("overdue_escalation:talk_reminder", date(2025, 4, 10))}


def test_a_new_secretary_takes_over_pending_notices(world: World) -> None:
    world.applicant("李明", date(2025, 3, 3))
    world.act("李明", "application_submitted", date(2025, 3, 3), organisation_basis="work_unit")
    with world.engine.begin() as conn:
        conn.execute(update(ROLES).where(ROLES.c.member_id == world.members["陈静"]).values(until_on=date(2025, 3, 10)))
        conn.execute(insert(ROLES).values(member_id=world.members["孙丽"], organisation_id=world.orgs[BRANCH],
                                          role="secretary", from_on=date(2025, 3, 10)))
    refresh_all(world.engine, date(2025, 3, 11), world.config)
    pending = {who for _, _, who, ch in table(world, "李明", "pending") if ch == "inbox"}
    assert "陈静" not in pending and {"孙丽", "王芳"} <= pending


def test_one_meeting_notice_per_meeting_to_every_member(world: World) -> None:
    for name in ("李明", "张华"):
        world.applicant(name, date(2025, 3, 3))
    with world.engine.begin() as conn:
        meeting = conn.execute(insert(Meeting.__table__).values(
            organisation_id=world.orgs[BRANCH], kind="branch_general_meeting", held_on=date(2025, 6, 20),
            title="讨论接收预备党员", chair="陈静", recorder="王芳", status="open", version=0)).inserted_primary_key[0]
        for name in ("李明", "张华"):
            conn.execute(insert(AgendaItem.__table__).values(meeting_id=meeting, case_id=world.cases[name],
                                                             purpose="admission", discussion="", result="pending"))
    for name in ("李明", "张华"):
        refresh_case(world.engine, world.cases[name], date(2025, 6, 1), world.config)
    notices = [r for r in world.rows() if r["kind"] == "meeting_notice"]
    assert {r["case_id"] for r in notices} == {world.cases["李明"]}  # the lowest case on the agenda carries it
    assert {world.who(r["recipient"]) for r in notices if r["channel"] == "inbox"} == {"陈静", "王芳", "赵强", "孙丽"}
    assert {r["send_on"] for r in notices} == {date(2025, 6, 17)}
    report = sweep(world.engine, date(2025, 6, 17), FixedClock.on(date(2025, 6, 17)).now(), world.config,
                   Recorder(world.config))
    body = next(r["body"] for r in world.rows() if r["kind"] == "meeting_notice" and r["channel"] == "inbox")
    assert len(report.sent) == len(notices)
    assert "1. 讨论李明同志能否接收为预备党员\n2. 讨论张华同志能否接收为预备党员" in body
    assert COMMITTEE not in {world.who(r["recipient"]) for r in notices}



def test_the_sweep_finds_due_rows_through_the_index_not_by_walking_the_table(world: World) -> None:
    """Its cost must follow the due notices: every due-row query can be served by ``ix_notices_due``.

    SQLite must choose the index; PostgreSQL chooses by table size (measured in bench/sweep.py), so there we
    forbid sequential scans and check that the index answers the query.
    """
    values = {"today": date(2025, 3, 27), "now": "2025-03-27 01:00:00", "max_attempts": 5, "batch": 500}
    with world.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if not sqlite:
            conn.exec_driver_sql("SET enable_seqscan = off")
        for query in DUE_QUERIES:
            compiled = query.compile(dialect=conn.dialect)
            params = compiled.construct_params(values)
            if sqlite:
                plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}",
                                            tuple(str(params[k]) for k in compiled.positiontup or ())).all()
                assert [row[-1] for row in plan] == [
                    "SEARCH notices USING INDEX ix_notices_due (status=? AND send_on<?)"]
            else:
                plan = conn.exec_driver_sql(f"EXPLAIN {compiled}", params).all()
                assert "ix_notices_due" in "\n".join(row[0] for row in plan)


def test_the_step_and_its_planning_commit_together_or_not_at_all(world: World) -> None:
    """Planned inside ``advance_in``: when the caller's transaction rolls back, no notice row is left behind."""
    world.applicant("李明", date(2025, 3, 3))
    clock = FixedClock.on(date(2025, 3, 3))
    request = StepRequest(Step.APPLICATION_SUBMITTED, date(2025, 3, 3), {"organisation_basis": "work_unit"})
    with pytest.raises(RuntimeError), world.engine.begin() as conn:
        services.advance_in(conn, clock, services.SYSTEM, world.cases["李明"], request)
        assert len(conn.execute(select(NOTICES.c.id).where(NOTICES.c.case_id == world.cases["李明"])).all()) == 12
        raise RuntimeError("the meeting item's own update failed after the step")
    assert world.rows("李明") == []
    services.advance(world.engine, clock, services.SYSTEM, world.cases["李明"], request)
    assert len(world.rows("李明")) == 12


def test_a_planner_that_fails_refuses_the_write_like_any_other_failed_write(world: World) -> None:
    world.applicant("李明", date(2025, 3, 3))

    def failing(conn: Any, change: after_write.CaseChange) -> None:
        conn.execute(update(NOTICES).values(status="cancelled"))
        raise RuntimeError(f"案卷{change.case_id}的计划出错")

    after_write.register("failing", failing)
    try:
        with pytest.raises(RuntimeError, match="计划出错"):
            services.advance(world.engine, FixedClock.on(date(2025, 3, 3)), services.SYSTEM, world.cases["李明"],
                             StepRequest(Step.APPLICATION_SUBMITTED, date(2025, 3, 3), {"organisation_basis": "work_unit"}))
    finally:
        after_write.unregister("failing")
    assert world.rows("李明") == []
    with world.engine.connect() as conn:  # the step was not recorded either
        assert not services.load_case(conn, world.cases["李明"]).facts.records
