"""``fazhan serve``: the production start of one 党委's server (see README, 部署到服务器)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from interfaces.cli.app import DbOption, app, fail, told
from interfaces.settings import CONFIG_VARIABLE, SettingsError, load_settings
from workflow.db import database_url


@app.callback()
def configured() -> None:
    """fazhan：发展党员工作流程引擎。"""
    # With FAZHAN_CONFIG set, every command (init, user add, scheduler …) uses the server's file, not only serve.
    if os.environ.get(CONFIG_VARIABLE):
        try:
            load_settings().export()
        except SettingsError as error:
            raise fail(str(error)) from None


@app.command("serve")
def serve(
    config: Annotated[str | None, typer.Option("--config", help="配置文件（TOML；默认 FAZHAN_CONFIG）。")] = None,
    host: Annotated[str | None, typer.Option("--host", help="监听地址（默认 127.0.0.1，放在反向代理之后）。")] = None,
    port: Annotated[int | None, typer.Option("--port", help="端口（默认 8000）。")] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="工作进程数（一般为 CPU 核数）。")] = None,
    scheduler: Annotated[bool | None, typer.Option("--scheduler/--no-scheduler",
                                                   help="是否运行到期通知调度（多个进程中只有一个主进程发送）。")] = None,
    db: DbOption = None,
) -> None:
    """生产环境启动：多个工作进程、数据库迁移只执行一次、通知调度只有一个主进程、JSON 日志、/health 和 /ready。"""
    try:
        settings = load_settings(config, database=db, host=host, port=port, workers=workers, scheduler=scheduler)
    except SettingsError as error:
        raise fail(str(error)) from None
    if settings.workers > 1 and database_url(settings.database).startswith("sqlite"):
        raise fail("SQLite 数据库只能用一个工作进程（--workers 1）；多个工作进程请使用 PostgreSQL。")
    from interfaces.web.production import serve_production  # gunicorn is imported only when serving

    with told():  # a key file that cannot be read or made: a Chinese sentence and exit 2
        serve_production(settings)
