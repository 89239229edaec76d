"""The weekly signed checkpoint, mailed to the higher committee by the scheduler (issue 12 item 6).

Each run (on the sweep's interval) looks at this ISO week's row in ``checkpoint_sends`` for every address in
``$FAZHAN_CHECKPOINT_TO`` (comma-separated; unset: no job). The week's first run signs the head of the trail
(``workflow.checkpoints.make``) and stores the checkpoint in a new row; the row is mailed, with the checkpoint
attached, and marked sent together with its ``checkpoint_sent`` audit event. The row, not the scheduler, is the
truth: a restart in the same week sends nothing again; a failed delivery is tried again at the next run with the
same checkpoint and the same Message-ID (a crash after the server accepted it can redeliver it once, recognisably).
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from notices.config import NoticeConfig
from notices.delivery import DeliveryError
from workflow import audit, checkpoints
from workflow.checkpoint_tables import CheckpointSend
from workflow.clock import Clock
from workflow.safe_text import header_text

log = logging.getLogger(__name__)
ENV_TO = "FAZHAN_CHECKPOINT_TO"
JOB_ID = "audit-checkpoint"
JOB_FUNC = "notices.checkpoint_job:checkpoint_job"
SENDS = CheckpointSend.__table__


@dataclass(frozen=True)
class _Target:
    engine: Engine
    clock: Clock
    config: NoticeConfig
    to: tuple[str, ...]


_TARGETS: dict[str, _Target] = {}  # the job store holds only this key: no URL, no clock pickled into it


def recipients(env: Mapping[str, str] = os.environ) -> tuple[str, ...]:
    """The higher committee's addresses, from ``$FAZHAN_CHECKPOINT_TO``."""
    return tuple(a.strip() for a in env.get(ENV_TO, "").split(",") if a.strip())


def week_of(day: date) -> str:
    """>>> week_of(date(2026, 12, 1))
    '2026-W49'
    """
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def schedule(scheduler: BaseScheduler, engine: Engine, clock: Clock, config: NoticeConfig, interval: timedelta,
             to: Sequence[str] | None = None) -> None:
    """Register the weekly job on a scheduler (once a week is the row's doing; the job only wakes it)."""
    addresses = tuple(to) if to is not None else recipients()
    if not addresses:
        if scheduler.get_job(JOB_ID) is not None:
            scheduler.remove_job(JOB_ID)  # the addresses were taken out of the configuration
        return
    key = uuid.uuid4().hex
    _TARGETS[key] = _Target(engine, clock, config, addresses)
    scheduler.add_job(JOB_FUNC, IntervalTrigger(seconds=interval.total_seconds()), id=JOB_ID,
                      name="审计检查点：每周报送上级党委", kwargs={"target": key}, replace_existing=True,
                      coalesce=True, misfire_grace_time=None, max_instances=1, next_run_time=datetime.now(UTC))


def checkpoint_job(target: str) -> list[str]:
    """The scheduled job: this week's checkpoint to every address that has not had it yet."""
    found = _TARGETS.get(target)
    if found is None:
        log.warning("检查点任务 %s 在本进程中没有登记，跳过。", target)
        return []
    return send_weekly(found.engine, found.clock, found.config, found.to)


def send_weekly(engine: Engine, clock: Clock, config: NoticeConfig, to: Sequence[str]) -> list[str]:
    """Send this week's checkpoint where it has not gone yet; the addresses it went to in this run."""
    now, week, done = clock.now(), week_of(clock.today()), []
    for recipient in to:
        row = _week_row(engine, week, recipient, now)
        if row.status == "sent":
            continue
        try:
            _mail(config, recipient, week, row, now)
        except DeliveryError as error:
            with engine.begin() as conn:
                conn.execute(update(SENDS).where(SENDS.c.id == row.id, SENDS.c.status != "sent").values(
                    status="failed", attempts=row.attempts + 1, last_error=str(error)[:500]))
            log.warning("审计检查点（%s）未能发给%s：%s", week, recipient, error)
            continue
        with engine.begin() as conn:
            if conn.execute(update(SENDS).where(SENDS.c.id == row.id, SENDS.c.status != "sent").values(
                    status="sent", attempts=row.attempts + 1, sent_at=now, last_error=None)).rowcount:
                signed = json.loads(row.checkpoint)
                audit.append(conn, kind="checkpoint_sent", actor="系统", actor_role="审计检查点", recorded_at=now,
                             payload={"week": week, "recipient": recipient, "events": signed["events"],
                                      "last_hash": signed["last_hash"], "code": row.code})
                done.append(recipient)
    return done


def _week_row(engine: Engine, week: str, recipient: str, now: datetime) -> Row[Any]:
    """The week's row, made with a freshly signed checkpoint if this is the week's first run."""
    where = (SENDS.c.week == week, SENDS.c.recipient == recipient)
    with engine.begin() as conn:
        row = conn.execute(select(SENDS).where(*where)).first()
        if row is None:
            signed = checkpoints.make(conn, now)
            try:
                with conn.begin_nested():  # another process made it meanwhile: take theirs
                    conn.execute(insert(SENDS).values(week=week, recipient=recipient, status="pending",
                                                      checkpoint=signed.to_json(), code=signed.code(),
                                                      created_at=now))
            except IntegrityError:
                pass
            row = conn.execute(select(SENDS).where(*where)).one()
    return row


def _mail(config: NoticeConfig, recipient: str, week: str, row: Row[Any], now: datetime) -> None:
    signed = checkpoints.Checkpoint(**json.loads(row.checkpoint))
    message = EmailMessage()
    message["Subject"] = header_text(f"审计检查点（{week}）：{signed.organisation}")
    message["From"] = config.smtp_sender
    message["To"] = recipient
    message["Date"] = format_datetime(now)
    message["Message-ID"] = f"<fazhan-checkpoint-{week}-{row.id}@{config.message_id_domain}>"  # same on a retry
    message.set_content(
        f"{signed.organisation}发展党员工作系统本周的审计检查点（{week}）。\n\n"
        f"事件数：{signed.events}\n检查码（可抄在纸质台账上）：{row.code}\n签发时间：{signed.made_at}\n"
        f"签名公钥：{signed.public_key}\n\n"
        "请保存附件。核验时，在该数据库上运行：\n"
        f"fazhan audit verify --checkpoint checkpoint-{week}.json --public-key 本单位报备的公钥\n"
        "核验通过，说明检查点之前的记录没有被改动、删除或调换顺序。")
    message.add_attachment(row.checkpoint.encode("utf-8"), maintype="application", subtype="json",
                           filename=f"checkpoint-{week}.json")
    try:
        with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=config.smtp_timeout) as smtp:
            if config.smtp_starttls:
                smtp.starttls()
            if config.smtp_username:
                smtp.login(config.smtp_username, config.smtp_password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryError(f"邮件发送失败（{config.smtp_host}:{config.smtp_port}）：{error}") from error
