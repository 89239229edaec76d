"""The terminal dashboard and ``fazhan run``, the main job that ``make run`` starts."""

from __future__ import annotations

import os
import time
from typing import Annotated

import typer
from rich.table import Table

from states.periods import cn_date
from states.steps import Status
from workflow import demo_data, services
from workflow.cli.app import DbOption, JsonOption, app, console, emit_json
from workflow.clock import clock_from_environment
from workflow.db import database_url, make_engine, upgrade

KIND_LABELS = {"overdue": "[red]已逾期[/red]", "due": "[yellow]到期[/yellow]", "opens": "[green]可办理[/green]"}


def _render(db: str | None, days: int, as_json: bool) -> None:
    engine, clock = make_engine(db), clock_from_environment(os.environ.get("FAZHAN_TODAY"))
    counts, items = services.dashboard(engine, clock, within_days=days)
    engine.dispose()
    if as_json:
        emit_json({"today": clock.today(), "counts": {s.value: counts.get(s, 0) for s in Status},
                   "items": [{"case_id": i.case_id, "name": i.name, "organisation": i.organisation,
                              "step": i.step.spec.step.value, "kind": i.kind, "on": i.on} for i in items]})
        return
    console.print(f"[bold]发展党员工作台[/bold]  {cn_date(clock.today())}  （{database_url(db)}）")
    console.print("  ".join(f"{s.label} {counts.get(s, 0)}" for s in Status if s is not Status.NEW))
    table = Table(title=f"已逾期和{days}天内的事项", show_lines=False)
    for column in ("日期", "", "申请人", "党组织", "事项"):
        table.add_column(column)
    for item in items:
        table.add_row(cn_date(item.on), KIND_LABELS[item.kind], item.name, item.organisation, item.step.spec.label)
    console.print(table if items else "近期没有到期或可办理的事项。")


@app.command()
def dashboard(
    days: Annotated[int, typer.Option("--days", help="列出多少天内的事项。")] = 30,
    db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """工作台：各阶段人数、已逾期事项、近期到期和可办理的事项。"""
    _render(db, days, as_json)


@app.command()
def run(
    refresh: Annotated[int, typer.Option("--refresh", help="每隔多少秒刷新一次；0 只显示一次。")] = 60,
    db: DbOption = None,
) -> None:
    """主程序：准备数据库（首次运行时载入演示组织和申请人），然后持续显示工作台。"""
    upgrade(db)
    engine, clock = make_engine(db), clock_from_environment(os.environ.get("FAZHAN_TODAY"))
    if demo_data.is_empty(engine):
        demo_data.seed(engine, clock)
        console.print("已载入演示数据：某大学党委、两个党支部、12名党员、4名申请人。")
    engine.dispose()
    while True:
        _render(db, 30, False)
        if refresh <= 0:
            return
        console.print(f"（每{refresh}秒刷新；按 Ctrl-C 退出。试试另开终端运行：fazhan show 李明）")
        try:
            time.sleep(refresh)
        except KeyboardInterrupt:
            return
