"""The terminal dashboard and ``fazhan run``, the main job that ``make run`` starts."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table

from interfaces.cli.app import DbOption, JsonOption, app, console, emit_json
from states.periods import cn_date
from states.steps import Status
from workflow import demo_data, services
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
    host: Annotated[str, typer.Option("--host", help="监听地址。")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口。")] = 8000,
    db: DbOption = None,
) -> None:
    """主程序（make run）：准备数据库，首次运行载入演示组织、申请人和演示用户，启动网页和到期通知调度。"""
    from interfaces.web import demo as web_demo
    from interfaces.web.server import serve  # uvicorn is imported only when serving

    upgrade(db)
    engine, clock = make_engine(db), clock_from_environment(os.environ.get("FAZHAN_TODAY"))
    if demo_data.is_empty(engine):
        demo_data.seed(engine, clock)
        console.print("已载入演示数据：某大学党委、两个党支部、12名党员、4名申请人。")
    for username, role, organisation in (added := web_demo.ensure_demo_users(engine, clock)):
        console.print(f"演示用户 {username}（{role}，{organisation}），密码 {web_demo.DEMO_PASSWORD}")
    if added:
        console.print("演示用户仅供本机试用：这个密码只能从本机（127.0.0.1）登录；正式使用请用 fazhan user add 添加用户。")
    engine.dispose()
    _render(db, 30, False)
    console.print(f"网页：http://{host}:{port}/    接口文档：http://{host}:{port}/docs    （Ctrl-C 退出）")
    serve(db, clock, host=host, port=port, with_scheduler=True)
