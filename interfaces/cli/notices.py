"""Commands for notices: the scheduler, the outbox (list, preview, send-due, refresh, retry) and the inbox.

    fazhan scheduler                         # runs the scheduler in the foreground (Ctrl-C stops it)
    fazhan notices list [--failed] [--case 李明]
    fazhan notices failed [--case 李明]      # what could not be delivered, and why
    fazhan notices retry 12 [--by 王芳]
    fazhan notices preview 12
    fazhan notices send-due --on 2025-03-10 [--dry-run]
    fazhan notices refresh [--on 2025-03-10] [--case 李明]
    fazhan inbox 陈静 [--unread]
    fazhan inbox read 7
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer
from sqlalchemy import Engine

from interfaces.cli.app import EXIT_USAGE, DbOption, JsonOption, app, as_date, console, emit_json, fail, told
from interfaces.cli.records import ByOption, _actor
from notices import failures, outbox
from notices import inbox as inbox_service
from notices.outbox import NoticeStatus
from notices.sweep import sweep
from states.periods import cn_date
from workflow import services
from workflow.clock import BEIJING, Clock, FixedClock, clock_from_environment
from workflow.db import database_url, make_engine

notices_app = typer.Typer(help="通知：期限提醒、逾期上报、公示和会议通知的发件箱。", no_args_is_help=True)
app.add_typer(notices_app, name="notices")

OnOption = Annotated[str | None, typer.Option("--on", help="以哪一天为“今天”，如 2025-03-10（默认今天）。")]
CaseOption = Annotated[str | None, typer.Option("--case", help="只看某一申请人（案卷编号或姓名）。")]


def _engine(db: str | None) -> Engine:
    return make_engine(db)


def _clock(on: str | None = None) -> Clock:
    """The clock of the command: ``--on`` fixes "today"; otherwise ``FAZHAN_TODAY`` or the real clock."""
    clock = clock_from_environment(os.environ.get("FAZHAN_TODAY"))
    if on is None:
        return clock
    day = as_date(on)  # one parser, one Chinese error (a ValueError, as before)
    return clock if clock.today() == day else FixedClock.on(day)


def _local(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return f"{(moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(BEIJING):%Y-%m-%d %H:%M}"


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date | datetime) else v) for k, v in row.items()}


@app.command("scheduler")
def scheduler_command(
    interval: Annotated[int | None, typer.Option("--interval", help="每隔多少秒检查一次到期通知（默认300）。")] = None,
    status: Annotated[bool, typer.Option("--status", help="只显示数据库中登记的定时任务，不运行。")] = False,
    db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """在前台运行通知定时任务：定时发送到期的提醒（按 Ctrl-C 停止）。"""
    from notices import scheduler  # APScheduler takes a moment to import: only this command needs it

    if status:
        job = scheduler.stored_job(_engine(db))
        if as_json:
            emit_json(_plain(job) if job else None)
        elif job is None:
            console.print("数据库中还没有登记通知定时任务（首次运行 fazhan scheduler 时登记）。")
        else:
            console.print(f"定时任务 {job['id']}：每{job['interval_seconds']:g}秒一次，下次运行 {_local(job['next_run_time'])}，"
                          f"合并补跑={job['coalesce']}，错过宽限={job['misfire_grace_time'] or '不限'}。")
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    with told(as_json):
        console.print(f"通知定时任务已启动（{database_url(db)}），按 Ctrl-C 停止。")
        scheduler.run_foreground(db, interval_seconds=interval)
    console.print("通知定时任务已停止。")


def _status(text: str | None) -> str | None:
    """The state as people say it (待发送) or as stored (pending)."""
    if text is None:
        return None
    found = next((s for s in NoticeStatus if text.strip() in {s.value, s.label}), None)
    if found is None:
        raise ValueError(f"「{text}」不是通知的状态，可选：{'、'.join(s.label for s in NoticeStatus)}。")
    return found.value


@notices_app.command("list")
def list_command(
    failed: Annotated[bool, typer.Option("--failed", help="只列发送失败的通知。")] = False,
    case: CaseOption = None,
    status: Annotated[str | None, typer.Option("--status", help="待发送、发送中、已发送、发送失败或已取消。")] = None,
    limit: Annotated[int, typer.Option("--limit", help="最多列出多少条。")] = 200,
    db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """列出发件箱中的通知：收件人、渠道、发送日期和状态；--failed 只列发送失败的。"""
    engine = _engine(db)
    with told(as_json):
        case_id = services.find_case(engine, case) if case else None
        rows = inbox_service.list_notices(engine, failed=failed, case_id=case_id, status=_status(status), limit=limit)
    if as_json:
        emit_json([_plain(r) for r in rows])
        return
    for r in rows:
        extra = f"，已尝试{r['attempts']}次：{r['last_error']}" if r["status"] == "failed" else ""
        late = "（补发）" if r["late"] else ""
        console.print(f"{r['id']}. {cn_date(r['send_on'])} {r['kind_label']}（{r['applicant']}）→ {r['recipient_name']}"
                      f"［{r['channel']}］{NoticeStatus(r['status']).label}{late}{extra}")
    console.print(f"共{len(rows)}条。")


@notices_app.command("preview")
def preview_command(notice_id: int, on: OnOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """显示一条通知的标题和正文（已发送的显示发出的内容），不发送。"""
    engine = _engine(db)
    with told(as_json):
        row, subject, body = inbox_service.preview(engine, notice_id, _clock(on).today(), outbox.current_config())
    if as_json:
        emit_json({**_plain(row), "subject": subject, "body": body})
        return
    typer.echo(f"{subject}\n\n{body}")


@notices_app.command("send-due")
def send_due_command(
    on: OnOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只列出将要发送和取消的通知，不发送、不改动。")] = False,
    db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """发送截至某日到期的通知（定时任务做的就是这件事）；--dry-run 只预演。"""
    engine = _engine(db)
    with told(as_json):
        clock = _clock(on)
        report = sweep(engine, clock.today(), clock.now(), outbox.current_config(), dry_run=dry_run)
    if as_json:
        emit_json({"today": report.today.isoformat(), "dry_run": dry_run, "sent": report.sent, "late": report.late,
                   "redelivered": report.redelivered, "failed": report.failed, "cancelled": report.cancelled,
                   "would_send": report.would_send})
        return
    if dry_run:
        for item in report.would_send:
            late = "（补发）" if item["late"] else ""
            console.print(f"将发送 {item['id']}. {item['subject']} → {item['recipient']}［{item['channel']}］{late}",
                          markup=False)
        console.print(f"预演：将发送{len(report.would_send)}条，将取消{report.cancelled}条（未作任何改动）。")
        return
    console.print(report.sentence())
    if report.failed:
        console.print("[yellow]发送失败的通知将按间隔重试；可用 fazhan notices list --failed 查看。[/yellow]")


@notices_app.command("refresh")
def refresh_command(on: OnOption = None, case: CaseOption = None, db: DbOption = None,
                    as_json: JsonOption = False) -> None:
    """按申请人的最新情况重新计算通知：补上缺少的，取消已无必要的（可重复执行）。"""
    engine = _engine(db)
    with told(as_json):
        clock = _clock(on)
        config = outbox.current_config()
        if case:
            result = outbox.refresh_case(engine, services.find_case(engine, case), clock.today(), config, now=clock.now())
            counts = {"cases": 1, "inserted": result.inserted, "cancelled": result.cancelled}
        else:
            counts = {"cases": outbox.refresh_all(engine, clock.today(), config, now=clock.now())}
    if as_json:
        emit_json(counts)
        return
    detail = f"，新增{counts['inserted']}条、取消{counts['cancelled']}条" if "inserted" in counts else ""
    console.print(f"已重新计算{counts['cases']}名申请人的通知{detail}。")


@notices_app.command("failed")
def failed_command(
    case: CaseOption = None,
    limit: Annotated[int, typer.Option("--limit", help="最多列出多少条。")] = 500,
    db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """列出发送失败的通知和原因：先列不再自动重发、需要有人处理的，再列等待自动重试的。"""
    engine = _engine(db)
    with told(as_json):
        rows = failures.failed_notices(engine, limit=limit)
        if case:
            case_id = services.find_case(engine, case)
            rows = [r for r in rows if r.case_id == case_id]
    if as_json:
        emit_json([r.as_dict() for r in rows])
        return
    for r in rows:
        console.print(r.sentence())
    stuck = sum(r.gave_up for r in rows)  # no automatic attempt left
    console.print(f"共{len(rows)}条发送失败，其中{stuck}条需要有人处理（核实后用 fazhan notices retry 编号 重发）。")


@notices_app.command("retry")
def retry_command(notice_id: int, by: ByOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """把发送失败的通知放回待发送队列，下次检查时重发（记入审计链）。"""
    engine = _engine(db)
    with told(as_json):
        clock = _clock()
        actor = _actor(engine, by, clock.today())
        failures.retry_notice(engine, notice_id, actor=actor.name, actor_role=actor.role, now=clock.now())
    emit_json({"id": notice_id, "status": "pending"}) if as_json else console.print(f"通知{notice_id}已放回待发送队列。")


@app.command("inbox")
def inbox_command(
    words: Annotated[list[str], typer.Argument(help="党员姓名；或 fazhan inbox read 之后写消息编号。")],
    unread: Annotated[bool, typer.Option("--unread", help="只看未读消息。")] = False,
    db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """站内消息：fazhan inbox 姓名 [--unread] 查看；fazhan inbox read 编号 标为已读并显示全文。"""
    engine = _engine(db)
    if words[0] == "read":
        if len(words) != 2 or not words[1].isdigit():
            raise fail("用法：fazhan inbox read 消息编号", EXIT_USAGE)
        with told(as_json):
            item = inbox_service.mark_read(engine, int(words[1]), _clock().now())
        if as_json:
            emit_json(_plain(item.__dict__))
        else:
            typer.echo(f"{item.subject}\n\n{item.body}")
        return
    if len(words) != 1:
        raise fail("用法：fazhan inbox 姓名 [--unread]", EXIT_USAGE)
    with told(as_json):
        _, items = inbox_service.inbox_of(engine, words[0], unread_only=unread)
    if as_json:
        emit_json([_plain(i.__dict__) for i in items])
        return
    for item in items:
        mark = "  " if item.read_at else "● "
        console.print(f"{mark}{item.id}. {_local(item.created_at)} {item.subject}", markup=False)
    unread_count = sum(1 for i in items if i.read_at is None)
    console.print(f"共{len(items)}条，其中未读{unread_count}条。用 fazhan inbox read 编号 阅读。")
