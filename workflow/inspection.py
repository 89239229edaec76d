"""The 巡察 report: for an organisation subtree and a period, what went wrong where, by fault category.

Sources, all already on record: the violations each step left (a duty breached), the overrides (a soft rule
passed by permission), back-filled steps, open steps past their latest date (``workflow/inspection_overdue.py``), the refused attempts in the trail (a show of hands, several applicants
on one ballot, a miscounted 应到/实到 that the system stopped), rejected written opinions, and agenda items voted
by show of hands. Each finding cites its article and names its case, so the page can link to it.

Categories are those inspection reports use. A rule is placed in a category by ``CATEGORY_OF_RULE``; a rule not
listed there is 程序缺失 (a procedure not followed), the general case.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, select

from states.procedure import SPECS
from states.steps import Step
from workflow import roster
from workflow.errors import FazhanError
from workflow.inspection_overdue import overdue_steps
from workflow.tables import (
    AgendaItem,
    Applicant,
    AuditEvent,
    Case,
    Meeting,
    RuleOverride,
    StepRecord,
    Violation,
    WrittenOpinion,
    table,
)

CASES, APPLICANTS, STEPS, VIOLATIONS = table(Case), table(Applicant), table(StepRecord), table(Violation)
OVERRIDES, MEETINGS, ITEMS, OPINIONS = table(RuleOverride), table(Meeting), table(AgendaItem), table(WrittenOpinion)
EVENTS = table(AuditEvent)

MISSING, TIMING, ONE_BY_ONE, SECRET, COUNTING, MATERIALS, BACKFILL = (
    "程序缺失", "时间不足或超期", "未逐一表决", "非无记名投票", "应到实到计算错误", "材料不全", "补填记录")
CATEGORIES = (MISSING, TIMING, ONE_BY_ONE, SECRET, COUNTING, MATERIALS, BACKFILL)
CATEGORY_OF_RULE = {
    **dict.fromkeys(("talk_within_one_month_of_receipt", "assessed_within_half_year", "activist_trained_one_full_year",
                     "assessed_every_half_year", "publicity_lasts_five_workdays", "publicity_over_before_listing",
                     "political_review_still_valid", "meeting_within_one_month_of_pre_review",
                     "admission_approved_within_three_months", "admission_approved_within_six_months",
                     "oath_within_one_month_of_approval", "probation_period_complete",
                     "confirmation_approved_within_three_months", "trained_three_days_or_24_hours",
                     "extension_six_to_twelve_months", "resolution_received_after_meeting"), TIMING),
    **dict.fromkeys(("voted_one_by_one", "approved_one_by_one"), ONE_BY_ONE),
    "voted_by_secret_ballot": SECRET,
    **dict.fromkeys(("meeting_quorate", "decision_meeting_quorate", "resolution_carried_by_majority_of_entitled",
                     "tally_adds_up"), COUNTING),
    **dict.fromkeys(("activist_transfer_materials_handed_over", "review_concluded_in_writing",
                     "pre_review_result_in_writing", "confirmation_requested_in_writing", "archive_complete",
                     "withdrawal_reason_recorded"), MATERIALS),
}
VOTE_ARTICLE = "《中国共产党发展党员工作细则》第二十一条"
COUNT_ARTICLE = "《中国共产党发展党员工作细则》第二十条、第二十一条"
# No article forbids a back-fill; it is listed under the duty to keep the materials on time (2014 第三十七条 [V]).
BACKFILL_ARTICLE = "《中国共产党发展党员工作细则》第三十七条（入党材料应当及时归档）"
# What a refused meeting act was stopped for, recognised by the words of its reason (states/votes.py, attendance.py).
REFUSAL_WORDS = ((ONE_BY_ONE, ("逐个", "只能涉及一名")), (SECRET, ("举手", "无记名")),
                 (COUNTING, ("应到", "实到", "半数", "票数")), (TIMING, ("会前", "日期")))


@dataclass(frozen=True)
class Finding:
    category: str
    what: str  # one sentence in Chinese
    article: str
    on: date | None
    case_id: int | None = None
    applicant: str = ""
    meeting_id: int | None = None


@dataclass(frozen=True)
class InspectionReport:
    organisation: str
    start: date | None
    end: date | None
    findings: list[Finding]

    def counts(self) -> dict[str, int]:
        counted = Counter(f.category for f in self.findings)
        return {category: counted.get(category, 0) for category in CATEGORIES}

    def period(self) -> str:
        start = self.start.isoformat() if self.start else "建档起"
        end = self.end.isoformat() if self.end else "至今"
        return f"{start} 至 {end}"


def _within(column: Any, start: date | None, end: date | None) -> Any:
    conditions = ([column >= start] if start else []) + ([column <= end] if end else [])
    return and_(True, *conditions)


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def report(conn: Connection, *, organisation: str | None, start: date | None, end: date | None,
           today: date | None = None) -> InspectionReport:
    """Every finding in the subtree of ``organisation`` (None: everything) between ``start`` and ``end``.

    Open overdue steps are listed as of ``end`` (or ``today`` for a period still running; neither: not listed).
    """
    if start and end and start > end:
        raise FazhanError(f"起始日期{start.isoformat()}晚于截止日期{end.isoformat()}。")
    orgs = roster.subtree(conn, roster.organisation_id(conn, organisation)) if organisation else None
    case_filter = CASES.c.organisation_id.in_(orgs) if orgs is not None else True
    people = dict(conn.execute(select(CASES.c.id, APPLICANTS.c.name).join(APPLICANTS, APPLICANTS.c.id == CASES.c.applicant_id)
                               .where(case_filter)).all())
    findings: list[Finding] = []
    step_of = (select(STEPS.c.id, STEPS.c.case_id, STEPS.c.step, STEPS.c.done_on, STEPS.c.backfilled,
                      STEPS.c.backfill_reason).join(CASES, CASES.c.id == STEPS.c.case_id)
               .where(case_filter, _within(STEPS.c.done_on, start, end)))
    steps = {r.id: r for r in conn.execute(step_of)}
    for row in conn.execute(select(VIOLATIONS).where(VIOLATIONS.c.step_record_id.in_(select(step_of.subquery().c.id)))):
        step = steps[row.step_record_id]
        findings.append(Finding(CATEGORY_OF_RULE.get(row.rule, MISSING), f"{_label(step.step)}：{row.message}",
                                row.article, _as_date(step.done_on), step.case_id, people.get(step.case_id, "")))
    for row in conn.execute(select(OVERRIDES).where(OVERRIDES.c.step_record_id.in_(select(step_of.subquery().c.id)))):
        step = steps[row.step_record_id]
        findings.append(Finding(CATEGORY_OF_RULE.get(row.rule, MISSING),
                                f"{_label(step.step)}：未满足规定，经{row.authoriser}特批办理（理由：{row.reason}）。",
                                row.article, _as_date(step.done_on), step.case_id, people.get(step.case_id, "")))
    for step in steps.values():
        if step.backfilled:
            findings.append(Finding(BACKFILL, f"{_label(step.step)}为事后补填（理由：{step.backfill_reason or '未写明'}）。",
                                    BACKFILL_ARTICLE, _as_date(step.done_on), step.case_id, people.get(step.case_id, "")))
    findings += _meetings(conn, orgs, start, end, people)
    as_of = min(end, today) if end and today else end or today
    if as_of is not None:  # still open on that day, whenever it fell due: the period includes it
        findings += [Finding(TIMING, o.what, o.article, o.due_by, o.case_id, people.get(o.case_id, ""))
                     for o in overdue_steps(conn, case_filter, as_of)]
    findings += _refusals(conn, start, end, people, orgs)
    findings.sort(key=lambda f: (CATEGORIES.index(f.category), f.on or date.min, f.case_id or 0))
    return InspectionReport(organisation or "全部党组织", start, end, findings)


def _label(step: str) -> str:
    return SPECS[Step(step)].label


def _meetings(conn: Connection, orgs: list[int] | None, start: date | None, end: date | None,
              people: dict[int, str]) -> list[Finding]:
    in_scope = MEETINGS.c.organisation_id.in_(orgs) if orgs is not None else True
    meetings = {r.id: r for r in conn.execute(select(MEETINGS.c.id, MEETINGS.c.held_on, MEETINGS.c.title)
                                              .where(in_scope, _within(MEETINGS.c.held_on, start, end)))}
    found = []
    for item in conn.execute(select(ITEMS).where(ITEMS.c.meeting_id.in_(meetings), ITEMS.c.method == "show_of_hands")):
        meeting = meetings[item.meeting_id]
        found.append(Finding(SECRET, f"{meeting.title or '会议'}（会议{item.meeting_id}）对{people.get(item.case_id, '')}的议题采用举手表决。",
                             VOTE_ARTICLE, meeting.held_on, item.case_id, people.get(item.case_id, ""), item.meeting_id))
    rejected = (select(OPINIONS.c.rejection_reason, OPINIONS.c.submitted_on, ITEMS.c.case_id, ITEMS.c.meeting_id)
                .join(ITEMS, ITEMS.c.id == OPINIONS.c.agenda_item_id)
                .where(ITEMS.c.meeting_id.in_(meetings), OPINIONS.c.accepted.is_(False)))
    for reason, submitted_on, case_id, meeting_id in conn.execute(rejected):
        found.append(Finding(TIMING, f"会议{meeting_id}：书面意见不计入票数（{reason or '不符合要求'}）。", VOTE_ARTICLE,
                             submitted_on, case_id, people.get(case_id, ""), meeting_id))
    return found


def _refusals(conn: Connection, start: date | None, end: date | None, people: dict[int, str],
              orgs: list[int] | None) -> list[Finding]:
    """Meeting acts the system refused: the attempt itself is what an inspector wants to see.

    A refusal belongs to the subtree through its case, or, naming no case (several applicants on one item),
    through its meeting's organisation.
    """
    meeting_orgs = dict(conn.execute(select(MEETINGS.c.id, MEETINGS.c.organisation_id)).all())
    found = []
    query = select(EVENTS.c.case_id, EVENTS.c.recorded_at, EVENTS.c.payload).where(EVENTS.c.kind == "meeting_refused")
    for case_id, recorded_at, payload in conn.execute(query):
        on = _as_date(recorded_at)
        if (start and on and on < start) or (end and on and on > end):
            continue
        meeting_id = payload.get("meeting_id")
        if case_id is not None:
            if case_id not in people:
                continue
        elif orgs is not None and meeting_orgs.get(meeting_id) not in orgs:
            continue
        reason = str(payload.get("reason", ""))
        category = next((c for c, words in REFUSAL_WORDS if any(w in reason for w in words)), MISSING)
        article = COUNT_ARTICLE if category == COUNTING else VOTE_ARTICLE
        found.append(Finding(category, f"被系统拒绝的会议操作：{reason}", article, on, case_id,
                             people.get(case_id, "") if case_id else "", meeting_id))
    return found
