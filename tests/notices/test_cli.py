"""The notice commands as a secretary and an operator use them: list, preview, send-due, refresh, inbox."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interfaces.cli import app
from tests.notices.world import BRANCH, World, build
from workflow.db import make_engine, upgrade


class Cli:
    def __init__(self, db: Path) -> None:
        self.runner, self.db = CliRunner(), str(db)

    def __call__(self, *args: str, today: str = "2025-03-27") -> tuple[int, str]:
        result = self.runner.invoke(app, [*args, "--db", self.db], env={"FAZHAN_TODAY": today, "COLUMNS": "200"})
        return result.exit_code, result.output

    def ok(self, *args: str, today: str = "2025-03-27") -> str:
        code, output = self(*args, today=today)
        assert code == 0, output
        return output


@pytest.fixture
def world_cli(tmp_path: Path) -> tuple[World, Cli]:
    url = f"sqlite:///{tmp_path / 'fazhan.db'}"
    upgrade(url)
    world = build(make_engine(url))
    world.applicant("李明", date(2025, 3, 3))
    world.act("李明", "application_submitted", date(2025, 3, 3), organisation_basis="work_unit")
    return world, Cli(tmp_path / "fazhan.db")


def test_list_preview_dry_run_send_and_read(world_cli: tuple[World, Cli]) -> None:
    world, cli = world_cli
    listed = cli.ok("notices", "list", "--case", "李明")
    assert "2025年3月27日 谈话提醒（李明）→ 陈静［inbox］待发送" in listed and "共8条" in listed

    rows = json.loads(cli.ok("notices", "list", "--json"))
    first = next(r for r in rows if r["recipient_name"] == "陈静" and r["kind"] == "talk_reminder"
                 and r["reminder_offset"] == -7)
    preview = cli.ok("notices", "preview", str(first["id"]))
    assert preview.startswith("【谈话提醒】李明的入党谈话应于2025年4月3日前进行\n\n陈静同志：")

    dry = cli.ok("notices", "send-due", "--dry-run")
    assert "预演：将发送2条，将取消0条（未作任何改动）" in dry
    assert json.loads(cli.ok("notices", "list", "--json"))[0]["status"] == "pending"

    sent = cli.ok("notices", "send-due", "--on", "2025-03-27")
    assert "2025-03-27：发送2条（其中补发0条），失败0条，取消0条。" in sent
    inbox = cli.ok("inbox", "陈静", "--unread")
    assert "● " in inbox and "【谈话提醒】李明的入党谈话应于2025年4月3日前进行" in inbox and "未读1条" in inbox
    message = json.loads(cli.ok("inbox", "陈静", "--json"))[0]
    assert cli.ok("inbox", "read", str(message["id"])).startswith("【谈话提醒】")
    assert "未读0条" in cli.ok("inbox", "陈静", "--unread")


def test_failed_list_retry_and_refresh(world_cli: tuple[World, Cli]) -> None:
    world, cli = world_cli
    world.set_webhook(BRANCH, "http://127.0.0.1:9/closed")
    assert "已重新计算1名申请人的通知，新增3条、取消0条" in cli.ok("notices", "refresh", "--case", "李明")
    assert "发送失败的通知将按间隔重试" in cli.ok("notices", "send-due")
    failed = json.loads(cli.ok("notices", "list", "--failed", "--json"))
    assert [(r["recipient_name"], r["channel"], r["attempts"]) for r in failed] == [(BRANCH, "webhook", 1)]
    assert "Webhook 发送失败" in failed[0]["last_error"]
    assert "已尝试1次" in cli.ok("notices", "list", "--failed")
    assert cli.ok("notices", "retry", str(failed[0]["id"])).startswith(f"通知{failed[0]['id']}已放回待发送队列")
    code, output = cli("notices", "retry", str(failed[0]["id"]))
    assert code == 2 and "不是发送失败的通知" in output


def test_usage_errors_are_chinese_with_exit_code_two(world_cli: tuple[World, Cli]) -> None:
    _, cli = world_cli
    assert cli("inbox", "无此人")[0] == 2
    assert cli("notices", "preview", "9999")[0] == 2
    code, output = cli("notices", "send-due", "--on", "2025/03/27")
    assert code == 2 and "格式不对" in output
    assert "还没有登记通知定时任务" in cli.ok("scheduler", "--status")
