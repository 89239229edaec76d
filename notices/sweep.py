"""The sweep: deliver what is due, exactly once per notice and recipient, and write down what happened.

What "exactly once" means here, precisely:

* **No loss.** A notice is a row; it stays ``pending`` (or ``failed``, or ``sending``) until a delivery has
  been acknowledged and the row marked ``sent``. A scheduler that was down for days finds its rows still
  pending on restart and sends them then, with ``late = True``.
* **No duplicate row, no duplicate inbox message.** The unique key lets each notice exist once. The inbox
  message is inserted and the notice marked ``sent`` in one transaction: a crash leaves neither or both.
* **External channels (email, webhook): at most one redelivery per crash, recognisable.** Before talking
  to an SMTP server or a webhook, the sweep *claims* the row (``pending → sending``, ``attempts + 1``, a
  lease in ``next_attempt_at``) and commits. If the process dies after the server accepted the message but
  before the row is marked ``sent``, the row stays ``sending``; once its lease has expired the next sweep
  delivers it again with the *same* idempotency key: the Message-ID ``<fazhan-notice-<id>@…>`` or the
  ``X-Idempotency-Key`` header. No protocol can know whether a remote server acted on a message whose
  answer was lost; with that key the receiver can drop the copy, and nothing is ever lost.
* **Two sweeps at once** (a web process and ``fazhan scheduler``) cannot both send a row: each claim is a
  compare-and-set on ``(status, attempts)``; the loser skips the row.

A failed delivery is retried with exponential backoff (``next_attempt_at``, ``last_error``); after
``max_attempts`` it stays ``failed`` and appears in ``fazhan notices failed`` until someone retries it. A row
left ``sending`` by its last allowed attempt (the process died each time) is marked ``failed`` too, once its
lease expires: nothing stays ``sending`` for ever.
Two lanes. The fast lane (``notices.batch``) trusts the rows: every change to a case planned them in its own
transaction (``notices.planning``), so pending rows with their planning details are rendered and delivered a
batch per transaction, without planning again; a late reminder gives way to the overdue notice of its deadline.
The careful lane, row by row, takes the rest: retries, expired leases, rows planned before migration 0015, rows
whose recipient no longer holds the post, and any batch that met a concurrent change. Before it sends anything
of a case it plans the case again (``plan_case``): a notice whose reason has gone is cancelled instead of sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import groupby
from typing import Any

from jinja2 import TemplateError
from sqlalchemy import Connection, Engine, Row, bindparam, select, update

from notices.batch import Contended, deliver_batch, pending_batch
from notices.config import NoticeConfig
from notices.deadlines import parse_key
from notices.delivery import Channels, DeliveryError, Outgoing
from notices.messages import CaseInfo, case_info, notice_context
from notices.outbox import DEFAULT_SETTINGS, NOTICES, CasePlan, NoticeStatus, apply_plan, plan_case, row_key
from notices.recipients import Channel, Roster, RosterMemo
from notices.render import Rendered, render_notice
from notices.robots import RobotChannels
from workflow import outbox_trail
from workflow.fastsql import Raw, Sql, write_transaction
from workflow.roster import MEMBERS, ORGS
from workflow.services import Settings

PENDING, SENDING, SENT, FAILED, CANCELLED = (s.value for s in NoticeStatus)
# A row left in 'sending' by its last allowed attempt: the process died or hung while delivering it.
INTERRUPTED = "最后一次发送中途中断（程序退出或超时），无法确认是否送达；已达最多尝试次数，不再自动重发。"
log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    """What one sweep did, for the log, the CLI and the tests."""

    today: date
    sent: list[int] = field(default_factory=list)
    late: list[int] = field(default_factory=list)
    redelivered: list[int] = field(default_factory=list)  # taken over from a sweep that died mid-delivery
    failed: list[int] = field(default_factory=list)
    superseded: list[int] = field(default_factory=list)  # late reminders merged into the overdue notice
    cancelled: int = 0
    errors: list[int] = field(default_factory=list)  # cases whose planning failed; their rows stay due
    would_send: list[dict[str, Any]] = field(default_factory=list)  # dry run only

    def merge(self, other: SweepReport) -> None:
        """Add what one case's committed transaction did."""
        for name in ("sent", "late", "redelivered", "failed", "superseded", "errors", "would_send"):
            getattr(self, name).extend(getattr(other, name))
        self.cancelled += other.cancelled

    def sentence(self) -> str:
        return (f"{self.today.isoformat()}：发送{len(self.sent)}条（其中补发{len(self.late)}条），"
                f"失败{len(self.failed)}条，取消{self.cancelled}条。")


_DUE_COLUMNS = (NOTICES.c.id, NOTICES.c.case_id)
# Ordered along the index: ``ORDER BY id`` would make SQLite walk the whole table in id order instead.
DUE_QUERIES = tuple(query.order_by(NOTICES.c.send_on, NOTICES.c.id).limit(bindparam("batch")) for query in (
    select(*_DUE_COLUMNS).where(NOTICES.c.status == PENDING, NOTICES.c.send_on <= bindparam("today")),
    select(*_DUE_COLUMNS).where(NOTICES.c.status == FAILED, NOTICES.c.send_on <= bindparam("today"),
                                NOTICES.c.next_attempt_at <= bindparam("now"),
                                NOTICES.c.attempts < bindparam("max_attempts")),
    select(*_DUE_COLUMNS).where(NOTICES.c.status == SENDING, NOTICES.c.send_on <= bindparam("today"),
                                NOTICES.c.next_attempt_at <= bindparam("now")),
))
ROWS_BY_IDS = select(NOTICES).where(NOTICES.c.id.in_(bindparam("row_ids", expanding=True))).order_by(NOTICES.c.id)
# Every change of a row is a compare-and-set on what this sweep saw: (status, attempts).
_UNCHANGED = (NOTICES.c.id == bindparam("row_id"), NOTICES.c.status == bindparam("seen_status"),
              NOTICES.c.attempts == bindparam("seen_attempts"))
CLAIM = update(NOTICES).where(*_UNCHANGED).values(
    status=SENDING, attempts=bindparam("new_attempts"), next_attempt_at=bindparam("lease_until"),
    subject=bindparam("new_subject"), body=bindparam("new_body"))
MARK_SENT = update(NOTICES).where(*_UNCHANGED).values(
    status=SENT, attempts=bindparam("new_attempts"), sent_at=bindparam("sent_moment"), late=bindparam("is_late"),
    next_attempt_at=None, last_error=None, subject=bindparam("new_subject"), body=bindparam("new_body"))
MARK_FAILED = update(NOTICES).where(*_UNCHANGED).values(
    status=FAILED, attempts=bindparam("new_attempts"), next_attempt_at=bindparam("retry_at"),
    last_error=bindparam("error"))
MEMBER_ADDRESS = select(MEMBERS.c.name, MEMBERS.c.email).where(MEMBERS.c.id == bindparam("target_id"))
ROBOT_ADDRESS = select(ORGS.c.name, ORGS.c.webhook_url).where(ORGS.c.id == bindparam("target_id"))


def due_rows(conn: Connection, today: date, now: datetime, config: NoticeConfig, limit: int) -> list[Row[Any]]:
    """Rows to work on now, each query served by the ``(status, send_on)`` index."""
    values = {"today": today, "now": now, "max_attempts": config.max_attempts, "batch": limit}
    rows: dict[int, Row[Any]] = {}
    for query in DUE_QUERIES:
        for row in conn.execute(query, values):
            rows.setdefault(row.id, row)
    return sorted(rows.values(), key=lambda r: (r.case_id, r.id))[:limit]


def _is_due(row: Row[Any], today: date, now: datetime, config: NoticeConfig) -> bool:
    if row.send_on > today:
        return False
    if row.status == PENDING:
        return True
    if row.status == FAILED:
        return row.attempts < config.max_attempts and row.next_attempt_at is not None and row.next_attempt_at <= now
    return row.status == SENDING and row.next_attempt_at is not None and row.next_attempt_at <= now


def sweep(engine: Engine, today: date, now: datetime, config: NoticeConfig, channels: Channels | None = None,
          *, settings: Settings = DEFAULT_SETTINGS, dry_run: bool = False) -> SweepReport:
    """Deliver every due notice: ``today`` and ``now`` come from the caller's clock, read once."""
    channels = channels or RobotChannels(config, engine)  # 钉钉/企业微信 robots set up in the web (issue 16)
    report, seen, memo = SweepReport(today), set[int](), RosterMemo(today)
    if not dry_run:
        _fast_lane(engine, today, now, config, settings, memo, channels, report)
    while True:  # the careful lane: retries, taken-over leases, rows planned before 0015, contended batches
        with engine.connect() as conn:
            batch = [r for r in due_rows(conn, today, now, config, config.batch_size) if r.id not in seen]
        if not batch:
            return report
        for case_id, rows in groupby(batch, key=lambda r: r.case_id):
            ids = [r.id for r in rows]
            seen.update(ids)
            if dry_run:
                try:
                    _preview_case(engine, case_id, ids, today, now, config, settings, memo, report)
                except Exception:  # noqa: BLE001  one broken case must not hide everyone else's notices
                    log.exception("案卷%s的通知预览出错。", case_id)
                    report.errors.append(case_id)
            else:
                _careful(engine, case_id, ids, today, now, config, settings, memo, channels, report)
        if dry_run:
            return report  # nothing changed, so the next batch would be the same one


def _fast_lane(engine: Engine, today: date, now: datetime, config: NoticeConfig, settings: Settings,
               memo: RosterMemo, channels: Channels, report: SweepReport) -> None:
    """Pending rows with their planning details, a batch per transaction (``notices.batch``)."""
    handed = set[int]()  # rows given to the careful lane: met again only if it could not settle them
    while True:
        done, claimed = SweepReport(today), []
        try:
            with write_transaction(engine) as conn:
                rows = pending_batch(Raw(conn), today, config.batch_size)
                if not rows or handed.issuperset(r.id for r in rows):
                    return  # whatever is left goes to the careful lane
                result = deliver_batch(conn, [r for r in rows if r.id not in handed], today, now, config, memo)
                for row, error in result.failed:  # listed like any failed notice; retried with backoff
                    _failed(conn, row, row.attempts + 1, error, now, config, done)  # type: ignore[arg-type]
                # issue 12 (engineer E): the batch's delivery outcomes, one audit event (workflow/outbox_trail.py)
                outbox_trail.record(conn, [(i, SENT) for i in result.sent] + [(i, FAILED) for i in done.failed], now)
                claimed = [(row, rendered, _target(conn, row)) for row, rendered in result.claimed]  # type: ignore[arg-type]
        except Contended:
            log.info("一批通知在发送时被其他进程改动，改为逐条处理。")
            return
        except Exception:  # the batch is rolled back; the careful lane goes through its rows one case at a time
            log.exception("成批发送通知出错，改为逐条处理。")
            return
        done.sent, done.late, done.superseded = result.sent, result.late, result.superseded
        done.cancelled = len(result.superseded)
        report.merge(done)
        for row, rendered, target in claimed:
            _send_external(engine, row, rendered, target, today, now, config, channels, report)  # type: ignore[arg-type]
        handed.update(r.id for r in result.stale)
        for case_id, stale in groupby(sorted(result.stale, key=lambda r: r.case_id), key=lambda r: r.case_id):
            _careful(engine, case_id, [r.id for r in stale], today, now, config, settings, memo, channels, report)


def _careful(engine: Engine, case_id: int, ids: list[int], today: date, now: datetime, config: NoticeConfig,
             settings: Settings, memo: RosterMemo, channels: Channels, report: SweepReport) -> None:
    try:
        _sweep_case(engine, case_id, ids, today, now, config, settings, memo, channels, report)
    except Exception:  # one broken case must not hold up everyone else's notices; its rows stay due
        log.exception("案卷%s的通知处理出错，下次检查时重试。", case_id)
        report.errors.append(case_id)


def _sweep_case(engine: Engine, case_id: int, ids: list[int], today: date, now: datetime, config: NoticeConfig,
                settings: Settings, memo: RosterMemo, channels: Channels, report: SweepReport) -> None:
    """Plan the case, deliver its inbox notices and claim the others in one transaction; then send the others.

    The inbox messages are committed together with their ``sent`` marks and the planning: a crash leaves all of
    it undone and the rows still due. Email and webhook rows leave the transaction claimed (``sending``).
    """
    done, claimed = SweepReport(today), []
    with write_transaction(engine) as conn:
        plan = plan_case(conn, case_id, today, config, settings, memo)
        done.cancelled += apply_plan(conn, plan, today, now).cancelled
        info: list[CaseInfo] = []  # looked up once, and only if something needs rendering
        for row in conn.execute(ROWS_BY_IDS, {"row_ids": ids}):
            if not _is_due(row, today, now, config):
                continue  # cancelled by the planning above, or taken by another sweep
            if row.status == SENDING and row.attempts >= config.max_attempts:
                _failed(conn, row, row.attempts, INTERRUPTED, now, config, done)  # no further attempt: listed
                continue
            try:
                rendered = notice_text(conn, row, plan, info, today, config)
            except TemplateError as error:
                _failed(conn, row, row.attempts + 1, f"模板错误：{error}", now, config, done)
                continue
            if row.channel == Channel.INBOX.value:
                _deliver_inbox(conn, row, rendered, today, now, done)
            elif _claim(conn, row, rendered, now, config):
                claimed.append((row, rendered, _target(conn, row)))
        # issue 12 (engineer E): this transaction's delivery outcomes, one audit event (workflow/outbox_trail.py)
        outbox_trail.record(conn, [(i, SENT) for i in done.sent] + [(i, FAILED) for i in done.failed], now)
    report.merge(done)
    for row, rendered, target in claimed:
        _send_external(engine, row, rendered, target, today, now, config, channels, report)


def _preview_case(engine: Engine, case_id: int, ids: list[int], today: date, now: datetime, config: NoticeConfig,
                  settings: Settings, memo: RosterMemo, report: SweepReport) -> None:
    """What the sweep would do, in a transaction that is rolled back."""
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            plan = plan_case(conn, case_id, today, config, settings, memo)
            report.cancelled += apply_plan(conn, plan, today, now).cancelled
            info: list[CaseInfo] = []
            for row in conn.execute(ROWS_BY_IDS, {"row_ids": ids}):
                if not _is_due(row, today, now, config):
                    continue
                rendered = notice_text(conn, row, plan, info, today, config)
                report.would_send.append({"id": row.id, "case_id": row.case_id, "kind": row.kind,
                                          "recipient": row.recipient, "channel": row.channel,
                                          "late": today > row.send_on, "subject": rendered.subject})
        finally:
            transaction.rollback()


def notice_text(conn: Connection, row: Row[Any], plan: CasePlan, info: list[CaseInfo], today: date,
                config: NoticeConfig) -> Rendered:
    """The row's text: as first rendered (a redelivery says the same), or rendered now from the plan."""
    if row.body:
        return Rendered(row.subject, row.body)
    planned = plan.planned.get(row_key(row))
    if planned is None:
        raise TemplateError("该通知已不再需要，无法生成内容。")
    if not info:
        info.append(case_info(conn, Roster(conn, today, plan.memo), plan.case_id, config))
    return render_notice(parse_key(row.kind)[0], notice_context(info[0], planned.notice, planned.recipient.name,
                                                                today), config.templates_dir)


def _send_external(engine: Engine, row: Row[Any], rendered: Rendered, target: tuple[str, str] | None, today: date,
                   now: datetime, config: NoticeConfig, channels: Channels, report: SweepReport) -> None:
    """One claimed email or webhook: deliver with the notice's idempotency key, then write down the outcome."""
    if row.status == SENDING:
        report.redelivered.append(row.id)
    try:
        if target is None:
            raise DeliveryError("收件人没有邮箱地址或 Webhook 地址（可能已被删除）。")
        outgoing = Outgoing(row.id, target[0], target[1], rendered.subject, rendered.body)
        if row.channel == Channel.EMAIL.value:
            channels.send_email(outgoing, now)
        else:
            channels.post_webhook(outgoing, now)
    except DeliveryError as error:
        with engine.begin() as conn:
            before = len(report.failed)
            _failed(conn, row, row.attempts + 1, str(error), now, config, report, claimed=True)
            outbox_trail.record(conn, [(i, FAILED) for i in report.failed[before:]], now)  # issue 12: audited
        return
    with engine.begin() as conn:
        if _mark_sent(conn, row, (SENDING, row.attempts + 1), today, now, report, rendered):
            outbox_trail.record(conn, [(row.id, SENT)], now)  # issue 12: audited with the change


def _seen(row: Row[Any], status: str, attempts: int) -> dict[str, Any]:
    return {"row_id": row.id, "seen_status": status, "seen_attempts": attempts}


# The inbox path runs once per notice: on the driver (workflow/fastsql.py), as Core's UtcDateTime would store.
MARK_SENT_RAW = Sql(
    "UPDATE notices SET status = 'sent', attempts = :new_attempts, sent_at = :sent_moment, late = :is_late,"
    " next_attempt_at = NULL, last_error = NULL, subject = :new_subject, body = :new_body"
    " WHERE id = :row_id AND status = :seen_status AND attempts = :seen_attempts")
INBOX_INSERT = Sql("INSERT INTO inbox_messages (member_id, notice_id, subject, body, created_at)"
                   " VALUES (:member_id, :notice_id, :subject, :body, :created_at) ON CONFLICT (notice_id) DO NOTHING")


def _deliver_inbox(conn: Connection, row: Row[Any], rendered: Rendered, today: date, now: datetime,
                   report: SweepReport) -> None:
    """Inbox message and ``sent`` in one transaction: delivered exactly once, or not at all.

    The message's UNIQUE ``notice_id`` keeps a redelivery from inserting a second copy (notices/delivery.py).
    """
    raw = Raw(conn)
    late = today > row.send_on
    marked = raw.execute(MARK_SENT_RAW, {**_seen(row, row.status, row.attempts), "new_attempts": row.attempts + 1,
                                         "sent_moment": now, "is_late": late, "new_subject": rendered.subject,
                                         "new_body": rendered.body}).rowcount
    if not marked:
        return
    report.sent.append(row.id)
    if late:
        report.late.append(row.id)
    raw.execute(INBOX_INSERT, {"member_id": int(row.recipient.partition(":")[2]), "notice_id": row.id,
                               "subject": rendered.subject, "body": rendered.body, "created_at": now})


def _claim(conn: Connection, row: Row[Any], rendered: Rendered, now: datetime, config: NoticeConfig) -> bool:
    """``→ sending`` with a lease; committed before the message leaves, so a crash leaves a trace."""
    return bool(conn.execute(CLAIM, {**_seen(row, row.status, row.attempts), "new_attempts": row.attempts + 1,
                                     "lease_until": now + timedelta(seconds=config.lease_seconds),
                                     "new_subject": rendered.subject, "new_body": rendered.body}).rowcount)


def _mark_sent(conn: Connection, row: Row[Any], expected: tuple[str, int], today: date, now: datetime,
               report: SweepReport, rendered: Rendered) -> bool:
    """``→ sent`` if the row is still as this sweep left it (``expected`` status and attempts)."""
    late = today > row.send_on
    done = bool(conn.execute(MARK_SENT, {**_seen(row, *expected), "new_attempts": row.attempts + 1,
                                         "sent_moment": now, "is_late": late, "new_subject": rendered.subject,
                                         "new_body": rendered.body}).rowcount)
    if done:
        report.sent.append(row.id)
        if late:
            report.late.append(row.id)
    return done


def _failed(conn: Connection, row: Row[Any], attempts: int, error: str, now: datetime, config: NoticeConfig,
            report: SweepReport, *, claimed: bool = False) -> None:
    """Retry later with backoff, or stay failed (and listed) after the last attempt."""
    final = attempts >= config.max_attempts
    retry_at = None if final else now + timedelta(seconds=config.backoff(attempts))
    seen = _seen(row, SENDING, attempts) if claimed else _seen(row, row.status, row.attempts)
    if conn.execute(MARK_FAILED, {**seen, "new_attempts": attempts, "retry_at": retry_at,
                                  "error": error[:500]}).rowcount:
        report.failed.append(row.id)


def _target(conn: Connection, row: Row[Any]) -> tuple[str, str] | None:
    """(name, address) as the roster has them now: an email changed since planning is used at once."""
    kind, _, number = row.recipient.partition(":")
    if kind == "member":
        found = conn.execute(MEMBER_ADDRESS, {"target_id": int(number)}).first()
        return (found.name, found.email) if found and found.email else None
    found = conn.execute(ROBOT_ADDRESS, {"target_id": int(number)}).first()
    return (found.name, found.webhook_url) if found and found.webhook_url else None

