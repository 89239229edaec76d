"""``fazhan transfer``: a transfer to or from an organisation outside this database (细则第十二条).

``export`` writes the case exchange file and the 纪实表 and closes the case here as 已转出（外单位）; ``import``
opens it in the receiving database with its history received and the branch's 转入审查; ``check`` reads a file
without importing it. The file holds the applicant's ID number: the commands say so and never print it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from interfaces.cli.app import DbOption, JsonOption, app, as_date, console, emit_json, told
from states.periods import cn_date
from states.procedure import SPECS
from states.steps import Step
from workflow import personal, roster, services
from workflow.case_exchange import PERSONAL_NOTE, export_case
from workflow.case_import import Review, import_case, preview
from workflow.clock import Clock, clock_from_environment
from workflow.db import make_engine
from workflow.errors import FazhanError
from workflow.services import Actor

transfer_app = typer.Typer(help="转往或转自本系统以外的党组织：导出、导入案卷交换文件。", no_args_is_help=True)
app.add_typer(transfer_app, name="transfer")

ByOption = Annotated[str, typer.Option("--by", help="经办人（党员姓名）。")]
KeyOption = Annotated[str | None, typer.Option("--public-key", help="转出方数据库的公钥（十六进制，对方用 fazhan audit public-key 查得）。")]


def _context(db: str | None) -> tuple[Engine, Clock]:
    return make_engine(db), clock_from_environment(os.environ.get("FAZHAN_TODAY"))


def _actor(engine: Engine, name: str, clock: Clock) -> Actor:
    """The actor with their posts today, when on the roster (as ``advance`` records them)."""
    with engine.connect() as conn:
        try:
            posts = roster.posts_of(conn, roster.member_id(conn, name), clock.today())
        except FazhanError:
            return Actor(name, "经办人")
    return Actor(name, "、".join(p.label for _, p in posts) or "党员")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        raise FazhanError(f"读不到文件 {path}，请检查路径。") from None


@transfer_app.command("export")
def transfer_export(
    applicant: Annotated[str, typer.Argument(help="申请人姓名或案卷编号。")],
    to: Annotated[str, typer.Option("--to", help="接收党组织（本系统以外），如“某某党支部（外单位）”。")],
    out: Annotated[Path, typer.Option("--out", help="案卷交换文件（.json）的保存位置。")],
    by: ByOption,
    record: Annotated[Path | None, typer.Option("--record", help="同时生成发展党员工作全程纪实表（.docx）。")] = None,
    on: Annotated[str | None, typer.Option("--on", help="转出日期（默认今天）。")] = None,
    db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """转往本系统以外的党组织：记录转出，导出案卷交换文件（和纪实表），本案卷随即关闭为“已转出（外单位）”。"""
    with told(as_json):
        engine, clock = _context(db)
        case_id = services.find_case(engine, applicant)
        done = export_case(engine, clock, _actor(engine, by, clock), case_id, to=to, out=out, record=record,
                           on=as_date(on, "转出日期") if on else None)
    if as_json:
        emit_json(done.as_dict())
        return
    console.print(f"已记录{done.name}于{cn_date(done.on)}由{done.sender}转往{done.receiver}，"
                  f"本案卷已关闭为“已转出（外单位）”，仍可查看。", markup=False)
    console.print(f"案卷交换文件：{done.path}（SHA-256：{done.sha256}）", markup=False)
    if done.record_path:
        console.print(f"纪实表：{done.record_path}", markup=False)
    console.print(f"本案卷最后一条审计校验值：{done.last_hash}；本数据库公钥：{done.public_key}", markup=False)
    console.print(f"[yellow]{PERSONAL_NOTE}[/yellow]")


@transfer_app.command("import")
def transfer_import(
    file: Annotated[Path, typer.Argument(help="对方导出的案卷交换文件（.json）。")],
    org: Annotated[str, typer.Option("--org", help="接收党组织（本系统中的党支部）。")],
    by: ByOption,
    continuity: Annotated[str, typer.Option("--continuity", help="培养教育时间：连续计算 或 自审查之日重新计算。")],
    reason: Annotated[str, typer.Option("--reason", help="转入审查的意见和理由。")],
    review_date: Annotated[str | None, typer.Option("--review-date", help="转入审查日期（默认今天）。")] = None,
    public_key: KeyOption = None,
    db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """从本系统以外的党组织转入：核验文件，建立案卷（原有记录作为转入材料），并记录转入审查。"""
    with told(as_json):
        engine, clock = _context(db)
        review = Review(continuity, reason, as_date(review_date, "转入审查日期") if review_date else None)
        done = import_case(engine, clock, _actor(engine, by, clock), _read(file), org=org, review=review,
                           trusted_public_key=public_key)
    if as_json:
        emit_json(done.as_dict())
        return
    console.print(done.sentence(), markup=False)
    if not done.already:
        console.print(f"转出方最后一条审计校验值：{done.source_hash}。请与随文件转来的纪实表上所记的核对。", markup=False)
        console.print("[yellow]案卷交换文件中含申请人的完整身份证号码，导入后请妥善保管或销毁该文件。[/yellow]")


@transfer_app.command("check")
def transfer_check(
    file: Annotated[Path, typer.Argument(help="案卷交换文件（.json）。")],
    public_key: KeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """只核验案卷交换文件（未被改动、签名有效），列出其中的记录，不导入。"""
    with told(as_json):
        received = preview(_read(file), public_key)
    person, content = received.applicant, received.content
    masked = personal.mask_id(str(person["id_number"]))
    steps = [{"step": SPECS[Step(s["step"])].label, "done_on": s["done_on"]} for s in received.steps]
    if as_json:
        emit_json({"name": person["name"], "id_number": masked, "from": content["from"]["organisation"],
                   "to": content["to"], "sha256": received.sha256, "public_key": received.public_key,
                   "last_audit_hash": content["audit"]["last_hash"], "steps": steps})
        return
    console.print(f"文件完好，签名有效。{person['name']}（身份证号 {masked}），由{content['from']['organisation']}"
                  f"转往{content['to']}。", markup=False)
    for s in steps:
        console.print(f"  {s['done_on']}  {s['step']}", markup=False)
    console.print(f"SHA-256：{received.sha256}；签名公钥：{received.public_key}", markup=False)
