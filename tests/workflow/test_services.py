"""Services on a real database (SQLite and PostgreSQL): one transaction per action, or nothing changes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select, text

from states.facts import Override
from states.steps import Status, Step
from tests.workflow.records_world import SECRETARY, build_world, dump, step
from workflow import audit, keys, services
from workflow.clock import FixedClock
from workflow.errors import StaleRecord, StepRefused
from workflow.evidence import BadEvidence
from workflow.tables import AuditEvent


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock.on(date(2025, 8, 1))


@pytest.fixture
def case_id(engine: Engine, clock: FixedClock) -> int:
    return build_world(engine, clock)


def events(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(AuditEvent.__table__).order_by(AuditEvent.seq)).mappings()]


def test_advance_records_step_status_version_and_audit_event(engine: Engine, clock: FixedClock, case_id: int) -> None:
    done = services.advance(engine, clock, SECRETARY, case_id,
                            step("application_submitted", date(2025, 7, 20), organisation_basis="work_unit"))
    assert (done.status, done.version, done.backfilled) == (Status.APPLICANT, 1, False)
    view = services.show(engine, clock, case_id)
    assert view.status is Status.APPLICANT and view.version == 1
    assert [(t["step"], t["done_on"], t["actor"]) for t in view.timeline] == [
        ("application_submitted", date(2025, 7, 20), "王芳")]
    last = events(engine)[-1]
    assert last["kind"] == "step_recorded" and last["case_id"] == case_id
    assert last["payload"]["version"] == 1 and last["effective_on"] == date(2025, 7, 20)


def test_refused_step_changes_no_table_but_adds_exactly_one_audit_event(
        engine: Engine, clock: FixedClock, case_id: int) -> None:
    services.advance(engine, clock, SECRETARY, case_id,
                     step("application_submitted", date(2025, 7, 20), organisation_basis="work_unit"))
    before, trail = dump(engine), events(engine)
    with pytest.raises(StepRefused) as refused:
        services.advance(engine, clock, SECRETARY, case_id,
                         step("activist_designated", date(2025, 7, 25), recommendation="党员推荐", members=5, present=2))
    assert {"preceding_steps_recorded", "decision_meeting_quorate"} <= {v.rule for v in refused.value.check.blocking}
    assert dump(engine) == before
    after = events(engine)
    assert len(after) == len(trail) + 1
    attempt = after[-1]
    assert attempt["kind"] == "step_refused" and attempt["payload"]["step"] == "activist_designated"
    assert {r["rule"] for r in attempt["payload"]["refused_by"]} >= {"decision_meeting_quorate"}


def test_a_crash_mid_step_leaves_nothing_half_applied(
        engine: Engine, clock: FixedClock, case_id: int, monkeypatch: pytest.MonkeyPatch) -> None:
    before, trail = dump(engine), events(engine)

    def disk_full(*_args: object, **_kwargs: object) -> int:
        raise OSError("disk full")  # after the status update and the step row were written

    monkeypatch.setattr(audit, "append", disk_full)
    with pytest.raises(OSError):
        services.advance(engine, clock, SECRETARY, case_id,
                         step("application_submitted", date(2025, 7, 20), organisation_basis="work_unit"))
    monkeypatch.undo()
    assert dump(engine) == before and events(engine) == trail


def test_stale_version_is_a_conflict_and_loses_nothing(engine: Engine, clock: FixedClock, case_id: int) -> None:
    services.advance(engine, clock, SECRETARY, case_id,
                     step("application_submitted", date(2025, 7, 20), organisation_basis="work_unit"))
    before = dump(engine)
    request = step("talk_held", date(2025, 7, 22), talker="王芳")
    with pytest.raises(StaleRecord, match="该记录已被他人修改，请刷新后重试"):
        services.advance(engine, clock, SECRETARY, case_id,
                         services.StepRequest(request.step, request.on, request.evidence, expected_version=0))
    assert dump(engine) == before
    done = services.advance(engine, clock, SECRETARY, case_id,
                            services.StepRequest(request.step, request.on, request.evidence, expected_version=1))
    assert done.version == 2


def test_people_take_their_standing_from_the_roster_on_the_act_date(
        engine: Engine, clock: FixedClock, case_id: int) -> None:
    """细则第九条: a 预备党员 cannot be a 培养联系人, whatever was typed."""
    clock = FixedClock.on(date(2025, 8, 1))
    for request in (step("application_submitted", date(2025, 6, 2), organisation_basis="work_unit"),
                    step("talk_held", date(2025, 6, 20), talker="王芳"),
                    step("activist_designated", date(2025, 7, 1), recommendation="党员推荐", members=5, present=4),
                    step("activist_filed", date(2025, 7, 10))):
        services.advance(engine, clock, SECRETARY, case_id, request)
    with pytest.raises(StepRefused, match="钱多是预备党员"):
        services.advance(engine, clock, SECRETARY, case_id, step("liaisons_assigned", date(2025, 7, 15),
                                                                 liaisons="王芳:正式,钱多:正式"))
    with pytest.raises(BadEvidence, match="党员名册中没有「孙悟空」"):
        services.advance(engine, clock, SECRETARY, case_id, step("liaisons_assigned", date(2025, 7, 15),
                                                                 liaisons="孙悟空"))
    services.advance(engine, clock, SECRETARY, case_id, step("liaisons_assigned", date(2025, 7, 15),
                                                             liaisons="王芳,赵强"))


def test_back_filled_acts_are_flagged_and_need_a_reason(engine: Engine, clock: FixedClock, case_id: int) -> None:
    old = step("application_submitted", date(2024, 3, 4), organisation_basis="work_unit")
    with pytest.raises(BadEvidence, match="属于补录"):
        services.advance(engine, clock, SECRETARY, case_id,
                         services.StepRequest(old.step, old.on, old.evidence))
    done = services.advance(engine, clock, SECRETARY, case_id, old)
    assert done.backfilled
    assert services.show(engine, clock, case_id).timeline[0]["backfill_reason"] == "据纸质档案补录"


def test_an_act_dated_in_the_future_is_refused(engine: Engine, clock: FixedClock, case_id: int) -> None:
    with pytest.raises(BadEvidence, match="晚于今天"):
        services.advance(engine, clock, SECRETARY, case_id,
                         step("application_submitted", date(2025, 8, 2), organisation_basis="work_unit"))


def test_violations_and_overrides_are_stored_with_the_step(engine: Engine, clock: FixedClock, case_id: int) -> None:
    services.advance(engine, clock, SECRETARY, case_id,
                     step("application_submitted", date(2025, 5, 20), organisation_basis="work_unit"))
    late = services.advance(engine, clock, SECRETARY, case_id, step("talk_held", date(2025, 7, 1), talker="王芳"))
    assert [v.rule for v in late.check.violations] == ["talk_within_one_month_of_receipt"]
    view = services.show(engine, clock, case_id)
    assert view.violations[0]["due_by"] == date(2025, 6, 20) and "已逾期" in view.violations[0]["message"]
    assert Override("x", "y")  # overrides are exercised end to end in the CLI tests


def test_events_replay_into_exactly_what_the_tables_hold(engine: Engine, case_id: int) -> None:
    from interfaces.demo import DEMO_HISTORY

    clock = FixedClock.on(date(2026, 11, 23))
    services.add_member(engine, clock, SECRETARY, name="陈静", organisation="计算机学院党支部", since=date(2005, 1, 1))
    for slug, on, raw in DEMO_HISTORY:
        services.advance(engine, clock, SECRETARY, case_id, step(slug, on, **raw))
    replayed, held = services.replay_case(engine, case_id)
    assert replayed == held
    assert held.status is Status.PROBATIONARY and len(held.records) == len(DEMO_HISTORY)
    assert services.verify_audit(engine).intact


# ---------------------------------------------------------------- tampering with the audit trail


@pytest.fixture
def trail(engine: Engine, clock: FixedClock, case_id: int) -> Engine:
    for request in (step("application_submitted", date(2025, 6, 2), organisation_basis="work_unit"),
                    step("talk_held", date(2025, 6, 20), talker="王芳"),
                    step("activist_designated", date(2025, 7, 1), recommendation="党员推荐", members=5, present=4)):
        services.advance(engine, clock, SECRETARY, case_id, request)
    report = services.verify_audit(engine)
    assert report.intact and report.checked == 9
    return engine


def _sql(engine: Engine, statement: str) -> None:
    with engine.begin() as conn:
        conn.execute(text(statement))


def test_tamper_edited_event_is_named(trail: Engine) -> None:
    _sql(trail, "UPDATE audit_events SET actor = '他人' WHERE seq = 7")
    report = services.verify_audit(trail)
    assert (report.first_bad_seq, report.intact) == (7, False) and "被修改" in report.sentence()


def test_tamper_deleted_event_is_named(trail: Engine) -> None:
    _sql(trail, "DELETE FROM audit_events WHERE seq = 5")
    report = services.verify_audit(trail)
    assert report.first_bad_seq == 5 and "删除" in report.sentence()


def test_tamper_deleted_last_event_is_found_at_the_head(trail: Engine) -> None:
    _sql(trail, "DELETE FROM audit_events WHERE seq = 9")
    report = services.verify_audit(trail)
    assert not report.intact and report.checked == 8 and "链头" in report.sentence()


def test_tamper_inserted_event_is_named(trail: Engine) -> None:
    with trail.begin() as conn:
        row = dict(conn.execute(select(AuditEvent.__table__).where(AuditEvent.seq == 6)).mappings().one())
        conn.execute(text("UPDATE audit_events SET seq = seq + 100 WHERE seq >= 6"))
        conn.execute(text("UPDATE audit_events SET seq = seq - 99 WHERE seq >= 106"))
        forged = {**row, "id": None, "actor": "伪造", "payload": {**row["payload"], "forged": True}}
        forged["hash"] = audit.event_mac(forged, keys.store_for(trail).current())  # even with the key: the next link breaks
        forged.pop("id")
        conn.execute(AuditEvent.__table__.insert().values(**forged))
    report = services.verify_audit(trail)
    assert report.first_bad_seq == 7 and "不衔接" in report.sentence()


def test_tamper_reordered_events_are_named(trail: Engine) -> None:
    _sql(trail, "UPDATE audit_events SET seq = 1000 WHERE seq = 6")
    _sql(trail, "UPDATE audit_events SET seq = 6 WHERE seq = 7")
    _sql(trail, "UPDATE audit_events SET seq = 7 WHERE seq = 1000")
    report = services.verify_audit(trail)
    assert report.first_bad_seq == 6 and not report.intact


def test_step_refused_for_every_reason_is_logged_once_per_attempt(trail: Engine, clock: FixedClock, case_id: int) -> None:
    before = len(events(trail))
    for _ in range(2):
        with pytest.raises(StepRefused):
            services.advance(trail, clock, SECRETARY, case_id, step("candidate_designated", date(2025, 7, 20)))
    kinds = [e["kind"] for e in events(trail)[before:]]
    assert kinds == ["step_refused", "step_refused"]
    assert services.verify_audit(trail).intact
    assert Step.CANDIDATE_DESIGNATED.value in {e["payload"].get("step") for e in events(trail)}


def test_recorded_at_is_the_same_moment_on_every_backend(engine: Engine, clock: FixedClock, case_id: int) -> None:
    """The clock gives Beijing time; SQLite would keep the wall time and drop the zone without UtcDateTime."""
    services.advance(engine, clock, SECRETARY, case_id,
                     step("application_submitted", date(2025, 7, 20), organisation_basis="work_unit"))
    recorded = services.show(engine, clock, case_id).timeline[0]["recorded_at"]
    assert recorded == clock.now() and recorded.utcoffset() is not None
    assert events(engine)[-1]["recorded_at"] == clock.now()
