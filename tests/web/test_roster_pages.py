"""The roster in the browser (issue 16 item 1): organisations, members, standing over time, posts, leaving.

Every change is dated and audited, and the meeting's 应到 follows it: a member suspended before a meeting
does not count, one suspended after it still does.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import create_engine, select

from tests.web.conftest import TODAY, Client
from workflow.tables import AuditEvent, table

BRANCH_ID, SMALL_ID = 2, 3  # demo: 计算机学院学生第一党支部, 后勤服务中心党支部
SUN_LI = 4  # the fourth demo member, 孙丽, 正式党员 of the branch
HE_JUN = 9  # 何军, the small branch's secretary


def _events(url: str, kind: str) -> list[dict[str, object]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            audit = table(AuditEvent)
            return [dict(row.payload) for row in conn.execute(select(audit).where(audit.c.kind == kind))]
    finally:
        engine.dispose()


def test_the_tree_shows_committee_and_approval_and_counts_full_members(as_user: Callable[[str], Client]) -> None:
    page = as_user("liuyang").get("/organisations").text
    assert page.index("某大学党委") < page.index("计算机学院学生第一党支部") < page.index("后勤服务中心党支部")
    assert "有权审批预备党员" in page and "不设支委会" in page
    branch = page.split("计算机学院学生第一党支部")[1].split("</li>")[0]
    assert "正式党员 8 名" in branch


def test_a_secretary_sees_only_her_branch(as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    assert "后勤服务中心党支部" not in secretary.get("/organisations").text
    assert secretary.get(f"/organisations/{SMALL_ID}").status_code == 404
    assert secretary.get(f"/members/{HE_JUN}").status_code == 404
    refused = secretary.form(f"/members/{HE_JUN}/standing", {"standing": "rights_suspended", "since": "2026-06-01"})
    assert refused.status_code == 404 and "找不到党员" in refused.text


def test_adding_a_member_then_changing_standing_is_dated_audited_and_counts_in_quorum(
        as_user: Callable[[str], Client], world: str) -> None:
    secretary = as_user("chenjing")
    added = secretary.form(f"/organisations/{BRANCH_ID}/members",
                           {"name": "林晓", "standing": "probationary", "since": "2026-01-10", "post": ""})
    assert added.status_code == 303, added.text
    member_page = secretary.get(added.headers["location"]).text
    assert "已登记党员" in member_page and "预备党员" in member_page and "今天不计入会议应到人数" in member_page
    member = int(added.headers["location"].split("/")[2].split("?")[0])
    # 转正 on 2026-06-10: from then on she counts; the probationary period is kept, closed that day.
    changed = secretary.form(f"/members/{member}/standing",
                             {"standing": "full", "since": "2026-06-10", "basis": "支部大会决议"})
    assert changed.status_code == 303, changed.text
    page = secretary.get(f"/members/{member}").text
    assert "今天计入会议应到人数" in page
    periods = re.findall(r'<td data-label="身份">([^<]+)</td><td data-label="起" class="nowrap">([^<]+)</td>'
                         r'<td data-label="止" class="nowrap">([^<]+)</td>', page)
    assert periods == [("预备党员", "2026年1月10日", "2026年6月10日"), ("正式党员", "2026年6月10日", "至今")]
    assert [e["name"] for e in _events(world, "member_added")][-1] == "林晓"
    assert _events(world, "standing_changed")[-1]["reason"] == "支部大会决议"


def test_the_past_cannot_be_rewritten_and_the_error_keeps_the_page(as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    before = secretary.form(f"/members/{SUN_LI}/standing", {"standing": "rights_suspended", "since": "2015-09-01"})
    assert before.status_code == 422 and "不能改写过去的记录" in before.text
    after = secretary.form(f"/members/{SUN_LI}/standing", {"standing": "rights_suspended", "since": "2015-09-02"})
    assert after.status_code == 303
    future = secretary.form(f"/members/{SUN_LI}/standing",
                            {"standing": "full", "since": TODAY.replace(day=TODAY.day + 1).isoformat()})
    assert future.status_code == 422 and "不能晚于今天" in future.text
    bad_date = secretary.form(f"/members/{SUN_LI}/standing", {"standing": "full", "since": "昨天"})
    assert bad_date.status_code == 422 and "格式如 2025-03-10" in bad_date.text


def test_leaving_the_roster_ends_standing_and_posts_and_the_meeting_does_not_count_her(
        as_user: Callable[[str], Client], world: str) -> None:
    secretary = as_user("chenjing")
    left = secretary.form("/members/3/left", {"reason": "transferred_out", "on": "2026-06-01",
                                              "note": "转往某研究所党支部"})  # 赵强, a 委员
    assert left.status_code == 303, left.text
    page = secretary.get("/members/3").text
    assert "已离开名册：组织关系转出，2026-06-01：转往某研究所党支部" in page
    assert "至今" not in page  # standing and post both ended that day
    again = secretary.form("/members/3/standing", {"standing": "full", "since": "2026-06-10"})
    assert again.status_code == 422 and "已离开名册" in again.text
    assert _events(world, "member_left")[-1]["reason"] == "组织关系转出"
    roster = secretary.get(f"/organisations/{BRANCH_ID}").text
    row = roster.split(">赵强</a>")[1].split("</tr>")[0]
    assert "不计入（已离开名册）" in row
    opened = secretary.form("/meetings", {"organisation": "计算机学院学生第一党支部", "kind": "branch_general_meeting",
                                          "held_on": TODAY.isoformat()})
    assert opened.status_code == 303
    meeting = secretary.get(opened.headers["location"]).text
    assert "应到会有表决权党员 <strong>7</strong> 名" in meeting


def test_posts_are_assigned_and_ended_with_dates(as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    assert secretary.form(f"/members/{SUN_LI}/post", {"post": "deputy_secretary", "since": "2026-03-01"}).status_code == 303
    twice = secretary.form(f"/members/{SUN_LI}/post", {"post": "deputy_secretary", "since": "2026-04-01"})
    assert twice.status_code == 422 and "已担任副书记" in twice.text
    assert "副书记" in secretary.get(f"/organisations/{BRANCH_ID}").text.split(">孙丽</a>")[1].split("</tr>")[0]
    ended = secretary.form(f"/members/{SUN_LI}/post_ended", {"post": "deputy_secretary", "on": "2026-06-01"})
    assert ended.status_code == 303
    assert "副书记" not in secretary.get(f"/organisations/{BRANCH_ID}").text.split(">孙丽</a>")[1].split("</tr>")[0]


def test_organisations_are_added_and_set_by_the_organiser_not_the_secretary(
        as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    refused = secretary.form("/organisations", {"name": "新支部", "kind": "branch", "parent": "某大学党委"})
    assert refused.status_code == 403
    organiser = as_user("liuyang")
    empty = organiser.form("/organisations", {"name": "", "kind": "branch", "parent": "某大学党委"})
    assert empty.status_code == 422 and "请填写党组织名称" in empty.text
    added = organiser.form("/organisations", {"name": "数学学院党支部", "kind": "branch", "parent": "某大学党委"})
    assert added.status_code == 303
    org_id = int(added.headers["location"].split("/")[2].split("?")[0])
    page = organiser.get(f"/organisations/{org_id}").text
    assert "不设支部委员会" in page  # the unticked box is kept as "no 支委会"
    assert organiser.form(f"/organisations/{org_id}/settings", {"has_committee": "1"}).status_code == 303
    assert "设支部委员会" in organiser.get(f"/organisations/{org_id}").text
    inspector = as_user("xuncha")
    assert "登记党员" not in inspector.get(f"/organisations/{BRANCH_ID}").text
    assert inspector.form(f"/members/{SUN_LI}/post", {"post": "secretary", "since": "2026-03-01"}).status_code == 403
