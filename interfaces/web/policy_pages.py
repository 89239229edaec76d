"""An organisation's policy in the browser: each setting, its value and where it comes from; changed by those with the power.

Viewing follows the visitor's scope (a branch sees the settings it executes); changing is for 管理员 and the
higher committee's 组织员, each change audited with who, why, old and new value (``workflow.policies.change``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from interfaces.web import scope as scopes
from interfaces.web.deps import FormDep, Visitor, VisitorDep, Web, WebDep
from interfaces.web.rendering import page
from interfaces.web.users import UserRole
from states.policy_settings import SETTINGS
from workflow import policies
from workflow.errors import FazhanError
from workflow.tables import Organisation, table

router = APIRouter(include_in_schema=False)
CHANGES = frozenset({UserRole.ORGANISER, UserRole.ADMIN})
ORGS = table(Organisation)
DONE = {"set": "已保存设定，已记入审计记录。", "clear": "已取消本组织的设定，改为继承上级（或系统默认），已记入审计记录。"}


def _text(form: FormData, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def _visible(who: Visitor, organisation_id: int) -> None:
    if not who.scope.covers(organisation_id):
        raise scopes.OutOfScope(organisation_id, "党组织")


def _view(request: Request, who: Visitor, app: Web, organisation_id: int, *, done: str = "", error: str = "",
          status_code: int = 200) -> HTMLResponse:
    _visible(who, organisation_id)
    with app.engine.connect() as conn:
        name = conn.execute(ORGS.select().with_only_columns(ORGS.c.name).where(ORGS.c.id == organisation_id)).scalar()
        if name is None:
            raise scopes.OutOfScope(organisation_id, "党组织")
        resolved = policies.resolve(conn, organisation_id)
    history: list[dict[str, Any]] = list(reversed(policies.changes(app.engine, organisation_id)))
    return page(request, who, "policy.html", status_code, org_id=organisation_id, org_name=name, settings=resolved,
                history=history, names={s.key: s for s in SETTINGS}, may_change=who.user.role in CHANGES,
                done=DONE.get(done, ""), error=error)


@router.get("/organisations/{organisation_id}/policy")
def policy_page(request: Request, organisation_id: int, who: VisitorDep, app: WebDep, done: str = "") -> HTMLResponse:
    return _view(request, who, app, organisation_id, done=done)


@router.post("/organisations/{organisation_id}/policy")
def change_policy(request: Request, organisation_id: int, who: VisitorDep, app: WebDep, form: FormDep) -> Response:
    _visible(who, organisation_id)
    if who.user.role not in CHANGES:
        raise scopes.Forbidden(f"{who.user.role.label}可以查看本组织执行的规定，更改须由管理员或上级党委组织员办理。")
    clear = _text(form, "action") == "clear"
    actor = who.user.actor
    try:
        policies.change(app.engine, app.clock, organisation=organisation_id, key=_text(form, "key"),
                        value=None if clear else _text(form, "value"), by=actor.name, role=actor.role,
                        reason=_text(form, "reason") or None)
    except FazhanError as error:
        return _view(request, who, app, organisation_id, error=str(error), status_code=422)
    return RedirectResponse(f"/organisations/{organisation_id}/policy?done={'clear' if clear else 'set'}",
                            status_code=303)
