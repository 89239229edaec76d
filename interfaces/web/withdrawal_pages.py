"""本人退出 and the other ended cases of a scope: one page to see them and to record a withdrawal.

Recording goes through the same service as the step form (``transfers.record`` → ``services.advance``), so the
rule (a reason is required, 细则第三条), the audit event and a refusal's trail are exactly those of the step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine, select

from interfaces.web import forms, wording
from interfaces.web import scope as scopes
from interfaces.web.deps import FormDep, VisitorDep, WebDep
from interfaces.web.rendering import page
from states.procedure import SPECS
from states.rulesets import DEFAULT_POLICY, RuleSetId
from states.steps import Status, Step
from workflow import roster, transfers
from workflow.errors import FazhanError, StaleRecord, StepRefused
from workflow.services import APPLICANTS, CASES, STEPS

WITHDRAWAL = SPECS[Step.WITHDRAWN]
ENDED = tuple(s for s in Status if s.is_terminal and s is not Status.FULL_MEMBER)  # 转正 is a success, not an end
router = APIRouter(include_in_schema=False)
STEP_NAMES, RULE_SET_NAMES = {s.value for s in Step}, {r.value for r in RuleSetId}
CONFIRM = "我已核实：本人书面提出退出，记录后案卷结束，已有记录全部保留。"


@dataclass(frozen=True)
class Ended:
    """One ended case as the page lists it."""

    case_id: int
    name: str
    organisation: str
    status: Status
    on: date | None
    what: str
    reason: str
    stage: str
    article: str


@dataclass(frozen=True)
class Open:
    case_id: int
    name: str
    organisation: str
    status: Status


def _in_scope(query: Any, scope: scopes.Scope) -> Any:
    return query if scope.organisation_ids is None else query.where(CASES.c.organisation_id.in_(scope.organisation_ids))


def _ending(steps: list[Any]) -> tuple[Any | None, str]:
    """The step that ended the case and the stage the case had reached before it (walking the status changes)."""
    status, ending = Status.NEW, None
    for row in steps:
        spec = SPECS.get(Step(row.step)) if row.step in STEP_NAMES else None
        if spec is not None and spec.dest is not None and spec.dest.is_terminal:
            ending = row
            break
        if spec is not None and spec.dest is not None:
            status = spec.dest
    return ending, status.label


def ended_cases(engine: Engine, scope: scopes.Scope) -> list[Ended]:
    """Withdrawn, not admitted, disqualified and transferred-out cases in scope, the latest first."""
    query = _in_scope(select(CASES.c.id, CASES.c.status, CASES.c.closed_on, APPLICANTS.c.name,
                             roster.ORGS.c.name.label("organisation"))
                      .join(APPLICANTS, APPLICANTS.c.id == CASES.c.applicant_id)
                      .join(roster.ORGS, roster.ORGS.c.id == CASES.c.organisation_id)
                      .where(CASES.c.status.in_([s.value for s in ENDED])), scope)
    found: list[Ended] = []
    with engine.connect() as conn:
        for case in conn.execute(query).all():
            steps = conn.execute(select(STEPS.c.step, STEPS.c.done_on, STEPS.c.rule_set, STEPS.c.evidence)
                                 .where(STEPS.c.case_id == case.id).order_by(STEPS.c.id)).all()
            row, stage = _ending(steps)
            status = Status(case.status)
            if row is None:  # handed to another database (case exchange): no ending step in this one
                found.append(Ended(case.id, case.name, case.organisation, status, case.closed_on, status.label,
                                   "", stage, ""))
                continue
            spec = SPECS[Step(row.step)]
            basis = spec.basis.get(RuleSetId(row.rule_set)) if row.rule_set in RULE_SET_NAMES else None
            evidence = row.evidence or {}
            reason = str(evidence.get("reason") or evidence.get("conclusion") or "")
            found.append(Ended(case.id, case.name, case.organisation, status, row.done_on, spec.name, reason, stage,
                               wording.article(basis.text) if basis else ""))
    return sorted(found, key=lambda e: (e.on or date.min, e.case_id), reverse=True)


def open_cases(engine: Engine, scope: scopes.Scope) -> list[Open]:
    """Cases a withdrawal may end: those still in progress in scope."""
    query = _in_scope(select(CASES.c.id, CASES.c.status, APPLICANTS.c.name,
                             roster.ORGS.c.name.label("organisation"))
                      .join(APPLICANTS, APPLICANTS.c.id == CASES.c.applicant_id)
                      .join(roster.ORGS, roster.ORGS.c.id == CASES.c.organisation_id)
                      .where(CASES.c.status.in_([s.value for s in WITHDRAWAL.sources])).order_by(APPLICANTS.c.name),
                      scope)
    with engine.connect() as conn:
        return [Open(r.id, r.name, r.organisation, Status(r.status)) for r in conn.execute(query).all()]


def _page(request: Request, who: VisitorDep, app: WebDep, values: dict[str, str], *, error: str = "",
          done: str = "", status_code: int = 200) -> HTMLResponse:
    rule_set = DEFAULT_POLICY.rule_set_on(app.clock.today())
    basis = WITHDRAWAL.basis.get(rule_set) or next(iter(WITHDRAWAL.basis.values()))
    return page(request, who, "withdrawals.html", status_code, ended=ended_cases(app.engine, who.scope),
                open=open_cases(app.engine, who.scope), values=values, may_record=who.scope.may_record(WITHDRAWAL),
                confirm_text=CONFIRM, error=error, done=done, article=wording.article(basis.text))


@router.get("/withdrawals")
def withdrawals_page(request: Request, who: VisitorDep, app: WebDep, case: int = 0, done: str = "") -> HTMLResponse:
    return _page(request, who, app, {"case": str(case) if case else ""}, done=done[:40])


@router.post("/withdrawals")
def record_withdrawal(request: Request, who: VisitorDep, app: WebDep, form: FormDep) -> Response:
    """Record 本人退出 for a case in scope, after the secretary confirmed it; refusals are audited as for any step."""
    who.scope.require_step(WITHDRAWAL)
    values = {k: v.strip() for k, v in form.items() if isinstance(v, str)}
    try:
        case_id = int(values.get("case") or 0)
    except ValueError:
        case_id = 0
    try:
        if not case_id:
            raise FazhanError("请选择退出的申请人。")
        scopes.require_case(app.engine, who.scope, case_id)
        if not values.get("reason"):
            raise FazhanError("请写明退出原因（如本人书面申请中所写）。")
        if not values.get("confirm"):
            raise FazhanError("请勾选「我已核实」一项，确认本人已书面提出退出。")
        step = forms.step_request(WITHDRAWAL, values.get("on", ""), {"reason": values["reason"]})
        transfers.record(app.engine, app.clock, who.user.actor, case_id, step)
    except StepRefused as refused:
        return _page(request, who, app, values, error="\n".join(v.sentence() for v in refused.check.blocking),
                     status_code=422)
    except StaleRecord as stale:
        return _page(request, who, app, values, error=str(stale), status_code=409)
    except FazhanError as error:
        return _page(request, who, app, values, error=str(error), status_code=422)
    name = next((e.name for e in ended_cases(app.engine, who.scope) if e.case_id == case_id), "")
    return RedirectResponse(f"/withdrawals?done={quote(name)}", status_code=303)
