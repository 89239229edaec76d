"""Per-organisation policies in the browser (issue 11 item 9): viewed in scope, changed by 管理员 and the 党委's
组织员 with an audit event, shown on the applicant page and in the API; bad input is a Chinese 4xx."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import create_engine, func, select

from tests.web.conftest import ZHANG, Client
from workflow.tables import AuditEvent, OrganisationPolicy, table

COMMITTEE_ID, BRANCH_ID, SMALL_ID = 1, 2, 3  # demo: 某大学党委, 计算机学院学生第一党支部, 后勤服务中心党支部


def _count(url: str, model: type) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table(model))).scalar_one())
    finally:
        engine.dispose()


def test_the_committee_sets_a_local_rule_the_branch_inherits_it_and_the_applicant_page_shows_it(
        as_user: Callable[[str], Client], world: str) -> None:
    organiser = as_user("liuyang")
    assert 'href="/organisations/2/policy"' in organiser.get(f"/organisations/{BRANCH_ID}").text
    saved = organiser.form(f"/organisations/{COMMITTEE_ID}/policy",
                           {"key": "activist_wait_months", "value": "3", "reason": "党委会议决定", "action": "set"})
    assert saved.status_code == 303, saved.text
    shown = organiser.get(saved.headers["location"]).text
    assert "已保存设定" in shown and "党委会议决定" in shown and "刘洋" in shown
    branch = as_user("chenjing").get(f"/organisations/{BRANCH_ID}/policy").text
    row = branch.split('id="setting-activist_wait_months"')[1].split("</tr>")[0]
    assert "满三个月" in row and "继承自某大学党委" in row
    assert "更改须由管理员或上级党委组织员办理" in branch and 'name="action"' not in branch
    # 张晓雨 applied 20 days ago: the local rule is on her page and in the API
    page = as_user("chenjing").get(f"/applicants/{ZHANG}").text
    assert "本组织执行的规定：递交入党申请书后多久方可确定为入党积极分子（地方规定）：满三个月（继承自某大学党委）" in page
    api = as_user("chenjing").get(f"/api/applicants/{ZHANG}").json()
    assert [(p["key"], p["value"], p["source"]) for p in api["policy"]] == [
        ("activist_wait_months", "3", "继承自某大学党委")]
    assert _count(world, AuditEvent) > 0 and _count(world, OrganisationPolicy) == 1

    cleared = organiser.form(f"/organisations/{COMMITTEE_ID}/policy",
                             {"key": "activist_wait_months", "value": "3", "reason": "", "action": "clear"})
    assert cleared.status_code == 303 and _count(world, OrganisationPolicy) == 0
    history = organiser.get(f"/organisations/{COMMITTEE_ID}/policy").text.split('id="changes"')[1]
    assert history.count("<tr>") == 3 and "改为系统默认" in history  # header + two changes


def test_only_admin_and_organiser_change_and_bad_values_are_refused_in_chinese(
        as_user: Callable[[str], Client], world: str) -> None:
    secretary = as_user("chenjing")
    refused = secretary.form(f"/organisations/{BRANCH_ID}/policy",
                             {"key": "strict_age", "value": "true", "action": "set"})
    assert refused.status_code == 403 and "更改须由管理员或上级党委组织员办理" in refused.text
    assert secretary.get(f"/organisations/{SMALL_ID}/policy").status_code == 404  # outside her scope
    assert as_user("xuncha").get(f"/organisations/{BRANCH_ID}/policy").status_code == 200
    admin = as_user("admin")
    for data, words in [({"key": "activist_wait_months", "value": "12"}, "不能设为「12」"),
                        ({"key": "nosuch", "value": "1"}, "没有名为「nosuch」的设定"),
                        ({"key": "strict_age", "value": "true", "reason": "长" * 501}, "理由")]:
        bad = admin.form(f"/organisations/{BRANCH_ID}/policy", {**data, "action": "set"})
        assert bad.status_code == 422 and words in bad.text, bad.text
    assert admin.get("/organisations/999/policy").status_code == 404
    assert _count(world, OrganisationPolicy) == 0
    assert admin.form(f"/organisations/{BRANCH_ID}/policy", {"key": "strict_age", "value": "true"},
                      csrf=False).status_code == 403
