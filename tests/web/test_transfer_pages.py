"""Transfers through the web and the API (细则第十二条): the sender records 转出, the receiving branch its 转入审查."""

from __future__ import annotations

from collections.abc import Callable

from tests.web.conftest import LI, Client

RECEIVER = "后勤服务中心党支部"
OUT = {"to_organisation": RECEIVER, "materials_transferred": "是"}
REVIEW = {"reviewed_by": "何军", "continuity": "连续计算", "reason": "材料齐全，接续培养"}


def test_art12_transfer_between_branches_on_the_web(as_user: Callable[[str], Client]) -> None:
    sender, receiver = as_user("chenjing"), as_user("hejun")
    assert receiver.get(f"/applicants/{LI}").status_code == 404  # not theirs before the transfer

    out = sender.api(f"/api/applicants/{LI}/steps/activist_transferred", {"on": "2026-06-10", "evidence": OUT})
    assert out.status_code == 200, out.text

    refused = sender.form(f"/applicants/{LI}/steps/activist_assessed", {"on": "2026-06-12"})
    assert refused.status_code == 422 and "案卷正在转接中" in refused.text and "第十二条" in refused.text

    assert receiver.get(f"/applicants/{LI}").status_code == 200  # the receiving branch may now open it
    done = receiver.form(f"/applicants/{LI}/steps/transfer_received",
                         {"on": "2026-06-12", "reviewed_by": REVIEW["reviewed_by"], "continuity": "continuous",
                          "reason": REVIEW["reason"]})
    assert done.status_code == 303, done.text

    page = receiver.get(f"/applicants/{LI}").text
    assert RECEIVER in page
    sight = sender.get(f"/applicants/{LI}")  # the case now belongs to the receiving branch: the sender only reads
    assert sight.status_code == 200 and f"转往「{RECEIVER}」" in sight.text
    assert sender.form(f"/applicants/{LI}/steps/activist_assessed", {"on": "2026-06-20"}).status_code == 403
    assert receiver.get(f"/api/applicants/{LI}").json()["organisation"] == RECEIVER


def test_art12_transfer_to_an_unknown_branch_is_a_clear_error(as_user: Callable[[str], Client]) -> None:
    sender = as_user("chenjing")

    answer = sender.form(f"/applicants/{LI}/steps/activist_transferred",
                         {"on": "2026-06-10", "to_organisation": "外校党支部", "materials_transferred": "on"})

    assert answer.status_code == 422 and "不在本系统中" in answer.text
