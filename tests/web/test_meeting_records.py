"""A meeting's other records in the browser (issue 16 item 2): P4 exclusions from 应到 with their basis,
the minutes and resolutions generated after the meeting (downloaded only while their hash still matches,
.docx read back), and corrections of a closed meeting.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

from docx import Document as Docx
from sqlalchemy import create_engine, select

from tests.web.conftest import WANG, Client
from tests.web.test_meeting_pages import _open, _prepare_admission
from workflow.tables import Document, table


def _hold(secretary: Client, meeting: int) -> int:
    present = ["陈静", "王芳", "赵强", "孙丽", "周伟", "吴敏", "郑浩"]
    assert secretary.form(f"/meetings/{meeting}/attendance", {"present": present}).status_code == 303
    added = secretary.form(f"/meetings/{meeting}/items", {"case_id": str(WANG), "purpose": "admission"})
    item = int(added.headers["location"].split("#item-")[1])
    secretary.form(f"/meetings/{meeting}/items/{item}/discussion", {"discussion": "同意接收。"})
    secretary.form(f"/meetings/{meeting}/items/{item}/ballot", {"yes": "6", "no": "1", "method": "secret_ballot"})
    assert secretary.form(f"/meetings/{meeting}/items/{item}/decide", {}).status_code == 303
    return item


def test_a_member_is_left_out_of_quorum_only_with_category_consent_and_resolution(
        as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    meeting = _open(secretary)
    page = secretary.get(f"/meetings/{meeting}").text
    assert "应到会有表决权党员 <strong>8</strong> 名" in page and "冯雪：计入（正式党员）" in page
    missing = secretary.form(f"/meetings/{meeting}/exclusions", {"name": "冯雪", "category": "abroad",
                                                                "consent": "", "resolution": ""})
    assert missing.status_code == 422 and "应到会有表决权党员 <strong>8</strong> 名" in missing.text
    done = secretary.form(f"/meetings/{meeting}/exclusions", {
        "name": "冯雪", "category": "abroad", "consent": "校党委组织部2026年6月1日同意",
        "resolution": "支部党员大会2026年6月5日决定"})
    assert done.status_code == 303, done.text
    page = secretary.get(f"/meetings/{meeting}").text
    assert "应到会有表决权党员 <strong>7</strong> 名" in page and "自费出国半年以上" in page
    assert as_user("xuncha").form(f"/meetings/{meeting}/exclusions", {
        "name": "吴敏", "category": "abroad", "consent": "x", "resolution": "y"}).status_code == 403


def test_documents_are_generated_after_the_meeting_downloaded_and_refused_once_altered(
        as_user: Callable[[str], Client], world: str) -> None:
    secretary = as_user("chenjing")
    _prepare_admission(secretary, as_user("liuyang"))
    meeting = _open(secretary)
    _hold(secretary, meeting)
    early = secretary.form(f"/meetings/{meeting}/documents", {})
    assert early.status_code == 422 and "尚未结束" in early.text and "fazhan meeting" not in early.text
    assert secretary.form(f"/meetings/{meeting}/close", {}).status_code == 303
    assert secretary.form(f"/meetings/{meeting}/documents", {}).status_code == 303
    page = secretary.get(f"/meetings/{meeting}").text
    links = re.findall(rf'href="(/meetings/{meeting}/documents/\d+)" download>([^<]+)</a>', page)
    word = next(href for href, name in links if name.endswith(".docx") and "会议记录" in name)
    answer = secretary.get(word)
    assert answer.status_code == 200
    text = "\n".join(p.text for p in Docx(io.BytesIO(answer.content)).paragraphs)
    assert "王浩然" in text
    engine = create_engine(world)
    try:
        with engine.connect() as conn:
            path = Path(conn.execute(select(table(Document).c.path).where(
                table(Document).c.id == int(word.rsplit("/", 1)[1]))).scalar_one())
    finally:
        engine.dispose()
    path.write_bytes(path.read_bytes() + b"x")  # someone edits the file after it was generated
    assert secretary.get(word).status_code == 409
    assert "文件已改动或缺失" in secretary.get(f"/meetings/{meeting}").text


def test_a_closed_meeting_is_corrected_with_a_reason_and_the_old_value_kept(
        as_user: Callable[[str], Client]) -> None:
    secretary = as_user("chenjing")
    meeting = _open(secretary)
    assert secretary.form(f"/meetings/{meeting}/close", {}).status_code == 303
    no_reason = secretary.form(f"/meetings/{meeting}/corrections", {"field": "recorder", "value": "王芳",
                                                                    "reason": ""})
    assert no_reason.status_code == 422
    fixed = secretary.form(f"/meetings/{meeting}/corrections", {"field": "recorder", "value": "王芳",
                                                                "reason": "记录人登记错误"})
    assert fixed.status_code == 303, fixed.text
    corrections = secretary.get(f"/meetings/{meeting}").text.split('id="corrections"')[1]
    assert "记录人" in corrections and "→ 王芳" in corrections and "记录人登记错误" in corrections
