"""The yearly summary of an organisation subtree: how many at each stage at the year's end, and what happened in
each quarter (applications, 积极分子, 发展对象, admitted, 转正, extended, cancelled), per branch and in total.

Counted from the recorded steps alone, so a year already closed reads the same whenever it is asked for.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, select

from states.procedure import SPECS
from states.steps import Status, Step
from workflow import roster
from workflow.tables import Case, StepRecord, table

CASES, STEPS = table(Case), table(StepRecord)
EVENTS: tuple[tuple[Step, str], ...] = (
    (Step.APPLICATION_SUBMITTED, "递交入党申请书"), (Step.ACTIVIST_DESIGNATED, "确定入党积极分子"),
    (Step.CANDIDATE_DESIGNATED, "确定发展对象"), (Step.ADMISSION_APPROVED, "接收预备党员"),
    (Step.CONFIRMATION_APPROVED, "预备党员转正"), (Step.PROBATION_EXTENDED, "延长预备期"),
    (Step.PROBATION_CANCELLED, "取消预备党员资格"),
)
STAGES = (Status.APPLICANT, Status.ACTIVIST, Status.CANDIDATE, Status.PROBATIONARY, Status.FULL_MEMBER)


@dataclass
class OrgYear:
    organisation: str
    at_year_end: dict[Status, int] = field(default_factory=lambda: dict.fromkeys(STAGES, 0))
    by_quarter: dict[Step, list[int]] = field(default_factory=lambda: {s: [0, 0, 0, 0] for s, _ in EVENTS})

    def total(self, step: Step) -> int:
        return sum(self.by_quarter[step])


@dataclass
class YearSummary:
    organisation: str
    year: int
    rows: list[OrgYear]  # one per organisation with cases, then the total

    @property
    def total(self) -> OrgYear:
        return self.rows[-1]


def _status_at(steps: list[tuple[Step, date]], end: date) -> Status:
    status = Status.NEW
    for step, on in steps:
        if on <= end and SPECS[step].dest is not None:
            status = SPECS[step].dest  # type: ignore[assignment]
    return status


def yearly_summary(conn: Connection, organisation: str, year: int) -> YearSummary:
    orgs = roster.subtree(conn, roster.organisation_id(conn, organisation))
    names = dict(conn.execute(select(roster.ORGS.c.id, roster.ORGS.c.name)).all())
    where = dict(conn.execute(select(CASES.c.id, CASES.c.organisation_id).where(CASES.c.organisation_id.in_(orgs))).all())
    steps: dict[int, list[tuple[Step, date]]] = {case_id: [] for case_id in where}
    for case_id, step, on in conn.execute(select(STEPS.c.case_id, STEPS.c.step, STEPS.c.done_on)
                                          .where(STEPS.c.case_id.in_(list(where))).order_by(STEPS.c.id)):
        steps[case_id].append((Step(step), on if isinstance(on, date) else date.fromisoformat(on)))
    per_org: dict[int, OrgYear] = {}
    total = OrgYear("合计")
    end = date(year, 12, 31)
    for case_id, history in steps.items():
        org = per_org.setdefault(where[case_id], OrgYear(names[where[case_id]]))
        status = _status_at(sorted(history, key=lambda s: s[1]), end)
        for target in (org, total):
            if status in target.at_year_end:
                target.at_year_end[status] += 1
            for step, on in history:
                if on.year == year and step in target.by_quarter:
                    target.by_quarter[step][(on.month - 1) // 3] += 1
    rows = [per_org[k] for k in sorted(per_org, key=lambda k: names[k])]
    return YearSummary(organisation, year, [*rows, total])


def summary_xlsx(summary: YearSummary) -> bytes:
    """Three sheets: per organisation, the total by quarter with a bar chart, and the year-end stages with a chart."""
    from openpyxl import Workbook  # here, not at import: every ``fazhan`` command would load it
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "分组织统计"
    sheet.append([f"{summary.organisation}{summary.year}年发展党员工作统计"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["党组织", *(f"年末{s.label}" for s in STAGES), *(f"全年{label}" for _, label in EVENTS)])
    for row in summary.rows:
        sheet.append([row.organisation, *(row.at_year_end[s] for s in STAGES), *(row.total(s) for s, _ in EVENTS)])
    sheet.column_dimensions["A"].width = 28
    quarters = book.create_sheet("按季度")
    quarters.append(["事项", "第一季度", "第二季度", "第三季度", "第四季度", "全年"])
    for step, label in EVENTS:
        counts = summary.total.by_quarter[step]
        quarters.append([label, *counts, sum(counts)])
    chart = BarChart()
    chart.title, chart.y_axis.title = f"{summary.year}年各季度办理情况", "人数"
    chart.add_data(Reference(quarters, min_col=2, max_col=5, min_row=1, max_row=1 + len(EVENTS)), titles_from_data=True)
    chart.set_categories(Reference(quarters, min_col=1, min_row=2, max_row=1 + len(EVENTS)))
    chart.width, chart.height = 24, 10
    quarters.add_chart(chart, "H2")
    stages = book.create_sheet("年末各阶段人数")
    stages.append(["阶段", "人数"])
    for status in STAGES:
        stages.append([status.label, summary.total.at_year_end[status]])
    pie = BarChart()
    pie.title = f"{summary.year}年末各阶段人数"
    pie.add_data(Reference(stages, min_col=2, min_row=1, max_row=1 + len(STAGES)), titles_from_data=True)
    pie.set_categories(Reference(stages, min_col=1, min_row=2, max_row=1 + len(STAGES)))
    stages.add_chart(pie, "D2")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
