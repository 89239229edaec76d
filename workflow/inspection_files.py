"""The 巡察 report as files: an Excel workbook (openpyxl) and a Word document (python-docx).

openpyxl and python-docx are imported when a file is made: every ``fazhan`` command would otherwise load them.
"""

from __future__ import annotations

from io import BytesIO

from workflow.inspection import CATEGORIES, InspectionReport

HEADERS = ("类别", "日期", "案卷", "申请人", "会议", "问题", "依据")


def _rows(report: InspectionReport) -> list[tuple[str, str, str, str, str, str, str]]:
    return [(f.category, f.on.isoformat() if f.on else "", str(f.case_id or ""), f.applicant,
             str(f.meeting_id or ""), f.what, f.article) for f in report.findings]


def to_xlsx(report: InspectionReport) -> bytes:
    """Two sheets: 汇总 (counts per category) and 问题清单 (one finding a row)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    summary = book.active
    summary.title = "汇总"
    summary.append(["巡察报告", report.organisation])
    summary.append(["期间", report.period()])
    summary.append([])
    summary.append(["问题类别", "数量"])
    for category, count in report.counts().items():
        summary.append([category, count])
    summary.append(["合计", len(report.findings)])
    summary["A1"].font = summary["A4"].font = summary["B4"].font = Font(bold=True)
    listing = book.create_sheet("问题清单")
    listing.append(list(HEADERS))
    for cell in listing[1]:
        cell.font = Font(bold=True)
    for row in _rows(report):
        listing.append(list(row))
    for column, width in zip("ABCDEFG", (16, 12, 8, 10, 8, 70, 40), strict=True):
        listing.column_dimensions[column].width = width
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def to_docx(report: InspectionReport) -> bytes:
    """A heading, the counts per category, then the findings grouped by category."""
    from docx import Document

    document = Document()
    document.add_heading(f"发展党员工作巡察报告：{report.organisation}", level=1)
    document.add_paragraph(f"期间：{report.period()}。共发现问题{len(report.findings)}项。")
    counts = document.add_table(rows=1, cols=2)
    counts.style = "Table Grid"
    counts.rows[0].cells[0].text, counts.rows[0].cells[1].text = "问题类别", "数量"
    for category, count in report.counts().items():
        cells = counts.add_row().cells
        cells[0].text, cells[1].text = category, str(count)
    for category in CATEGORIES:
        found = [f for f in report.findings if f.category == category]
        if not found:
            continue
        document.add_heading(f"{category}（{len(found)}项）", level=2)
        for finding in found:
            who = f"{finding.applicant}（案卷{finding.case_id}）" if finding.case_id else (
                f"会议{finding.meeting_id}" if finding.meeting_id else "")
            day = finding.on.isoformat() if finding.on else ""
            document.add_paragraph(f"{day} {who}：{finding.what}（依据：{finding.article}）", style="List Bullet")
    out = BytesIO()
    document.save(out)
    return out.getvalue()
