"""Audit pages: the trail and the tables checked against it (/audit), and the 巡察 report with its downloads."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from interfaces.web import scope as scopes
from interfaces.web.deps import VisitorDep, WebDep
from interfaces.web.rendering import page
from interfaces.web.users import UserRole
from workflow import inspection, inspection_files, replay
from workflow.errors import FazhanError
from workflow.tables import Case, Meeting, table

router = APIRouter()
CASES, MEETINGS = table(Case), table(Meeting)
INSPECTS = frozenset({UserRole.INSPECTOR, UserRole.ORGANISER, UserRole.ADMIN})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get("/audit")
def audit_page(request: Request, who: VisitorDep, app: WebDep) -> HTMLResponse:
    """The chain and the tables against it; a visitor sees the differences of their own scope only."""
    with app.engine.connect() as conn:
        report = replay.compare(conn)
        if who.scope.organisation_ids is None:
            shown = report.differences
        else:
            ids = {d.case_id for d in report.differences if d.case_id is not None}
            orgs = dict(conn.execute(select(CASES.c.id, CASES.c.organisation_id).where(CASES.c.id.in_(ids))).all())
            shown = [d for d in report.differences if d.case_id is not None and who.scope.covers(orgs.get(d.case_id, -1))]
    return page(request, who, "audit.html", report=report, shown=shown, hidden=report.total - len(shown))


def _inspection(who: VisitorDep, app: WebDep, organisation: str | None, start: str | None,
                end: str | None) -> inspection.InspectionReport:
    if who.user.role not in INSPECTS:
        raise scopes.Forbidden("巡察报告只有巡察组、上级党委组织员和管理员可以查看。")
    root = organisation or who.scope.root
    if root is not None:
        root = scopes.require_organisation(app.engine, who.scope, root).name
    with app.engine.connect() as conn:
        return inspection.report(conn, organisation=root, start=_day(start, "起始日期"), end=_day(end, "截止日期"),
                                 today=app.clock.today())  # open steps overdue as of the end (or today)


def _day(text: str | None, what: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FazhanError(f"{what}「{text}」格式不对，请写成 2025-03-10。") from None


OrgQuery = Annotated[str | None, Query(alias="organisation")]
DayQuery = Annotated[str | None, Query()]


@router.get("/inspection")
def inspection_page(request: Request, who: VisitorDep, app: WebDep, organisation: OrgQuery = None,
                    start: DayQuery = None, end: DayQuery = None) -> HTMLResponse:
    found = _inspection(who, app, organisation, start, end)
    choices = scopes.organisations(app.engine, who.scope)
    return page(request, who, "inspection.html", report=found, counts=found.counts(), organisations=choices,
                chosen=organisation or "", start=start or "", end=end or "",
                query=request.url.query)


@router.get("/inspection.xlsx")
def inspection_xlsx(who: VisitorDep, app: WebDep, organisation: OrgQuery = None, start: DayQuery = None,
                    end: DayQuery = None) -> Response:
    found = _inspection(who, app, organisation, start, end)
    return Response(inspection_files.to_xlsx(found), media_type=XLSX,
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''inspection.xlsx"})


@router.get("/inspection.docx")
def inspection_docx(who: VisitorDep, app: WebDep, organisation: OrgQuery = None, start: DayQuery = None,
                    end: DayQuery = None) -> Response:
    found = _inspection(who, app, organisation, start, end)
    return Response(inspection_files.to_docx(found), media_type=DOCX,
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''inspection.docx"})
