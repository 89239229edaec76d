"""``fazhan web`` (the web page) and ``fazhan user`` (its logins)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from interfaces.cli.app import DbOption, JsonOption, app, console, emit_json, new_password, told
from interfaces.web import demo, users
from workflow import demo_data
from workflow.clock import clock_from_environment
from workflow.db import make_engine, upgrade
from workflow.services import Actor

user_app = typer.Typer(help="网页登录用户：角色和数据范围（所属党组织及其下级）。", no_args_is_help=True)
app.add_typer(user_app, name="user")


@app.command("web")
def web(
    host: Annotated[str, typer.Option("--host", help="监听地址。")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口。")] = 8000,
    with_demo: Annotated[bool, typer.Option("--demo", help="数据库为空时载入演示组织、申请人和演示用户。")] = False,
    with_scheduler: Annotated[bool, typer.Option("--scheduler", help="同时在后台运行到期通知的调度。")] = False,
    db: DbOption = None,
) -> None:
    """启动网页：工作台、申请人、逐步办理、流程图、审计和 /api（Ctrl-C 退出）。"""
    from interfaces.web.server import serve  # uvicorn is imported only when serving

    upgrade(db)
    clock = clock_from_environment(os.environ.get("FAZHAN_TODAY"))
    if with_demo:
        engine = make_engine(db)
        if demo_data.is_empty(engine):
            demo_data.seed(engine, clock)
        for username, role, organisation in (added := demo.ensure_demo_users(engine, clock)):
            console.print(f"演示用户 {username}（{role}，{organisation}），密码 {demo.DEMO_PASSWORD}")
        if added:
            console.print("演示用户仅供本机试用：这个密码只能从本机（127.0.0.1）登录；正式使用请用 fazhan user add 添加用户。")
        engine.dispose()
    console.print(f"网页：http://{host}:{port}/    接口文档：http://{host}:{port}/docs")
    serve(db, clock, host=host, port=port, with_scheduler=with_scheduler)


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[str, typer.Option("--role", help="支部书记、组织委员、组织员、巡察或管理员。")],
    org: Annotated[str | None, typer.Option("--org", help="所属党组织：数据范围是它及其下级（管理员可不填）。")] = None,
    member: Annotated[str | None, typer.Option("--member", help="对应的党员（名册中的姓名）。")] = None,
    name: Annotated[str | None, typer.Option("--name", help="显示的姓名（默认为党员姓名或用户名）。")] = None,
    password: Annotated[str, typer.Option("--password",
                                          help="至少10个字符，含字母、数字、符号中的两类；不写则提示输入。")] = "",
    by: Annotated[str | None, typer.Option("--by", help="经办人。")] = None,
    db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """添加网页登录用户（密码以 argon2 散列保存，并记入审计链）。"""
    engine = make_engine(db)
    clock = clock_from_environment(os.environ.get("FAZHAN_TODAY"))
    actor = Actor(by or os.environ.get("FAZHAN_USER") or os.environ.get("USER") or "未署名", "管理员")
    with told(as_json):
        user_id = users.add_user(engine, clock, actor, username=username,
                                 password=new_password(password, as_json=as_json), role=role,
                                 organisation=org, member=member, display_name=name)
    if as_json:
        emit_json({"id": user_id, "username": username})
    else:
        console.print(f"已添加用户「{username}」（{users.user_role(role).label}，{org or '全部党组织'}）。")


@user_app.command("list")
def user_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """列出网页登录用户。"""
    rows = users.list_users(make_engine(db))
    if as_json:
        emit_json([{"id": u.id, "username": u.username, "display_name": u.display_name, "role": u.role.value,
                    "organisation": u.organisation} for u in rows])
        return
    for u in rows:
        console.print(f"{u.id}. {u.username}  {u.display_name}  {u.role.label}  {u.organisation or '全部党组织'}")
