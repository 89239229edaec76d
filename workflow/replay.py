"""Tables against the trail: replay every event into the state it implies and compare with what the tables hold.

One pass over the chain (verifying each link as it goes, ``audit.ChainWalk``) builds the trail's view: cases,
their steps and dates, status and version, violations and overrides, meetings, agenda items and ballots,
attendance. Then each table is read once and compared. The first difference is named in Chinese: which
applicant (or meeting), which field, what the trail says, what the table says.

Status is replayed through the machine's move table (``workflow.machine.MOVES``): each recorded step was checked
by the rules when it was recorded, and its event is authentic if the chain verifies. An event kind this module
does not know that concerns a case may change it in ways it cannot replay: such a case's status and version are
taken from the event's payload when it carries ``case_status``/``case_version``, and otherwise not compared
(counted in ``not_replayed``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from states.procedure import SPECS
from states.steps import Status
from workflow import audit, exchange_trail, keys, outbox_trail
from workflow.ledger import trail as ledger_trail
from workflow.machine import MOVES
from workflow.tables import (
    AgendaItem,
    Applicant,
    Case,
    Meeting,
    MeetingVoter,
    Organisation,
    RuleOverride,
    StepRecord,
    Violation,
    table,
)

CASES, APPLICANTS, STEPS = table(Case), table(Applicant), table(StepRecord)
ORGANISATIONS = table(Organisation)
VIOLATIONS, OVERRIDES = table(Violation), table(RuleOverride)
MEETINGS, ITEMS, VOTERS = table(Meeting), table(AgendaItem), table(MeetingVoter)
MOVES_TEXT = {(step.value, before.value): after.value for (step, before), after in MOVES.items()}
KEPT = 200  # differences kept for display; all are counted
# Kinds that concern a case but do not change its row, steps or meetings (or change only what is compared here).
NEUTRAL = {"step_refused", "meeting_refused", "document_generated", "written_opinion_accepted",
           "written_opinion_rejected", "meeting_discussion_recorded", "meeting_corrected", audit.ROTATED, audit.SEALED,
           "personal_data_viewed", "case_transferred", "notice_retried"}  # a transfer moves the organisation only
STATUS_NAMES = {s.value: s.label for s in Status}
STEP_NAMES = {step.value: spec.label for step, spec in SPECS.items()}


@dataclass(frozen=True)
class _StepRow:
    id: int
    case_id: int
    step: str
    done_on: Any
    backfilled: Any


@dataclass(frozen=True)
class Difference:
    """One place where a table and the trail disagree."""

    subject: str  # 申请人李明（案卷3）, 会议2 …
    field: str
    trail: str
    table: str
    case_id: int | None = None

    def sentence(self) -> str:
        return f"{self.subject}的{self.field}：审计链记为{self.trail}，表中为{self.table}。"


@dataclass
class _CaseView:
    name: str
    status: str | None = Status.NEW.value
    version: int | None = 0
    steps: set[int] = field(default_factory=set)
    organisation: str | None = None  # by name, as the events say it; None where an event does not (台账 import)


@dataclass
class _Trail:
    """The state the events imply, built in chain order."""

    cases: dict[int, _CaseView] = field(default_factory=dict)
    steps: dict[int, tuple[int, str, str, bool, tuple[str, ...], bool]] = field(default_factory=dict)
    meetings: dict[int, dict[str, Any]] = field(default_factory=dict)
    items: dict[int, dict[str, Any]] = field(default_factory=dict)
    present: dict[tuple[int, int], bool] = field(default_factory=dict)
    names: dict[tuple[int, str], int] = field(default_factory=dict)  # (meeting, voter name) → member id
    orphans: list[tuple[int, int, str]] = field(default_factory=list)  # (seq, case id, kind) before case_opened
    not_replayed: set[int] = field(default_factory=set)

    def apply(self, event: dict[str, Any]) -> None:
        kind, payload, case_id = event["kind"], event["payload"], event["case_id"]
        if kind == "case_opened":
            self.cases[case_id] = _CaseView(str(payload.get("name", "")), organisation=payload.get("organisation"))
            return
        view = self.cases.get(case_id) if case_id is not None else None
        if kind == "case_transferred" and view is not None:  # 转入审查 moves the case (细则第十二条)
            view.organisation = payload.get("to")
        if case_id is not None and view is None and kind not in NEUTRAL:
            self.orphans.append((event["seq"], case_id, kind))
        if kind == "step_recorded" and view is not None:
            self._step(view, case_id, payload)
        elif kind.startswith("meeting_") and kind != "meeting_refused":
            self._meeting(kind, payload)
        elif view is not None and kind not in NEUTRAL:
            self._other(view, case_id, payload)

    def _step(self, view: _CaseView, case_id: int, payload: dict[str, Any]) -> None:
        record_id = int(payload["step_record_id"])
        self.steps[record_id] = (case_id, payload["step"], payload["done_on"], bool(payload.get("backfilled")),
                                 tuple(sorted(payload.get("violations") or ())), payload.get("override") is not None)
        view.steps.add(record_id)
        if view.status is not None:
            view.status = MOVES_TEXT.get((payload["step"], view.status))
        if view.version is not None:
            view.version += 1
        self._declared(view, payload)

    def _other(self, view: _CaseView, case_id: int, payload: dict[str, Any]) -> None:
        if "case_status" in payload or "case_version" in payload:
            self._declared(view, payload)
        else:
            view.status = view.version = None
            self.not_replayed.add(case_id)

    @staticmethod
    def _declared(view: _CaseView, payload: dict[str, Any]) -> None:
        """An event that says the case's status or version after it (the convention for new kinds of change)."""
        if "case_status" in payload:
            view.status = payload["case_status"]
        if "case_version" in payload:
            view.version = int(payload["case_version"])

    def _meeting(self, kind: str, payload: dict[str, Any]) -> None:
        meeting_id = payload.get("meeting_id")
        if kind == "meeting_opened":
            self.meetings[meeting_id] = {"status": "open", "held_on": payload.get("held_on"), "kind": payload.get("kind")}
            for voter in payload.get("voters", []):
                self.names[(meeting_id, voter["name"])] = voter["member_id"]
                self.present[(meeting_id, voter["member_id"])] = False
        elif kind == "meeting_closed" and meeting_id in self.meetings:
            self.meetings[meeting_id]["status"] = "closed"
        elif kind == "meeting_attendance_recorded":
            for name in payload.get("names", []):
                member = self.names.get((meeting_id, name))
                if member is not None:
                    self.present[(meeting_id, member)] = bool(payload.get("present", True))
        elif kind == "meeting_item_added":
            self.items[payload["agenda_item_id"]] = {
                "meeting_id": meeting_id, "purpose": payload["purpose"], "result": "pending", "method": None,
                "yes": None, "no": None, "abstain": None, "invalid": None, "step_record_id": None}
        elif kind == "meeting_ballot_recorded" and payload["agenda_item_id"] in self.items:
            self.items[payload["agenda_item_id"]].update(
                purpose=payload["motion"], method=payload["method"], yes=payload["yes"], no=payload["no"],
                abstain=payload["abstain"], invalid=payload["invalid"])
        elif kind in {"meeting_item_passed", "meeting_item_failed"} and payload["agenda_item_id"] in self.items:
            self.items[payload["agenda_item_id"]].update(
                result="passed" if kind == "meeting_item_passed" else "failed",
                step_record_id=payload.get("step_record_id"))


@dataclass(frozen=True)
class TablesReport:
    """The chain's verdict and the tables' differences from it."""

    chain: audit.ChainReport
    differences: list[Difference]
    total: int
    cases: int
    not_replayed: int

    @property
    def intact(self) -> bool:
        return self.chain.intact and self.total == 0

    def sentences(self) -> list[str]:
        if not self.chain.intact:
            return [self.chain.sentence(), "审计链已被破坏，未再与各表比对。"]
        lines = [self.chain.sentence()]
        if self.total == 0:
            skipped = f"（其中{self.not_replayed}个案卷含本程序无法重演的事件，未比对状态和版本）" if self.not_replayed else ""
            lines.append(f"各表与审计链一致：逐一重演了{self.cases}个案卷的事件，步骤和日期、状态、版本、违规和特批、"
                         f"会议、议题、表决票数、到会情况、通知是否已发送都与表中相符{skipped}。")
        else:
            lines.append(f"各表与审计链不符，共{self.total}处。第一处：{self.differences[0].sentence()}")
        return lines


def _case_subject(trail: _Trail, case_id: int, names: dict[int, str]) -> str:
    view = trail.cases.get(case_id)
    name = names.get(case_id) or (view.name if view else "")
    return f"申请人{name}（案卷{case_id}）" if name else f"案卷{case_id}"


def _cn(value: Any) -> str:
    """A value as people read it: step and status codes by their names, nothing as 空."""
    if value is None or value == "":
        return "空"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    label = STATUS_NAMES.get(text) or STEP_NAMES.get(text)
    return f"「{label}」" if label else text


class _Differences:
    def __init__(self) -> None:
        self.kept: list[Difference] = []
        self.total = 0

    def add(self, subject: str, what: str, trail: Any, held: Any, case_id: int | None = None) -> None:
        self.total += 1
        if len(self.kept) < KEPT:
            self.kept.append(Difference(subject, what, _cn(trail), _cn(held), case_id))


def compare(conn: Connection) -> TablesReport:
    """Verify the chain and compare every table with it, in one pass over the events.

    The cyclic garbage collector is paused meanwhile: the pass builds millions of small objects that live
    until it ends and contain no cycles, and the collector's full scans of them grow with their number.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        return _compare(conn)
    finally:
        if paused:
            gc.enable()


def _compare(conn: Connection) -> TablesReport:
    walk = audit.ChainWalk(keys.store_for(conn.engine))
    trail, notices = _Trail(), outbox_trail.States({})
    for event in audit.events(conn):
        if not walk.step(event):
            break
        notices.take(event)  # delivery outcomes of the sweep (workflow/outbox_trail.py)
        if event["kind"] == exchange_trail.RECEIVED:  # a case from another database: its history in one event
            for part in exchange_trail.expanded(event):
                trail.apply(part)
        trail.apply(event)
        if event["kind"] == "ledger_imported":  # a whole 台账 in one event (issue 14): its rows vouched for by a digest
            for case_id, name, steps in ledger_trail.cases_of(conn, event["payload"]):
                trail.apply({**event, "kind": "case_opened", "case_id": case_id, "payload": {"name": name}})
                for step in steps:
                    trail.apply({**event, "kind": "step_recorded", "case_id": case_id, "payload": step})
    chain = walk.finish(audit.read_head(conn))
    if not chain.intact:
        return TablesReport(chain, [], 0, 0, 0)
    found = _Differences()
    names = dict(conn.execute(select(CASES.c.id, APPLICANTS.c.name).join(APPLICANTS, APPLICANTS.c.id == CASES.c.applicant_id)).all())
    _cases(conn, trail, names, found)
    _steps(conn, trail, names, found)
    _meetings(conn, trail, found)
    _notices(conn, notices, found)
    found.kept.sort(key=lambda d: (d.case_id is None, d.case_id or 0))
    return TablesReport(chain, found.kept, found.total, len(trail.cases), len(trail.not_replayed))


def _notices(conn: Connection, notices: outbox_trail.States, found: _Differences) -> None:
    for notice in outbox_trail.differences(conn, notices):
        found.add(f"通知{notice.notice_id}{notice.what}", "发送状态", notice.trail, notice.table, notice.case_id)


def _cases(conn: Connection, trail: _Trail, names: dict[int, str], found: _Differences) -> None:
    held = {r.id: r for r in conn.execute(
        select(CASES.c.id, CASES.c.status, CASES.c.version, ORGANISATIONS.c.name.label("organisation"))
        .join(ORGANISATIONS, ORGANISATIONS.c.id == CASES.c.organisation_id))}
    for case_id in sorted(held.keys() | trail.cases.keys()):
        subject, row, view = _case_subject(trail, case_id, names), held.get(case_id), trail.cases.get(case_id)
        if view is None:
            found.add(subject, "案卷", "没有开立事件（事件被删除，或案卷是绕过程序直接写入表中的）", "有此案卷", case_id)
        elif row is None:
            found.add(subject, "案卷", "已开立", "没有此案卷（被删除）", case_id)
        else:
            if view.status is not None and view.status != row.status:
                found.add(subject, "状态", view.status, row.status, case_id)
            if view.version is not None and view.version != row.version:
                found.add(subject, "版本号", view.version, row.version, case_id)
            if view.organisation is not None and view.organisation != row.organisation:
                found.add(subject, "所属党组织", view.organisation, row.organisation, case_id)
    for seq, case_id, kind in trail.orphans:
        found.add(_case_subject(trail, case_id, names), f"第{seq}条事件（{kind}）", "出现在案卷开立之前", "—", case_id)


def _steps(conn: Connection, trail: _Trail, names: dict[int, str], found: _Differences) -> None:
    # The largest table, read on the driver: Core's result processing would cost more than the comparison.
    rows = {r[0]: _StepRow(*r) for r in conn.exec_driver_sql(
        "SELECT id, case_id, step, done_on, backfilled FROM step_records")}
    violations: dict[int, list[str]] = {}
    for record_id, rule in conn.execute(select(VIOLATIONS.c.step_record_id, VIOLATIONS.c.rule)):
        violations.setdefault(record_id, []).append(rule)
    overridden = {r[0] for r in conn.execute(select(OVERRIDES.c.step_record_id))}
    for record_id in sorted(rows.keys() | trail.steps.keys()):
        row, known = rows.get(record_id), trail.steps.get(record_id)
        case_id = row.case_id if row is not None else known[0]  # type: ignore[index]
        subject = _case_subject(trail, case_id, names)
        if known is None:
            found.add(subject, f"步骤记录{record_id}（{_cn(row.step)}）", "没有这一步", f"记为{row.done_on}办理", case_id)  # type: ignore[union-attr]
            continue
        step = _cn(known[1])
        if row is None:
            found.add(subject, f"{step}", f"{known[2]}办理", "没有这一步（记录被删除）", case_id)
            continue
        if row.case_id != known[0] or row.step != known[1]:
            found.add(subject, f"步骤记录{record_id}", f"{step}", f"{_cn(row.step)}（案卷{row.case_id}）", case_id)
        if str(row.done_on) != known[2]:  # a date on PostgreSQL, its ISO text on SQLite
            found.add(subject, f"{step}的办理日期", known[2], str(row.done_on), case_id)
        if bool(row.backfilled) != known[3]:
            found.add(subject, f"{step}是否补录", known[3], bool(row.backfilled), case_id)
        if tuple(sorted(violations.get(record_id, ()))) != known[4]:
            found.add(subject, f"{step}的违规记录", "、".join(known[4]) or "无", "、".join(sorted(violations.get(record_id, ()))) or "无", case_id)
        if (record_id in overridden) != known[5]:
            found.add(subject, f"{step}的特批记录", "有" if known[5] else "无", "有" if record_id in overridden else "无", case_id)


def _meetings(conn: Connection, trail: _Trail, found: _Differences) -> None:
    held = {r.id: r for r in conn.execute(select(MEETINGS.c.id, MEETINGS.c.status, MEETINGS.c.held_on, MEETINGS.c.kind))}
    for meeting_id in sorted(held.keys() | trail.meetings.keys()):
        row, known, subject = held.get(meeting_id), trail.meetings.get(meeting_id), f"会议{meeting_id}"
        if known is None or row is None:
            found.add(subject, "会议", "没有这次会议" if known is None else "已召开", "有此会议" if row is not None else "没有（被删除）")
            continue
        for name, value, stored in (("状态", known["status"], row.status), ("会议日期", known["held_on"], row.held_on.isoformat()),
                                    ("会议类别", known["kind"], row.kind)):
            if value != stored:
                found.add(subject, name, value, stored)
    _items(conn, trail, found)
    for meeting_id, member_id, present in conn.execute(select(VOTERS.c.meeting_id, VOTERS.c.member_id, VOTERS.c.present)):
        expected = trail.present.get((meeting_id, member_id))
        if expected is not None and expected != bool(present):
            found.add(f"会议{meeting_id}", f"党员{member_id}的到会情况", "到会" if expected else "未到会", "到会" if present else "未到会")


ITEM_FIELDS = (("purpose", "议题"), ("result", "表决结果"), ("method", "表决方式"), ("yes", "赞成票数"),
               ("no", "反对票数"), ("abstain", "弃权票数"), ("invalid", "无效票数"), ("step_record_id", "对应的步骤记录"))


def _items(conn: Connection, trail: _Trail, found: _Differences) -> None:
    columns: Iterable[Any] = [ITEMS.c.id, ITEMS.c.meeting_id, ITEMS.c.case_id] + [ITEMS.c[f] for f, _ in ITEM_FIELDS]
    held = {r.id: r for r in conn.execute(select(*columns))}
    for item_id in sorted(held.keys() | trail.items.keys()):
        row, known = held.get(item_id), trail.items.get(item_id)
        subject = f"会议{(known or {}).get('meeting_id') or (row.meeting_id if row else '?')}的议题{item_id}"
        case_id = row.case_id if row is not None else None
        if known is None or row is None:
            found.add(subject, "议题", "没有此议题" if known is None else "已列入", "有此议题" if row is not None else "没有（被删除）", case_id)
            continue
        for name, label in ITEM_FIELDS:
            if known[name] != getattr(row, name):
                found.add(subject, label, known[name], getattr(row, name), case_id)
