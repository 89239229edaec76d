"""A repeated submit of the same step (double click, re-sent request, CLI run twice) is recorded once and answered
"已记录" with the record already there — also when two identical submits arrive at the same moment."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from interfaces.cli import app as cli
from tests.meetings import world
from tests.meetings.world import BEFORE_MEETING, SECRETARY
from workflow import audit, services
from workflow.clock import FixedClock
from workflow.errors import StepRefused
from workflow.services import Advanced

ASSESSED_TWICE = BEFORE_MEETING[:6]  # … the first 考察 (2024-12-10): a step that may be recorded again
SPONSORS = BEFORE_MEETING[9]  # 确定入党介绍人: people typed against the roster


def _counts(engine: Engine, case_id: int, step: str) -> tuple[int, int]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM step_records WHERE case_id = :c AND step = :s"),
                            {"c": case_id, "s": step}).scalar_one()
        events = sum(1 for e in audit.case_events(conn, case_id)
                     if e["kind"] == "step_recorded" and e["payload"]["step"] == step)
    return int(rows), events


def test_a_repeat_of_the_last_step_is_answered_with_the_existing_record(engine: Engine) -> None:
    clock = FixedClock.on(world.ADMISSION_DAY)
    world.build(engine, clock)
    case_id = world.applicant(engine, clock, "李明", history=BEFORE_MEETING[:9])
    first = services.advance(engine, clock, SECRETARY, case_id, world.request(*SPONSORS))
    # re-sent with the version the form was rendered with: still the same act, not a conflict
    again = services.advance(engine, clock, SECRETARY, case_id,
                             replace(world.request(*SPONSORS), expected_version=first.version - 1))
    assert not first.repeated and again.repeated
    assert (again.version, again.status, again.audit_seq, again.backfilled) == (
        first.version, first.status, first.audit_seq, first.backfilled)
    assert again.as_dict()["repeated"] is True
    assert _counts(engine, case_id, SPONSORS[0]) == (1, 1)
    # other evidence on the same day is not a repeat: the rules answer (the step is done already)
    slug, on, evidence = SPONSORS
    with pytest.raises(StepRefused):
        services.advance(engine, clock, SECRETARY, case_id, world.request(slug, on, {**evidence,
                                                                                     "sponsors": "王芳:正式,孙丽:正式"}))
    assert _counts(engine, case_id, SPONSORS[0]) == (1, 1)


def test_a_step_that_may_recur_is_recorded_again_on_another_day_but_not_twice_on_the_same(engine: Engine) -> None:
    clock = FixedClock.on(world.ADMISSION_DAY)
    world.build(engine, clock)
    case_id = world.applicant(engine, clock, "李明", history=ASSESSED_TWICE)
    assert services.advance(engine, clock, SECRETARY, case_id, world.request(*ASSESSED_TWICE[-1])).repeated
    assert _counts(engine, case_id, "activist_assessed") == (1, 1)
    later = services.advance(engine, clock, SECRETARY, case_id, world.request(*BEFORE_MEETING[6]))
    assert not later.repeated and _counts(engine, case_id, "activist_assessed") == (2, 2)


def _blocked_writers(engine: Engine) -> int:
    """Sessions of this database waiting for a lock (PostgreSQL's view of the two submits queued on the case row)."""
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar_one())


def test_two_identical_submits_at_once_record_one_step(engine: Engine) -> None:
    clock = FixedClock.on(world.ADMISSION_DAY)
    world.build(engine, clock)
    case_id = world.applicant(engine, clock, "李明", history=BEFORE_MEETING[:9])
    answers: list[Advanced] = []
    failures: list[BaseException] = []

    def submit() -> None:
        try:
            answers.append(services.advance(engine, clock, SECRETARY, case_id, world.request(*SPONSORS)))
        except BaseException as error:  # noqa: BLE001  reported below
            failures.append(error)

    # A third transaction holds the case (PostgreSQL: its row; SQLite: the write lock) while both submits start,
    # so both are inside their own write before either can finish: they really overlap.
    holder = engine.connect()
    holding = holder.begin()
    holder.execute(text("SELECT id FROM cases WHERE id = :c FOR UPDATE") if engine.dialect.name == "postgresql"
                   else text("UPDATE cases SET version = version WHERE id = :c"), {"c": case_id})
    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    if engine.dialect.name == "postgresql":
        while _blocked_writers(engine) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _blocked_writers(engine) >= 2  # both submits wait on the case row, inside their transactions
    else:
        time.sleep(0.5)
    assert all(thread.is_alive() for thread in threads)  # neither got through while the case was held
    holding.rollback()
    holder.close()
    for thread in threads:
        thread.join(30)

    assert failures == []
    assert sorted(a.repeated for a in answers) == [False, True]
    assert _counts(engine, case_id, SPONSORS[0]) == (1, 1)
    with engine.connect() as conn:
        assert audit.verify(conn).intact


def test_the_command_line_run_twice_says_already_recorded(engine: Engine, database_url: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FixedClock.on(world.ADMISSION_DAY)
    world.build(engine, clock)
    case_id = world.applicant(engine, clock, "李明", history=BEFORE_MEETING[:9])
    monkeypatch.setenv("FAZHAN_TODAY", world.ADMISSION_DAY.isoformat())
    slug, on, evidence = SPONSORS
    command = ["advance", "李明", slug, "--on", on.isoformat(), "--set", f"sponsors={evidence['sponsors']}",
               "--backfill-reason", "据纸质档案补录", "--db", database_url]
    runner = CliRunner()
    first, second = runner.invoke(cli, command), runner.invoke(cli, [*command, "--json"])
    assert first.exit_code == 0 and "已记录" in first.output and "此前已记录过" not in first.output, first.output
    assert second.exit_code == 0 and json.loads(second.output)["repeated"] is True, second.output
    assert "此前已记录过同样的内容" in runner.invoke(cli, command).output
    assert _counts(engine, case_id, slug) == (1, 1)
