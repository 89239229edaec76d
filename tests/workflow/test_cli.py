"""The ``fazhan`` command as a secretary runs it: real process, real files, Chinese output, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from interfaces.demo import DEMO_BIRTH_DATE, DEMO_HISTORY

FAZHAN = [sys.executable, "-m", "interfaces"]


def fazhan(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FAZHAN, *args], capture_output=True, text=True, timeout=60, env=env)


@pytest.fixture
def history_file(tmp_path: Path) -> Path:
    """The demo applicant up to 6. 培养教育考察, as the JSON a secretary would keep."""
    path = tmp_path / "liming.json"
    records = [{"step": s, "on": on.isoformat(), "evidence": ev} for s, on, ev in DEMO_HISTORY[:7]]
    path.write_text(json.dumps({"birth_date": DEMO_BIRTH_DATE.isoformat(), "records": records},
                               ensure_ascii=False), encoding="utf-8")
    return path


def test_steps_json_lists_the_25_steps_with_rules_severities_and_articles() -> None:
    result = fazhan("steps", "--json")
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)["steps"]
    assert [s["number"] for s in listing] == list(range(1, 26))
    candidate = next(s for s in listing if s["slug"] == "candidate_designated")
    assert candidate["name"] == "确定发展对象" and candidate["stage_name"] == "发展对象的确定和考察"
    year = next(r for r in candidate["rules"] if r["rule"] == "activist_trained_one_full_year")
    assert year["severity"] == "hard" and year["article"].endswith("第十三条") and year["tag"] == "R26"


def test_steps_table_for_people_shows_chinese_names_and_articles() -> None:
    result = fazhan("steps", "--rule-set", "2014.06")
    assert result.returncode == 0
    for text in ("递交入党申请书", "材料归档", "application_submitted", "第十三条", "硬性"):
        assert text in result.stdout


def test_check_refused_exits_3_and_json_lists_every_failing_rule(history_file: Path) -> None:
    result = fazhan("check", "确定发展对象", "--on", "2025-06-13", "--history", str(history_file), "--json")
    assert result.returncode == 3
    data = json.loads(result.stdout)
    refused = {v["rule"]: v for v in data["verdicts"] if v["outcome"] == "refused"}
    assert refused["activist_trained_one_full_year"]["allowed_from"] == "2025-06-14"
    assert refused["activist_trained_one_full_year"]["article"] == "《发展党员工作细则》第十三条"
    assert {"opinions_heard_before_designation", "decision_meeting_quorate"} <= set(refused)


def test_check_accepted_with_evidence_in_chinese(history_file: Path) -> None:
    result = fazhan("check", "7", "--on", "2025-06-16", "--history", str(history_file),
                    "--set", "opinions_heard=是", "--set", "members=5", "--set", "实到人数=4")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "可以办理" in result.stdout


def test_bad_evidence_is_a_usage_error_in_chinese(history_file: Path) -> None:
    result = fazhan("check", "7", "--on", "2025-06-16", "--history", str(history_file), "--set", "members=五")
    assert result.returncode == 2
    assert "应为整数" in result.stdout


def test_plan_shows_next_steps_with_earliest_dates(history_file: Path) -> None:
    result = fazhan("plan", "--history", str(history_file), "--on", "2025-06-01", "--json")
    assert result.returncode == 0, result.stderr
    upcoming = {n["step"]: n for n in json.loads(result.stdout)["next"]}
    assert upcoming["candidate_designated"]["allowed_from"] == "2025-06-14"
    assert upcoming["activist_assessed"]["possible_now"] is True


def test_demo_walks_the_procedure_and_shows_a_refusal() -> None:
    result = fazhan("demo")
    assert result.returncode == 0, result.stderr
    assert "✗ 2025年6月13日" in result.stdout and "2025年6月14日起方可列为发展对象" in result.stdout
    assert "2026年12月12日起可办理" in result.stdout


def test_administrator_loads_a_new_year_of_holidays(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "FAZHAN_HOLIDAYS_DIR": str(tmp_path / "holidays"), "FAZHAN_DB": str(tmp_path / "f.db")}
    assert fazhan("init", env=env).returncode == 0  # a load is an audit event (workflow/calendars.py)
    fixture = Path(__file__).resolve().parents[1] / "states" / "data" / "holidays_2099.toml"
    assert fazhan("calendar", "show", "--json", env=env).returncode == 0
    before = json.loads(fazhan("calendar", "show", "--json", env=env).stdout)["years"]
    assert 2099 not in before
    loaded = fazhan("calendar", "load", str(fixture), env=env)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert "已导入2099年节假日安排" in loaded.stdout
    after = json.loads(fazhan("calendar", "show", "--json", env=env).stdout)["years"]
    assert 2099 in after


def test_rule_set_by_date_crosses_2026_05_18() -> None:
    before = json.loads(fazhan("rule-set", "--on", "2026-05-17", "--json").stdout)
    after = json.loads(fazhan("rule-set", "--on", "2026-05-18", "--json").stdout)
    assert (before["rule_set"], after["rule_set"]) == ("2014.06", "2026.05")
