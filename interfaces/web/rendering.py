"""One Jinja2 environment for every page (autoescape, StrictUndefined) and the helper that renders a page."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from interfaces.web import field_errors, wording
from interfaces.web.auth import CSRF_FIELD
from interfaces.web.deps import Visitor, web
from notices import inbox
from states.dates import cn_deadline
from states.periods import cn_date
from states.publicity import step_label
from states.rulesets import rule_set_in_force
from states.specs import StepSpec
from templates import TEMPLATES_DIR

TEMPLATES = TEMPLATES_DIR / "web"
STATIC = TEMPLATES / "static"


def _cn_date(value: date | datetime | str | None) -> str:
    """``2025年3月10日`` from a date, a moment or an ISO string; empty for nothing."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return cn_date(value)


def _cn_deadline(value: date | datetime | str) -> str:
    """最迟2025年12月20日（含当日）: a duty's last day is inclusive (states.dates says it for every interface)."""
    day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return cn_deadline(day.date() if isinstance(day, datetime) else day)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,  # a missing variable fails in tests, not in front of a secretary
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cn_date"] = _cn_date
    env.filters["article"] = wording.article
    env.filters["cn_deadline"] = _cn_deadline
    env.globals["csrf_field"] = CSRF_FIELD
    env.globals["step_label"] = _step_label
    return env


def _step_label(spec: StepSpec, on: date) -> str:
    """A step's name under the rule set of the day it was or will be taken (2026.05: 「报上级党委同意」)."""
    return step_label(spec, rule_set_in_force(on))


def page(request: Request, who: Visitor | None, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page with what the layout needs: the user, their scope, the CSRF token and today's date."""
    app = web(request)
    base = {
        "request_path": request.url.path,
        "user": who.user if who else None,
        "scope": who.scope if who else None,
        "csrf": (who.csrf or "") if who else "",
        "today": app.clock.today(),
        "unread_count": inbox.unread_count(app.engine, who.user.member_id) if who and who.user.member_id else 0,
    }
    if isinstance(context.get("error"), str):  # services' messages may carry command-line hints
        context["error"] = wording.plain(context["error"])
    html = app.templates.get_template(template).render(**base, **context)
    if request.method == "POST" and (context.get("error") or context.get("refusal")):
        html = field_errors.tie(html, request.url.path, str(context.get("error") or ""), _verdicts(context),
                                _typed(request))
    return HTMLResponse(html, status_code=status_code)


def _verdicts(context: dict[str, Any]) -> list[str]:
    """The sentences of a refusal shown on the page (a step's or a meeting item's), to be tied to fields too."""
    refusal = context.get("refusal")
    return [v.sentence() for v in getattr(refusal, "blocking", ())]


def _typed(request: Request) -> dict[str, list[str]]:
    """What the visitor posted; Starlette keeps the parsed form on the request once a handler has read it."""
    form = getattr(request, "_form", None)
    if form is None:
        return {}
    return {key: [v for v in form.getlist(key) if isinstance(v, str)] for key in form}
