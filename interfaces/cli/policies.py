"""``fazhan policy``: the settings an organisation switches on, where each value comes from, and changing them.

    fazhan policy show --org 第一党支部
    fazhan policy set --org 机关党委 activist_wait_months 6 --by 王芳 --reason 党委会议决定
    fazhan policy clear --org 第一党支部 activist_wait_months --by 王芳
"""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer
from sqlalchemy import Engine

from interfaces.cli.app import DbOption, JsonOption, app, console, emit_json, told
from states.policy_settings import SETTINGS, setting
from states.rulesets import DEFAULT_POLICY
from workflow import policies, roster
from workflow.clock import Clock, clock_from_environment
from workflow.db import make_engine
from workflow.errors import FazhanError

policy_app = typer.Typer(help="本组织执行的规定：严格算法、规定的严格程度、地方从严规定（下级组织继承）。",
                         no_args_is_help=True)
app.add_typer(policy_app, name="policy")

OrgOption = Annotated[str, typer.Option("--org", help="党组织名称。")]
ByOption = Annotated[str, typer.Option("--by", help="经办人姓名。")]
ReasonOption = Annotated[str | None, typer.Option("--reason", help="更改理由。")]
KeyArgument = Annotated[str, typer.Argument(help="设定名称（如 activist_wait_months），可用 fazhan policy show 查看。")]


def _clock() -> Clock:
    return clock_from_environment(os.environ.get("FAZHAN_TODAY"))


def _role(engine: Engine, name: str, clock: Clock) -> str:
    """The person's posts on the roster today, if they are on it (the change is audited under that role)."""
    with engine.connect() as conn:
        try:
            member = roster.member_id(conn, name)
        except FazhanError:
            return "经办人"
        posts = roster.posts_of(conn, member, clock.today())
    return "、".join(p.label for _, p in posts) or "党员"


@policy_app.command("show")
def show_command(org: Annotated[str | None, typer.Option("--org", help="党组织名称；不写则列出可设定的规定和系统默认值。")] = None,
                 db: DbOption = None, as_json: JsonOption = False) -> None:
    """查看某党组织执行的每项规定、取值和来源（本组织设定、继承自上级或系统默认）。"""
    engine = make_engine(db)
    with told(as_json):
        if org is None:
            listed: list[dict[str, Any]] = [
                {"key": s.key, "name": s.name, "meaning": s.meaning, "source": s.source,
                 "default": s.read(DEFAULT_POLICY), "default_name": s.label(s.read(DEFAULT_POLICY)),
                 "choices": dict(s.choices)} for s in SETTINGS]
            if as_json:
                emit_json({"settings": listed})
                return
            for item in listed:
                console.print(f"[bold]{item['key']}[/bold]  {item['name']}（系统默认：{item['default_name']}）")
                console.print(f"    {item['meaning']}", markup=False)
                console.print("    可选：" + "、".join(f"{v}（{label}）" for v, label in item["choices"].items()),
                              markup=False)
            return
        with engine.connect() as conn:
            org_id = roster.organisation_id(conn, org)
            resolved = policies.resolve(conn, org_id)
    if as_json:
        emit_json({"organisation": org, "organisation_id": org_id, "settings": [r.as_dict() for r in resolved]})
        return
    console.print(f"[bold]{org}[/bold]执行的规定：")
    for r in resolved:
        who = f"，{r.set_by}于{r.set_on.isoformat()}设定" if r.set_on else ""
        why = f"，理由：{r.reason}" if r.reason else ""
        console.print(f"  {r.setting.name}：{r.setting.label(r.value)}（{r.source}{who}{why}）  [dim]{r.setting.key}[/dim]")


def _change(org: str, key: str, value: str | None, by: str, reason: str | None, db: str | None,
            as_json: bool) -> None:
    engine, clock = make_engine(db), _clock()
    with told(as_json):
        done = policies.change(engine, clock, organisation=org, key=key, value=value, by=by,
                               role=_role(engine, by, clock), reason=reason)
    if as_json:
        emit_json(done)
        return
    chosen = setting(done["key"])
    before, after = chosen.label(done["old_effective"]), chosen.label(done["new_effective"])
    console.print(f"{done['organisation']}的「{chosen.name}」：{before} → {after}（{done['new_source']}），已记入审计记录。")


@policy_app.command("set")
def set_command(key: KeyArgument, value: Annotated[str, typer.Argument(help="新的取值（如 6、是、否、一般性）。")],
                org: OrgOption, by: ByOption, reason: ReasonOption = None, db: DbOption = None,
                as_json: JsonOption = False) -> None:
    """为本组织设定一项规定（下级组织未另行设定的随之执行）。"""
    _change(org, key, value, by, reason, db, as_json)


@policy_app.command("clear")
def clear_command(key: KeyArgument, org: OrgOption, by: ByOption, reason: ReasonOption = None, db: DbOption = None,
                  as_json: JsonOption = False) -> None:
    """取消本组织的设定，改为继承上级组织（或系统默认）。"""
    _change(org, key, None, by, reason, db, as_json)
