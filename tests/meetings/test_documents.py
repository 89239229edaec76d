"""Minutes and resolutions from the templates: Word files that open, hashes in the audit trail, strict templates."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import docx
import jinja2
import pytest
from sqlalchemy import Engine, select

from states.attendance import Ballots
from tests.meetings import world
from tests.meetings.world import ADMISSION_DAY, BRANCH, BRANCH_MEMBERS, SECRETARY, events
from workflow import documents, meetings, services
from workflow.clock import FixedClock
from workflow.meetings import MeetingRefused


def admission_meeting(engine: Engine, clock: FixedClock) -> int:
    """李明 passes (with one written opinion), 王静 fails: one meeting, two resolutions."""
    world.build(engine, clock)
    cases = [world.applicant(engine, clock, name) for name in ("李明", "王静")]
    opened = meetings.open_meeting(engine, clock, SECRETARY, organisation=BRANCH, kind="党员大会",
                                   held_on=ADMISSION_DAY, chair="陈静", recorder="王芳")
    meetings.record_attendance(engine, clock, SECRETARY, opened.meeting_id, BRANCH_MEMBERS[:7])
    for case_id, (yes, no) in zip(cases, ((6, 1), (4, 3)), strict=True):
        item_id = meetings.add_item(engine, clock, SECRETARY, opened.meeting_id, case_id, "接收预备党员")
        if yes == 6:
            meetings.record_written_opinion(engine, clock, SECRETARY, item_id, "冯雪", "赞成", date(2025, 12, 10))
        meetings.record_discussion(engine, clock, SECRETARY, item_id, "入党动机端正，表现良好。")
        meetings.record_ballot(engine, clock, SECRETARY, item_id, Ballots(yes, no, 0, 0))
        meetings.decide_item(engine, clock, SECRETARY, item_id)
    return opened.meeting_id


def test_documents_open_in_word_and_their_hashes_are_in_the_audit_trail(engine: Engine, tmp_path: Path) -> None:
    clock = FixedClock.on(ADMISSION_DAY)
    meeting_id = admission_meeting(engine, clock)
    with pytest.raises(MeetingRefused, match="尚未结束"):
        documents.generate(engine, clock, SECRETARY, meeting_id, tmp_path)
    meetings.close_meeting(engine, clock, SECRETARY, meeting_id)
    made = documents.generate(engine, clock, SECRETARY, meeting_id, tmp_path)
    assert [(d.kind, d.format) for d in made] == [("minutes", "html"), ("minutes", "docx"), ("resolution", "html"),
                                                  ("resolution", "docx"), ("resolution", "html"), ("resolution", "docx")]
    passed = docx.Document(str(next(d.path for d in made if d.format == "docx" and "李明" in d.path.name)))
    text = "\n".join(p.text for p in passed.paragraphs)
    assert "支部大会决议" in text and "李明同志" in text
    assert "应到会有表决权的正式党员9名，实到7名，因故未到会的有表决权党员在会前提出书面意见1份" in text
    assert "赞成7票（含书面意见1票），反对1票，弃权0票" in text and "同意接收李明同志为中共预备党员" in text
    failed = docx.Document(str(next(d.path for d in made if d.format == "docx" and "王静" in d.path.name)))
    assert "接收王静同志为中共预备党员的决议未获通过" in "\n".join(p.text for p in failed.paragraphs)
    minutes = next(d.path for d in made if d.kind == "minutes" and d.format == "html").read_text(encoding="utf-8")
    assert "钱多（预备党员）" in minutes and "冯雪，赞成，2025年12月10日提出；计入票数" in minutes
    logged = {e["payload"]["path"]: e["payload"]["sha256"] for e in events(engine, "document_generated")}
    for d in made:
        assert logged[str(d.path)] == d.sha256 == hashlib.sha256(d.path.read_bytes()).hexdigest()
    with engine.connect() as conn:
        rows = conn.execute(select(documents.DOCUMENTS.c.sha256, documents.DOCUMENTS.c.case_id)).all()
    assert sorted(h for h, _ in rows) == sorted(d.sha256 for d in made)
    again = documents.generate(engine, clock, SECRETARY, meeting_id, tmp_path / "again")
    assert [d.sha256 for d in again] == [d.sha256 for d in made]  # regenerated, byte for byte the same
    assert services.verify_audit(engine).intact


def test_templates_are_strict_and_escape_html(engine: Engine) -> None:
    clock = FixedClock.on(ADMISSION_DAY)
    meeting_id = admission_meeting(engine, clock)
    view = meetings.meeting_view(engine, meeting_id)
    with engine.connect() as conn:
        facts = services.load_case(conn, view.items[0].case_id).facts
    m = documents.meeting_context(view, clock.now())
    plain = documents.item_context(view, view.items[0], facts, BRANCH)
    i = documents.with_wording(m, plain | {"applicant": "<script>alert(1)</script>"})
    html = documents.render("meetings/resolution.html.j2", {"m": m, "i": i})
    assert "&lt;script&gt;alert(1)&lt;/script&gt;同志" in html and "<script>" not in html
    assert "<script>alert(1)</script>" in documents.render("meetings/resolution.txt.j2", {"m": m, "i": i})
    with pytest.raises(jinja2.UndefinedError, match="yes_total"):
        documents.with_wording(m, {k: v for k, v in plain.items() if k != "yes_total"})
    with pytest.raises(jinja2.UndefinedError, match="resolution"):
        documents.render("meetings/resolution.html.j2", {"m": m, "i": plain})
