"""``fazhan import`` (a 台账 in) and ``fazhan export`` (台账, 纪实表, 公示, lists and the yearly summary out)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine, select

from interfaces.cli.app import EXIT_USAGE, DbOption, JsonOption, app, console, emit_json, told
from workflow import roster, services
from workflow.clock import Clock, clock_from_environment
from workflow.db import make_engine
from workflow.ledger import papers
from workflow.ledger.assess import Assessment, RowOutcome, Verdict
from workflow.ledger.export import CASES, ledger_cases, ledger_xlsx
from workflow.ledger.importer import ImportRefused, ImportResult, import_ledger, load_mapping
from workflow.ledger.recorded import Paper, Written, record
from workflow.ledger.report import findings_text, notes_text, report_xlsx
from workflow.ledger.summary import summary_xlsx, yearly_summary
from workflow.services import Actor

MARKS = {Verdict.ACCEPTED: "[green]✓[/green]", Verdict.FINDINGS: "[yellow]![/yellow]",
         Verdict.UNCHANGED: "[dim]=[/dim]", Verdict.REJECTED: "[red]✗[/red]"}


def _actor(by: str | None) -> Actor:
    return Actor(by or os.environ.get("FAZHAN_USER") or os.environ.get("USER") or "未署名", "台账经办人")


def _print_row(outcome: RowOutcome) -> None:
    name = outcome.history.person.name if outcome.history else str(outcome.row.cells.get("name", "（无姓名）"))
    line = f"{MARKS[outcome.verdict]} {outcome.row.where} {name}：{outcome.verdict.label}"
    if outcome.verdict is Verdict.REJECTED:
        line += f"。「{outcome.column}」{outcome.reason}"
    console.print(line)
    for text in (findings_text(outcome), notes_text(outcome)):
        for detail in filter(None, text.splitlines()):
            console.print(f"    {detail}")


def _report(result: ImportResult, assessment: Assessment, report: Path | None, as_json: bool) -> None:
    if report:
        report.write_bytes(report_xlsx(assessment, result.filename))
    if as_json:
        emit_json({"file": result.filename, "sha256": result.sha256, "dry_run": result.dry_run,
                   "written": result.written, "import_id": result.import_id, "audit_seq": result.audit_seq,
                   "already_imported": result.earlier_import, "summary": result.sentence(),
                   "counts": {v.value: assessment.count(v) for v in Verdict}, "findings": assessment.findings,
                   "skipped_sheets": result.ledger.skipped_sheets, "ignored_headers": result.ledger.ignored_headers,
                   "rows": [o.as_dict() for o in assessment.outcomes]})
        return
    for sheet in result.ledger.skipped_sheets:
        console.print(f"[dim]工作表「{sheet}」没有台账表头，已跳过。[/dim]")
    for sheet, headers in result.ledger.ignored_headers.items():
        if headers:
            console.print(f"[dim]{sheet or '表格'}中未识别的列（未导入，可用 --mapping 对照）：{'、'.join(headers)}[/dim]")
    for outcome in assessment.outcomes:
        _print_row(outcome)
    if report:
        console.print(f"检查结果已写入 {report}")


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="台账文件（.xlsx 或 .csv）。")],
    org: Annotated[str | None, typer.Option("--org", help="导入到哪个党组织（台账没有“所在支部”列时必填）。")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查，不写入。")] = False,
    mapping: Annotated[Path | None, typer.Option("--mapping", help="表头对照文件：每行“表头 = 标准列名”。")] = None,
    report: Annotated[Path | None, typer.Option("--report", help="把逐行检查结果另存为 Excel 文件。")] = None,
    partial: Annotated[bool, typer.Option("--partial", help="有拒收的行时，仍导入其余可识别的行。")] = False,
    by: Annotated[str | None, typer.Option("--by", help="经办人。")] = None,
    db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """导入发展党员工作台账：逐行按规定检查，违规之处记录在案；全部导入或全不导入。"""
    with told(as_json):
        if not file.is_file():
            raise ValueError(f"找不到文件「{file}」。")
        engine = make_engine(db)
        try:
            result = import_ledger(engine, clock_from_environment(os.environ.get("FAZHAN_TODAY")), _actor(by),
                                   file.name, file.read_bytes(), org=org, mapping=load_mapping(mapping),
                                   dry_run=dry_run, partial=partial)
        except ImportRefused as refused:
            _report(refused.result, refused.result.assessment, report, as_json)
            if not as_json:
                console.print(f"[red]{refused}[/red]")
            raise typer.Exit(EXIT_USAGE) from None
    _report(result, result.assessment, report, as_json)
    if not as_json:
        console.print(result.sentence())


export_app = typer.Typer(help="导出：台账、发展党员工作全程纪实表、公示、备案名单、审批汇总表、年度统计。", no_args_is_help=True)
app.add_typer(export_app, name="export")
OrgOption = Annotated[str, typer.Option("--org", help="党组织（含其下级）。")]
OutOption = Annotated[Path, typer.Option("--out", help="写到哪个文件。")]


def _written(written: Written, as_json: bool) -> None:
    if as_json:
        emit_json({"path": str(written.path), "kind": written.paper.kind, "sha256": written.paper.sha256,
                   "audit_seq": written.audit_seq})
    else:
        console.print(f"已生成「{written.paper.title}」：{written.path}（SHA-256 {written.paper.sha256[:16]}…，"
                      f"已记入审计链第{written.audit_seq}条）")


@export_app.command("ledger")
def export_ledger(
    org: OrgOption, out: OutOption,
    personal_data: Annotated[bool, typer.Option("--personal", help="包含身份证号和联系电话（记入审计）。")] = False,
    by: Annotated[str | None, typer.Option("--by", help="经办人。")] = None,
    db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """导出党组织（含下级）的发展党员工作台账（.xlsx，与导入的列相同）。"""
    with told(as_json):
        engine = make_engine(db)
        clock = clock_from_environment(os.environ.get("FAZHAN_TODAY"))
        with engine.connect() as conn:
            cases = ledger_cases(conn, org, personal_data=personal_data)
        title = f"{org}发展党员工作台账（{clock.today():%Y年%m月%d日}导出）"
        paper = Paper("ledger", title, "xlsx", ledger_xlsx(cases, title, personal_data=personal_data))
        written = record(engine, clock, _actor(by), paper, out,
                         {"organisation": org, "cases": len(cases), "personal_data": personal_data})
    _written(written, as_json)


def _context(db: str | None) -> tuple[Engine, Clock]:
    return make_engine(db), clock_from_environment(os.environ.get("FAZHAN_TODAY"))


def _period(year: int | None, start: str | None, end: str | None, today: date) -> tuple[date, date]:
    if start or end:
        try:
            return date.fromisoformat(start or "1990-01-01"), date.fromisoformat(end or today.isoformat())
        except ValueError:
            raise ValueError("日期格式不对，请写成 2025-03-10。") from None
    chosen = year or today.year
    return date(chosen, 1, 1), date(chosen, 12, 31)


@export_app.command("record")
def export_record(
    applicant: Annotated[str, typer.Argument(help="申请人姓名或案卷编号。")], out: OutOption,
    by: Annotated[str | None, typer.Option("--by", help="经办人。")] = None,
    db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """导出一名申请人的发展党员工作全程纪实表（.docx）。"""
    with told(as_json):
        engine, clock = _context(db)
        case_id = services.find_case(engine, applicant)
        with engine.connect() as conn:
            organisation = conn.execute(select(roster.ORGS.c.name).join(CASES, CASES.c.organisation_id == roster.ORGS.c.id)
                                        .where(CASES.c.id == case_id)).scalar_one()
            case = next(c for c in ledger_cases(conn, organisation) if c.case_id == case_id)
            data = papers.record_sheet(conn, case, _actor(by).name, clock.now())
        paper = Paper("record_sheet", f"发展党员工作全程纪实表（{case.cells['name']}）", "docx", data, case_id)
        written = record(engine, clock, _actor(by), paper, out)
    _written(written, as_json)


@export_app.command("publicity")
def export_publicity(
    org: OrgOption, out: OutOption,
    stage: Annotated[str, typer.Option("--stage", help="发展对象或预备党员。")] = "发展对象",
    by: Annotated[str | None, typer.Option("--by", help="经办人。")] = None,
    db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """导出拟列为发展对象或拟接收预备党员的公示（.docx；--out 以 .txt 结尾则为纯文本）。"""
    with told(as_json):
        which = {"发展对象": "candidate", "预备党员": "probationary"}.get(stage, stage)
        if which not in papers.PUBLICITY:
            raise ValueError("--stage 可选：发展对象、预备党员。")
        engine, clock = _context(db)
        with engine.connect() as conn:
            text = papers.publicity_text(ledger_cases(conn, org), which, org, clock.today())
        as_text = out.suffix.lower() == ".txt"
        plain = papers.as_text(text)
        data = plain.encode("utf-8") if as_text else papers.publicity_docx(text, _actor(by).name, clock.now())
        paper = Paper("publicity", plain.splitlines()[0].removeprefix("# "), "txt" if as_text else "docx", data)
        written = record(engine, clock, _actor(by), paper, out, {"organisation": org, "stage": which})
    _written(written, as_json)


def _list_command(kind: str, org: str, out: Path, year: int | None, start: str | None, end: str | None,
                  by: str | None, db: str | None, as_json: bool) -> None:
    with told(as_json):
        engine, clock = _context(db)
        first, last = _period(year, start, end, clock.today())
        with engine.connect() as conn:
            cases = ledger_cases(conn, org)
        if kind == "filing_list":
            data, title = papers.filing_list(cases, org, first, last), f"{org}备案名单"
        elif kind == "approval_summary":
            data, title = papers.approval_summary(cases, org, first, last), f"{org}接收预备党员审批汇总表"
        else:
            with engine.connect() as conn:
                data = summary_xlsx(yearly_summary(conn, org, first.year))
            title = f"{org}{first.year}年发展党员工作统计"
        paper = Paper(kind, title, "xlsx", data)
        written = record(engine, clock, _actor(by), paper, out,
                         {"organisation": org, "from": first.isoformat(), "to": last.isoformat()})
    _written(written, as_json)


YearOption = Annotated[int | None, typer.Option("--year", help="年度（默认今年）。")]
FromOption = Annotated[str | None, typer.Option("--from", help="起始日期（含）。")]
ToOption = Annotated[str | None, typer.Option("--to", help="截止日期（含）。")]
ByOption = Annotated[str | None, typer.Option("--by", help="经办人。")]


@export_app.command("filing")
def export_filing(org: OrgOption, out: OutOption, year: YearOption = None, start: FromOption = None,
                  end: ToOption = None, by: ByOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """导出备案名单：期间确定的入党积极分子和发展对象（.xlsx）。"""
    _list_command("filing_list", org, out, year, start, end, by, db, as_json)


@export_app.command("approvals")
def export_approvals(org: OrgOption, out: OutOption, year: YearOption = None, start: FromOption = None,
                     end: ToOption = None, by: ByOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """导出接收预备党员审批汇总表（.xlsx）。"""
    _list_command("approval_summary", org, out, year, start, end, by, db, as_json)


@export_app.command("summary")
def export_summary(org: OrgOption, out: OutOption, year: YearOption = None, by: ByOption = None,
                   db: DbOption = None, as_json: JsonOption = False) -> None:
    """导出年度统计：年末各阶段人数，各季度接收、转正、延长、取消等人数，附图表（.xlsx）。"""
    _list_command("yearly_summary", org, out, year, None, None, by, db, as_json)
