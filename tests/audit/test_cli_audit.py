"""``fazhan audit`` end to end in real processes: verify, checkpoint, code, public key, rotation, exit codes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.workflow.test_cli_records import Fazhan
from workflow import keys


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Fazhan:
    """李明 with three steps, in a database whose audit key is a key file beside it."""
    fazhan = Fazhan(tmp_path_factory.mktemp("cli-audit") / "支部.db", "2025-07-01")
    fazhan.env.pop(keys.KEY_ENV, None)
    fazhan.ok("init")
    fazhan.ok("org", "add", "某大学党委", "--kind", "基层党委", "--may-approve")
    fazhan.ok("org", "add", "计算机学院党支部", "--kind", "党支部", "--parent", "某大学党委")
    fazhan.ok("member", "add", "王芳", "--org", "计算机学院党支部", "--since", "2010-01-01", "--post", "书记")
    fazhan.ok("applicant", "add", "李明", "--org", "计算机学院党支部", "--sex", "男", "--birth", "2001-04-12")
    fazhan.ok("advance", "李明", "1", "--on", "2025-06-10", "--set", "organisation_basis=工作单位党组织", "--by", "王芳")
    fazhan.ok("advance", "李明", "2", "--on", "2025-06-18", "--set", "talker=王芳", "--by", "王芳")
    return fazhan


@pytest.fixture
def cli(world: Fazhan, tmp_path: Path) -> Fazhan:
    """A copy of that database (and its key files) for each test."""
    return world.copy_to(tmp_path / "支部.db")


def _sql(cli: Fazhan, statement: str) -> None:
    with sqlite3.connect(cli.env["FAZHAN_DB"]) as conn:
        conn.execute(statement)


def test_verify_checkpoint_and_code_on_an_intact_trail(cli: Fazhan, tmp_path: Path) -> None:
    verified = cli.ok("audit", "verify")
    assert "审计链完整：共6条事件，逐条核验无误。" in verified and "各表与审计链一致：逐一重演了1个案卷的事件" in verified
    made = json.loads(cli.ok("audit", "checkpoint", "--out", str(tmp_path / "cp.json"), "--json"))
    assert made["events"] == 6 and made["organisation"] == "某大学党委" and made["code"].startswith("6-")
    public = json.loads(cli.ok("audit", "public-key", "--json"))
    assert public["public_key"] == made["public_key"] and "支部.db.audit-key" in public["store"]
    assert "检查点核验通过：检查点时的前6条事件完好如初。" in cli.ok("audit", "verify", "--checkpoint", str(tmp_path / "cp.json"),
                                                         "--public-key", public["public_key"])
    assert "检查点核验通过" in cli.ok("audit", "verify", "--code", made["code"].lower().replace("-", " ", 1))


def test_a_table_edit_is_named_and_exits_1(cli: Fazhan) -> None:
    _sql(cli, "UPDATE step_records SET done_on = '2025-05-01' WHERE step = 'talk_held'")
    result = cli("audit", "verify")
    assert result.returncode == 1
    assert ("各表与审计链不符，共1处。第一处：申请人李明（案卷1）的「2. 党组织派人谈话」的办理日期："
            "审计链记为2025-06-18，表中为2025-05-01。") in result.stdout
    as_json = json.loads(cli("audit", "verify", "--json").stdout)
    assert as_json["intact"] is False and as_json["difference_count"] == 1
    assert cli("audit", "verify", "--chain-only").returncode == 0  # the chain alone is intact: why the tables check exists


def test_truncation_after_a_checkpoint_fails_loudly(cli: Fazhan, tmp_path: Path) -> None:
    cli.ok("audit", "checkpoint", "--out", str(tmp_path / "cp.json"))
    _sql(cli, "DELETE FROM audit_events")
    _sql(cli, "UPDATE audit_head SET seq = 0, hash = '" + "0" * 64 + "', key_id = NULL")
    result = cli("audit", "verify", "--checkpoint", str(tmp_path / "cp.json"), "--chain-only")
    assert result.returncode == 1
    assert "检查点核验未通过：审计链已被清空：检查点时共有6条事件，现在一条也没有。" in result.stdout


def test_rotation_through_the_cli_keeps_old_events_verifiable(cli: Fazhan) -> None:
    rotated = json.loads(cli.ok("audit", "rotate-key", "--by", "管理员", "--json"))
    assert rotated["old_key_id"] != rotated["new_key_id"]
    cli.ok("advance", "李明", "3", "--on", "2025-06-20", "--set", "recommendation=党员推荐", "--set", "members=5",
           "--set", "present=4", "--by", "王芳")
    assert "审计链完整：共8条事件" in cli.ok("audit", "verify")


def test_bad_input_is_told_in_chinese_with_exit_2(cli: Fazhan, tmp_path: Path) -> None:
    missing = cli("audit", "verify", "--checkpoint", str(tmp_path / "none.json"))
    assert missing.returncode == 2 and "找不到检查点文件" in missing.stdout
    (tmp_path / "junk.json").write_text("{}", encoding="utf-8")
    junk = cli("audit", "verify", "--checkpoint", str(tmp_path / "junk.json"))
    assert junk.returncode == 2 and "不是 fazhan 检查点文件" in junk.stdout
    code = cli("audit", "verify", "--code", "abc")
    assert code.returncode == 2 and "检查码「abc」格式不对" in code.stdout
    assert "Traceback" not in missing.stderr + junk.stderr + code.stderr
