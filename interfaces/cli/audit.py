"""``fazhan audit``: verify the keyed trail and the tables against it, sign checkpoints, rotate the key."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from interfaces.cli.app import DbOption, JsonOption, app, console, emit_json, told
from workflow import audit, checkpoints, keys, replay
from workflow.clock import Clock, clock_from_environment
from workflow.db import database_url, make_engine

audit_app = typer.Typer(help="审计链：核验、检查点、密钥。", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
EXIT_BROKEN = 1  # the trail or the tables failed verification


def _clock() -> Clock:
    return clock_from_environment(os.environ.get("FAZHAN_TODAY"))


@audit_app.command("verify")
def audit_verify(
    checkpoint: Annotated[Path | None, typer.Option("--checkpoint", help="检查点文件：证明此前的事件没有被改动、删除或调换。")] = None,
    code: Annotated[str | None, typer.Option("--code", help="台账上抄录的检查码，如 128-ABCD-EFGH-IJKL-MNOP。")] = None,
    public_key: Annotated[str | None, typer.Option("--public-key", help="上级党委保存的本数据库公钥（十六进制）。")] = None,
    chain_only: Annotated[bool, typer.Option("--chain-only", help="只核验审计链，不与各表比对。")] = False,
    db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """核验审计链（密钥签名）、重演事件并与各表比对；给出检查点时，还证明检查点之前的记录完好。"""
    engine = make_engine(db)
    with told(as_json), engine.connect() as conn:
        anchor = checkpoints.load(checkpoint) if checkpoint else None
        if chain_only:
            chain, tables = audit.verify(conn), None
        else:
            tables = replay.compare(conn)
            chain = tables.chain
        anchored = None
        if anchor is not None:
            anchored = checkpoints.check(conn, anchor, chain, public_key)
        elif code:
            anchored = checkpoints.check_code(conn, code, chain)
    intact = chain.intact and (tables is None or tables.intact) and anchored is None
    lines = tables.sentences() if tables else [chain.sentence()]
    if anchor is not None or code:
        lines.append(f"检查点核验未通过：{anchored}" if anchored else
                     f"检查点核验通过：检查点时的前{anchor.events if anchor else checkpoints.parse_code(code or '')[0]}条事件完好如初。")
    if as_json:
        emit_json({"intact": intact, "checked": chain.checked, "first_bad_seq": chain.first_bad_seq,
                   "problem": chain.problem, "differences": [d.__dict__ for d in tables.differences] if tables else None,
                   "difference_count": tables.total if tables else None, "checkpoint_problem": anchored,
                   "sentences": lines})
    else:
        for line in lines:
            console.print(("[green]" if intact else "[red]") + line)
        if tables and tables.total > 1:
            for difference in tables.differences[1:10]:
                console.print(f"  · {difference.sentence()}")
    if not intact:
        raise typer.Exit(EXIT_BROKEN)


@audit_app.command("checkpoint")
def audit_checkpoint(
    out: Annotated[Path | None, typer.Option("--out", help="写入检查点文件（交上级党委保存）。")] = None,
    db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """签发检查点：用 Ed25519 签署链头（事件数、最后一条的签名、时间、组织），并给出可抄在纸质台账上的检查码。"""
    engine = make_engine(db)
    with told(as_json), engine.connect() as conn:
        signed = checkpoints.make(conn, _clock().now())
    if out:
        out.write_text(signed.to_json(), encoding="utf-8")
    if as_json:
        emit_json({**signed.__dict__, "code": signed.code(), "file": str(out) if out else None})
        return
    console.print(f"已签发检查点：{signed.organisation}，共{signed.events}条事件，{signed.made_at}。")
    console.print(f"检查码（抄入台账）：{signed.code()}")
    if out:
        console.print(f"检查点文件：{out}（交上级党委保存；核验：fazhan audit verify --checkpoint {out}）")


@audit_app.command("public-key")
def audit_public_key(db: DbOption = None, as_json: JsonOption = False) -> None:
    """显示本数据库签发检查点所用的公钥（交上级党委保存）和审计密钥的存放位置（不显示密钥本身）。"""
    engine = make_engine(db)
    with told(as_json), engine.connect() as conn:
        store = keys.store_for(conn.engine)
        head = audit.read_head(conn)
        key = store.get(head[2]) if head and head[2] else store.current()
        if key is None:
            raise LookupError(f"链头的密钥不在{store.describe()}中。")
    if as_json:
        emit_json({"key_id": key.id, "public_key": key.public_hex(), "store": store.describe()})
        return
    console.print(f"检查点公钥（交上级党委保存）：{key.public_hex()}")
    console.print(f"密钥编号：{key.id}；审计密钥存放于：{store.describe()}（须与数据库分开备份，勿外传）")


@audit_app.command("rotate-key")
def audit_rotate_key(
    by: Annotated[str | None, typer.Option("--by", help="经办人。")] = None,
    db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """更换审计密钥：换钥本身记为一条由旧密钥签署的事件；旧密钥保留，以前的事件照样可以核验。"""
    engine = make_engine(db)
    actor = by or os.environ.get("FAZHAN_USER") or os.environ.get("USER") or "未署名"
    with told(as_json), engine.begin() as conn:
        old, new = audit.rotate_key(conn, actor=actor, actor_role="管理员", recorded_at=_clock().now())
        store = keys.store_for(conn.engine)
    if as_json:
        emit_json({"old_key_id": old, "new_key_id": new, "store": store.describe()})
        return
    console.print(f"已更换审计密钥：{old} → {new}（{store.describe()}）。新的检查点公钥请用 fazhan audit public-key 查看并交上级党委。")


def key_sentence(db: str | None) -> str:
    """For ``fazhan init``: where the audit key is, created now if it did not exist."""
    store = keys.store_for_url(database_url(db))
    store.current()
    return f"审计密钥：{store.describe()}（与数据库分开备份；丢失后不能再记录事件）"
