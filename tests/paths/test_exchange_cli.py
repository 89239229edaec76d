"""``fazhan transfer export|import|check`` in process (Typer's runner) on two real SQLite databases."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from interfaces.cli import app
from tests.paths.test_exchange import HOME, RECEIVER, receiving_world
from tests.paths.world import ID_NUMBER, UP_TO_SPONSORS, build_world, run
from workflow.clock import FixedClock
from workflow.db import make_engine, upgrade

Cli = Callable[..., Result]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """Two databases, the sender's 李明 a 积极分子 and the receiver's branch with its secretary."""
    clock = FixedClock.on(date(2026, 3, 1))
    for name, build in (("sender", _sender), ("receiver", receiving_world)):
        url = f"sqlite:///{tmp_path / name}.db"
        upgrade(url)
        engine = make_engine(url)
        build(engine, clock)
        engine.dispose()
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, list(args), env={"FAZHAN_TODAY": "2026-03-01"})
    return invoke


def _sender(engine: object, clock: FixedClock) -> None:
    case_id = build_world(engine, clock)  # type: ignore[arg-type]
    run(engine, clock, case_id, UP_TO_SPONSORS[:6])  # type: ignore[arg-type]


def test_art12_export_then_import_from_the_command_line(cli: Cli, tmp_path: Path) -> None:
    sender, receiver, out = f"{tmp_path}/sender.db", f"{tmp_path}/receiver.db", tmp_path / "李明.json"

    sent = cli("transfer", "export", "李明", "--to", "物理学院党支部（外单位）", "--out", str(out),
               "--record", str(tmp_path / "李明.docx"), "--on", "2025-01-10", "--by", "王芳", "--db", sender)
    assert sent.exit_code == 0, sent.output
    assert "已转出（外单位）" in sent.output and "身份证号码" in sent.output and "0600" in sent.output
    assert ID_NUMBER not in sent.output
    shown = json.loads(cli("show", "李明", "--json", "--db", sender).output)
    assert shown["status"] == "transferred_out" and shown["status_name"] == "已转出（外单位）"
    assert shown["exchanged"].startswith("本案卷2025年1月10日已转往物理学院党支部（外单位）")

    checked = cli("transfer", "check", str(out), "--json")
    assert checked.exit_code == 0 and json.loads(checked.output)["id_number"] == "1101**********0015"

    args = ("transfer", "import", str(out), "--org", HOME, "--by", RECEIVER, "--continuity", "连续计算",
            "--reason", "材料齐全", "--review-date", "2025-01-20", "--db", receiver, "--json")
    first = json.loads(cli(*args).output)
    assert (first["status"], first["received_steps"], first["already_imported"]) == ("activist", 7, False)
    again = cli(*args)
    assert again.exit_code == 0 and json.loads(again.output)["already_imported"] is True
    assert ID_NUMBER not in again.output
    received = cli("show", "李明", "--db", receiver)
    assert "从计算机学院党支部（外单位）转入，此前的记录为转入材料" in received.output and ID_NUMBER not in received.output

    for db in (sender, receiver):
        verified = cli("audit", "verify", "--db", db)
        assert verified.exit_code == 0, verified.output


@pytest.mark.parametrize(("edit", "message"), [
    (lambda text: text.replace('"2024-06-14"', '"2024-05-14"'), "被改动过"),
    (lambda text: text[: len(text) // 2], "不是案卷交换文件"),
])
def test_edited_or_broken_file_is_refused_with_exit_2(cli: Cli, tmp_path: Path,
                                                       edit: Callable[[str], str], message: str) -> None:
    out = tmp_path / "李明.json"
    cli("transfer", "export", "李明", "--to", "外校党支部", "--out", str(out), "--on", "2025-01-10", "--by", "王芳",
        "--db", f"{tmp_path}/sender.db")
    out.write_text(edit(out.read_text(encoding="utf-8")), encoding="utf-8")

    refused = cli("transfer", "import", str(out), "--org", HOME, "--by", RECEIVER, "--continuity", "连续计算",
                  "--reason", "材料齐全", "--db", f"{tmp_path}/receiver.db")

    assert refused.exit_code == 2
    assert message in refused.output and "Traceback" not in refused.output
