"""The JSON API: the same services as the pages and the CLI, the same answers."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from typer.testing import CliRunner

from interfaces.cli import app as cli_app
from states.procedure import MAIN_LINE
from tests.web.browser import TODAY
from tests.web.conftest import LI, WANG, Client


def test_show_gives_the_same_data_as_the_cli(as_user: Callable[[str], Client], world: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAZHAN_TODAY", TODAY.isoformat())
    printed = CliRunner().invoke(cli_app, ["show", str(WANG), "--json", "--db", world])
    assert printed.exit_code == 0, printed.output
    from_cli = json.loads(printed.output)
    from_api = as_user("chenjing").get(f"/api/applicants/{WANG}").json()
    for row in (*from_cli["timeline"], *from_api["timeline"]):
        row.pop("recorded_at")  # the CLI prints str(datetime), the API ISO 8601: the same moment
    assert from_api == from_cli


def test_a_refused_step_answers_422_with_every_verdict(as_user: Callable[[str], Client]) -> None:
    answer = as_user("chenjing").api(f"/api/applicants/{LI}/steps/candidate_designated", {
        "on": "2026-06-15", "evidence": {"opinions_heard": "是", "members": "5", "present": "2"}})
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"] == "refused" and body["allowed"] is False and body["step"] == "candidate_designated"
    blocking = [v for v in body["verdicts"] if v["outcome"] == "refused"]
    year = next(v for v in blocking if v["rule"] == "activist_trained_one_full_year")
    assert year["allowed_from"] == "2026-06-25" and "第十三条" in year["article"]
    assert any(v["rule"] == "decision_meeting_quorate" for v in blocking)


def test_version_conflicts_and_bad_evidence(as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    stale = secretary.api(f"/api/applicants/{LI}/steps/activist_assessed",
                          {"on": "2026-06-15", "evidence": {}, "expected_version": 0})
    assert stale.status_code == 409 and stale.json()["error"] == "conflict"
    bad = secretary.api(f"/api/applicants/{LI}/steps/activist_assessed", {"on": "2026-06-15", "evidence": {"nope": "1"}})
    assert bad.status_code == 400 and "没有「nope」这项材料" in bad.json()["message"]
    unknown = secretary.api(f"/api/applicants/{LI}/steps/nothing", {"on": "2026-06-15"})
    assert unknown.status_code == 404


def test_register_and_record_through_the_api(as_user: Callable[[str], Client]) -> None:
    secretary = as_user("wangfang")  # 组织委员
    added = secretary.api("/api/applicants", {"name": "孙八", "sex": "男", "birth_date": "2004-07-07",
                                              "organisation": "计算机学院学生第一党支部"})
    assert added.status_code == 201
    case_id = added.json()["case_id"]
    done = secretary.api(f"/api/applicants/{case_id}/steps/application_submitted",
                         {"on": "2026-06-12", "evidence": {"受理的党组织": "学习单位党组织"}})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "applicant" and done.json()["version"] == 1
    events = secretary.get(f"/api/applicants/{case_id}/history").json()
    assert [e["kind"] for e in events] == ["case_opened", "step_recorded"]
    assert events[1]["actor"] == "王芳" and events[1]["actor_role"] == "组织委员（wangfang）"


def test_procedure_and_audit_endpoints(as_user: Callable[[str], Client]) -> None:
    client = as_user("xuncha")
    procedure = client.get("/api/procedure").json()
    numbered = [s["number"] for stage in procedure["stages"] for s in stage["steps"] if s["number"]]
    assert numbered == [spec.number for spec in MAIN_LINE]
    assert procedure["rule_set"] == "2026.05"
    verified = client.get("/api/audit/verify").json()
    assert verified["intact"] is True and verified["checked"] > 0


def test_openapi_documents_the_api_only(as_user: Callable[[str], Client]) -> None:
    schema = as_user("admin").get("/openapi.json").json()  # administrators only (tests/security/web/test_docs.py)
    paths = set(schema["paths"])
    assert {"/api/applicants", "/api/applicants/{case_id}", "/api/applicants/{case_id}/steps/{slug}",
            "/api/procedure", "/api/audit/verify"} <= paths
    assert all(path.startswith("/api/") for path in paths)
    assert "422" in schema["paths"]["/api/applicants/{case_id}/steps/{slug}"]["post"]["responses"]
