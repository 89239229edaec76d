"""Data scope and roles, enforced on every page and API route: 404 outside the scope, 403 for a role."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, select

from tests.web.conftest import LI, WANG, ZHAO, Client
from workflow.services import CASES


def _version(engine: Engine, case_id: int) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(CASES.c.version).where(CASES.c.id == case_id)).scalar_one())


def test_another_branch_secretary_cannot_see_the_applicant_pages(as_user: Callable[[str], Client]) -> None:
    other = as_user("hejun")  # 后勤服务中心党支部
    for path in ("", "/history", "/next", "/steps/activist_assessed", "/steps/activist_assessed/preview?on=2026-06-15"):
        page = other.get(f"/applicants/{LI}{path}")
        assert page.status_code == 404, path
        assert "李明" not in page.text
        assert other.get(f"/applicants/{ZHAO}{path}").status_code == 200, path  # their own applicant


def test_out_of_scope_and_missing_cases_look_the_same(as_user: Callable[[str], Client]) -> None:
    other = as_user("hejun")
    hidden, missing = other.get(f"/api/applicants/{LI}"), other.get("/api/applicants/999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"] == missing.json()["error"]
    assert other.get(f"/applicants/{LI}").text.replace(f"「{LI}」", "「N」") == other.get("/applicants/999").text.replace("「999」", "「N」")


def test_another_branch_secretary_can_neither_list_nor_change_the_applicant(as_user: Callable[[str], Client],
                                                                           engine: Engine) -> None:
    other = as_user("hejun")
    before = _version(engine, LI)
    assert "李明" not in other.get("/applicants").text
    assert "李明" not in other.get("/").text
    assert [row["name"] for row in other.get("/api/applicants").json()] == ["赵一鸣"]
    form = other.form(f"/applicants/{LI}/steps/activist_assessed", {"on": "2026-06-15", "summary": "x"})
    api = other.api(f"/api/applicants/{LI}/steps/activist_assessed", {"on": "2026-06-15", "evidence": {}})
    assert form.status_code == api.status_code == 404
    assert _version(engine, LI) == before
    assert other.get("/applicants?organisation=计算机学院学生第一党支部").status_code == 403
    assert other.get("/api/applicants?organisation=计算机学院学生第一党支部").status_code == 403
    registered = other.api("/api/applicants", {"name": "钱七", "sex": "男", "birth_date": "2000-01-01",
                                               "organisation": "计算机学院学生第一党支部"})
    assert registered.status_code == 403


def test_the_inspector_sees_the_whole_committee_but_changes_nothing(as_user: Callable[[str], Client],
                                                                     engine: Engine) -> None:
    inspector = as_user("xuncha")
    assert {row["name"] for row in inspector.get("/api/applicants").json()} == {"张晓雨", "李明", "王浩然", "赵一鸣"}
    page = inspector.get(f"/applicants/{LI}")
    assert page.status_code == 200 and "办理</a>" not in page.text
    before = _version(engine, LI)
    assert inspector.get(f"/applicants/{LI}/steps/activist_assessed").status_code == 403
    refused = inspector.form(f"/applicants/{LI}/steps/activist_assessed", {"on": "2026-06-15"})
    assert refused.status_code == 403 and "只能查看" in refused.text
    assert inspector.api(f"/api/applicants/{LI}/steps/activist_assessed", {"on": "2026-06-15"}).status_code == 403
    assert inspector.get("/applicants/new").status_code == 403
    assert _version(engine, LI) == before


def test_a_secretary_cannot_record_a_higher_committee_step(as_user: Callable[[str], Client], engine: Engine) -> None:
    secretary = as_user("chenjing")
    before = _version(engine, WANG)
    page = secretary.get(f"/applicants/{WANG}/steps/training_completed")
    assert page.status_code == 403 and "由上级党委（基层党委）办理" in page.text
    form = secretary.form(f"/applicants/{WANG}/steps/training_completed", {"on": "2026-06-15", "days": "3"})
    api = secretary.api(f"/api/applicants/{WANG}/steps/training_completed", {"on": "2026-06-15", "evidence": {"days": "3"}})
    assert form.status_code == api.status_code == 403
    assert _version(engine, WANG) == before
    panel = secretary.get(f"/applicants/{WANG}/next").text
    assert "由上级党委（基层党委）办理" in panel or "/steps/training_completed" not in panel


def test_the_organiser_records_committee_steps_and_not_branch_steps(as_user: Callable[[str], Client]) -> None:
    organiser = as_user("liuyang")
    assert organiser.get(f"/applicants/{WANG}/steps/political_review_passed").status_code == 403
    assert organiser.get(f"/applicants/{ZHAO}").status_code == 200  # the whole committee's subtree
    done = organiser.form(f"/applicants/{WANG}/steps/training_completed", {"on": "2026-06-15", "days": "3"})
    assert done.status_code == 303, done.text


def _step(client: Client, slug: str, evidence: dict[str, str]) -> None:
    answer = client.api(f"/api/applicants/{WANG}/steps/{slug}", {"on": "2026-06-15", "evidence": evidence})
    assert answer.status_code == 200, answer.text


def test_the_committee_organiser_approves_after_the_branch_meeting(as_user: Callable[[str], Client]) -> None:
    secretary, organiser = as_user("chenjing"), as_user("liuyang")
    _step(secretary, "political_review_passed", {"result": "合格", "conclusion": "政审〔2026〕3号"})
    _step(organiser, "training_completed", {"days": "3"})
    _step(secretary, "committee_reviewed", {"members": "5", "present": "5"})
    _step(organiser, "pre_review_passed", {"written_notice": "是"})
    _step(secretary, "application_form_filled", {})
    _step(secretary, "admission_resolved", {"tally": "应到=8,实到=7,赞成=7,方式=无记名"})
    _step(organiser, "higher_talk_held", {"talker": "刘洋", "talker_role": "组织员"})
    approval = {"approver_level": "grassroots_committee", "applicants_in_decision": "1"}
    assert secretary.api(f"/api/applicants/{WANG}/steps/admission_approved",
                         {"on": "2026-06-15", "evidence": approval}).status_code == 403
    _step(organiser, "admission_approved", approval)
    shown = secretary.get(f"/api/applicants/{WANG}").json()
    assert shown["status"] == "probationary"
    assert "预备党员" in secretary.get(f"/applicants/{WANG}").text


def test_the_administrator_sees_everything(as_user: Callable[[str], Client]) -> None:
    admin = as_user("admin")
    assert len(admin.get("/api/applicants").json()) == 4
    assert admin.get(f"/applicants/{WANG}/steps/training_completed").status_code == 200
