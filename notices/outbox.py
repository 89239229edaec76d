"""The outbox: notice rows in the database are the truth; planning writes them, the sweep sends them.

Planning (``refresh_case``) runs when a case changes: it recomputes the case's notices from its facts
(``notices.deadlines``) and the roster, inserts the missing rows as ``pending`` with their ``send_on`` day
(insert-if-absent on the unique key ``(case_id, kind, due_on, recipient, channel)``), and cancels the
pending rows whose reason has gone (the step was done, the applicant withdrew, the secretary changed).
Its cost is one case's worth of work, whatever the size of the database.

The sweep (``notices.sweep``) selects only the rows that are due, through the ``ix_notices_due`` index on
``(status, send_on)``, so its cost follows the number of due notices, not the number of applicants.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, bindparam, select

from notices.config import NoticeConfig, load_config
from notices.deadlines import DueNotice, due_notices, meeting_notice
from notices.recipients import Recipient, Roster, RosterMemo, liaisons_of, roster_memo
from notices.stored import encode
from states.facts import ApplicantFacts
from workflow.clock import BEIJING
from workflow.errors import UnknownApplicant
from workflow.fastsql import Raw, Sql
from workflow.services import Settings, load_case
from workflow.tables import AgendaItem, Applicant, AuditEvent, Meeting, Notice
from workflow.tables import Case as CaseRow

NOTICES = Notice.__table__
CASES = CaseRow.__table__
MEETINGS, ITEMS, APPLICANTS = Meeting.__table__, AgendaItem.__table__, Applicant.__table__
EVENTS = AuditEvent.__table__
log = logging.getLogger(__name__)
DEFAULT_SETTINGS = Settings()
Key = tuple[str, date, str, str, int]  # (kind, due_on, recipient, channel, reminder_offset): the unique key less the case

# The two reads of every planning run on the driver (workflow/fastsql.py): a Core statement costs more here.
# A row's send day matters only while it is pending, its detail only while it waits (pending or failed): most
# of a case's rows are cancelled or sent, and not making their text into Python strings is a third of the read.
CASE_ROWS = Sql("SELECT id, kind, due_on, recipient, channel, reminder_offset, status,"
                " CASE WHEN status = 'pending' THEN send_on END,"
                " CASE WHEN status IN ('pending', 'failed') THEN detail END FROM notices WHERE case_id = :case_id")
MEETINGS_OF_CASE = Sql(
    "SELECT m.id, m.held_on, m.title, m.kind FROM meetings m JOIN agenda_items i ON i.meeting_id = m.id"
    " WHERE i.case_id = :case_id AND m.held_on >= :on AND m.status != 'closed'")


def case_rows(conn: Connection, case_id: int, raw: Raw | None = None) -> list[tuple[Any, ...]]:
    """The case's stored notices as the driver gives them, in ``CASE_ROWS``'s columns: no object per row, and
    the dates as they come (ISO text on SQLite, dates on PostgreSQL: ``apply_plan`` compares them so)."""
    return (raw or Raw(conn)).execute(CASE_ROWS, {"case_id": case_id}).fetchall()  # type: ignore[no-any-return]


SET_STATUS = Sql("UPDATE notices SET status = :new_status WHERE id = :row_id AND status = :from_status")
CANCEL_WAITING = Sql("UPDATE notices SET status = 'cancelled' WHERE case_id = :case_id AND status IN ('pending', 'failed')")
AGENDA = (select(ITEMS.c.case_id, ITEMS.c.purpose, APPLICANTS.c.name)
          .join(CASES, CASES.c.id == ITEMS.c.case_id).join(APPLICANTS, APPLICANTS.c.id == CASES.c.applicant_id)
          .where(ITEMS.c.meeting_id == bindparam("meeting_id")).order_by(ITEMS.c.id))
RESCHEDULE = Sql("UPDATE notices SET send_on = :new_send_on WHERE id = :row_id")
# A waiting row's text follows the facts (a meeting's agenda grew, the rule set changed): the sweep renders from it.
SET_DETAIL = Sql("UPDATE notices SET detail = :detail WHERE id = :row_id AND status IN ('pending', 'failed')")


class NoticeStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a sweep: delivered or not, the outcome is not yet written
    SENT = "sent"
    FAILED = "failed"  # retried after next_attempt_at; after max_attempts it stays here, listed
    CANCELLED = "cancelled"  # its reason has gone; never sent

    @property
    def label(self) -> str:
        return {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败",
                "cancelled": "已取消"}[self.value]


REPLACEABLE = (NoticeStatus.PENDING.value, NoticeStatus.FAILED.value)
PENDING, CANCELLED = NoticeStatus.PENDING.value, NoticeStatus.CANCELLED.value  # plain text, compared row by row


@lru_cache(maxsize=4)
def current_config(path: str | None = None) -> NoticeConfig:
    """The configuration named by ``$FAZHAN_NOTICES_CONFIG`` (read once per process)."""
    return load_config(path)


class Planned(NamedTuple):  # a tuple: a plan builds one per notice and recipient
    """One row the facts call for: a notice to one recipient on one channel."""

    notice: DueNotice
    recipient: Recipient

    @property
    def key(self) -> Key:
        return (self.notice.key, self.notice.due_on, self.recipient.address, self.recipient.channel.value,
                self.notice.reminder_offset)


@dataclass
class CasePlan:
    case_id: int
    organisation_id: int
    planned: dict[Key, Planned]
    memo: RosterMemo | None  # None when nothing is planned and no memo was given: the roster was not read
    liaisons: list[str] = field(default_factory=list)  # the 培养联系人 the facts name (kept with LIAISONS rows)


@dataclass
class RefreshResult:
    case_id: int
    inserted: int = 0
    cancelled: int = 0
    revived: int = 0
    rescheduled: int = 0
    planned: int = 0


@contextmanager
def transaction(target: Connection | Engine) -> Iterator[Connection]:
    """The caller's transaction when given a connection (inside ``services.advance``), else a new one."""
    if isinstance(target, Connection):
        yield target
    else:
        with target.begin() as conn:
            yield conn


def plan_case(conn: Connection, case_id: int, today: date, config: NoticeConfig,
              settings: Settings = DEFAULT_SETTINGS, memo: RosterMemo | None = None) -> CasePlan:
    """Every notice row the case calls for, past and future, with recipients from the roster of ``today``."""
    loaded = load_case(conn, case_id)
    return plan_facts(conn, case_id, loaded.facts, loaded.organisation_id, today, config, settings, memo,
                      dues=_due_notices(loaded.facts, today, config, settings))


def plan_facts(conn: Connection, case_id: int, facts: ApplicantFacts, organisation_id: int, today: date,
               config: NoticeConfig, settings: Settings = DEFAULT_SETTINGS, memo: RosterMemo | None = None, *,
               dues: list[DueNotice] | None = None, roster_version: int | None = None) -> CasePlan:
    """``plan_case`` from facts the caller holds already (a step has just built them: no second load).

    ``roster_version``: the roster's version as the caller read it in this transaction (``roster_memo``).
    """
    if dues is None:
        dues = due_notices(facts, today, config, policy=settings.policy, calendar=settings.calendar)
    if not facts.status.is_terminal:
        dues += meeting_notices(conn, case_id, today, config)
    if not dues:  # nobody to look up: the roster (and its version) is not read
        return CasePlan(case_id, organisation_id, {}, memo)
    roster = Roster(conn, today, memo if memo is not None else roster_memo(conn, today, roster_version))
    liaisons = liaisons_of(facts)
    named, targets = tuple(liaisons), roster.targets
    planned: dict[Key, Planned] = {}
    chosen: dict[tuple[Any, ...], tuple[tuple[Recipient, str, str], ...]] = {}  # audience → targets, in this plan
    for notice in dues:
        kind, due_on, offset, audience = notice.key, notice.due_on, notice.reminder_offset, notice.audience
        found = chosen.get(audience)
        if found is None:
            found = chosen[audience] = targets(audience, organisation_id, named)
        for recipient, address, channel in found:
            key = (kind, due_on, address, channel, offset)  # ``Planned.key``, from parts worked out once
            if key not in planned:
                planned[key] = Planned(notice, recipient)
    return CasePlan(case_id, organisation_id, planned, roster.memo, liaisons)


DUE_MEMO_SIZE = 50_000
_DUE_MEMO: dict[tuple[Any, ...], tuple[Any, list[DueNotice]]] = {}


def _due_notices(facts: ApplicantFacts, today: date, config: NoticeConfig, settings: Settings) -> list[DueNotice]:
    """``due_notices`` (pure), remembered: the scheduler plans a changed case, then its sweep plans it again.

    The key holds the identity of the facts' record objects (``workflow.steprows`` hands out one object per
    stored row); the entry keeps those objects, the configuration and the settings alive, so no identity can
    be reused by another object while the entry exists.
    """
    key = (facts.status, facts.birth_date, facts.branch_has_committee, tuple(map(id, facts.records)), today,
           id(config), id(settings))
    found = _DUE_MEMO.get(key)
    if found is None:
        if len(_DUE_MEMO) >= DUE_MEMO_SIZE:
            _DUE_MEMO.clear()
        notices = due_notices(facts, today, config, policy=settings.policy, calendar=settings.calendar)
        found = _DUE_MEMO[key] = ((facts.records, config, settings), notices)
    return list(found[1])


def meeting_notices(conn: Connection, case_id: int, today: date, config: NoticeConfig) -> list[DueNotice]:
    """The 会议通知 of each coming 党员大会 with this case on its agenda.

    One notice per meeting, not per applicant: it hangs on the agenda's lowest case number and lists
    every item, so a member invited to discuss three applicants gets one notice.
    """
    raw = Raw(conn)
    rows = raw.execute(MEETINGS_OF_CASE, {"case_id": case_id, "on": today}).fetchall()
    if not rows:  # most cases are on no agenda
        return []
    meetings = {number: (held_on, title) for number, held_on, title, kind in rows
                if kind in config.general_meeting_kinds}
    found = []
    for number, (held_on, title) in meetings.items():
        items = conn.execute(AGENDA, {"meeting_id": number}).all()
        if items and min(i.case_id for i in items) == case_id:
            agenda = [agenda_line(i.name, i.purpose) for i in items]
            found.append(meeting_notice(raw.date(held_on), agenda, title or "", config))  # type: ignore[arg-type]
    return found


def agenda_line(name: str, purpose: str) -> str:
    """One agenda item as the 会议通知 writes it."""
    for word, text in (("admission", "讨论{}同志能否接收为预备党员"), ("confirm", "讨论预备党员{}同志能否转为正式党员"),
                       ("exten", "讨论是否延长{}同志的预备期"), ("cancel", "讨论是否取消{}同志的预备党员资格")):
        if word in purpose:
            return text.format(name)
    return f"讨论{name}同志的有关事项"


def refresh_case(target: Connection | Engine, case_id: int, today: date, config: NoticeConfig | None = None,
                 settings: Settings = DEFAULT_SETTINGS, *, now: datetime | None = None) -> RefreshResult:
    """Bring one case's outbox rows in line with its facts; idempotent, cheap, safe to call at any time.

    Inserts the rows that are missing (those due from ``today`` on, and for a deadline already passed only
    its latest reminder, so a back-filled case gets one overdue notice, not the whole series); cancels
    pending and failed rows nobody calls for any more; revives a cancelled row whose reason is back; moves
    a pending row whose day the configuration changed. Rows being sent or already sent are never touched.
    ``now`` stamps ``created_at`` of new rows (the start of ``today`` in Beijing if not given: no clock here).
    """
    config = config or current_config()
    with transaction(target) as conn:
        try:
            plan = plan_case(conn, case_id, today, config, settings)
        except UnknownApplicant:
            return RefreshResult(case_id)
        return apply_plan(conn, plan, today, now or start_of(today))


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), BEIJING)


def apply_plan(conn: Connection, plan: CasePlan, today: date, now: datetime) -> RefreshResult:
    """Write the plan: cancel, revive, move and re-describe the case's rows, insert the missing ones."""
    result, raw = RefreshResult(plan.case_id, planned=len(plan.planned)), Raw(conn)
    if not plan.planned:  # nothing is called for: every waiting row is cancelled, none need be read
        result.cancelled = raw.execute(CANCEL_WAITING, {"case_id": plan.case_id}).rowcount
        return result
    return _apply(conn, raw, plan, today, now, result)


class _Encoded:
    """The encoded detail of a plan's notices (``notices.stored.encode``), each text made once per plan.

    The reminders of one series share their detail mapping, step and audience (``notices.deadlines._series``), so
    a series is encoded once; the plan keeps its notices alive while it is written, so no ``id`` is reused.
    """

    def __init__(self, liaisons: list[str]) -> None:
        self.liaisons = liaisons
        self.texts: dict[tuple[int, Any, Any], str] = {}

    def __call__(self, notice: DueNotice) -> str:
        key = (id(notice.detail), notice.step, notice.audience)
        found = self.texts.get(key)
        if found is None:
            found = self.texts[key] = encode(notice, self.liaisons)
        return found


def _apply(conn: Connection, raw: Raw, plan: CasePlan, today: date, now: datetime,
           result: RefreshResult) -> RefreshResult:
    day, planned = _as_stored(plan.planned, raw.sqlite)
    encoded = _Encoded(plan.liaisons)
    existing = set()
    # Status changes in one statement each way; a row whose status changes is not touched otherwise (the
    # checks below read the status as stored), so their order among the other updates does not matter.
    cancel: list[dict[str, Any]] = []
    revive: list[dict[str, Any]] = []
    for number, kind, due_on, who, channel, offset, status, send_on, detail in case_rows(conn, plan.case_id, raw):
        key = (kind, due_on, who, channel, offset)
        existing.add(key)
        wanted = planned.get(key)
        if wanted is None:
            if status in REPLACEABLE:
                cancel.append({"row_id": number, "from_status": status, "new_status": CANCELLED})
            continue
        notice = wanted.notice
        if status == CANCELLED and notice.send_on >= today:
            revive.append({"row_id": number, "from_status": status, "new_status": PENDING})
        if status == PENDING and day(notice.send_on) != send_on:
            result.rescheduled += raw.execute(RESCHEDULE, {"row_id": number, "new_send_on": notice.send_on}).rowcount
        if status in REPLACEABLE and detail != (text := encoded(notice)):
            raw.execute(SET_DETAIL, {"row_id": number, "detail": text})
    if cancel:
        result.cancelled += raw.executemany(SET_STATUS, cancel).rowcount
    if revive:
        result.revived += raw.executemany(SET_STATUS, revive).rowcount
    missing = [(key, item) for key, item in planned.items() if key not in existing]
    result.inserted = _insert_missing(conn, raw, plan, _to_insert(missing, planned, today), now, encoded)
    return result


def _insert_missing(conn: Connection, raw: Raw, plan: CasePlan, new: list[tuple[tuple[Any, ...], Planned]],
                    now: datetime, encoded: _Encoded) -> int:
    """Insert the new rows as tuples in ``NEW_ROW_COLUMNS``'s order, the values as the driver takes them: the
    key's parts are so already (``_as_stored``), the send day (a ``date``) and the moment are converted here."""
    if not new:
        return 0
    as_date, moment = raw.converter(date), raw.bind({"now": now})["now"]
    insert_if_absent(conn, [(plan.case_id, kind, offset, due_on, as_date(item.notice.send_on), who, channel,
                             PENDING, "", "", 0, False, moment, encoded(item.notice))
                            for (kind, due_on, who, channel, offset), item in new], raw)
    return len(new)


def _as_stored(planned: dict[Key, Planned], sqlite: bool) -> tuple[Any, dict[tuple[Any, ...], Planned]]:
    """How the driver gives a date back, and the plan keyed so: SQLite's dates are ISO text, so the plan's are
    made text once rather than every stored row's parsed (same keys in the same order: the same rows inserted)."""
    if not sqlite:
        return _as_is, planned  # type: ignore[return-value]
    day = date.isoformat
    return day, {(kind, day(due_on), who, channel, offset): item
                 for (kind, due_on, who, channel, offset), item in planned.items()}


def _as_is(value: Any) -> Any:
    return value


def _to_insert(missing: list[tuple[Any, Planned]], planned: dict[tuple[Any, ...], Planned],
               today: date) -> list[tuple[Any, Planned]]:
    """The missing rows (key, planned) to write: those to send from today on, and of a series already past only
    its latest.

    The reminders of one deadline to one address form a series: a row's key without its offset, ``key[:4]`` (the
    stored kind names the topic of an escalation too).
    """
    if all(item.notice.send_on >= today for _, item in missing):  # the past series are worked out only if needed
        return missing
    latest: dict[tuple[Any, ...], date] = {}
    for key, item in planned.items():
        send_on = item.notice.send_on
        if send_on < today:
            known = latest.get(series := key[:4])
            if known is None or known < send_on:
                latest[series] = send_on
    return [(key, item) for key, item in missing
            if item.notice.send_on >= today or latest.get(key[:4]) == item.notice.send_on]


def row_key(row: Any) -> Key:
    """A stored row's key, to look it up among the planned ones."""
    return (row.kind, row.due_on, row.recipient, row.channel, row.reminder_offset)


NEW_ROW_COLUMNS = ("case_id", "kind", "reminder_offset", "due_on", "send_on", "recipient", "channel", "status",
                   "subject", "body", "attempts", "late", "created_at", "detail")
# On the driver (a Core insert cost ~0.1 ms a step); both SQLite and PostgreSQL know ON CONFLICT DO NOTHING.
# Positional parameters: a plan's new rows are built as tuples, no dict per row to name and convert.
_INSERT = (f"INSERT INTO notices ({', '.join(NEW_ROW_COLUMNS)}) VALUES ({{}}) ON CONFLICT DO NOTHING")
INSERT_IF_ABSENT_SQLITE = _INSERT.format(", ".join("?" * len(NEW_ROW_COLUMNS)))
INSERT_IF_ABSENT_POSTGRESQL = _INSERT.format(", ".join(["%s"] * len(NEW_ROW_COLUMNS)))


def insert_if_absent(conn: Connection, rows: list[tuple[Any, ...]], raw: Raw | None = None) -> None:
    """Insert rows, skipping any whose unique key already exists (a concurrent refresh got there first).

    Each row holds the values of ``NEW_ROW_COLUMNS`` in that order, as the driver takes them (``Raw.converter``).
    """
    raw = raw or Raw(conn)
    raw.driver.cursor().executemany(INSERT_IF_ABSENT_SQLITE if raw.sqlite else INSERT_IF_ABSENT_POSTGRESQL, rows)


# ---------------------------------------------------------------- which cases to plan


def changed_cases(conn: Connection, since: datetime, margin: timedelta = timedelta(hours=1)) -> list[int]:
    """Cases with an audit event recorded after ``since``: walked back from the newest event by ``seq``.

    The walk uses the unique index on ``seq`` and stops at the first page older than ``since`` (less a
    margin for appends that took their time), so its cost follows the number of changes, not of cases.
    """
    cutoff, found, before = since - margin, dict[int, None](), None
    while True:
        query = select(EVENTS.c.seq, EVENTS.c.case_id, EVENTS.c.recorded_at).order_by(EVENTS.c.seq.desc()).limit(1000)
        if before is not None:
            query = query.where(EVENTS.c.seq < before)
        page = conn.execute(query).all()
        for event in page:
            if event.case_id is not None and _utc(event.recorded_at) >= cutoff:
                found.setdefault(int(event.case_id))
        if len(page) < 1000 or _utc(page[-1].recorded_at) < cutoff:
            return list(found)
        before = page[-1].seq


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def refresh_changed(engine: Engine, since: datetime, today: date, config: NoticeConfig | None = None,
                    settings: Settings = DEFAULT_SETTINGS, *, now: datetime | None = None) -> int:
    """Plan every case changed since ``since`` (one transaction per case); returns how many were planned."""
    with engine.connect() as conn:
        cases = changed_cases(conn, since)
    for case_id in cases:
        refresh_case(engine, case_id, today, config, settings, now=now)
    return len(cases)


def refresh_all(engine: Engine, today: date, config: NoticeConfig | None = None,
                settings: Settings = DEFAULT_SETTINGS, *, now: datetime | None = None) -> int:
    """Plan every case: on first deployment, after a configuration change, or after a roster change.

    Closed cases are planned too, so that rows left pending when they closed are cancelled.
    """
    count, after = 0, 0
    while True:
        with engine.connect() as conn:
            ids = conn.execute(select(CASES.c.id).where(CASES.c.id > after)
                               .order_by(CASES.c.id).limit(1000)).scalars().all()
        if not ids:
            return count
        for case_id in ids:
            refresh_case(engine, case_id, today, config, settings, now=now)
        count, after = count + len(ids), ids[-1]
