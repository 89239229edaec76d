"""The papers that go up the line: the 发展党员工作全程纪实表 (Word), the 公示 texts, the 备案名单 and the 审批汇总表.

Each is built from the records as they stand (``ledger_cases``), never typed again; ``recorded.record`` writes the
file and puts its SHA-256 into ``documents`` and the audit trail.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from states.periods import add_years, cn_date
from states.procedure import MAIN_LINE, SPECS
from states.steps import Status, Step
from workflow import safe_text
from workflow.documents import docx_bytes, render
from workflow.ledger.export import LedgerCase, ledger_cases
from workflow.tables import StepRecord, Violation, table

if TYPE_CHECKING:
    from docx.document import Document as WordDocument

STEPS, VIOLATIONS = table(StepRecord), table(Violation)
PUBLICITY = {
    "candidate": (Status.ACTIVIST, Step.CANDIDATE_DESIGNATED, "列为发展对象", "发展对象公示"),
    "probationary": (Status.CANDIDATE, Step.ADMISSION_RESOLVED, "接收为预备党员", "拟接收预备党员公示"),
}


def _cn(value: object) -> str:
    return cn_date(value) if isinstance(value, date) else str(value or "")


def _word(title: str) -> WordDocument:
    from docx import Document  # here, not at import: every ``fazhan`` command would load python-docx
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = "宋体", Pt(10.5)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")  # Word otherwise picks a Latin font for Chinese
    document.add_heading(title, level=1)
    return document


def _table(document: WordDocument, header: list[str], rows: Iterable[list[str]]) -> None:
    grid = document.add_table(rows=1, cols=len(header))
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        for cell, text in zip(grid.add_row().cells, row, strict=True):
            cell.text = text


def _bytes(document: WordDocument, author: str, created: datetime) -> bytes:
    properties = document.core_properties
    properties.author, properties.created, properties.modified = author, created, created
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def record_sheet(conn: Connection, case: LedgerCase, author: str, created: datetime,
                 notes: tuple[tuple[str, list[str]], ...] = ()) -> bytes:
    """发展党员工作全程纪实表: the person, each of the 25 steps with its date or a blank, and every violation on record.

    ``notes``: further sections (heading, paragraphs) before the signature line, e.g. a transfer out.
    """
    c = case.cells
    document = _word("发展党员工作全程纪实表")
    _table(document, ["姓名", "性别", "民族", "出生年月", "学历", "单位", "所在党支部"],
           [[c["name"], c["sex"], c.get("ethnicity", ""), _cn(c["birth"]), c.get("education", ""), c.get("unit", ""),
             case.organisation]])
    records = conn.execute(select(STEPS.c.id, STEPS.c.step, STEPS.c.done_on, STEPS.c.actor, STEPS.c.backfill_reason)
                           .where(STEPS.c.case_id == case.case_id).order_by(STEPS.c.id)).all()
    done = {Step(r.step): r for r in records}
    document.add_heading("办理过程", level=2)
    rows = []
    for spec in MAIN_LINE:
        r = done.get(spec.step)
        note = (r.backfill_reason or f"经办：{r.actor}") if r else "尚未办理"
        rows.append([str(spec.number), spec.stage.label, spec.name, _cn(r.done_on) if r else "", note])
    _table(document, ["序号", "阶段", "步骤", "办理时间", "说明"], rows)
    document.add_heading("违反规定的记录", level=2)
    found = conn.execute(select(VIOLATIONS.c.step_record_id, VIOLATIONS.c.message, VIOLATIONS.c.article)
                         .where(VIOLATIONS.c.case_id == case.case_id).order_by(VIOLATIONS.c.id)).all()
    labels = {r.id: SPECS[Step(r.step)].label for r in records}
    for v in found:
        document.add_paragraph(f"{labels.get(v.step_record_id, '')}：{v.message}（依据：{v.article}）")
    if not found:
        document.add_paragraph("无。")
    for heading, paragraphs in notes:
        document.add_heading(heading, level=2)
        for text in paragraphs:
            document.add_paragraph(text)
    document.add_paragraph(f"党支部书记（签字）：　　　　　　　　　　　　填表日期：{cn_date(created.date())}")
    return _bytes(document, author, created)


def _due_for(case: LedgerCase, which: str, on: date) -> bool:
    """积极分子 of a full year (细则第十三条), or 发展对象 whose 预审 has passed and who await the 支部大会."""
    if which == "candidate":
        since = case.steps.get(Step.ACTIVIST_DESIGNATED)
        return since is not None and add_years(since, 1) <= on
    return Step.PRE_REVIEW_PASSED in case.steps and Step.ADMISSION_RESOLVED not in case.steps


def publicity_text(cases: list[LedgerCase], which: str, organisation: str, on: date) -> str:
    """The 公示 of those about to be 列为发展对象 or 接收为预备党员: five working days from ``on``.

    Returned with the input marks of ``workflow.documents.render`` (for Word); ``as_text`` gives the plain text.
    """
    status, _, purpose, title = PUBLICITY[which]
    people = [{"name": c.cells["name"], "sex": c.cells["sex"], "birth": _cn(c.cells["birth"]),
               "ethnicity": c.cells.get("ethnicity", ""), "education": c.cells.get("education", ""),
               "unit": c.cells.get("unit", ""), "organisation": c.organisation,
               "applied": _cn(c.steps.get(Step.APPLICATION_SUBMITTED)) or "（未登记）",
               "activist": _cn(c.steps.get(Step.ACTIVIST_DESIGNATED)) or "（未登记）",
               "candidate": _cn(c.steps.get(Step.CANDIDATE_DESIGNATED))}
              for c in cases if c.status is status and _due_for(c, which, on)]
    return render("ledger/publicity.txt.j2", {
        "title": f"{organisation}{title}", "purpose": purpose, "people": people, "organisation": organisation,
        "branch_text": "党支部委员会" if which == "candidate" else "党支部委员会审查",
        "period": f"{cn_date(on)}起不少于五个工作日", "date": cn_date(on)})


def as_text(marked: str) -> str:
    """The 公示 as plain text: without the marks that tell the Word writer which lines came from input."""
    return marked.replace(safe_text.PLAIN, "")


def publicity_docx(marked: str, author: str, created: datetime) -> bytes:
    return docx_bytes(marked, author, created)


def _xlsx(title: str, header: list[str], rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook  # here, not at import, like python-docx
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for column in "ABCDEFGHIJ"[:len(header)]:
        sheet.column_dimensions[column].width = 16
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def filing_list(cases: list[LedgerCase], organisation: str, start: date, end: date) -> bytes:
    """备案名单: 入党积极分子 and 发展对象 determined between ``start`` and ``end`` (inclusive), for the 基层党委."""
    rows: list[list[object]] = []
    for step, kind in ((Step.ACTIVIST_DESIGNATED, "入党积极分子"), (Step.CANDIDATE_DESIGNATED, "发展对象")):
        for c in cases:
            on = c.steps.get(step)
            if on and start <= on <= end:
                rows.append([len(rows) + 1, c.cells["name"], c.cells["sex"], c.cells["birth"], c.cells.get("education", ""),
                             c.organisation, kind, on, c.steps.get(Step.APPLICATION_SUBMITTED)])
    return _xlsx(f"{organisation}备案名单（{cn_date(start)}至{cn_date(end)}）",
                 ["序号", "姓名", "性别", "出生年月", "学历", "所在党支部", "类别", "确定时间", "递交申请书时间"], rows)


def approval_summary(cases: list[LedgerCase], organisation: str, start: date, end: date) -> bytes:
    """审批汇总表: 预备党员 approved between ``start`` and ``end``, with the 预备期 each approval states."""
    rows: list[list[object]] = []
    for c in cases:
        approved, meeting = c.steps.get(Step.ADMISSION_APPROVED), c.steps.get(Step.ADMISSION_RESOLVED)
        if approved and start <= approved <= end:
            until = add_years(meeting, 1) - timedelta(days=1) if meeting else None  # 预备期满 the day before the anniversary
            rows.append([len(rows) + 1, c.cells["name"], c.cells["sex"], c.cells["birth"], c.organisation, meeting,
                         approved, f"{_cn(meeting)}至{_cn(until)}" if meeting else "（支部大会时间未登记）"])
    return _xlsx(f"{organisation}接收预备党员审批汇总表（{cn_date(start)}至{cn_date(end)}）",
                 ["序号", "姓名", "性别", "出生年月", "所在党支部", "支部大会时间", "审批时间", "预备期"], rows)


def cases_of(conn: Connection, organisation: str) -> list[LedgerCase]:
    return ledger_cases(conn, organisation)
