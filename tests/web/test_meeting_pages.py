"""The meeting page (one agenda item per applicant, a ballot per item) and the notices inbox."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import Engine, insert, select

from tests.web.conftest import LI, WANG, Client
from workflow import roster
from workflow.clock import FixedClock
from workflow.tables import InboxMessage

BRANCH = "计算机学院学生第一党支部"
ON = "2026-06-15"


def _open(client: Client, kind: str = "branch_general_meeting", organisation: str = BRANCH) -> int:
    answer = client.form("/meetings", {"organisation": organisation, "kind": kind, "held_on": ON})
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].split("/")[2].split("?")[0])


def _prepare_admission(secretary: Client, organiser: Client) -> None:
    """王浩然 up to 14. 填写入党志愿书, so that the 党员大会 may vote on his admission."""
    for who, slug, evidence in [
        (secretary, "political_review_passed", {"result": "合格", "conclusion": "政审〔2026〕3号"}),
        (organiser, "training_completed", {"days": "3"}),
        (secretary, "committee_reviewed", {"members": "5", "present": "5"}),
        (organiser, "pre_review_passed", {"written_notice": "是"}),
        (secretary, "application_form_filled", {}),
    ]:
        assert who.api(f"/api/applicants/{WANG}/steps/{slug}", {"on": ON, "evidence": evidence}).status_code == 200


def _admission_voted_four_to_one(secretary: Client, organiser: Client) -> tuple[int, str]:
    """The admission of WANG on a 党员大会's agenda, five of eight present, discussed, and a ballot of 4 to 1 typed in
    (short of the five votes 应到 8 needs): the meeting's number and the item's address."""
    _prepare_admission(secretary, organiser)
    meeting = _open(secretary)
    secretary.form(f"/meetings/{meeting}/attendance", {"present": ["陈静", "王芳", "赵强", "孙丽", "周伟"]})
    item = int(secretary.form(f"/meetings/{meeting}/items", {"case_id": str(WANG), "purpose": "admission"})
               .headers["location"].split("#item-")[1])
    base = f"/meetings/{meeting}/items/{item}"
    secretary.form(f"{base}/discussion", {"discussion": "讨论"})
    secretary.form(f"{base}/ballot", {"yes": "4", "no": "1"})
    return meeting, base


def test_a_general_meeting_votes_on_one_applicant_and_records_the_step(as_user: Callable[[str], Client]) -> None:
    secretary, organiser = as_user("chenjing"), as_user("liuyang")
    _prepare_admission(secretary, organiser)
    meeting = _open(secretary)
    page = secretary.get(f"/meetings/{meeting}").text
    assert "应到会有表决权党员 <strong>8</strong> 名" in page
    present = ["陈静", "王芳", "赵强", "孙丽", "周伟", "吴敏", "郑浩"]
    assert secretary.form(f"/meetings/{meeting}/attendance", {"present": present}).status_code == 303
    assert 'id="present-count">7<' in secretary.get(f"/meetings/{meeting}").text
    item_form = secretary.get(f"/meetings/{meeting}/items/new?case_id={WANG}&purpose=admission").text
    assert 'name="leaving_on"' in item_form and "tally" not in item_form  # the meeting supplies the count
    added = secretary.form(f"/meetings/{meeting}/items", {"case_id": str(WANG), "purpose": "admission"})
    assert added.status_code == 303
    item = int(added.headers["location"].split("#item-")[1])
    early = secretary.form(f"/meetings/{meeting}/items/{item}/ballot", {"yes": "6", "no": "1"})
    assert early.status_code == 422 and "逐个讨论和表决" in early.text
    base = f"/meetings/{meeting}/items/{item}"
    assert secretary.form(f"{base}/discussion", {"discussion": "与会党员逐一发表意见，认为王浩然同志具备党员条件。"}).status_code == 303
    assert secretary.form(f"{base}/ballot", {"yes": "6", "no": "1", "method": "secret_ballot"}).status_code == 303
    shown = secretary.get(f"/meetings/{meeting}").text
    assert "赞成共 6 票，须超过应到 8 名的半数（至少 5 票）" in shown
    assert secretary.form(f"{base}/decide", {}).status_code == 303
    after = secretary.get(f"/applicants/{WANG}").text
    assert re.search(r'data-step="admission_resolved">\s*<span class="dot"', after)
    assert 'tl tl-done" data-step="admission_resolved"' in after
    assert secretary.form(f"/meetings/{meeting}/close", {}).status_code == 303
    assert "已结束" in secretary.get(f"/meetings/{meeting}").text


def test_a_vote_that_does_not_carry_records_no_step(as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    meeting, base = _admission_voted_four_to_one(secretary, as_user("liuyang"))
    assert "未通过" in secretary.get(f"/meetings/{meeting}").text
    secretary.form(f"{base}/decide", {})
    assert 'tl tl-done" data-step="admission_resolved"' not in secretary.get(f"/applicants/{WANG}").text


def test_written_opinions_of_members_present_are_refused_with_the_reason(as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    _prepare_admission(secretary, as_user("liuyang"))
    meeting = _open(secretary)
    secretary.form(f"/meetings/{meeting}/attendance", {"present": ["陈静", "王芳", "赵强", "孙丽", "周伟"]})
    item = int(secretary.form(f"/meetings/{meeting}/items", {"case_id": str(WANG), "purpose": "admission"})
               .headers["location"].split("#item-")[1])
    refused = secretary.form(f"/meetings/{meeting}/items/{item}/opinion",
                             {"name": "陈静", "opinion": "yes", "submitted_on": "2026-06-14"})
    assert refused.status_code == 422 and "陈静的书面意见不计入票数" in refused.text
    accepted = secretary.form(f"/meetings/{meeting}/items/{item}/opinion",
                              {"name": "冯雪", "opinion": "yes", "submitted_on": "2026-06-14"})
    assert accepted.status_code == 303


def test_meetings_are_scoped_and_roles_decide_who_records_them(as_user: Callable[[str], Client]) -> None:
    secretary, other, inspector, organiser = (as_user(u) for u in ("chenjing", "hejun", "xuncha", "liuyang"))
    meeting = _open(secretary)
    assert other.get(f"/meetings/{meeting}").status_code == 404
    assert other.form(f"/meetings/{meeting}/attendance", {"present": ["陈静"]}).status_code == 404
    assert "计算机学院" not in other.get("/meetings").text.split("<tbody>")[1].split("</tbody>")[0]
    assert inspector.get(f"/meetings/{meeting}").status_code == 200
    assert inspector.form(f"/meetings/{meeting}/attendance", {"present": ["陈静"]}).status_code == 403
    assert inspector.form("/meetings", {"organisation": BRANCH, "kind": "branch_general_meeting",
                                        "held_on": ON}).status_code == 403
    assert organiser.form(f"/meetings/{meeting}/attendance", {"present": ["陈静"]}).status_code == 403
    assert secretary.form("/meetings", {"organisation": "某大学党委", "kind": "party_committee",
                                        "held_on": ON}).status_code == 403
    assert secretary.form(f"/meetings/{meeting}/attendance", {"present": ["陈静"]}, csrf=False).status_code == 403
    committee = organiser.form("/meetings", {"organisation": "某大学党委", "kind": "party_committee", "held_on": ON})
    assert committee.status_code == 422  # allowed to the 组织员; the demo 党委 has no 委员 on its roster yet
    assert "没有登记的委员" in committee.text


def test_the_inbox_shows_only_the_members_own_messages(as_user: Callable[[str], Client], engine: Engine,
                                                        clock: FixedClock) -> None:
    with engine.begin() as conn:
        chen = conn.execute(select(roster.MEMBERS.c.id).where(roster.MEMBERS.c.name == "陈静")).scalar_one()
        message = conn.execute(insert(InboxMessage.__table__).values(
            member_id=chen, subject="李明：培养教育考察已逾期", body=f"案卷{LI}：请尽快记录考察情况。",
            created_at=clock.now())).inserted_primary_key[0]
    secretary, colleague = as_user("chenjing"), as_user("wangfang")
    page = secretary.get("/").text
    assert '<span class="count" title="未读通知">1</span>' in page
    assert "李明：培养教育考察已逾期" in secretary.get("/inbox").text
    assert "李明：培养教育考察已逾期" not in colleague.get("/inbox").text
    assert colleague.form(f"/inbox/{message}/read", {}).status_code == 404
    assert secretary.form(f"/inbox/{message}/read", {}).status_code == 303
    assert "没有未读通知" in secretary.get("/inbox?unread=true").text
    assert "没有对应名册中的党员" in as_user("xuncha").get("/inbox").text
