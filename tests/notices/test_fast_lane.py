"""The sweep's fast lane (notices/batch.py): same words as the careful lane, today's roster, one render per series,
and the planner that puts the rows there installed by every kind of process."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, insert, select, update

from notices import planning
from notices.deadlines import NoticeKind
from notices.outbox import NOTICES
from notices.render import SeriesRenderer, render_notice
from notices.sweep import sweep
from tests.notices.world import BRANCH, Recorder, World, with_one_application
from workflow.clock import FixedClock
from workflow.roster import MEMBERS, ROLES
from workflow.tables import InboxMessage

ROOT = Path(__file__).resolve().parents[2]
RECEIVED = date(2025, 3, 3)  # the talk is due on 2025-04-03


@pytest.fixture
def world(engine: Engine) -> World:
    return with_one_application(engine, RECEIVED)


def run(world: World, day: date) -> Any:
    return sweep(world.engine, day, FixedClock.on(day).now(), world.config, Recorder(world.config))


def texts(world: World, ids: list[int]) -> dict[int, tuple[str, str, str]]:
    return {r["id"]: (r["status"], r["subject"], r["body"]) for r in world.rows() if r["id"] in ids}


def test_the_fast_lane_writes_what_the_careful_lane_writes(world: World) -> None:
    """On 04-10 the overdue reminder and the escalation to the committee are due: the same words either way."""
    day = date(2025, 4, 10)
    fast = run(world, day)
    assert fast.sent and not fast.failed and fast.superseded  # the -7 and +0 reminders gave way to +1
    first = texts(world, fast.sent)
    assert {r["name"] for r in world.rows() if r["id"] in fast.sent} == {
        "talk_reminder@+1", "overdue_escalation:talk_reminder"}
    with world.engine.begin() as conn:  # the same rows as if planned before migration 0015: the careful lane
        conn.execute(delete(InboxMessage.__table__))
        conn.execute(update(NOTICES).where(NOTICES.c.id.in_(fast.sent)).values(
            status="pending", attempts=0, subject="", body="", sent_at=None, late=False, detail=None,
            next_attempt_at=None))
    careful = run(world, day)
    assert set(fast.sent) <= set(careful.sent)
    assert texts(world, fast.sent) == first
    assert all(status == "sent" and "李明" in subject and body for status, subject, body in first.values())


def test_a_new_secretary_gets_the_notice_planned_for_the_old_one(world: World) -> None:
    """陈静 hands over to 孙丽 on 03-20 and nobody plans again: the sweep of 03-27 checks today's roster."""
    with world.engine.begin() as conn:
        conn.execute(update(ROLES).where(ROLES.c.member_id == world.members["陈静"]).values(until_on=date(2025, 3, 20)))
        conn.execute(insert(ROLES).values(member_id=world.members["孙丽"], organisation_id=world.orgs[BRANCH],
                                          role="secretary", from_on=date(2025, 3, 20)))
    report = run(world, date(2025, 3, 27))
    sent = {(world.who(r["recipient"]), r["channel"]) for r in world.rows() if r["id"] in report.sent}
    assert ("孙丽", "inbox") in sent and ("王芳", "inbox") in sent
    assert not {who for who, _ in sent} & {"陈静"}
    old = [r for r in world.rows() if r["recipient"] == f"member:{world.members['陈静']}" and r["name"] ==
           "talk_reminder@-7"]
    assert old and {r["status"] for r in old} == {"cancelled"}


CONTEXT = {"case_id": 7, "applicant": "李明", "recipient": "陈静", "organisation": "计算机学院党支部",
           "higher_committee": "某大学党委", "today": date(2025, 3, 27), "due_on": date(2025, 4, 3),
           "send_on": date(2025, 3, 27), "days_left": 7, "step": "谈话", "kind_label": "谈话提醒",
           "matter": "党组织派人同入党申请人谈话", "anchor_on": date(2025, 3, 3), "article": "细则第九条"}


def test_a_series_is_rendered_once_and_filled_per_notice() -> None:
    renderer = SeriesRenderer()
    people = [("李明", "陈静"), ("张华", "王芳"), ("赵六", "刘洋")]
    for applicant, recipient in people:
        context = {**CONTEXT, "applicant": applicant, "recipient": recipient}
        assert renderer.render(NoticeKind.TALK_REMINDER, context) == render_notice(NoticeKind.TALK_REMINDER, context)
    assert renderer.rendered == 2  # two renderings to learn the series (two sets of placeholders), none after


def test_a_template_that_looks_inside_a_name_is_rendered_in_full(tmp_path: Path) -> None:
    folder = tmp_path / "notices"
    folder.mkdir()
    (folder / "talk_reminder.txt.j2").write_text("【谈话提醒】{{ applicant[0] }}同学\n\n{{ recipient }}同志：请谈话。",
                                                 encoding="utf-8")
    renderer = SeriesRenderer(str(tmp_path))
    for applicant in ("李明", "张华"):
        context = {**CONTEXT, "applicant": applicant}
        found = renderer.render(NoticeKind.TALK_REMINDER, context)
        assert found == render_notice(NoticeKind.TALK_REMINDER, context, str(tmp_path))
        assert found.subject == f"【谈话提醒】{applicant[0]}同学"


@pytest.mark.parametrize("entry", ["interfaces.cli", "interfaces.web.server", "interfaces.cli.serve"])
def test_every_kind_of_process_installs_the_planner(entry: str) -> None:
    """The CLI (also ``fazhan scheduler``), the web workers and ``fazhan serve``: a fresh interpreter for each."""
    found = subprocess.run([sys.executable, "-c", f"import {entry}; from workflow import after_write; "
                            "print(','.join(after_write.registered()))"],
                           cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    assert found.stdout.strip() == "notices"


def test_workflow_alone_installs_no_planner() -> None:
    found = subprocess.run([sys.executable, "-c", "import workflow.services; from workflow import after_write; "
                            "print(len(after_write.registered()))"],
                           cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    assert found.stdout.strip() == "0"


def test_a_transfer_moves_the_reminders_to_the_receiving_branch_in_its_own_transaction(engine: Engine) -> None:
    """转入审查 moves the case: the sending 书记's waiting reminders are cancelled, the receiving 书记's written."""
    from tests.paths.world import FIRST, SECOND, SECRETARY, UP_TO_SPONSORS, build_world, request, run
    from workflow import services, transfers

    planning.install()
    clock = FixedClock.on(date(2026, 3, 1))
    case_id = build_world(engine, clock)
    for name, branch in (("陈静", FIRST), ("周平", SECOND)):
        services.add_member(engine, clock, SECRETARY, name=name, organisation=branch, since=date(2010, 1, 1),
                            post="书记")
    run(engine, clock, case_id, UP_TO_SPONSORS[:6])

    def waiting() -> set[str]:
        with engine.connect() as conn:
            names = dict(conn.execute(select(MEMBERS.c.id, MEMBERS.c.name)).all())
            found = conn.execute(select(NOTICES.c.recipient).where(NOTICES.c.case_id == case_id,
                                                                   NOTICES.c.status == "pending")).scalars()
            return {names[int(r.split(":")[1])] for r in found if r.startswith("member:")}

    assert "陈静" in waiting() and "周平" not in waiting()
    transfers.record(engine, clock, SECRETARY, case_id, request(
        "activist_transferred", date(2025, 1, 10), {"to_organisation": SECOND, "materials_transferred": "是"}))
    transfers.record(engine, clock, SECRETARY, case_id, request(
        "transfer_received", date(2025, 1, 20), {"reviewed_by": "周敏", "continuity": "连续计算", "reason": "材料齐全"}))
    assert "周平" in waiting() and "陈静" not in waiting()
