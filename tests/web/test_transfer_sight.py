"""After a transfer (细则第十二条) the sending branch keeps read-only sight of the case up to its 转出; the common
higher committee sees it all; a branch that never held the case still gets 404."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, select

from tests.web.browser import TODAY
from tests.web.conftest import LI, ZHAO, Client
from workflow.services import CASES

SENDER, RECEIVER = "计算机学院学生第一党支部", "后勤服务中心党支部"


def _version(engine: Engine, case_id: int) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(CASES.c.version).where(CASES.c.id == case_id)).scalar_one())


def _transfer(as_user: Callable[[str], Client]) -> tuple[Client, Client]:
    sender, receiver = as_user("chenjing"), as_user("hejun")
    on = TODAY.isoformat()
    sent = sender.api(f"/api/applicants/{LI}/steps/activist_transferred",
                      {"on": on, "evidence": {"to_organisation": RECEIVER, "materials_transferred": "是"}})
    assert sent.status_code == 200, sent.text
    reviewed = receiver.api(f"/api/applicants/{LI}/steps/transfer_received", {"on": on, "evidence": {
        "reviewed_by": "何军", "continuity": "连续计算", "reason": "培养教育材料齐全"}})
    assert reviewed.status_code == 200, reviewed.text
    later = receiver.api(f"/api/applicants/{LI}/steps/activist_assessed", {"on": on, "evidence": {"summary": "接收后考察"}})
    assert later.status_code == 200, later.text
    return sender, receiver


def test_art12_sender_sees_the_history_up_to_the_transfer_read_only(as_user: Callable[[str], Client]) -> None:
    sender, _ = _transfer(as_user)

    page = sender.get(f"/applicants/{LI}")
    assert page.status_code == 200
    assert f"转往「{RECEIVER}」" in page.text and "2026年6月15日" in page.text
    assert page.text.count('data-step="activist_assessed"') == 1  # the receiver's later 考察 is not shown
    assert 'data-step="activist_transferred"' in page.text and "transfer_received" not in page.text
    assert "/steps/" not in page.text and "办理</a>" not in page.text  # no step form, no step link

    api = sender.get(f"/api/applicants/{LI}").json()
    assert api["read_only"] is True and api["transferred"]["to"] == RECEIVER
    assert [row["step"] for row in api["timeline"]][-1] == "activist_transferred"
    assert "id_number" not in api["applicant"]


def test_art12_sender_can_record_nothing_and_sees_no_step_form(as_user: Callable[[str], Client],
                                                               engine: Engine) -> None:
    sender, _ = _transfer(as_user)
    before = _version(engine, LI)

    for path in ("/steps/activist_assessed", "/history", "/next"):
        answer = sender.get(f"/applicants/{LI}{path}")
        assert answer.status_code == 403, path
        assert "原党组织只能查看转出前的记录" in answer.text
    form = sender.form(f"/applicants/{LI}/steps/activist_assessed", {"on": TODAY.isoformat(), "summary": "x"})
    api = sender.api(f"/api/applicants/{LI}/steps/activist_assessed", {"on": TODAY.isoformat(), "evidence": {}})
    assert form.status_code == api.status_code == 403
    assert "原党组织只能查看转出前的记录" in api.json()["message"]
    assert _version(engine, LI) == before


def test_art12_common_committee_sees_it_all_and_a_stranger_still_gets_404(as_user: Callable[[str], Client]) -> None:
    _, receiver = _transfer(as_user)

    committee = as_user("liuyang").get(f"/api/applicants/{LI}").json()
    assert committee["organisation"] == RECEIVER and "read_only" not in committee
    assert [row["step"] for row in committee["timeline"]][-2:] == ["transfer_received", "activist_assessed"]
    assert receiver.get(f"/applicants/{LI}").status_code == 200
    assert as_user("hejun").get(f"/applicants/{ZHAO}").status_code == 200
    assert as_user("chenjing").get(f"/applicants/{ZHAO}").status_code == 404  # never held 赵一鸣's case
