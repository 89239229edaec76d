"""Notices that fail, fail visibly: a delivery that dies every time ends ``failed``, listed, and can be retried.

The crash is real: a child process sweeps and is killed (SIGKILL) in the middle of an SMTP delivery, twice.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from interfaces.cli import app
from notices.failures import failed_notices, retry_notice
from notices.sweep import INTERRUPTED, sweep
from states.procedure import spec_for
from states.steps import Step
from tests.notices.servers import smtp_server
from tests.notices.world import COMMITTEE, World, with_one_application
from workflow import services
from workflow.clock import FixedClock
from workflow.errors import FazhanError
from workflow.evidence import parse_evidence
from workflow.services import StepRequest

RECEIVED, REMIND = date(2025, 3, 3), date(2025, 3, 27)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(engine: Engine) -> World:
    return with_one_application(engine, RECEIVED)


def killed_mid_delivery(database_url: str, port: int, day: date) -> None:
    child = subprocess.run([sys.executable, "-m", "tests.notices.crash_child", database_url, str(port),
                            day.isoformat(), "before"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr


def cli(database_url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--db", database_url], env={"FAZHAN_TODAY": "2025-03-29"})
    return result.exit_code, result.output


def test_a_notice_whose_every_attempt_dies_ends_failed_listed_and_retried(world: World, database_url: str) -> None:
    with smtp_server() as (mailbox, port):
        killed_mid_delivery(database_url, port, REMIND)
        killed_mid_delivery(database_url, port, REMIND + timedelta(days=1))  # its lease had expired: tried again
        email = next(r for r in world.rows() if r["send_on"] == REMIND and r["channel"] == "email")
        assert (email["status"], email["attempts"]) == ("sending", 2)

        config = replace(world.config, smtp_port=port, max_attempts=2)
        day = REMIND + timedelta(days=2)
        now = FixedClock.on(day).now()
        report = sweep(world.engine, day, now, config)
        assert email["id"] in report.failed and email["id"] not in report.sent
        row = next(r for r in world.rows() if r["id"] == email["id"])
        assert (row["status"], row["next_attempt_at"], row["last_error"]) == ("failed", None, INTERRUPTED)
        assert sweep(world.engine, day + timedelta(days=1), now + timedelta(days=1), config).sent == []
        assert mailbox.messages == []  # killed before the SMTP conversation each time

        listed = failed_notices(world.engine)
        assert [(n.id, n.gave_up, n.applicant, n.recipient) for n in listed] == [(email["id"], True, "李明", "陈静")]
        assert "不再自动重发" in listed[0].sentence() and "中断" in listed[0].sentence()
        assert failed_notices(world.engine, organisation_ids=[world.orgs[COMMITTEE]]) == []  # not its branch
        code, out = cli(database_url, "notices", "failed", "--json")
        assert code == 0 and [n["id"] for n in json.loads(out) if n["gave_up"]] == [email["id"]]

        code, out = cli(database_url, "notices", "retry", str(email["id"]), "--by", "王芳")
        assert code == 0 and "已放回待发送队列" in out
        assert services.history(world.engine, email["case_id"])[-1]["kind"] == "notice_retried"
        report = sweep(world.engine, day, now + timedelta(minutes=1), config)
        assert email["id"] in report.sent and len(mailbox.messages) == 1
        assert failed_notices(world.engine) == []

    with pytest.raises(FazhanError, match="不是发送失败的通知"):
        retry_notice(world.engine, email["id"], actor="王芳", actor_role="书记", now=now)
    code, out = cli(database_url, "notices", "retry", "999999")
    assert code != 0 and "没有编号为999999的通知" in out


def test_a_withdrawal_cancels_the_waiting_reminders_in_its_own_transaction(world: World) -> None:
    """No planning run in between: the step that closes the case cancels them (and leaves sent ones alone)."""
    day = REMIND
    sweep(world.engine, day, FixedClock.on(day).now(), world.config)  # the 03-27 reminders go out
    before = {r["id"]: r["status"] for r in world.rows()}
    assert {"sent", "pending"} <= set(before.values())
    on = day + timedelta(days=1)
    request = StepRequest(Step.WITHDRAWN, on, parse_evidence(spec_for("withdrawn"), {"reason": "本人申请退出"}))
    services.advance(world.engine, FixedClock.on(on), services.SYSTEM, world.cases["李明"], request)
    after = {r["id"]: r["status"] for r in world.rows()}
    assert after == {i: "sent" if status == "sent" else "cancelled" for i, status in before.items()}
