"""Outputs that input cannot break (issue 13, item 4): Word text, file names, mail headers, sandboxed templates."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import pytest
from docx import Document as WordDocument

from notices.config import NoticeConfig
from notices.delivery import Channels, Outgoing
from notices.render import environment
from tests.notices.servers import smtp_server
from workflow import documents
from workflow.safe_text import header_text, inside, safe_filename

NOW = datetime(2025, 12, 12, 8, 0, tzinfo=UTC)


def test_word_text_from_input_stays_plain_and_controls_do_not_break_the_file() -> None:
    discussion = "# 假标题\n## 假小标题\n> 假落款\n- 列表\n正常\x00一句\x07话"
    text = documents.TEXT_ENVIRONMENT.from_string("# 会议记录\n讨论情况：{{ d }}\n{{ d }}\n> 落款").render(d=discussion)
    word = WordDocument(io.BytesIO(documents.docx_bytes(text, "王芳", NOW)))
    styles = [(p.style.name, p.text) for p in word.paragraphs]
    assert styles[0] == ("Heading 1", "会议记录")  # the template's own heading stays one
    assert styles[-1][1] == "落款" and styles[-1][0] == "Normal"
    from_input = [(style, body) for style, body in styles if "假" in body or "列表" in body or "正常" in body]
    assert all(style == "Normal" for style, _ in from_input), from_input
    assert ("Normal", "# 假标题") in from_input and ("Normal", "> 假落款") in from_input
    assert ("Normal", "正常一句话") in from_input


def test_without_the_marks_the_same_text_would_have_made_headings() -> None:  # the test can fail
    word = WordDocument(io.BytesIO(documents.docx_bytes("# 假标题\n> 假落款", "王芳", NOW)))
    assert [p.style.name for p in word.paragraphs][0] == "Heading 1"


@pytest.mark.parametrize("name", ["../../etc/passwd", "李/明", "..", "a\\b", "con\x00trol", "．．／逃出", "/" * 300,
                                  "李" * 200])
def test_a_name_in_a_file_name_stays_inside_the_folder(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "meeting-1"
    folder.mkdir()
    path = inside(folder, folder / f"{safe_filename(f'支部大会决议-1-{name}')}.docx")
    path.write_bytes(b"x")
    assert path.parent == folder.resolve()
    assert len(path.name.encode()) < 255


def test_inside_refuses_a_path_that_leaves_the_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="越出"):
        inside(tmp_path / "a", tmp_path / "a" / ".." / "b")


def test_a_line_break_in_a_name_cannot_add_a_mail_header() -> None:
    with smtp_server() as (mailbox, port):
        channels = Channels(NoticeConfig(smtp_host="127.0.0.1", smtp_port=port))
        channels.send_email(Outgoing(7, "李明\r\nBcc: thief@example.com", "liming@example.edu.cn",
                                     "提醒：李明\r\nBcc: thief@example.com", "正文"), NOW)
    [message] = mailbox.messages
    assert "thief" not in str(message.get("Bcc", "")) and message.get("Bcc") is None
    assert "\n" not in str(message["Subject"]) and str(message["Subject"]).startswith("提醒：李明")
    assert header_text("a\u2028b\x85c") == "a b c"


def test_override_templates_run_in_the_sandbox(tmp_path: Path) -> None:
    (tmp_path / "evil.txt.j2").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}", encoding="utf-8")
    with pytest.raises(jinja2.exceptions.SecurityError):
        environment(str(tmp_path)).get_template("evil.txt.j2").render()
