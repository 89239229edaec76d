"""Which notices an applicant's facts call for, and on which days: pure, no database, no clock.

Every date comes from the procedure table through ``states.engine.plan`` (the duty rules' ``due_by``) or from
the same helpers the guards use (``activist_since``, ``probation_ends_on``), so a notice and a refusal can
never disagree about a date. The result depends on the facts and on the rule set in force on ``today``, not
on how far ``today`` has moved: a notice computed on Monday is the same notice on Friday, which is what lets
the outbox recognise it (its unique key) and cancel it when its reason has gone.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from operator import attrgetter
from typing import Any

from notices.config import DEFAULT_CONFIG, NoticeConfig
from states.engine import NextStep, default_calendar, plan
from states.facts import ApplicantFacts
from states.frozen import assemble
from states.periods import minimum_met_on
from states.procedure import SPECS
from states.rules import activist_since, probation_ends_on
from states.rulesets import DEFAULT_POLICY, RULE_SETS, Policy, RuleSetId
from states.steps import Status, Step
from states.workdays import HolidaysNotLoaded, WorkdayCalendar

log = logging.getLogger(__name__)


class NoticeKind(StrEnum):
    """What a notice is about; each kind has its template ``templates/notices/<kind>.txt.j2``."""

    TALK_REMINDER = "talk_reminder"
    ASSESSMENT_REMINDER = "assessment_reminder"
    CANDIDATE_ELIGIBLE = "candidate_eligible"
    PUBLICITY_NOTICE = "publicity_notice"
    PUBLICITY_ENDED = "publicity_ended"
    ADMISSION_MEETING_DUE = "admission_meeting_due"
    MEETING_NOTICE = "meeting_notice"
    APPROVAL_WARNING = "approval_warning"
    OATH_REMINDER = "oath_reminder"
    PROBATION_ENDING = "probation_ending"
    OVERDUE_ESCALATION = "overdue_escalation"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    NoticeKind.TALK_REMINDER: "谈话提醒",
    NoticeKind.ASSESSMENT_REMINDER: "考察提醒",
    NoticeKind.CANDIDATE_ELIGIBLE: "可列为发展对象提醒",
    NoticeKind.PUBLICITY_NOTICE: "发展对象公示",
    NoticeKind.PUBLICITY_ENDED: "公示期满提醒",
    NoticeKind.ADMISSION_MEETING_DUE: "召开党员大会期限提醒",
    NoticeKind.MEETING_NOTICE: "党员大会会议通知",
    NoticeKind.APPROVAL_WARNING: "审批期限预警",
    NoticeKind.OATH_REMINDER: "入党宣誓提醒",
    NoticeKind.PROBATION_ENDING: "预备期满转正提醒",
    NoticeKind.OVERDUE_ESCALATION: "逾期事项报告",
}


class Audience(StrEnum):
    """Who must act or know; the outbox turns each into people on the roster of the day."""

    BRANCH_LEADERS = "branch_leaders"  # the branch 书记 and 组织委员
    LIAISONS = "liaisons"  # the applicant's 培养联系人
    HIGHER_ORGANISER = "higher_organiser"  # the higher committee's 组织员
    HIGHER_LEADERS = "higher_leaders"  # the higher committee's 组织员 and 书记: escalations
    BRANCH_MEMBERS = "branch_members"  # everyone on the branch roster: the 会议通知


@dataclass(frozen=True)
class DueNotice:
    """One notice the facts call for: what, about which date, when to send it, to whom."""

    kind: NoticeKind
    step: Step
    due_on: date  # the deadline, or the date from which the step becomes possible
    send_on: date
    audience: tuple[Audience, ...]
    offset: int | None = None  # send_on - due_on, for notices sent at configured offsets
    topic: NoticeKind | None = None  # what an escalation is about
    detail: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def key(self) -> str:
        """The ``kind`` stored in the outbox (with the topic of an escalation); the offset has its own column."""
        found = _STORED_KINDS.get((self.kind, self.topic))  # a plan sorts and keys its notices by it: no formatting
        return found if found is not None else notice_key(self.kind, None, self.topic)

    @property
    def reminder_offset(self) -> int:
        """The outbox's ``reminder_offset``: the place in a series of reminders, 0 outside a series."""
        return self.offset or 0


def notice_key(kind: NoticeKind, offset: int | None = None, topic: NoticeKind | None = None) -> str:
    """``talk_reminder@-7``, ``talk_reminder@+0``, ``overdue_escalation:talk_reminder``, ``publicity_notice``.

    A name for people and logs; the outbox stores the offset in its own column (``DueNotice.key`` has none).

    >>> notice_key(NoticeKind.TALK_REMINDER, -7), notice_key(NoticeKind.OVERDUE_ESCALATION, None, NoticeKind.TALK_REMINDER)
    ('talk_reminder@-7', 'overdue_escalation:talk_reminder')
    """
    text = kind.value if topic is None else f"{kind.value}:{topic.value}"
    return text if offset is None else f"{text}@{offset:+d}"


_STORED_KINDS = {(kind, topic): notice_key(kind, None, topic) for kind in NoticeKind for topic in (None, *NoticeKind)}

# The kinds sent as a series of reminders at configured offsets (their rows carry reminder_offset).
SERIES_KINDS = frozenset({NoticeKind.TALK_REMINDER, NoticeKind.ASSESSMENT_REMINDER, NoticeKind.ADMISSION_MEETING_DUE,
                          NoticeKind.APPROVAL_WARNING, NoticeKind.OATH_REMINDER, NoticeKind.CANDIDATE_ELIGIBLE,
                          NoticeKind.PROBATION_ENDING})


def notice_name(kind: str, reminder_offset: int | None) -> str:
    """A stored row's kind and offset as one name, for logs and tests.

    >>> notice_name("talk_reminder", -7), notice_name("talk_reminder", 0), notice_name("publicity_notice", 0)
    ('talk_reminder@-7', 'talk_reminder@+0', 'publicity_notice')
    """
    return f"{kind}@{reminder_offset or 0:+d}" if kind in SERIES_KINDS else kind


def parse_key(text: str) -> tuple[NoticeKind, int | None, NoticeKind | None]:
    """The parts of a stored kind.

    >>> parse_key("talk_reminder@+1")
    (<NoticeKind.TALK_REMINDER: 'talk_reminder'>, 1, None)
    """
    head, _, offset = text.partition("@")
    kind, _, topic = head.partition(":")
    return NoticeKind(kind), int(offset) if offset else None, NoticeKind(topic) if topic else None


@dataclass(frozen=True)
class _Duty:
    kind: NoticeKind
    audience: tuple[Audience, ...]
    detail: Mapping[str, Any] = field(default_factory=dict)


B, L, HO = Audience.BRANCH_LEADERS, Audience.LIAISONS, Audience.HIGHER_ORGANISER
# The duty rules whose due_by is a deadline someone must be told about (rule id → notice).
DUTIES: dict[str, _Duty] = {
    "talk_within_one_month_of_receipt": _Duty(NoticeKind.TALK_REMINDER, (B,)),
    "assessed_within_half_year": _Duty(NoticeKind.ASSESSMENT_REMINDER, (B, L)),
    "meeting_within_one_month_of_pre_review": _Duty(NoticeKind.ADMISSION_MEETING_DUE, (B,)),
    "admission_approved_within_three_months": _Duty(
        NoticeKind.APPROVAL_WARNING, (HO,), {"purpose": "接收预备党员", "limit_months": 3, "grave": False}),
    "admission_approved_within_six_months": _Duty(
        NoticeKind.APPROVAL_WARNING, (HO,), {"purpose": "接收预备党员", "limit_months": 6, "grave": True}),
    "confirmation_approved_within_three_months": _Duty(
        NoticeKind.APPROVAL_WARNING, (HO,), {"purpose": "预备党员转正", "limit_months": 3, "grave": False}),
    "oath_within_one_month_of_approval": _Duty(NoticeKind.OATH_REMINDER, (HO, B)),
}

# Every rule whose verdict a notice reads (the duties' dates, the articles quoted): the planner checks only these.
NOTICE_RULES = frozenset({*DUTIES, "activist_trained_one_full_year", "probation_period_complete",
                          "publicity_lasts_five_workdays"})
_NOTHING_DUE = frozenset({Status.NEW, *(status for status in Status if status.is_terminal)})
# The steps with a notice of their own when they become possible (``_opening_notices``), verdicts or none.
OPENING_STEPS = frozenset({Step.CANDIDATE_DESIGNATED, Step.CONFIRMATION_RESOLVED, Step.CANDIDATE_PUBLICISED})


def due_notices(
    facts: ApplicantFacts,
    today: date,
    config: NoticeConfig = DEFAULT_CONFIG,
    *,
    policy: Policy = DEFAULT_POLICY,
    calendar: WorkdayCalendar | None = None,
) -> list[DueNotice]:
    """Every notice the facts call for, past and future, in send order.

    ``today`` only chooses the rule set in force (a 2026 duty exists from 2026-05-18 on); which of these
    notices are still to be sent is the outbox's business.
    """
    if facts.status in _NOTHING_DUE:
        return []
    found: list[DueNotice] = []
    # A step whose reduced check holds no verdict has no duty's date: only an opening notice can come of it.
    for item in plan(facts, today, policy=policy, calendar=calendar, only_rules=NOTICE_RULES,
                     keep_unchecked=OPENING_STEPS):
        if item.check.verdicts:
            found += _deadline_notices(item, facts, config)
        if item.spec.step in OPENING_STEPS:
            found += _opening_notices(item, facts, config, policy, calendar)
    found.sort(key=_send_order)
    return found


_send_order = attrgetter("send_on", "key", "due_on")  # a notice's place in a plan (a C call per notice when sorting)


def _due(kind: NoticeKind, step: Step, due_on: date, send_on: date, audience: tuple[Audience, ...],
         offset: int | None, topic: NoticeKind | None, detail: Mapping[str, Any]) -> DueNotice:
    """``DueNotice(...)`` in one assignment (states/frozen.py): a plan makes a dozen notices per step."""
    return assemble(DueNotice, {"kind": kind, "step": step, "due_on": due_on, "send_on": send_on,
                                "audience": audience, "offset": offset, "topic": topic, "detail": detail})


def _series(kind: NoticeKind, step: Step, due_on: date, offsets: tuple[int, ...], audience: tuple[Audience, ...],
            detail: Mapping[str, Any]) -> list[DueNotice]:
    """One reminder per configured offset, in order; the reminders share ``detail`` (``outbox`` encodes it once)."""
    return [assemble(DueNotice, {"kind": kind, "step": step, "due_on": due_on, "send_on": due_on + delta,
                                 "audience": audience, "offset": offset, "topic": None, "detail": detail})
            for offset, delta in _offset_table(tuple(offsets))]


@lru_cache(maxsize=64)  # keyed by a configuration's offsets: a process has a handful, every plan uses them
def _offset_table(offsets: tuple[int, ...]) -> tuple[tuple[int, timedelta], ...]:
    """The offsets in order, each once, with its ``timedelta``: worked out once per configuration, not per notice."""
    return tuple((offset, timedelta(days=offset)) for offset in sorted(set(offsets)))


def _escalation(topic: NoticeKind, step: Step, due_on: date, after_days: int,
                detail: Mapping[str, Any]) -> DueNotice:
    return _due(NoticeKind.OVERDUE_ESCALATION, step, due_on, due_on + timedelta(days=after_days),
                (Audience.HIGHER_LEADERS,), None, topic, {**detail, "escalate_after_days": after_days})


def _deadline_notices(item: NextStep, facts: ApplicantFacts, config: NoticeConfig) -> list[DueNotice]:
    """Reminders before, on and after each duty deadline of a pending step, and the escalation after it."""
    found: list[DueNotice] = []
    step = item.spec.step
    for verdict in item.check.verdicts:
        duty = DUTIES.get(verdict.rule)
        if duty is None or verdict.due_by is None or verdict.due_by < _in_force_from(item, verdict.rule):
            continue
        detail = {**duty.detail, **_anchor(verdict.rule, facts), "article": verdict.citation.text}
        found += _series(duty.kind, step, verdict.due_by, config.offsets, duty.audience, detail)
        found.append(_escalation(duty.kind, step, verdict.due_by, config.escalate_after_days, detail))
    return found


def _in_force_from(item: NextStep, rule_id: str) -> date:
    """The first day a duty binds: a rule the 2026 revision added cannot have fallen due before 2026-05-18."""
    known = _IN_FORCE.get((item.spec.step, rule_id))
    if known is not None and known[0] is item.spec:  # worked out once per spec (a table replaced is seen at once)
        return known[1]
    found = _IN_FORCE[(item.spec.step, rule_id)] = (item.spec, _rule_in_force_from(item, rule_id))
    return found[1]


_IN_FORCE: dict[tuple[Step, str], tuple[Any, date]] = {}


def _rule_in_force_from(item: NextStep, rule_id: str) -> date:
    rule = next(r for r in item.spec.rules if r.id == rule_id)
    if RuleSetId.R2014 in rule.citations or RuleSetId.R1990 in rule.citations:
        return date.min
    return next(rs.effective_from for rs in RULE_SETS if rs.id is RuleSetId.R2026)


def _anchor(rule: str, facts: ApplicantFacts) -> dict[str, Any]:
    """The date a deadline is counted from, for the message ("自…起一个月内")."""
    if rule == "assessed_within_half_year":
        dates = [facts.date_of(Step.ACTIVIST_DESIGNATED), *(r.on for r in facts.all(Step.ACTIVIST_ASSESSED))]
        return {"anchor_on": max(d for d in dates if d is not None)}
    return {"anchor_on": facts.date_of(_ANCHORS[rule])}


_ANCHORS = {
    "talk_within_one_month_of_receipt": Step.APPLICATION_SUBMITTED,
    "meeting_within_one_month_of_pre_review": Step.PRE_REVIEW_PASSED,
    "admission_approved_within_three_months": Step.ADMISSION_RESOLVED,
    "admission_approved_within_six_months": Step.ADMISSION_RESOLVED,
    "confirmation_approved_within_three_months": Step.CONFIRMATION_RESOLVED,
    "oath_within_one_month_of_approval": Step.ADMISSION_APPROVED,
}


def _opening_notices(item: NextStep, facts: ApplicantFacts, config: NoticeConfig, policy: Policy,
                     calendar: WorkdayCalendar | None) -> list[DueNotice]:
    step = item.spec.step
    if step is Step.CANDIDATE_DESIGNATED:
        since = activist_since(facts, policy)
        if since is None:
            return []
        eligible = minimum_met_on(since, years=1, strict=policy.strict_minimums)
        return _series(NoticeKind.CANDIDATE_ELIGIBLE, step, eligible, config.opening_offsets, (B, L),
                       {"activist_since": since, "article": _article(item, "activist_trained_one_full_year")})
    if step is Step.CONFIRMATION_RESOLVED:
        return _probation_notices(item, facts, config, policy)
    if step is Step.CANDIDATE_PUBLICISED:
        return _publicity_notices(item, facts, calendar or default_calendar())
    return []


def _article(item: NextStep, rule_id: str) -> str:
    """The article of a rule under the rule set the planner applied, else the step's own article."""
    for verdict in item.check.verdicts:
        if verdict.rule == rule_id:
            return verdict.citation.text
    basis = item.spec.basis
    return (basis.get(item.check.rule_set) or next(iter(basis.values()))).text


def _probation_notices(item: NextStep, facts: ApplicantFacts, config: NoticeConfig,
                       policy: Policy) -> list[DueNotice]:
    """预备期满: the first day the 转正 discussion may be held; "及时讨论" after it, escalated if it is not."""
    ends = probation_ends_on(facts, policy)
    admitted = facts.date_of(Step.ADMISSION_RESOLVED)
    if ends is None or admitted is None:
        return []
    extension = facts.last(Step.PROBATION_EXTENDED)
    detail = {"admitted_on": admitted, "last_day": ends - timedelta(days=1),
              "extended_months": int(extension.evidence["months"]) if extension else 0,
              "requested": facts.done(Step.CONFIRMATION_REQUESTED),
              "article": _article(item, "probation_period_complete")}
    step = Step.CONFIRMATION_RESOLVED
    return [*_series(NoticeKind.PROBATION_ENDING, step, ends, config.probation_offsets, (B,), detail),
            _escalation(NoticeKind.PROBATION_ENDING, step, ends, config.probation_discussion_days, detail)]


def _publicity_notices(item: NextStep, facts: ApplicantFacts, calendar: WorkdayCalendar) -> list[DueNotice]:
    """2026.05: after the 上级党委同意, a 公示 of at least five working days, then the listing.

    The notice proposes the first working day after the consent as the start; the end is the fifth working
    day counted with the official holidays and 调休 days.
    """
    consent = facts.date_of(Step.CANDIDATE_FILED)
    if consent is None:
        return []
    try:
        start = calendar.nth_workday(consent + timedelta(days=1), 1)
        end = calendar.nth_workday(start, 5)
    except HolidaysNotLoaded as missing:
        log.warning("公示期无法计算：%s", missing)
        return []
    detail = {"consent_on": consent, "start_on": start, "end_on": end,
              "listing_from": end + timedelta(days=1), "article": _article(item, "publicity_lasts_five_workdays")}
    step = Step.CANDIDATE_PUBLICISED
    return [
        DueNotice(NoticeKind.PUBLICITY_NOTICE, step, start, consent, (B,), None, None, detail),
        DueNotice(NoticeKind.PUBLICITY_ENDED, step, end + timedelta(days=1), end + timedelta(days=1), (B,),
                  None, None, detail),
    ]


def meeting_notice(held_on: date, agenda: list[str], title: str = "",
                   config: NoticeConfig = DEFAULT_CONFIG) -> DueNotice:
    """The 党员大会会议通知 for a meeting on ``held_on``, to every member of the branch."""
    return DueNotice(NoticeKind.MEETING_NOTICE, Step.ADMISSION_RESOLVED, held_on,
                     held_on - timedelta(days=config.meeting_notice_days), (Audience.BRANCH_MEMBERS,), None, None,
                     {"held_on": held_on, "agenda": agenda, "title": title})


def step_label(step: Step) -> str:
    """The step's name as the flowchart writes it."""
    return SPECS[step].name
