"""Meetings that guide before they vote (issue 16 item 6), and the secretary's words in the history (item 5).

Putting 王浩然 on a 党员大会's agenda for 接收预备党员 before steps 12–14 are done is refused then, with
the articles, keeping what was typed; once they are done the item is accepted. The 事由 list of a 党员大会 in
a branch with a 支委会 offers only what a 党员大会 decides; items are numbered within the meeting.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.web.conftest import LI, WANG, Client
from tests.web.test_meeting_pages import _open, _prepare_admission


def test_an_item_whose_steps_are_missing_is_refused_before_the_vote_and_keeps_the_typing(
        as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    meeting = _open(secretary)
    form = secretary.get(f"/meetings/{meeting}/items/new?case_id={WANG}&purpose=admission").text
    assert 'id="prerequisites"' in form and "须先办理" in form and "disabled" in form
    refused = secretary.form(f"/meetings/{meeting}/items", {"case_id": str(WANG), "purpose": "admission",
                                                            "leaving_on": "2026-07-01"})
    assert refused.status_code == 422 and "须先办理" in refused.text and "细则" in refused.text
    assert 'value="2026-07-01"' in refused.text  # what the secretary typed is still there
    assert "还没有议题" in secretary.get(f"/meetings/{meeting}").text  # nothing was added
    _prepare_admission(secretary, as_user("liuyang"))
    ready = secretary.get(f"/meetings/{meeting}/items/new?case_id={WANG}&purpose=admission").text
    assert 'id="prerequisites"' not in ready
    added = secretary.form(f"/meetings/{meeting}/items", {"case_id": str(WANG), "purpose": "admission"})
    assert added.status_code == 303, added.text
    page = secretary.get(f"/meetings/{meeting}").text
    assert re.search(r"<h3>议题1：<a href=\"/applicants/\d+\">王浩然</a>", page)


def test_items_are_numbered_within_each_meeting(as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    _prepare_admission(secretary, as_user("liuyang"))
    first, second = _open(secretary), _open(secretary)
    assert secretary.form(f"/meetings/{first}/items", {"case_id": str(WANG), "purpose": "admission"}).status_code == 303
    assert secretary.form(f"/meetings/{second}/items",
                          {"case_id": str(WANG), "purpose": "admission"}).status_code == 303
    assert "<h3>议题1：" in secretary.get(f"/meetings/{second}").text


def test_a_general_meeting_with_a_committee_offers_only_its_own_matters(as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    general = secretary.get(f"/meetings/{_open(secretary)}").text.split('id="add-item"')[1]
    committee = secretary.get(f"/meetings/{_open(secretary, 'branch_committee')}").text.split('id="add-item"')[1]
    general_purposes = set(re.findall(r'<option value="(\w+)">', general.split('name="purpose"')[1]))
    committee_purposes = set(re.findall(r'<option value="(\w+)">', committee.split('name="purpose"')[1]))
    assert "admission" in general_purposes and "admission" not in committee_purposes
    assert not general_purposes & committee_purposes
    small = as_user("hejun")  # 后勤服务中心党支部 has no 支委会: its 党员大会 decides those matters too
    small_general = small.get(f"/meetings/{_open(small, organisation='后勤服务中心党支部')}").text
    small_purposes = set(re.findall(r'<option value="(\w+)">', small_general.split('name="purpose"')[1]))
    assert committee_purposes <= small_purposes


def test_the_history_speaks_chinese_with_the_person_and_the_reason(as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    meeting = _open(secretary)
    secretary.form(f"/meetings/{meeting}/items", {"case_id": str(LI), "purpose": "admission"})  # refused early
    secretary.form(f"/applicants/{LI}/steps/candidate_designated", {"on": "2026-06-15"})  # refused by the engine
    history = secretary.get(f"/applicants/{LI}/history").text
    assert "被拒绝的尝试" in history and "陈静（支部书记）" in history
    assert "（chenjing）" not in history and not re.search(r"\b(step|meeting)_[a-z_]+\b", history)
