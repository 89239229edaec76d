"""The withdrawals page (issue 16 item 2): ended cases of a scope, and 本人退出 recorded with a reason and a
confirmation (细则第三条 / 2026 第三条), through the same service and audit trail as the step form."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.web.conftest import LI, WANG, ZHAO, Client

GOOD = {"case": str(LI), "on": "2026-06-10", "reason": "本人申请暂缓入党", "confirm": "是"}


def _status(client: Client, case_id: int) -> str:
    found = re.search(r'id="current-status">([^<]+)<', client.get(f"/applicants/{case_id}").text)
    assert found
    return found.group(1)


def test_a_withdrawal_is_recorded_listed_with_its_stage_reason_and_article_and_audited(
        as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    applicant = secretary.get(f"/applicants/{LI}").text
    assert f'href="/withdrawals?case={LI}#record"' in applicant  # reachable from the applicant page
    form = secretary.get(f"/withdrawals?case={LI}").text
    assert f'<option value="{LI}" selected>' in form and 'href="/withdrawals"' in form  # chosen; in the menu
    answer = secretary.form("/withdrawals", GOOD)
    assert answer.status_code == 303, answer.text
    listing = secretary.get(answer.headers["location"]).text
    assert "已记录李明本人退出" in listing
    row = listing.split('id="ended"')[1].split("</tr>")[1]
    assert "李明" in row and "2026年6月10日" in row and "本人退出" in row and "入党积极分子" in row
    assert "本人申请暂缓入党" in row and "第三条" in row
    assert _status(secretary, LI) == "已退出"
    assert "本人退出" in secretary.get(f"/applicants/{LI}/history").text
    assert f'<option value="{LI}"' not in secretary.get("/withdrawals").text  # an ended case cannot end twice


def test_a_blank_reason_or_no_confirmation_is_refused_beside_the_field_and_changes_nothing(
        as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    for missing, name in (("reason", "reason"), ("confirm", "confirm")):
        answer = secretary.form("/withdrawals", {k: v for k, v in GOOD.items() if k != missing})
        assert answer.status_code == 422
        field = re.search(rf'<(?:textarea|input)[^>]*name="{name}"[^>]*>', answer.text)
        assert field and 'aria-invalid="true"' in field.group(0) and "autofocus" in field.group(0)
        assert f'<option value="{LI}" selected>' in answer.text and 'value="2026-06-10"' in answer.text  # kept
        assert _status(secretary, LI) == "入党积极分子"


def test_other_roles_and_other_branches(as_user: Callable[[str], Client]) -> None:
    inspector = as_user("xuncha").get("/withdrawals")
    assert inspector.status_code == 200 and 'action="/withdrawals"' not in inspector.text  # reads, never records
    secretary = as_user("chenjing")
    assert f'<option value="{ZHAO}"' not in secretary.get("/withdrawals").text  # another branch's applicant
    outside = secretary.form("/withdrawals", {**GOOD, "case": str(ZHAO)})
    assert outside.status_code == 422 and "找不到申请人" in outside.text
    assert _status(as_user("admin"), ZHAO) != "已退出"


def test_a_case_ended_by_a_failed_political_review_is_listed_with_its_article(
        as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    failed = secretary.form(f"/applicants/{WANG}/steps/political_review_failed",
                            {"on": "2026-06-12", "conclusion": "政审结论（化政审〔2026〕3号）", "result": "不合格"})
    assert failed.status_code == 303, failed.text
    row = secretary.get("/withdrawals").text.split('id="ended"')[1].split("</tr>")[1]
    assert "王浩然" in row and "2026年6月12日" in row and "政治审查不合格" in row and "发展对象" in row
    assert "化政审" in row and "第十六条" in row
