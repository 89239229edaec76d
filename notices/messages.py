"""The names a notice template may use: the case, the recipient, the dates, and the kind's own details."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection

from notices.config import NoticeConfig
from notices.deadlines import DueNotice, NoticeKind, step_label
from notices.recipients import Roster
from workflow.fastsql import Raw, Sql
from workflow.tables import Applicant, Case

APPLICANTS, CASES = Applicant.__table__, Case.__table__

MATTERS = {
    NoticeKind.TALK_REMINDER: "党组织派人同入党申请人谈话",
    NoticeKind.ASSESSMENT_REMINDER: "党支部对入党积极分子的半年考察",
    NoticeKind.ADMISSION_MEETING_DUE: "预审合格后提交支部党员大会讨论",
    NoticeKind.APPROVAL_WARNING: "上级党委审批",
    NoticeKind.OATH_REMINDER: "组织入党宣誓",
    NoticeKind.PROBATION_ENDING: "预备期满后讨论能否转为正式党员",
    NoticeKind.CANDIDATE_ELIGIBLE: "研究列为发展对象",
    NoticeKind.PUBLICITY_NOTICE: "发展对象公示",
    NoticeKind.PUBLICITY_ENDED: "确认公示结果",
    NoticeKind.MEETING_NOTICE: "召开支部党员大会",
    NoticeKind.OVERDUE_ESCALATION: "逾期事项",
}
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class CaseInfo:
    """What every notice about one case says: who, where, and where to turn."""

    case_id: int
    applicant: str
    organisation_id: int
    organisation: str
    higher_committee: str
    feedback_to: str


CASE_NAME = Sql("SELECT c.organisation_id, a.name FROM cases c JOIN applicants a ON a.id = c.applicant_id"
               " WHERE c.id = :case_id")  # once per swept case: on the driver (workflow/fastsql.py)


def case_info(conn: Connection, roster: Roster, case_id: int, config: NoticeConfig) -> CaseInfo:
    organisation_id, name = Raw(conn).execute(CASE_NAME, {"case_id": case_id}).fetchone()
    return case_info_of(roster, case_id, organisation_id, name, config)


def case_info_of(roster: Roster, case_id: int, organisation_id: int, name: str, config: NoticeConfig) -> CaseInfo:
    """``case_info`` for a case whose organisation and applicant are known (the sweep reads a batch at once)."""
    org = roster.organisation(organisation_id)
    higher = roster.higher_committee(org.id)
    leaders = roster.branch_leaders(org.id)
    contact = f"{org.name}（联系人：{leaders[0].name}）" if leaders else org.name
    if higher is not None:
        organisers = roster.higher_organisers(org.id)
        contact += f"或{higher.name}" + (f"（组织员：{organisers[0].name}）" if organisers else "")
    if config.publicity_feedback:
        contact += f"，{config.publicity_feedback}"
    return CaseInfo(case_id, name, org.id, org.name, higher.name if higher else org.name, contact)


def notice_context(info: CaseInfo, notice: DueNotice, recipient: str, today: date) -> dict[str, Any]:
    """Every name the notice's template may use. Templates must not use any other (StrictUndefined)."""
    context: dict[str, Any] = {
        "case_id": info.case_id,
        "applicant": info.applicant,
        "organisation": info.organisation,
        "higher_committee": info.higher_committee,
        "recipient": recipient,
        "today": today,
        "due_on": notice.due_on,
        "send_on": notice.send_on,
        "days_left": (notice.due_on - today).days,
        "step": step_label(notice.step),
        "kind_label": notice.kind.label,
        "matter": MATTERS[notice.topic or notice.kind],
        **notice.detail,
    }
    if notice.kind is NoticeKind.PUBLICITY_NOTICE:
        context.update(feedback_to=info.feedback_to, workdays=5)
    if notice.kind is NoticeKind.MEETING_NOTICE:
        context["weekday"] = "星期" + WEEKDAYS[notice.due_on.weekday()]
    return context

