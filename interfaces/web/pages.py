"""Pages: dashboard, applicant list and registration, procedure diagram, audit verification."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from interfaces.web import catalogue, charts, reading
from interfaces.web import scope as scopes
from interfaces.web.deps import FormDep, VisitorDep, WebDep
from interfaces.web.rendering import page
from states.rulesets import DEFAULT_POLICY, RULE_SETS, RuleSetId
from states.steps import Status
from workflow import services
from workflow.errors import FazhanError

router = APIRouter(include_in_schema=False)


# Login and logout: interfaces/web/account_pages.py.


@router.get("/")
def dashboard_page(request: Request, who: VisitorDep, app: WebDep) -> HTMLResponse:
    board = reading.dashboard(app.engine, app.clock, who.scope)
    return page(request, who, "dashboard.html", board=board, chart=charts.status_bars(board.counts))


@router.get("/applicants")
def applicants_page(request: Request, who: VisitorDep, app: WebDep, organisation: str = "", status: str = "",
                    overdue: bool = False, name: str = "") -> HTMLResponse:
    rows = reading.cases(app.engine, app.clock, who.scope, organisation=organisation, status=status,
                         overdue_only=overdue, name=name)
    return page(request, who, "applicants.html", rows=rows, organisations=scopes.organisations(app.engine, who.scope),
                statuses=[s for s in Status if s is not Status.NEW], chosen_organisation=organisation,
                chosen_status=status, overdue=overdue, name=name)


def _new_form(request: Request, who: VisitorDep, app: WebDep, values: dict[str, str], error: str = "",
              status_code: int = 200) -> HTMLResponse:
    branches = [o for o in scopes.organisations(app.engine, who.scope) if o.kind.value == "branch"]
    return page(request, who, "applicant_new.html", status_code, branches=branches, values=values, error=error)


@router.get("/applicants/new")
def new_applicant_page(request: Request, who: VisitorDep, app: WebDep) -> HTMLResponse:
    who.scope.require_add_applicants()
    return _new_form(request, who, app, {})


@router.post("/applicants/new")
def new_applicant(request: Request, who: VisitorDep, app: WebDep, form: FormDep) -> Response:
    who.scope.require_add_applicants()
    values = {k: v.strip() for k, v in form.items() if isinstance(v, str)}
    try:
        scopes.require_organisation(app.engine, who.scope, values.get("organisation", ""))
        try:
            birth = date.fromisoformat(values.get("birth_date", ""))
        except ValueError:
            raise FazhanError("请填写出生日期，格式如 2003-05-18。") from None
        if not values.get("name"):
            raise FazhanError("请填写姓名。")
        case_id = services.add_applicant(
            app.engine, app.clock, who.user.actor, name=values["name"], sex=values.get("sex", ""), birth_date=birth,
            organisation=values["organisation"], id_number=values.get("id_number") or None,
            unit=values.get("unit", ""), contact=values.get("contact", ""))
    except FazhanError as error:
        return _new_form(request, who, app, values, str(error), 422)
    return RedirectResponse(f"/applicants/{case_id}?added=1", status_code=303)


@router.get("/procedure")
def procedure_page(request: Request, who: VisitorDep, app: WebDep,
                   rule_set: Annotated[RuleSetId | None, Query()] = None) -> HTMLResponse:
    chosen = rule_set or DEFAULT_POLICY.rule_set_on(app.clock.today())
    return page(request, who, "procedure.html", listing=catalogue.listing(chosen), diagram=charts.procedure_diagram(),
                rule_sets=RULE_SETS, chosen=chosen)
