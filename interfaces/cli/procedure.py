"""Commands about the procedure itself: steps, check, plan, rule sets, the calendar, the demo walkthrough."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from interfaces.cli.app import EXIT_REFUSED, DbOption, JsonOption, app, as_date, console, fail, told
from interfaces.cli.app import emit_json as _emit_json
from interfaces.demo import DEMO_BIRTH_DATE, DEMO_HISTORY, DEMO_TOO_EARLY
from states.dates import cn_deadline
from states.engine import NextStep, check, plan
from states.facts import ApplicantFacts, Override
from states.periods import cn_date
from states.procedure import MAIN_LINE, PROCEDURE, SPECS, StepSpec, spec_for
from states.publicity import step_label
from states.rulesets import RULE_SETS, Policy, RuleSetId, rule_set_in_force
from states.steps import Stage, Status, Step
from states.verdicts import Check
from states.workdays import WorkdayCalendar, user_holidays_dir
from workflow.errors import FazhanError, StepRefused
from workflow.evidence import BadEvidence, parse_evidence, to_json
from workflow.machine import Case, fire

calendar_app = typer.Typer(help="工作日日历：查看已载入年份，导入国务院办公厅节假日安排。", no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")


def _rule_rows(spec: StepSpec, rule_set: RuleSetId) -> list[dict[str, str]]:
    rows = []
    for rule in spec.rules:
        if rule.applies_in(rule_set):
            citation = rule.citations[rule_set]
            rows.append({"rule": rule.id, "title": rule.title, "severity": rule.severity.value,
                         "article": citation.text, "tag": citation.tag.value,
                         "awaits_confirmation": citation.tag.awaits_confirmation})
    return rows


def step_listing(rule_set: RuleSetId, include_side: bool) -> list[dict[str, Any]]:
    """The procedure table as data for ``fazhan steps`` (and its ``--json``)."""
    specs = PROCEDURE if include_side else MAIN_LINE
    return [
        {
            "stage": spec.stage.value, "stage_name": spec.stage.label, "number": spec.number,
            "name": spec.name, "slug": spec.step.value, "actor": spec.actor.label,
            "from": [s.value for s in spec.sources], "to": (spec.dest or spec.sources[0]).value,
            "after": [a.value for a in spec.after], "required": rule_set in spec.required_in,
            "evidence": [{"key": f.key, "label": f.label, "kind": f.kind.value, "required": f.required}
                         for f in spec.evidence],
            "rules": _rule_rows(spec, rule_set),
        }
        for spec in specs
    ]


@app.command()
def steps(
    rule_set: Annotated[RuleSetId, typer.Option("--rule-set", help="按哪一版细则列出规则。")] = RuleSetId.R2026,
    side: Annotated[bool, typer.Option("--all", help="同时列出转接、延长预备期、取消资格、退出等结果。")] = False,
    as_json: JsonOption = False,
) -> None:
    """列出发展党员的5个阶段、25个步骤及每步的规则、性质和依据条款。"""
    listing = step_listing(rule_set, side)
    if as_json:
        _emit_json({"rule_set": rule_set.value, "steps": listing})
        return
    severity_names = {"hard": "硬性", "soft": "一般（可特批）", "duty": "时限（违反留痕）"}
    console.print(f"[bold]发展党员流程（{rule_set.value}版规则）[/bold]  标[W][M][R26]的条款尚待与官方文本核对")
    stage = None
    for row in listing:
        if row["stage_name"] != stage:
            stage = row["stage_name"]
            number = Stage(row["stage"]).number
            console.print(f"\n[bold]{number}、{stage}[/bold]")
        label = f"{row['number']}." if row["number"] else "·"
        after = "、".join(str(SPECS[Step(a)].number or SPECS[Step(a)].name) for a in row["after"])
        console.print(f"  {label} {row['name']}  [cyan]{row['slug']}[/cyan]  （{row['actor']}"
                      f"{'；在' + after + '之后' if after else ''}）")
        for rule in row["rules"]:
            console.print(f"      - {rule['title']}  {severity_names[rule['severity']]}｜{rule['article']}[{rule['tag']}]")


def _load_history(path: Path | None, policy: Policy) -> ApplicantFacts:
    """Facts from a JSON history file, replayed step by step through the machine (so it is validated too)."""
    if path is None:
        return ApplicantFacts()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise BadEvidence(f"无法读取历史记录文件 {path}：文件不存在或没有读取权限。") from None
    except ValueError as error:  # JSONDecodeError knows the line; a file that is not UTF-8 does not
        raise BadEvidence(f"历史记录文件 {path} 不是有效的 JSON（第{getattr(error, 'lineno', '?')}行）。") from None
    birth = data.get("birth_date")
    case = Case(ApplicantFacts(birth_date=date.fromisoformat(birth) if birth else None,
                               branch_has_committee=data.get("branch_has_committee", True)))
    for number, item in enumerate(data.get("records", []), 1):
        spec = spec_for(item["step"], case.state)  # "支部大会讨论" is 15 or 23 by the stage reached
        evidence = parse_evidence(spec, {k: _as_text(v) for k, v in item.get("evidence", {}).items()})
        override = Override(**item["override"]) if item.get("override") else None
        try:
            fire(case, spec.step, date.fromisoformat(item["on"]), evidence, override=override, policy=policy)
        except StepRefused as refused:
            raise BadEvidence(f"历史记录第{number}条（{spec.label}，{item['on']}）不符合规定：\n{refused}") from None
    return case.facts


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def print_check(result: Check, spec: StepSpec) -> None:
    rule_set = next(rs for rs in RULE_SETS if rs.id is result.rule_set)
    console.print(f"「{step_label(spec, result.rule_set)}」，{cn_date(result.on)}，适用《{rule_set.title}》")
    if result.allowed:
        console.print("[green]可以办理。[/green]")
    else:
        console.print(f"[red]不能办理，{len(result.blocking)}条规定不允许：[/red]")
        for n, verdict in enumerate(result.blocking, 1):
            console.print(f"  {n}. {verdict.sentence()}")
        if result.allowed_from and result.allowed_from > result.on:
            console.print(f"如其他条件具备，最早可于{cn_date(result.allowed_from)}办理。")
    for verdict in result.violations:
        console.print(f"[yellow]违反时限（将留痕）：{verdict.sentence()}[/yellow]")
    for verdict in result.overridden:
        console.print(f"[yellow]经特批通过：{verdict.sentence()}[/yellow]")


@app.command("check")
def check_command(
    step: Annotated[str, typer.Argument(help="步骤：代码、序号或中文名称。")],
    on: Annotated[str, typer.Option("--on", help="办理日期，如 2025-03-10。")],
    history: Annotated[Path | None, typer.Option("--history", help="申请人已办理步骤的 JSON 文件。")] = None,
    sets: Annotated[list[str] | None, typer.Option("--set", help="本步骤的材料，名称=值，可多次使用。")] = None,
    override_reason: Annotated[str | None, typer.Option("--override-reason", help="特批理由。")] = None,
    authoriser: Annotated[str | None, typer.Option("--authoriser", help="特批人。")] = None,
    rule_set: Annotated[RuleSetId | None, typer.Option("--rule-set", help="固定使用某一版规则。")] = None,
    as_json: JsonOption = False,
) -> None:
    """检查某一步骤在某日能否办理：列出每一条不允许的规定、依据条款和可办理日期。"""
    policy = Policy(pinned_rule_set=rule_set)
    try:
        facts = _load_history(history, policy)
        spec = spec_for(step, facts.status if history else None)  # same stage-based choice as advance
        act_on = as_date(on, "办理日期")
        evidence = parse_evidence(spec, sets or [])
    except (FazhanError, KeyError, ValueError) as error:
        raise fail(str(error).strip("'\""), as_json=as_json) from None
    override = Override(override_reason, authoriser) if override_reason and authoriser else None
    result = check(spec.step, facts, act_on, evidence, override=override, policy=policy)
    if as_json:
        _emit_json({**result.as_dict(), "evidence": {k: to_json(v) for k, v in evidence.items()}})
    else:
        print_check(result, spec)
    if not result.allowed:
        raise typer.Exit(EXIT_REFUSED)


@app.command("plan")
def plan_command(
    history: Annotated[Path, typer.Option("--history", help="申请人已办理步骤的 JSON 文件。")],
    on: Annotated[str, typer.Option("--on", help="以哪一天为“今天”。")],
    as_json: JsonOption = False,
) -> None:
    """根据已办理的步骤，列出下一步可办理的事项、最早可办理日期和最迟应办理日期。"""
    try:
        facts = _load_history(history, Policy())
        today = as_date(on)
    except (FazhanError, ValueError) as error:
        raise fail(str(error), as_json=as_json) from None
    upcoming = plan(facts, today)
    if as_json:
        _emit_json({"status": facts.status.value, "on": today.isoformat(), "next": [n.as_dict() for n in upcoming]})
        return
    print_plan(facts.status, upcoming)


def print_plan(status: Status | None, upcoming: list[NextStep]) -> None:
    """Next steps as a secretary reads them: now, from when, by when, and what is still missing."""
    if status is not None:
        console.print(f"当前状态：{status.label}")
    for item in upcoming:
        if item.possible_now:
            when = "现在可办理"
        elif item.earliest:
            when = f"{cn_date(item.earliest)}起可办理"
        elif item.earliest_by_time:
            when = f"尚不具备条件（时间上最早{cn_date(item.earliest_by_time)}）"
        else:
            when = "尚不具备条件"
        due = f"，{cn_deadline(item.due_by)}" if item.due_by else ""
        console.print(f"  · {step_label(item.spec, item.check.rule_set)}：{when}{due}")
        for verdict in item.blockers:
            console.print(f"      {verdict.sentence()}")


@app.command()
def demo() -> None:
    """演示：按纸质记录逐步办理一名申请人（李明），展示被拒绝与办理成功，并列出下一步。"""
    policy = Policy()
    case = Case(ApplicantFacts(birth_date=DEMO_BIRTH_DATE))
    early_step, early_on, early_evidence = DEMO_TOO_EARLY
    console.print("[bold]发展党员流程演示：申请人 李明[/bold]")
    for slug, on, raw in DEMO_HISTORY:
        spec = spec_for(slug)
        if slug == early_step:
            try:
                fire(case, spec.step, early_on, parse_evidence(spec, early_evidence), policy=policy)
            except StepRefused as refused:
                console.print(f"[red]✗ {cn_date(early_on)} 尝试「{spec.label}」：[/red]\n{refused}")
        result = fire(case, spec.step, on, parse_evidence(spec, raw), policy=policy)
        console.print(f"[green]✓[/green] {cn_date(on)} {spec.label}（{result.rule_set.value}）")
        for verdict in result.violations:
            console.print(f"    [yellow]违反时限：{verdict.sentence()}[/yellow]")
    today = DEMO_HISTORY[-1][1]
    console.print(f"\n[bold]{cn_date(today)}的下一步：[/bold]")
    print_plan(case.state, plan(case.facts, today))


@calendar_app.command("show")
def calendar_show(as_json: JsonOption = False) -> None:
    """列出已载入节假日安排的年份。"""
    years = WorkdayCalendar.default().covered_years()
    if as_json:
        _emit_json({"years": years, "user_dir": str(user_holidays_dir())})
        return
    console.print(f"已载入节假日安排的年份：{years[0]}—{years[-1]}（共{len(years)}年）")
    console.print(f"管理员导入的文件存放在：{user_holidays_dir()}")


@calendar_app.command("load")
def calendar_load(
    file: Annotated[Path, typer.Argument(help="节假日安排 TOML 文件（格式见 states/holidays/README.md）。")],
    replace_reason: Annotated[str | None, typer.Option("--replace-reason", help="更正已有年份的原因（该年已在系统中时必填）。")] = None,
    by: Annotated[str | None, typer.Option("--by", help="导入人（记入审计链）。")] = None,
    db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """导入新公布年度的节假日安排（国务院办公厅通知：放假日期和调休上班日期），无需升级软件；导入记入审计链。"""
    from workflow import calendars  # the loader's audit needs the database: imported only for this command
    from workflow.clock import clock_from_environment
    from workflow.db import make_engine
    from workflow.services import Actor

    name = by or os.environ.get("FAZHAN_USER") or os.environ.get("USER") or "未署名"
    try:
        data = file.read_bytes()
    except OSError as error:
        raise fail(f"读不到文件「{file}」：{error.strerror or error}。", as_json=as_json) from None
    with told(as_json):
        try:
            loaded = calendars.load_year(make_engine(db), clock_from_environment(os.environ.get("FAZHAN_TODAY")),
                                         Actor(name, "管理员"), data, file.name, replace_reason=replace_reason)
        except calendars.CalendarRefused as refused:
            raise fail(str(refused), EXIT_REFUSED, as_json=as_json) from None
    if as_json:
        _emit_json({"year": loaded.arrangement.year, "sha256": loaded.sha256, "unchanged": loaded.unchanged,
                    "replaced": loaded.replaced.__dict__ if loaded.replaced else None, "audit_seq": loaded.audit_seq,
                    "message": loaded.sentence()})
        return
    console.print(loaded.sentence())


@app.command("rule-set")
def rule_set_command(on: Annotated[str, typer.Option("--on", help="日期。")], as_json: JsonOption = False) -> None:
    """某一日期适用哪一版细则。"""
    chosen = rule_set_in_force(date.fromisoformat(on))
    rule_set = next(rs for rs in RULE_SETS if rs.id is chosen)
    if as_json:
        _emit_json({"on": on, "rule_set": chosen.value, "title": rule_set.title})
        return
    console.print(f"{on}适用《{rule_set.title}》（{chosen.value}）。{rule_set.note}")

