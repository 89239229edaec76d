"""The papers read back: 纪实表 (.docx), 公示, 备案名单, 审批汇总表 and the yearly summary with its charts (.xlsx)."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta
from pathlib import Path

from docx import Document as WordDocument
from openpyxl import load_workbook
from sqlalchemy import Engine, select

from tests.ledger.conftest import COMMITTEE
from tests.ledger.sheets import clean_history, person, workbook, xlsx
from tests.ledger.test_import import START, broken_histories
from workflow import services
from workflow.clock import FixedClock
from workflow.ledger import papers
from workflow.ledger.export import ledger_cases
from workflow.ledger.importer import import_ledger
from workflow.ledger.recorded import Paper, record
from workflow.ledger.summary import STAGES, yearly_summary
from workflow.tables import AuditEvent, table


def _import(engine: Engine, clock: FixedClock, rows: list[dict[str, object]]) -> list[int]:
    return import_ledger(engine, clock, services.SYSTEM, "台账.xlsx", xlsx(workbook(rows))).case_ids


def test_record_sheet_lists_the_25_steps_and_the_violations(world: Engine, clock: FixedClock, tmp_path: Path) -> None:
    case_ids = _import(world, clock, broken_histories()[:2])
    with world.connect() as conn:
        case = next(c for c in ledger_cases(conn, COMMITTEE) if c.case_id == case_ids[1])
        data = papers.record_sheet(conn, case, "王芳", clock.now())
    written = record(world, clock, services.SYSTEM, Paper("record_sheet", "纪实表", "docx", data, case.case_id),
                     tmp_path / "纪实表.docx")
    document = WordDocument(str(written.path))
    assert document.paragraphs[0].text == "发展党员工作全程纪实表"
    people, steps = document.tables
    assert [c.text for c in people.rows[1].cells][:2] == ["王强", "男"]
    assert len(steps.rows) == 1 + 25 and steps.rows[7].cells[2].text == "确定发展对象"
    assert steps.rows[14].cells[2].text == "填写入党志愿书" and steps.rows[14].cells[4].text == "尚未办理"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "未满一年" in text and "《发展党员工作细则》第十三条" in text
    with world.connect() as conn:
        event = conn.execute(select(table(AuditEvent)).where(table(AuditEvent).c.kind == "document_generated")
                             ).mappings().one()
    assert event["case_id"] == case.case_id and event["payload"]["sha256"] == written.paper.sha256


def test_publicity_names_only_those_due(world: Engine, clock: FixedClock) -> None:
    today = clock.today()
    year_ago = today - timedelta(days=400)
    activist = {"递交申请书时间": year_ago - timedelta(days=60), "谈话时间": year_ago - timedelta(days=50),
                "确定积极分子时间": year_ago, "备案时间": year_ago + timedelta(days=5)}
    too_soon = {**activist, "确定积极分子时间": today - timedelta(days=100), "备案时间": today - timedelta(days=90)}
    _import(world, clock, [person("李明", date(2000, 1, 5), 1, activist), person("王强", date(2000, 2, 5), 2, too_soon)])
    with world.connect() as conn:
        marked = papers.publicity_text(ledger_cases(conn, COMMITTEE), "candidate", COMMITTEE, today)
    text = papers.as_text(marked)
    assert "李明，男，2000年1月5日生，汉族，本科" in text and "王强" not in text
    assert text.startswith(f"# {COMMITTEE}发展对象公示") and "不少于五个工作日" in text
    word = WordDocument(io.BytesIO(papers.publicity_docx(marked, "王芳", clock.now())))
    assert word.paragraphs[0].text == f"{COMMITTEE}发展对象公示"


def test_filing_list_and_approval_summary_cover_the_period(world: Engine, clock: FixedClock) -> None:
    _import(world, clock, broken_histories()[:3])
    with world.connect() as conn:
        cases = ledger_cases(conn, COMMITTEE)
    activist_on = START + timedelta(days=60)
    filing = load_workbook(io.BytesIO(papers.filing_list(cases, COMMITTEE, activist_on, activist_on))).active
    rows = list(filing.iter_rows(min_row=3, values_only=True))
    assert [(r[1], r[6]) for r in rows] == [("李明", "入党积极分子"), ("王强", "入党积极分子"), ("陈红", "入党积极分子")]
    approved_on = START + timedelta(days=560)
    summary = load_workbook(io.BytesIO(papers.approval_summary(cases, COMMITTEE, approved_on, approved_on))).active
    rows = list(summary.iter_rows(min_row=3, values_only=True))
    meeting = START + timedelta(days=520)
    assert len(rows) == 3 and rows[0][1] == "李明"
    assert rows[0][7] == f"{meeting.year}年{meeting.month}月{meeting.day}日至2022年8月3日"
    assert not list(load_workbook(io.BytesIO(papers.approval_summary(
        cases, COMMITTEE, approved_on + timedelta(days=1), approved_on + timedelta(days=30)))).active.iter_rows(min_row=3))


def test_yearly_summary_counts_stages_and_quarters_with_charts(world: Engine, clock: FixedClock) -> None:
    rows = [person("李明", date(2000, 1, 5), 1, clean_history(date(2020, 3, 2))),
            person("王强", date(2000, 2, 5), 2, {"递交申请书时间": date(2021, 12, 31), "谈话时间": date(2022, 1, 10)}),
            person("陈红", date(2000, 2, 6), 3, {"递交申请书时间": date(2021, 1, 1)})]
    _import(world, clock, rows)
    with world.connect() as conn:
        summary = yearly_summary(conn, COMMITTEE, 2021)
    total = summary.total
    from states.steps import Status, Step

    assert total.by_quarter[Step.APPLICATION_SUBMITTED] == [1, 0, 0, 1]  # 1 January and 31 December
    assert total.by_quarter[Step.CANDIDATE_DESIGNATED] == [0, 1, 0, 0]  # 李明: 2021-06-05
    assert total.by_quarter[Step.ADMISSION_APPROVED] == [0, 0, 1, 0]  # 2021-09-13
    assert total.at_year_end[Status.PROBATIONARY] == 1 and total.at_year_end[Status.APPLICANT] == 2
    assert total.total(Step.CONFIRMATION_APPROVED) == 0  # 转正 came in 2022
    from workflow.ledger.summary import summary_xlsx

    data = summary_xlsx(summary)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["分组织统计", "按季度", "年末各阶段人数"]
    quarters = list(book["按季度"].iter_rows(min_row=2, values_only=True))
    assert quarters[0] == ("递交入党申请书", 1, 0, 0, 1, 2)
    stages = dict(book["年末各阶段人数"].iter_rows(min_row=2, values_only=True))
    assert stages == {s.label: total.at_year_end[s] for s in STAGES}
    charts = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 2  # the charts are real chart parts Excel and LibreOffice draw
