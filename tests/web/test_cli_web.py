"""``fazhan user add`` / ``fazhan user list``: logins from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

import interfaces.cli.web  # noqa: F401  (registers the commands until interfaces/cli/__init__.py imports it)
from interfaces.cli import app
from interfaces.web.users import authenticate
from tests.web.browser import TODAY, demo_database
from workflow.clock import FixedClock
from workflow.db import make_engine

FIXED = FixedClock.on(TODAY)


def test_user_add_hashes_the_password_and_scopes_the_user(engine: Engine, database_url: str) -> None:
    demo_database(database_url, FIXED)
    runner = CliRunner()
    added = runner.invoke(app, ["user", "add", "zhouwei", "--role", "组织委员", "--org", "计算机学院学生第一党支部",
                                "--member", "周伟", "--password", "long-enough-1", "--db", database_url])
    assert added.exit_code == 0, added.output
    assert "已添加用户「zhouwei」（组织委员" in added.output
    user = authenticate(engine, "zhouwei", "long-enough-1")
    assert user is not None and user.display_name == "周伟" and user.organisation == "计算机学院学生第一党支部"
    listed = json.loads(runner.invoke(app, ["user", "list", "--json", "--db", database_url]).output)
    assert "zhouwei" in {row["username"] for row in listed}


def test_user_add_refuses_bad_roles_short_passwords_and_duplicates(engine: Engine, database_url: str) -> None:  # noqa: ARG001
    demo_database(database_url, FIXED)
    runner = CliRunner()
    base = ["user", "add", "x1", "--org", "某大学党委", "--db", database_url]
    bad_role = runner.invoke(app, [*base, "--role", "校长", "--password", "long-enough-1"])
    assert bad_role.exit_code == 2 and "不是可识别的角色" in bad_role.output
    short = runner.invoke(app, [*base, "--role", "巡察", "--password", "short"])
    assert short.exit_code == 2 and "至少10个字符" in short.output
    twice = runner.invoke(app, ["user", "add", "chenjing", "--role", "支部书记", "--org", "某大学党委",
                                "--password", "long-enough-1", "--db", database_url])
    assert twice.exit_code == 2 and "已存在" in twice.output


def test_web_command_prepares_the_demo_and_serves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served: dict[str, object] = {}
    monkeypatch.setattr("interfaces.web.server.serve", lambda db, clock, **options: served.update(db=db, today=clock.today(), **options))
    monkeypatch.setenv("FAZHAN_TODAY", TODAY.isoformat())
    monkeypatch.setenv("FAZHAN_SECRET_KEY", "cli-test")
    database = tmp_path / "demo.db"
    answer = CliRunner().invoke(app, ["web", "--demo", "--port", "8123", "--db", str(database)])
    assert answer.exit_code == 0, answer.output
    assert "演示用户 chenjing（支部书记，计算机学院学生第一党支部），密码 fazhan-demo" in answer.output
    assert served == {"db": str(database), "today": TODAY, "host": "127.0.0.1", "port": 8123, "with_scheduler": False}
    assert authenticate(make_engine(str(database)), "liuyang", "fazhan-demo") is not None
