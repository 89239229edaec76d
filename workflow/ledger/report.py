"""The import report as an Excel file: every row as it was typed, with its verdict and findings beside it."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

from workflow.ledger.assess import Assessment, RowOutcome, Verdict
from workflow.ledger.columns import COLUMNS

FILLS = {Verdict.ACCEPTED: "E2F0D9", Verdict.FINDINGS: "FFF2CC", Verdict.UNCHANGED: "EDEDED", Verdict.REJECTED: "F8CBAD"}
HEAD = ("工作表", "行号", "结果", "拒收原因", "违规记录（依据）", "说明")


def problems(outcome: RowOutcome) -> str:
    if outcome.verdict is Verdict.REJECTED:
        return f"「{outcome.column}」：{outcome.reason}"
    return ""


def findings_text(outcome: RowOutcome) -> str:
    if outcome.history is None:
        return ""
    return "\n".join(f"{n}. {f.sentence()}" for n, f in enumerate(outcome.history.findings, 1))


def notes_text(outcome: RowOutcome) -> str:
    return "\n".join(outcome.history.person.notes) if outcome.history else ""


def _cell(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def report_xlsx(assessment: Assessment, title: str) -> bytes:
    """One sheet of rows (green accepted, yellow findings, grey unchanged, red rejected) and one of totals."""
    from openpyxl import Workbook  # here, not at import: every ``fazhan`` command would load it
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = "逐行检查结果"
    sheet.append([*HEAD, *(c.title for c in COLUMNS)])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for outcome in assessment.outcomes:
        sheet.append([outcome.row.sheet, outcome.row.number, outcome.verdict.label, problems(outcome),
                      findings_text(outcome), notes_text(outcome),
                      *(_cell(outcome.row.cells.get(c.key)) for c in COLUMNS)])
        fill = PatternFill("solid", fgColor=FILLS[outcome.verdict])
        for cell in sheet[sheet.max_row][:len(HEAD)]:
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEF", (10, 6, 16, 40, 80, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "D2"
    totals = book.create_sheet("汇总")
    totals.append(["台账", title])
    for verdict in Verdict:
        totals.append([verdict.label, assessment.count(verdict)])
    totals.append(["违规记录（处）", assessment.findings])
    totals.append(["说明", assessment.summary()])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
