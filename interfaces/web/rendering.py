"""One Jinja2 environment for every page (autoescape, StrictUndefined) and the helper that renders a page."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from interfaces.web.auth import CSRF_FIELD
from interfaces.web.deps import Visitor, web
from notices import inbox
from states.periods import cn_date
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


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,  # a missing variable fails in tests, not in front of a secretary
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cn_date"] = _cn_date
    env.globals["csrf_field"] = CSRF_FIELD
    return env


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
    html = app.templates.get_template(template).render(**base, **context)
    return HTMLResponse(html, status_code=status_code)
