"""Applying again: a person whose case ended gets a new case; the old one stays closed and visible beside it.

procedure.md §3 item 18: the 细则 has no procedure for a withdrawn applicant, admission is voluntary (第三条), so
the closed case keeps its history and a reapplication starts a new case whose clocks count from its own steps
(time spent earlier as 积极分子 is not carried over; N7 covers only transfers). A person has at most one open
case: two open cases would run two clocks for one person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, Engine, select

from states.periods import cn_date
from states.steps import Status
from workflow.errors import FazhanError
from workflow.tables import Applicant, Organisation, table
from workflow.tables import Case as CaseRow

APPLICANTS, CASES, ORGS = table(Applicant), table(CaseRow), table(Organisation)


class OpenCaseExists(FazhanError):
    """A second case for a person whose case is still open."""


@dataclass(frozen=True)
class PersonCase:
    """One case of a person, for the list shown beside the current one."""

    case_id: int
    organisation: str
    status: Status
    opened_on: date
    closed_on: date | None

    def line(self) -> str:
        # opened_on is the day of data entry, which may follow a back-filled closing: show only the end
        closed = f"，{cn_date(self.closed_on)}结束" if self.closed_on else ""
        return f"案卷{self.case_id}（{self.organisation}，{self.status.label}{closed}）"

    def as_dict(self) -> dict[str, object]:
        return {"case_id": self.case_id, "organisation": self.organisation, "status": self.status.value,
                "status_name": self.status.label, "opened_on": self.opened_on.isoformat(),
                "closed_on": self.closed_on.isoformat() if self.closed_on else None}


def cases_of_applicant(conn: Connection, applicant_id: int) -> list[PersonCase]:
    rows = conn.execute(
        select(CASES.c.id, ORGS.c.name, CASES.c.status, CASES.c.opened_on, CASES.c.closed_on)
        .join(ORGS, ORGS.c.id == CASES.c.organisation_id)
        .where(CASES.c.applicant_id == applicant_id).order_by(CASES.c.id)).all()
    return [PersonCase(int(i), str(org), Status(status), opened, closed) for i, org, status, opened, closed in rows]


def may_open_new_case(conn: Connection, applicant_id: int, name: str) -> list[int]:
    """The earlier cases of the person, or raise with what to do when a new case is not possible."""
    known = conn.execute(select(APPLICANTS.c.name).where(APPLICANTS.c.id == applicant_id)).scalar_one()
    if known != name:
        raise FazhanError(f"该身份证号码已登记为「{known}」，与所填姓名「{name}」不一致。"
                          "同一人再次申请请使用原登记的姓名；如姓名有误，请先核对身份证。")
    cases = cases_of_applicant(conn, applicant_id)
    for case in cases:
        if case.status is Status.FULL_MEMBER:
            raise FazhanError(f"「{name}」已于{case.line()}成为正式党员，不能再次申请入党。")
        if not case.status.is_terminal:
            raise OpenCaseExists(
                f"「{name}」已有正在办理的{case.line()}，同一人不能同时有两个案卷。"
                f"请继续办理该案卷（fazhan show {case.case_id}）；如本人已退出，请先在该案卷记录「本人退出」，"
                "再重新登记。")
    return [case.case_id for case in cases]


def case_status(engine: Engine, case_id: int) -> Status:
    """The status of a case, to resolve a step name shared by two steps (15/23, 17/24)."""
    with engine.connect() as conn:
        found = conn.execute(select(CASES.c.status).where(CASES.c.id == case_id)).scalar()
    return Status(found) if found else Status.NEW


def other_cases(engine: Engine, case_id: int) -> list[PersonCase]:
    """The person's other cases (closed earlier ones, or a later one), shown beside this case."""
    with engine.connect() as conn:
        applicant = conn.execute(select(CASES.c.applicant_id).where(CASES.c.id == case_id)).scalar()
        if applicant is None:
            return []
        return [c for c in cases_of_applicant(conn, int(applicant)) if c.case_id != case_id]
