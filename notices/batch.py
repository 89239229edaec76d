"""The sweep's fast lane: pending notices planned with their details, delivered a batch per transaction.

Planning happens in the transaction that changes a case (``notices.planning``) and writes, on every row, what
the sweep needs to render it (``notices.stored``). So the sweep trusts the rows: it plans nothing again. Per
batch of due rows, in one transaction:

1. a reminder whose deadline has passed gives way to the latest notice of its series that is due (issue 16
   item 5: a late reminder and the overdue notice of the same deadline are one message, not two);
2. each template series is rendered once and filled per notice (``render.SeriesRenderer``);
3. a row whose recipient no longer holds the post (a new 书记, a transferred case) is handed to the careful lane,
   which plans its case again from today's roster;
4. inbox rows are marked ``sent`` and their messages inserted, email and webhook rows claimed (``sending``), each
   with one ``executemany`` that compares-and-sets ``(status, attempts)``.

If any row of the batch changed under us (another sweep, a retry from the web), the whole transaction is rolled
back and the batch is left to the careful lane (``notices.sweep``, row by row): a batch is all marked or
not at all, so exactly-once holds across a crash exactly as before. Claimed external rows are sent after the
commit, one by one, with their idempotency keys (``notices.sweep._send_external``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from jinja2 import TemplateError
from sqlalchemy import Connection

from notices.config import NoticeConfig
from notices.deadlines import Audience, DueNotice, NoticeKind
from notices.messages import CaseInfo, case_info_of, notice_context
from notices.recipients import Channel, Roster, RosterMemo
from notices.render import Rendered, SeriesRenderer
from notices.stored import decode, liaisons_of
from workflow.fastsql import Raw, Sql

PENDING_DUE = Sql(
    "SELECT id, case_id, kind, due_on, send_on, recipient, channel, reminder_offset, attempts, detail FROM notices"
    " WHERE status = 'pending' AND send_on <= :today AND detail IS NOT NULL ORDER BY send_on, id LIMIT :batch")
# The series of the late rows of a batch: the highest offset of each that is due (or already went out).
SERIES_LATEST = ("SELECT case_id, kind, due_on, recipient, channel, MAX(reminder_offset) FROM notices"
                 " WHERE case_id IN ({}) AND due_on < :today AND send_on <= :today"
                 " AND status IN ('pending', 'failed', 'sending', 'sent')"
                 " GROUP BY case_id, kind, due_on, recipient, channel")
CASES_OF = "SELECT c.id, c.organisation_id, a.name FROM cases c JOIN applicants a ON a.id = c.applicant_id WHERE c.id IN ({})"
MEMBERS_OF = "SELECT id, name FROM members WHERE id IN ({})"
MARK_SENT = Sql(
    "UPDATE notices SET status = 'sent', attempts = :new_attempts, sent_at = :sent_moment, late = :is_late,"
    " next_attempt_at = NULL, last_error = NULL, subject = :new_subject, body = :new_body"
    " WHERE id = :row_id AND status = 'pending' AND attempts = :seen_attempts")
CLAIM = Sql(
    "UPDATE notices SET status = 'sending', attempts = :new_attempts, next_attempt_at = :lease_until,"
    " subject = :new_subject, body = :new_body WHERE id = :row_id AND status = 'pending' AND attempts = :seen_attempts")
SUPERSEDE = Sql("UPDATE notices SET status = 'cancelled', last_error = :note"
                " WHERE id = :row_id AND status = 'pending' AND attempts = :seen_attempts")
INBOX_INSERT = Sql("INSERT INTO inbox_messages (member_id, notice_id, subject, body, created_at)"
                   " VALUES (:member_id, :notice_id, :subject, :body, :created_at) ON CONFLICT (notice_id) DO NOTHING")
SUPERSEDED = "逾期后不再单独发送：同一期限的逾期通知已一并提醒。"


class DueRow(NamedTuple):
    """One pending row as the fast lane reads it (the attributes ``notices.sweep`` reads of a row)."""

    id: int
    case_id: int
    kind: str
    due_on: date
    send_on: date
    recipient: str
    channel: str
    reminder_offset: int
    attempts: int
    detail: str
    status: str = "pending"

    @property
    def series(self) -> tuple[int, str, date, str, str]:
        return (self.case_id, self.kind, self.due_on, self.recipient, self.channel)


class Contended(Exception):
    """A row of the batch changed under this sweep: the batch is rolled back and left to the careful lane."""


@dataclass
class BatchResult:
    sent: list[int]
    late: list[int]
    superseded: list[int]
    claimed: list[tuple[DueRow, Rendered]]
    failed: list[tuple[DueRow, str]]  # rows whose template failed: marked failed in the same transaction
    stale: list[DueRow]  # the roster moved on since planning: the careful lane plans their cases again


def pending_batch(raw: Raw, today: date, size: int) -> list[DueRow]:
    return [DueRow(i, case, kind, raw.date(due), raw.date(send), who, channel, offset, attempts, detail)  # type: ignore[arg-type]
            for i, case, kind, due, send, who, channel, offset, attempts, detail
            in raw.execute(PENDING_DUE, {"today": today, "batch": size})]


def _in(raw: Raw, template: str, values: Sequence[Any], extra: dict[str, Any] | None = None) -> Any:
    """``template`` with ``IN (…)`` over ``values``, bound as numbered parameters (one statement, any size)."""
    names = {f"v{i}": v for i, v in enumerate(values)}
    return raw.execute(Sql(template.format(", ".join(f":{n}" for n in names))), {**names, **(extra or {})})


def superseded(raw: Raw, rows: Iterable[DueRow], today: date) -> list[DueRow]:
    """Late reminders that give way to a later notice of the same deadline to the same recipient."""
    late = [r for r in rows if r.due_on < today]
    if not late:
        return []
    latest = {tuple(found[:5]): found[5] for found in _in(raw, SERIES_LATEST, sorted({r.case_id for r in late}),
                                                          {"today": today})}
    return [r for r in late if latest.get(_series_of(raw, r), r.reminder_offset) > r.reminder_offset]


def _series_of(raw: Raw, row: DueRow) -> tuple[Any, ...]:
    due = row.due_on.isoformat() if raw.sqlite else row.due_on
    return (row.case_id, row.kind, due, row.recipient, row.channel)


class Texts:
    """The words of each notice in a batch: cases, names and organisations read once per batch, not per row."""

    def __init__(self, raw: Raw, roster: Roster, config: NoticeConfig, today: date) -> None:
        self.raw, self.roster, self.config, self.today = raw, roster, config, today
        self.renderer = SeriesRenderer(config.templates_dir)
        self.cases: dict[int, CaseInfo] = {}
        self.members: dict[int, str] = {}
        self.orgs: dict[int, CaseInfo] = {}  # what a case's notices say of its organisation, per organisation
        self.notices: dict[tuple[Any, ...], tuple[DueNotice, NoticeKind]] = {}
        self.organisation: dict[int, int] = {}  # case → its organisation now
        self.addressed: dict[tuple[Any, ...], set[tuple[str, str]]] = {}

    def load(self, rows: Sequence[DueRow]) -> None:
        cases = sorted({r.case_id for r in rows} - self.cases.keys())
        if cases:
            for case_id, org, name in _in(self.raw, CASES_OF, cases):
                if org not in self.orgs:
                    self.orgs[org] = case_info_of(self.roster, 0, org, "", self.config)
                self.cases[case_id] = replace(self.orgs[org], case_id=case_id, applicant=name)
                self.organisation[case_id] = org
        members = sorted({int(r.recipient.partition(":")[2]) for r in rows if r.recipient.startswith("member:")}
                         - self.members.keys())
        if members:
            self.members.update((i, name) for i, name in _in(self.raw, MEMBERS_OF, members))

    def _notice(self, row: DueRow) -> tuple[tuple[Any, ...], DueNotice, NoticeKind]:
        # Every row of one series (same deadline, day and details) shares its notice and its rendering.
        series = (row.kind, row.detail, row.due_on, row.send_on, row.reminder_offset)
        found = self.notices.get(series)
        if found is None:
            notice = decode(row.detail, row.kind, row.due_on, row.send_on, row.reminder_offset)
            found = self.notices[series] = (notice, notice.kind)
        return (series, *found)

    def still_addressed(self, row: DueRow) -> bool:
        """Whether the roster of today still sends this notice to this recipient (a new 书记, a transfer …)."""
        notice = self._notice(row)[1]
        if not notice.audience:
            return True
        liaisons = liaisons_of(row.detail) if Audience.LIAISONS in notice.audience else ()
        key = (notice.audience, self.organisation[row.case_id], liaisons)
        if key not in self.addressed:
            self.addressed[key] = {(r.address, r.channel.value)
                                   for r in self.roster.recipients(notice.audience, key[1], list(liaisons))}
        return (row.recipient, row.channel) in self.addressed[key]

    def render(self, row: DueRow) -> Rendered:
        kind, number = row.recipient.partition(":")[::2]
        name = self.members[int(number)] if kind == "member" else self.roster.organisation(int(number)).name
        series, notice, notice_kind = self._notice(row)
        context = notice_context(self.cases[row.case_id], notice, name, self.today)
        return self.renderer.render(notice_kind, context, series)


def deliver_batch(conn: Connection, rows: list[DueRow], today: date, now: datetime, config: NoticeConfig,
                  memo: RosterMemo) -> BatchResult:
    """Everything the transaction of one batch does (the caller commits, or rolls back on ``Contended``)."""
    raw, result = Raw(conn), BatchResult([], [], [], [], [], [])
    gone = superseded(raw, rows, today)
    if gone:
        _all_or_nothing(raw, SUPERSEDE, [{"row_id": r.id, "seen_attempts": r.attempts, "note": SUPERSEDED}
                                         for r in gone])
        result.superseded = [r.id for r in gone]
        rows = [r for r in rows if r not in gone]
    texts = Texts(raw, Roster(conn, today, memo), config, today)
    texts.load(rows)
    sent, claims, inbox = [], [], []
    moment = raw.bind({"m": now})["m"]  # converted once for the whole batch
    until = raw.bind({"m": now + timedelta(seconds=config.lease_seconds)})["m"]
    for row in rows:
        if row.case_id not in texts.cases or not texts.still_addressed(row):
            result.stale.append(row)
            continue
        try:
            rendered = texts.render(row)
        except (TemplateError, TypeError, ValueError, KeyError) as error:  # a deployment's template, a deleted member
            result.failed.append((row, f"模板错误：{error}"))
            continue
        common = {"row_id": row.id, "seen_attempts": row.attempts, "new_attempts": row.attempts + 1,
                  "new_subject": rendered.subject, "new_body": rendered.body}
        if row.channel == Channel.INBOX.value:
            late = today > row.send_on
            sent.append({**common, "sent_moment": moment, "is_late": late})
            inbox.append({"member_id": int(row.recipient.partition(":")[2]), "notice_id": row.id,
                          "subject": rendered.subject, "body": rendered.body, "created_at": moment})
            result.sent.append(row.id)
            if late:
                result.late.append(row.id)
        else:
            claims.append({**common, "lease_until": until})
            result.claimed.append((row, rendered))
    _all_or_nothing(raw, MARK_SENT, sent)
    _all_or_nothing(raw, CLAIM, claims)
    _executemany(raw, INBOX_INSERT, inbox)
    return result


def _executemany(raw: Raw, sql: Sql, params: list[dict[str, Any]]) -> int:
    if not params:
        return 0
    cursor = raw.driver.cursor()
    cursor.executemany(sql.sqlite if raw.sqlite else sql.postgresql, params)
    return int(cursor.rowcount)


def _all_or_nothing(raw: Raw, sql: Sql, params: list[dict[str, Any]]) -> None:
    """One ``executemany``; every row must have matched, or the batch is left to the careful lane."""
    if _executemany(raw, sql, params) != len(params):
        raise Contended()


