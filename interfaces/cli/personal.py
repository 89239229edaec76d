"""``fazhan personal``: the full ID and phone numbers of one applicant (an audited read), and key rotation.

``fazhan show`` and every ``--json`` give masked numbers; the full ones only come from here, and each time
the audit trail records who read whose numbers and when.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer
from sqlalchemy import Engine

from interfaces.cli.app import DbOption, JsonOption, app, console, emit_json, new_password, told
from interfaces.cli.web import user_app
from interfaces.web import users
from workflow import personal, services
from workflow.clock import Clock, clock_from_environment
from workflow.db import make_engine
from workflow.errors import FazhanError
from workflow.services import Actor

personal_app = typer.Typer(help="个人信息：查看完整身份证号码和电话（记入审计）、轮换加密密钥。", no_args_is_help=True)
app.add_typer(personal_app, name="personal")


def _clock() -> Clock:
    return clock_from_environment(os.environ.get("FAZHAN_TODAY"))


def _who(by: str | None) -> str:
    return by or os.environ.get("FAZHAN_USER") or os.environ.get("USER") or "未署名"


@personal_app.command("show")
def personal_show(
    applicant: Annotated[str, typer.Argument(help="申请人姓名、案卷编号或身份证号码。")],
    by: Annotated[str | None, typer.Option("--by", help="查看人（记入审计）。")] = None,
    db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """显示申请人完整的身份证号码和联系方式；每次查看都记入审计链（查看人、被查看人、时间）。"""
    engine = make_engine(db)
    with told(as_json):
        case_id = services.find_case(engine, applicant)
        values = personal.reveal(engine, _clock(), _who(by), "命令行", case_id)
    if as_json:
        emit_json({"case_id": case_id, **values})
        return
    console.print(f"身份证号码：{values['id_number'] or '未登记'}")
    console.print(f"联系方式：{values['contact'] or '未登记'}")
    console.print("（本次查看已记入审计链。）")


@personal_app.command("rotate-key")
def personal_rotate(
    by: Annotated[str | None, typer.Option("--by", help="操作人（记入审计）。")] = None,
    db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """生成新的个人信息密钥，并用它重新加密全部身份证号码和电话（一个事务，记入审计）。"""
    engine = make_engine(db)
    with told(as_json):
        key, count = personal.rotate(engine, _clock(), _who(by), "命令行")
    if as_json:
        emit_json({"key_id": key, "rows": count})
        return
    console.print(f"已换用新密钥 {key}，重新加密了{count}名申请人的个人信息。旧密钥仍留在密钥文件中，确认无误后可删除。")


# ---------------------------------------------------------------- accounts: the administrator's side on the CLI


def _user_id(engine: Engine, username: str) -> int:
    for user, _ in users.all_users(engine):
        if user.username == username.strip():
            return user.id
    raise FazhanError(f"找不到用户「{username}」。")


def _admin(by: str | None) -> Actor:
    return Actor(_who(by), "管理员（命令行）")


@user_app.command("disable")
def user_disable(username: str, by: Annotated[str | None, typer.Option("--by", help="经办人。")] = None,
                 db: DbOption = None) -> None:
    """停用登录用户：其所有登录立即结束，之后不能再登录（记入审计）。"""
    engine = make_engine(db)
    with told():
        users.set_active(engine, _clock(), _admin(by), _user_id(engine, username), False)
    console.print(f"已停用用户「{username}」，其登录已全部结束。")


@user_app.command("enable")
def user_enable(username: str, by: Annotated[str | None, typer.Option("--by", help="经办人。")] = None,
                db: DbOption = None) -> None:
    """重新启用登录用户（记入审计）。"""
    engine = make_engine(db)
    with told():
        users.set_active(engine, _clock(), _admin(by), _user_id(engine, username), True)
    console.print(f"已重新启用用户「{username}」。")


@user_app.command("reset-password")
def user_reset(
    username: str,
    password: Annotated[str, typer.Option("--password",
                                          help="新密码（至少10个字符）；不写则提示输入。")] = "",
    by: Annotated[str | None, typer.Option("--by", help="经办人。")] = None, db: DbOption = None,
) -> None:
    """重设用户密码：其所有登录立即结束（记入审计，不记密码）。"""
    engine = make_engine(db)
    with told():
        users.reset_password(engine, _clock(), _admin(by), _user_id(engine, username), new_password(password, "新密码"))
    console.print(f"已重设用户「{username}」的密码，其登录已全部结束。请当面告知新密码。")

