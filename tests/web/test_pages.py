"""The pages: dashboard, list with filters, the applicant's timeline and next steps, step forms, refusals."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from states.procedure import MAIN_LINE, SPECS
from states.steps import Step
from tests.web.conftest import LI, WANG, ZHANG, Client


def test_dashboard_counts_lists_and_chart(as_user: Callable[[str], Client]) -> None:
    page = as_user("chenjing").get("/")
    assert page.status_code == 200
    assert "计算机学院学生第一党支部：共有 3 名申请人的案卷" in page.text
    assert '<svg class="chart"' in page.text and 'class="bar bar-activist"' in page.text
    overdue = page.text.split('id="overdue"')[1].split("</section>")[0]
    assert "李明" in overdue and "6. 培养教育考察" in overdue  # the half-yearly assessment is late
    assert 'id="due"' in page.text and 'id="opens"' in page.text


def test_applicant_list_filters(as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    names = re.compile(r'<a href="/applicants/\d+">([^<]+)</a>')
    assert names.findall(secretary.get("/applicants").text) == ["张晓雨", "李明", "王浩然"]
    assert names.findall(secretary.get("/applicants?status=activist").text) == ["李明"]
    assert names.findall(secretary.get("/applicants?overdue=true").text) == ["李明"]
    assert names.findall(secretary.get("/applicants?name=浩").text) == ["王浩然"]
    organiser = as_user("liuyang")
    assert names.findall(organiser.get("/applicants?organisation=后勤服务中心党支部").text) == ["赵一鸣"]


def test_applicant_page_draws_the_25_steps_with_dates_status_and_next_steps(as_user: Callable[[str], Client]) -> None:
    page = as_user("chenjing").get(f"/applicants/{LI}").text
    drawn = re.findall(r'<li class="tl tl-(\w+)" data-step="(\w+)">', page)
    main = [slug for _, slug in drawn if SPECS[Step(slug)].number]
    assert main == [spec.step.value for spec in MAIN_LINE]
    states = {slug: state for state, slug in drawn}
    assert [states[s.step.value] for s in MAIN_LINE[:6]] == ["done"] * 6
    assert states["candidate_designated"] == "blocked" and states["oath_taken"] == "later"
    assert "2025年6月25日" in page  # the date step 3 was recorded on
    assert 'id="current-status">入党积极分子<' in page
    panel = page.split('id="next"')[1].split("</section>")[0]
    assert "现在可以办理" in panel and "/steps/activist_assessed" in panel
    blocked = panel.split('id="blocked"')[1]
    assert "7. 确定发展对象" in blocked
    assert "2026年6月25日起方可列为发展对象" in blocked and "第十三条" in blocked  # why, article, from when


def test_next_step_fragment_is_the_panel_alone(as_user: Callable[[str], Client]) -> None:
    fragment = as_user("chenjing").get(f"/applicants/{LI}/next").text
    assert fragment.lstrip().startswith("<h2>下一步</h2>") and "<html" not in fragment


FORM_CASES = {
    "talk_held": ['name="talker"'],
    "activist_designated": ['<select name="recommendation">', 'value="party_members"', 'name="members"',
                            'name="present"', 'type="number"'],
    "liaisons_assigned": ['name="liaisons"', "多人用逗号分隔"],
    "candidate_designated": ['type="checkbox" name="opinions_heard"', 'name="members"'],
    "candidate_publicised": ['type="date" name="posted_on"', 'type="date" name="last_day"', '<select name="outcome">'],
    "training_completed": ['name="days"', 'step="any"', 'name="override_reason"', 'name="authoriser"'],
    "admission_resolved": ['name="tally.entitled"', 'name="tally.present"', 'name="tally.yes"', 'name="tally.no"',
                           'name="tally.abstain"', 'name="tally.invalid"', 'name="tally.written_yes"',
                           '<select name="tally.method">', 'name="leaving_on"'],
    "records_archived": ['type="checkbox" name="documents" value="application_form"'],
    "application_form_filled": [],
}


def test_each_step_form_asks_exactly_for_its_evidence(as_user: Callable[[str], Client]) -> None:
    admin = as_user("admin")  # the administrator may open every step's form
    for slug, expected in FORM_CASES.items():
        page = admin.get(f"/applicants/{WANG}/steps/{slug}").text
        for fragment in expected:
            assert fragment in page, (slug, fragment)
        asked = set(re.findall(r'name="([\w.]+)"', page.split('id="step-form"')[1].split("</form>")[0]))
        plain = {name.split(".")[0] for name in asked} - {"csrf_token", "expected_version", "on", "override_reason",
                                                            "authoriser", "backfill_reason"}
        assert plain == {f.key for f in SPECS[Step(slug)].evidence}, slug


def test_a_refusal_is_shown_with_every_rule_its_article_and_date_and_the_values_kept(
        as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    answer = secretary.form(f"/applicants/{LI}/steps/candidate_designated",
                            {"on": "2026-06-15", "opinions_heard": "是", "members": "5", "present": "2"})
    assert answer.status_code == 422
    refusal = answer.text.split('id="refusal"')[1].split("</section>")[0]
    assert "不能办理：2条规定不允许" in refusal
    assert "2026年6月25日起方可列为发展对象" in refusal and "第十三条" in refusal
    assert "实到2人" in refusal and "《中国共产党支部工作条例（试行）》第十一条、第十二条" in refusal
    assert 'name="present" value="2"' in answer.text and 'name="opinions_heard" value="是" checked' in answer.text
    history = secretary.get(f"/applicants/{LI}/history").text
    assert "被拒绝的尝试" in history and "2026年6月25日起方可列为发展对象" in history


def test_registering_an_applicant_and_recording_the_first_steps(as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    added = secretary.form("/applicants/new", {"name": "钱七", "sex": "女", "birth_date": "2005-02-01",
                                               "organisation": "计算机学院学生第一党支部"})
    assert added.status_code == 303
    case_page = added.headers["location"].split("?")[0]
    first = secretary.form(f"{case_page}/steps/application_submitted",
                           {"on": "2026-06-10", "organisation_basis": "study_unit"})
    assert first.status_code == 303 and "recorded=application_submitted" in first.headers["location"]
    page = secretary.get(first.headers["location"]).text
    assert "已记录「1. 递交入党申请书」" in page and "2026年6月10日" in page and "入党申请人" in page


def test_bad_input_is_told_in_chinese_and_kept(as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    young = secretary.form("/applicants/new", {"name": "钱七", "sex": "男", "birth_date": "2099-01-01",
                                               "organisation": "计算机学院学生第一党支部"})
    assert young.status_code == 422 and "出生日期不能晚于今天" in young.text and 'value="钱七"' in young.text
    stranger = secretary.form(f"/applicants/{LI}/steps/activist_assessed", {"on": "2026-13-01"})
    assert stranger.status_code == 422 and "办理日期" in stranger.text
    late = secretary.form(f"/applicants/{LI}/steps/activist_assessed", {"on": "2026-01-01", "summary": "补"})
    assert late.status_code == 422 and "补录" in late.text


def test_a_stale_version_is_a_conflict_and_the_form_offers_the_current_one(as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    stale = secretary.form(f"/applicants/{LI}/steps/activist_assessed",
                           {"on": "2026-06-15", "summary": "x", "expected_version": "1"})
    assert stale.status_code == 409 and "已被他人修改" in stale.text
    current = re.search(r'name="expected_version" value="(\d+)"', stale.text)
    assert current and current.group(1) != "1"


def test_the_preview_asks_the_engine_about_the_typed_date(as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    early = secretary.get(f"/applicants/{LI}/steps/candidate_designated/preview?on=2026-06-15").text
    later = secretary.get(f"/applicants/{LI}/steps/candidate_designated/preview?on=2026-06-25").text
    assert "尚不能办理" in early and "2026年6月25日起方可列为发展对象" in early
    assert "方可列为发展对象" not in later  # the year is complete; the missing half-yearly assessment remains
    assert "没有考察记录" in later and "第十一条" in later
    recent = secretary.get(f"/applicants/{WANG}/steps/political_review_passed/preview?on=2026-06-15").text
    assert "时间和前置步骤上可以办理" in recent


def test_procedure_diagram_is_drawn_from_the_table(as_user: Callable[[str], Client]) -> None:
    page = as_user("chenjing").get("/procedure").text
    assert '<svg class="diagram"' in page
    assert page.count('class="box box-') == len(MAIN_LINE) + 1  # the 25 steps and the 2026 公示
    assert page.count('class="edge"') == sum(len(s.after) for s in MAIN_LINE) + 1
    for spec in MAIN_LINE:
        assert f'id="step-{spec.step.value}"' in page
    assert "经过一年以上培养教育和考察的入党积极分子" in page
    old = as_user("chenjing").get("/procedure?rule_set=2014.06").text
    assert "《发展党员工作细则》第十三条" in old


def test_audit_page_verifies_the_chain(as_user: Callable[[str], Client]) -> None:
    page = as_user("xuncha").get("/audit").text
    assert re.search(r"审计链完整：共\d+条事件，逐条核验无误。", page)


def test_unknown_pages_and_steps_are_404_in_chinese(as_user: Callable[[str], Client], app: FastAPI) -> None:
    secretary = as_user("chenjing")
    assert secretary.get(f"/applicants/{ZHANG}/steps/no_such_step").status_code == 404
    assert "页面不存在" in secretary.get("/nothing-here").text
    assert secretary.get("/applicants/abc").status_code == 404
    assert secretary.get("/api/applicants/abc").status_code == 422
    with TestClient(app) as anonymous:
        assert anonymous.get("/static/fazhan.css").status_code == 200
