"""Issue 11 items 6 and 8 in the browser's pages, the API and the CLI: a missing field named in Chinese, and a
failed vote shown on the meeting page with its article (2026 rule set: 第二十条 [R26])."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from typer.testing import CliRunner

from interfaces.cli import app as cli_app
from tests.web.browser import TODAY
from tests.web.conftest import Client
from tests.web.test_meeting_pages import _admission_voted_four_to_one

MISSING_TALKER = "缺少材料：「谈话人」。"


def test_art7_a_talk_without_its_talker_is_refused_naming_the_field_in_api_page_and_cli(
        as_user: Callable[[str], Client], world: str, monkeypatch: pytest.MonkeyPatch) -> None:
    secretary = as_user("wangfang")
    added = secretary.api("/api/applicants", {"name": "孙八", "sex": "男", "birth_date": "2004-07-07",
                                              "organisation": "计算机学院学生第一党支部"})
    case_id = added.json()["case_id"]
    assert secretary.api(f"/api/applicants/{case_id}/steps/application_submitted",
                         {"on": "2026-06-12", "evidence": {"受理的党组织": "学习单位党组织"}}).status_code == 200
    api = secretary.api(f"/api/applicants/{case_id}/steps/talk_held", {"on": "2026-06-15", "evidence": {}})
    assert api.status_code == 422
    refused = [v for v in api.json()["verdicts"] if v["outcome"] == "refused"]
    assert [(v["rule"], v["message"]) for v in refused] == [("required_evidence_given", MISSING_TALKER)]
    assert refused[0]["article"] == "《发展党员工作细则》（2026年修订）第七条"
    page = secretary.form(f"/applicants/{case_id}/steps/talk_held", {"on": "2026-06-15", "talker": "  "})
    assert page.status_code == 422 and MISSING_TALKER in page.text
    monkeypatch.setenv("FAZHAN_TODAY", TODAY.isoformat())
    cli = CliRunner().invoke(cli_app, ["advance", str(case_id), "2", "--on", "2026-06-15", "--by", "王芳",
                                       "--db", world, "--json"])
    assert cli.exit_code == 3, cli.output
    assert MISSING_TALKER in {v["message"] for v in json.loads(cli.output)["verdicts"]}
    done = secretary.api(f"/api/applicants/{case_id}/steps/talk_held",
                         {"on": "2026-06-15", "evidence": {"talker": "王芳"}})
    assert done.status_code == 200, done.text


def test_art20_a_failed_vote_shows_its_article_on_the_meeting_page(as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    meeting, base = _admission_voted_four_to_one(secretary, as_user("liuyang"))
    shown = secretary.get(f"/meetings/{meeting}").text
    assert "未超过应到会有表决权党员8名的半数（至少需要5票；不按实到5名计算），决议未通过。" \
           "（依据：《发展党员工作细则》（2026年修订）第二十条）" in shown
    secretary.form(f"{base}/ballot", {"yes": "5", "no": "0"})  # one more 赞成: more than half of 8
    assert "决议未通过" not in secretary.get(f"/meetings/{meeting}").text
