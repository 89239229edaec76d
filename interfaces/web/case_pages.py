"""Pages of one applicant: the timeline with the next-step panel, each step's form, the audit history."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from interfaces.web import forms, reading, views
from interfaces.web.deps import CaseDep, FormDep, VisitorDep, WebDep
from interfaces.web.rendering import page
from states.procedure import SPECS, StepSpec
from states.steps import Step
from states.verdicts import Check
from workflow import services, transfers
from workflow.case_extras import case_extras
from workflow.errors import FazhanError, StaleRecord, StepRefused

router = APIRouter(include_in_schema=False)


def spec_for_slug(slug: str) -> StepSpec:
    try:
        return SPECS[Step(slug)]
    except ValueError:
        raise HTTPException(404, f"没有名为「{slug}」的步骤。") from None


@router.get("/applicants/{case_id}")
def applicant_page(request: Request, case_id: CaseDep, who: VisitorDep, app: WebDep, added: bool = False,
                   recorded: str = "") -> HTMLResponse:
    view = services.show(app.engine, app.clock, case_id)
    done = SPECS[Step(recorded)] if recorded in {s.value for s in Step} else None
    return page(request, who, "applicant.html", view=view, stages=views.timeline(view),
                side=views.side_outcomes(view), added=added, recorded=done, extras=case_extras(app.engine, case_id))


@router.get("/applicants/{case_id}/next")
def next_steps_fragment(request: Request, case_id: CaseDep, who: VisitorDep, app: WebDep) -> HTMLResponse:
    """The next-step panel alone, for the page's script to refresh it without reloading."""
    view = services.show(app.engine, app.clock, case_id)
    return page(request, who, "_next_steps.html", view=view, side=views.side_outcomes(view))


def _step_form(request: Request, who: VisitorDep, app: WebDep, case_id: int, spec: StepSpec, *,
               values: dict[str, str], chosen: dict[str, frozenset[str]], refusal: Check | None = None,
               error: str = "", status_code: int = 200) -> HTMLResponse:
    view = services.show(app.engine, app.clock, case_id)
    today = app.clock.today()
    on = values.get("on") or today.isoformat()
    try:
        preview_on = date.fromisoformat(on)
    except ValueError:
        preview_on = today
    return page(request, who, "step.html", status_code, view=view, spec=spec,
                inputs=forms.inputs(spec, values, chosen), on=on, values=values,
                version=values.get("expected_version") or str(view.version),
                may_override=forms.may_need_override(spec), refusal=refusal, error=error,
                preview=reading.preview(app.engine, case_id, spec.step, preview_on))


@router.get("/applicants/{case_id}/steps/{slug}")
def step_page(request: Request, case_id: CaseDep, slug: str, who: VisitorDep, app: WebDep) -> HTMLResponse:
    spec = spec_for_slug(slug)
    who.scope.require_step(spec)
    return _step_form(request, who, app, case_id, spec, values={}, chosen={})


@router.post("/applicants/{case_id}/steps/{slug}")
def record_step(request: Request, case_id: CaseDep, slug: str, who: VisitorDep, app: WebDep, form: FormDep) -> Response:
    spec = spec_for_slug(slug)
    who.scope.require_step(spec)
    values, chosen = forms.form_values(form)
    try:
        step_request = forms.step_request(
            spec, values.get("on", ""), forms.evidence_strings(spec, values, chosen),
            override_reason=values.get("override_reason", ""), authoriser=values.get("authoriser", ""),
            backfill_reason=values.get("backfill_reason", ""), expected_version=values.get("expected_version"))
        transfers.record(app.engine, app.clock, who.user.actor, case_id, step_request)  # 转入审查 moves the case
    except StepRefused as refused:
        return _step_form(request, who, app, case_id, spec, values=values, chosen=chosen, refusal=refused.check,
                          status_code=422)
    except StaleRecord as stale:
        values.pop("expected_version", None)  # show the current version so that a second try can succeed
        return _step_form(request, who, app, case_id, spec, values=values, chosen=chosen, error=str(stale),
                          status_code=409)
    except FazhanError as error:
        return _step_form(request, who, app, case_id, spec, values=values, chosen=chosen, error=str(error),
                          status_code=422)
    return RedirectResponse(f"/applicants/{case_id}?recorded={spec.step.value}", status_code=303)


@router.get("/applicants/{case_id}/steps/{slug}/preview")
def step_preview(request: Request, case_id: CaseDep, slug: str, who: VisitorDep, app: WebDep,
                 on: str = "") -> HTMLResponse:
    """What the engine says about the step on the date typed so far (refreshed as the date changes)."""
    spec = spec_for_slug(slug)
    try:
        day = date.fromisoformat(on)
    except ValueError:
        day = app.clock.today()
    return page(request, who, "_preview.html", spec=spec, preview=reading.preview(app.engine, case_id, spec.step, day))


@router.get("/applicants/{case_id}/history")
def history_page(request: Request, case_id: CaseDep, who: VisitorDep, app: WebDep) -> HTMLResponse:
    view = services.show(app.engine, app.clock, case_id)
    rows = views.history_rows(services.history(app.engine, case_id))
    return page(request, who, "history.html", view=view, rows=rows)
