"""The paths from the command line: real processes, exit codes (2 bad input, 3 refused) and Chinese."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.paths.world import FIRST, ID_NUMBER, SECOND
from tests.workflow.test_cli_records import Fazhan

BACK = ("--backfill-reason", "据纸质档案补录")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Fazhan:
    cli = Fazhan(tmp_path_factory.mktemp("cli-paths") / "fazhan.db", "2025-03-01")
    cli.ok("init")
    cli.ok("org", "add", "某大学党委", "--kind", "基层党委", "--may-approve")
    for branch in (FIRST, SECOND):
        cli.ok("org", "add", branch, "--kind", "党支部", "--parent", "某大学党委")
    cli.ok("member", "add", "王芳", "--org", FIRST, "--since", "2010-01-01", "--post", "书记")
    cli.ok("member", "add", "周敏", "--org", SECOND, "--since", "2010-01-01", "--post", "书记")
    cli.ok("applicant", "add", "李明", "--org", FIRST, "--sex", "男", "--birth", "2001-04-12", "--id-number", ID_NUMBER)
    for args in (("递交入党申请书", "--on", "2024-03-04", "--set", "organisation_basis=工作单位党组织"),
                 ("党组织派人谈话", "--on", "2024-03-20", "--set", "talker=王芳"),
                 ("推荐和确定入党积极分子", "--on", "2024-06-14", "--set", "recommendation=党员推荐",
                  "--set", "members=5", "--set", "present=4")):
        cli.ok("advance", "李明", *args, *BACK, "--by", "王芳")
    return cli


@pytest.fixture
def fazhan(world: Fazhan, tmp_path: Path) -> Fazhan:
    return world.copy_to(tmp_path / "fazhan.db")


def test_art12_transfer_from_the_command_line(fazhan: Fazhan) -> None:
    fazhan.ok("advance", "李明", "转出", "--on", "2025-01-10", "--set", f"to_organisation={SECOND}",
              "--set", "materials_transferred=是", *BACK, "--by", "王芳")

    refused = fazhan("advance", "李明", "上级党委备案", "--on", "2025-01-15", *BACK, "--by", "王芳")
    assert refused.returncode == 3
    assert "案卷正在转接中" in refused.stdout and "第十二条" in refused.stdout

    fazhan.ok("advance", "李明", "转入审查", "--on", "2025-02-10", "--set", "reviewed_by=周敏",
              "--set", "continuity=连续计算", "--set", "reason=材料齐全", "--by", "周敏")
    shown = json.loads(fazhan.ok("show", "李明", "--json"))
    assert shown["organisation"] == SECOND and shown["status"] == "activist"
    assert shown["other_cases"] == [] and shown["membership"] is None


def test_art3_second_application_while_open_is_refused_with_exit_2(fazhan: Fazhan) -> None:
    again = fazhan("applicant", "add", "李明", "--org", SECOND, "--sex", "男", "--birth", "2001-04-12",
                   "--id-number", ID_NUMBER)

    assert again.returncode == 2
    assert "已有正在办理的案卷1" in again.stdout and "本人退出" in again.stdout
    assert "Traceback" not in again.stdout + again.stderr


def test_art3_withdrawn_person_applies_again_and_show_lists_the_old_case(fazhan: Fazhan) -> None:
    fazhan.ok("advance", "李明", "本人退出", "--on", "2025-02-01", "--set", "reason=本人书面申请退出", "--by", "王芳")
    fazhan.ok("applicant", "add", "李明", "--org", SECOND, "--sex", "男", "--birth", "2001-04-12",
              "--id-number", ID_NUMBER)

    shown = fazhan.ok("show", "李明")
    assert "案卷2" in shown
    assert "同一人的其他案卷：案卷1（计算机学院党支部，已退出，2025年2月1日结束）" in shown


def test_art20_shared_step_name_lists_both_steps_when_the_stage_fits_neither(fazhan: Fazhan) -> None:
    result = fazhan("advance", "李明", "支部大会讨论", "--on", "2025-02-01", "--by", "王芳")

    assert result.returncode == 2
    assert "「15. 支部大会讨论」" in result.stdout and "「23. 支部大会讨论」" in result.stdout


def test_art12_check_agrees_with_advance_on_a_case_in_transfer(fazhan: Fazhan, tmp_path: Path) -> None:
    history = tmp_path / "history.json"
    history.write_text(json.dumps({"birth_date": "2001-04-12", "records": [
        {"step": "application_submitted", "on": "2024-03-04", "evidence": {"organisation_basis": "work_unit"}},
        {"step": "talk_held", "on": "2024-03-20", "evidence": {"talker": "王芳"}},
        {"step": "activist_designated", "on": "2024-06-14",
         "evidence": {"recommendation": "party_members", "members": "5", "present": "4"}},
        {"step": "activist_transferred", "on": "2025-01-10",
         "evidence": {"to_organisation": SECOND, "materials_transferred": True}},
    ]}, ensure_ascii=False), encoding="utf-8")
    fazhan.ok("advance", "李明", "转出", "--on", "2025-01-10", "--set", f"to_organisation={SECOND}",
              "--set", "materials_transferred=是", *BACK, "--by", "王芳")

    checked = fazhan("check", "上级党委备案", "--on", "2025-01-15", "--history", str(history), "--json")
    advanced = fazhan("advance", "李明", "上级党委备案", "--on", "2025-01-15", *BACK, "--by", "王芳", "--json")

    assert checked.returncode == advanced.returncode == 3
    rules = {v["rule"] for v in json.loads(checked.stdout)["verdicts"] if v["outcome"] == "refused"}
    assert rules == {"not_in_transfer"}
    assert "not_in_transfer" in advanced.stdout
    review = ("--set", "reviewed_by=周敏", "--set", "continuity=连续计算", "--set", "reason=材料齐全")
    assert fazhan("check", "转入审查", "--on", "2025-01-20", "--history", str(history), *review).returncode == 0
