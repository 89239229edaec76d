"""Loading a holiday calendar is one audit event with the file's SHA-256 and its year; a year already on file
(shipped or loaded earlier) is never silently replaced — only with a reason, audited with both digests."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from interfaces.cli import app as cli
from states.workdays import WorkdayCalendar
from workflow import audit, calendars, replay
from workflow.clock import FixedClock
from workflow.services import Actor

FAKE_2099 = Path(__file__).parents[1] / "states" / "data" / "holidays_2099.toml"  # fictitious, for tests only
CORRECTED = FAKE_2099.read_bytes().replace(b"to = 2099-05-05", b"to = 2099-05-04")
ADMIN = Actor("系统管理员", "管理员")
CLOCK = FixedClock.on(__import__("datetime").date(2026, 12, 1))


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FAZHAN_HOLIDAYS_DIR", str(tmp_path / "holidays"))
    return tmp_path / "holidays"


def _events(engine: Engine, kind: str) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [e["payload"] for e in audit.events(conn) if e["kind"] == kind]


def test_a_new_year_is_one_audited_load_and_the_same_file_again_changes_nothing(engine: Engine, folder: Path) -> None:
    loaded = calendars.load_year(engine, CLOCK, ADMIN, FAKE_2099.read_bytes(), "2099.toml")
    assert loaded.replaced is None and loaded.audit_seq is not None
    assert [(e["years"], e["sha256"]) for e in _events(engine, "calendar_loaded")] == [
        ([2099], hashlib.sha256(FAKE_2099.read_bytes()).hexdigest())]
    assert (folder / "2099.toml").read_bytes() == FAKE_2099.read_bytes()
    assert 2099 in WorkdayCalendar.default().covered_years()
    again = calendars.load_year(engine, CLOCK, ADMIN, FAKE_2099.read_bytes(), "再次.toml")
    assert again.unchanged and "无需重复导入" in again.sentence() and len(_events(engine, "calendar_loaded")) == 1
    with engine.connect() as conn:
        assert replay.compare(conn).intact


def test_a_loaded_year_is_replaced_only_with_a_reason_and_both_digests_are_kept(engine: Engine, folder: Path) -> None:
    calendars.load_year(engine, CLOCK, ADMIN, FAKE_2099.read_bytes(), "2099.toml")
    with pytest.raises(calendars.CalendarRefused, match="不能直接覆盖"):
        calendars.load_year(engine, CLOCK, ADMIN, CORRECTED, "更正.toml")
    assert (folder / "2099.toml").read_bytes() == FAKE_2099.read_bytes()  # the refusal changed nothing else
    old, new = (hashlib.sha256(d).hexdigest() for d in (FAKE_2099.read_bytes(), CORRECTED))
    refused = _events(engine, "calendar_load_refused")
    assert [(r["sha256"], r["replaces"]["sha256"]) for r in refused] == [(new, old)]  # type: ignore[index]
    replaced = calendars.load_year(engine, CLOCK, ADMIN, CORRECTED, "更正.toml", replace_reason="国办通知更正了劳动节安排")
    assert replaced.replaced is not None and "已更正2099年" in replaced.sentence()
    last = _events(engine, "calendar_loaded")[-1]
    assert (last["sha256"], last["replaces"]["sha256"], last["reason"]) == (  # type: ignore[index]
        new, old, "国办通知更正了劳动节安排")
    assert list(folder.glob("*.toml")) == [folder / "2099.toml"] and (folder / "2099.toml").read_bytes() == CORRECTED


def test_a_shipped_year_is_not_overwritten_from_the_command_line(engine: Engine, folder: Path, database_url: str,
                                                                  tmp_path: Path) -> None:
    fake_2025 = tmp_path / "2025.toml"
    fake_2025.write_bytes(FAKE_2099.read_bytes().replace(b"2099", b"2025").replace(b"2025-01-04", b"2025-01-05")
                          .replace(b"2025-05-09", b"2025-05-10"))
    runner = CliRunner()
    refused = runner.invoke(cli, ["calendar", "load", str(fake_2025), "--db", database_url, "--by", "系统管理员"])
    assert refused.exit_code == 3 and "2025年的节假日安排已在系统中（内置数据" in refused.output
    assert not folder.exists() or not list(folder.iterdir())
    assert _events(engine, "calendar_load_refused")[0]["replaces"]["origin"] == "内置数据"  # type: ignore[index]
    done = runner.invoke(cli, ["calendar", "load", str(fake_2025), "--db", database_url, "--replace-reason", "测试"])
    assert done.exit_code == 0 and "已更正2025年节假日安排" in done.output, done.output
    broken = runner.invoke(cli, ["calendar", "load", str(tmp_path / "无此文件.toml"), "--db", database_url])
    assert broken.exit_code == 2 and "读不到文件" in broken.output
