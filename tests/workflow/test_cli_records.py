"""The secretary's command line end to end on a temporary database: real processes, exit codes, Chinese."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


class Fazhan:
    def __init__(self, db: Path, today: str) -> None:
        self.env = {**os.environ, "FAZHAN_DB": str(db), "FAZHAN_TODAY": today}

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "interfaces", *args], capture_output=True, text=True,
                              timeout=60, env=self.env)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def copy_to(self, db: Path) -> Fazhan:
        """The same world in a database of its own (its WAL and key files beside it copied too): a module builds
        its world through the command line once, and each test changes only its copy."""
        source = Path(self.env["FAZHAN_DB"])
        for path in source.parent.glob(f"{source.name}*"):
            if not path.name.endswith("-shm"):  # SQLite rebuilds the WAL index; a copied one could be stale
                shutil.copy2(path, db.parent / path.name.replace(source.name, db.name, 1))
        copy = Fazhan(db, self.env["FAZHAN_TODAY"])
        copy.env = {**self.env, "FAZHAN_DB": str(db)}
        return copy


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Fazhan:
    cli = Fazhan(tmp_path_factory.mktemp("cli-records") / "fazhan.db", "2025-07-01")
    cli.ok("init")
    cli.ok("org", "add", "某大学党委", "--kind", "基层党委", "--may-approve")
    cli.ok("org", "add", "计算机学院党支部", "--kind", "党支部", "--parent", "某大学党委")
    cli.ok("member", "add", "王芳", "--org", "计算机学院党支部", "--since", "2010-01-01", "--post", "书记")
    cli.ok("member", "add", "赵强", "--org", "计算机学院党支部", "--since", "2012-03-01")
    cli.ok("applicant", "add", "李明", "--org", "计算机学院党支部", "--sex", "男", "--birth", "2001-04-12",
           "--id-number", "110105200104120015")
    return cli


@pytest.fixture
def fazhan(world: Fazhan, tmp_path: Path) -> Fazhan:
    return world.copy_to(tmp_path / "fazhan.db")


def test_advance_refused_then_accepted_with_exit_codes(fazhan: Fazhan) -> None:
    fazhan.ok("advance", "李明", "递交入党申请书", "--on", "2025-06-10", "--set", "organisation_basis=工作单位党组织",
              "--by", "王芳")
    refused = fazhan("advance", "李明", "推荐和确定入党积极分子", "--on", "2025-06-20", "--set", "recommendation=党员推荐",
                     "--set", "members=5", "--set", "present=2", "--json")
    assert refused.returncode == 3
    rules = {v["rule"]: v for v in json.loads(refused.stdout)["verdicts"] if v["outcome"] == "refused"}
    assert set(rules) == {"preceding_steps_recorded", "decision_meeting_quorate"}
    assert rules["decision_meeting_quorate"]["article"].startswith("《中国共产党支部工作条例（试行）》")
    fazhan.ok("advance", "李明", "2", "--on", "2025-06-18", "--set", "talker=王芳", "--by", "王芳")
    accepted = fazhan.ok("advance", "李明", "3", "--on", "2025-06-20", "--set", "recommendation=党员推荐",
                         "--set", "members=5", "--set", "present=4", "--by", "王芳")
    assert "已记录「3. 推荐和确定入党积极分子」" in accepted and "入党积极分子" in accepted
    shown = json.loads(fazhan.ok("show", "李明", "--json"))
    assert shown["status"] == "activist" and [t["step"] for t in shown["timeline"]] == [
        "application_submitted", "talk_held", "activist_designated"]
    assert shown["timeline"][0]["actor_role"] == "书记"
    upcoming = {n["step"]: n for n in shown["next"]}
    assert upcoming["activist_assessed"]["due_by"] == "2025-12-20"


def test_conflicting_version_exits_4_and_usage_errors_exit_2(fazhan: Fazhan) -> None:
    fazhan.ok("advance", "李明", "1", "--on", "2025-06-10", "--set", "organisation_basis=work_unit")
    stale = fazhan("advance", "李明", "2", "--on", "2025-06-18", "--set", "talker=王芳", "--version", "0")
    assert stale.returncode == 4 and "该记录已被他人修改，请刷新后重试" in stale.stdout
    assert fazhan("advance", "张三", "1", "--on", "2025-06-10").returncode == 2
    unknown_step = fazhan("advance", "李明", "入党", "--on", "2025-06-10")
    assert unknown_step.returncode == 2 and "没有名为「入党」的步骤" in unknown_step.stdout
    future = fazhan("advance", "李明", "2", "--on", "2025-07-02", "--set", "talker=王芳")
    assert future.returncode == 2 and "晚于今天" in future.stdout


def test_bad_id_number_is_refused_with_its_reason(fazhan: Fazhan) -> None:
    result = fazhan("applicant", "add", "王五", "--org", "计算机学院党支部", "--sex", "男", "--birth", "2001-04-12",
                    "--id-number", "110105200104120016")
    assert result.returncode == 2 and "校验位不对" in result.stdout
    mismatch = fazhan("applicant", "add", "王五", "--org", "计算机学院党支部", "--sex", "男", "--birth", "2001-04-13",
                      "--id-number", "110105200104120015")
    assert mismatch.returncode == 2 and "出生日期" in mismatch.stdout


def test_soft_rule_needs_an_override_and_the_override_is_recorded(fazhan: Fazhan) -> None:
    """细则第十八条: training under three days is allowed only by permission, with a reason and an authoriser."""
    for args in (("1", "--on", "2024-01-08", "--set", "organisation_basis=work_unit"),
                 ("2", "--on", "2024-01-20", "--set", "talker=王芳"),
                 ("3", "--on", "2024-03-01", "--set", "recommendation=both", "--set", "members=5", "--set", "present=5"),
                 ("4", "--on", "2024-03-10"), ("5", "--on", "2024-03-12", "--set", "liaisons=王芳,赵强"),
                 ("6", "--on", "2024-08-20"), ("6", "--on", "2025-02-20"),
                 ("7", "--on", "2025-03-03", "--set", "opinions_heard=是", "--set", "members=5", "--set", "present=5"),
                 ("8", "--on", "2025-03-10"), ("9", "--on", "2025-03-20", "--set", "sponsors=王芳,赵强"),
                 ("10", "--on", "2025-04-20", "--set", "result=合格", "--set", "conclusion=政审〔2025〕3号 合格")):
        fazhan.ok("advance", "李明", *args, "--backfill-reason", "据纸质档案补录")
    # the authoriser must hold the power on the roster (states/authority.py): a 委员 of the 基层党委
    fazhan.ok("member", "add", "张华", "--org", "某大学党委", "--since", "2005-01-01", "--post", "书记")
    short = ("advance", "李明", "11", "--on", "2025-06-20", "--set", "days=1", "--set", "hours=8")
    refused = fazhan(*short)
    assert refused.returncode == 3 and "特批" in refused.stdout
    half = fazhan(*short, "--override-reason", "因病缺课，已补学")
    assert half.returncode == 2 and "同时写明理由" in half.stdout
    accepted = fazhan.ok(*short, "--override-reason", "因病缺课，已补学", "--authoriser", "党委书记 张华")
    assert "经党委书记 张华特批" in accepted
    history = json.loads(fazhan.ok("history", "李明", "--json"))
    last = history[-1]["payload"]
    assert last["override"] == {"reason": "因病缺课，已补学", "authoriser": "党委书记 张华"}
    kinds = [e["kind"] for e in history]
    assert kinds.count("step_refused") == 1 and kinds[0] == "case_opened"


def test_list_filters_and_audit_verify(fazhan: Fazhan) -> None:
    fazhan.ok("advance", "李明", "1", "--on", "2025-05-20", "--set", "organisation_basis=work_unit",
              "--backfill-reason", "据纸质档案补录")
    listed = json.loads(fazhan.ok("list", "--overdue", "--json"))
    assert [(r["name"], r["overdue"]) for r in listed] == [("李明", ["talk_held"])]
    assert json.loads(fazhan.ok("list", "--status", "入党积极分子", "--json")) == []
    assert json.loads(fazhan.ok("list", "--org", "某大学党委", "--json"))[0]["status"] == "applicant"
    verified = fazhan.ok("audit", "verify")
    assert "审计链完整" in verified
