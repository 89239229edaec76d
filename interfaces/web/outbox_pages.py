"""The outbox in the browser: notices that failed or went out late, and putting a failed one back in the queue.

Reads and the retry go through ``notices.inbox`` (the notices' own service functions); the page only limits
them to the cases the visitor may see.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from interfaces.web import reading
from interfaces.web import scope as scopes
from interfaces.web.deps import FormDep, Visitor, VisitorDep, Web, WebDep
from interfaces.web.rendering import page
from interfaces.web.users import UserRole
from notices import inbox
from notices.outbox import NoticeStatus
from workflow.errors import FazhanError

router = APIRouter(include_in_schema=False)
CHANNELS = {"inbox": "站内通知", "email": "邮件", "webhook": "群机器人"}
SHOWS = {"failed": "发送失败", "late": "补发（晚于应发日期）", "all": "全部"}
RETRIES = frozenset({UserRole.SECRETARY, UserRole.ORGANISATION_MEMBER, UserRole.ORGANISER, UserRole.ADMIN})


def _visible(app: Web, who: Visitor, show: str) -> list[dict[str, Any]]:
    cases = {summary.case_id for summary in reading.cases(app.engine, app.clock, who.scope)}
    rows = inbox.list_notices(app.engine, failed=show == "failed", limit=2000)
    if show == "late":
        rows = [row for row in rows if row["late"]]
    return [row for row in rows if row["case_id"] in cases]


def _outbox(request: Request, who: Visitor, app: Web, show: str, *, done: str = "", error: str = "",
            status_code: int = 200) -> HTMLResponse:
    show = show if show in SHOWS else "failed"
    return page(request, who, "outbox.html", status_code, rows=_visible(app, who, show), show=show, shows=SHOWS,
                channels=CHANNELS, statuses={s.value: s.label for s in NoticeStatus},
                may_retry=who.user.role in RETRIES, done=done, error=error)


@router.get("/outbox")
def outbox_page(request: Request, who: VisitorDep, app: WebDep, show: str = "failed", retried: int = 0) -> HTMLResponse:
    return _outbox(request, who, app, show, done=f"通知{retried}已放回待发送队列，下次检查时重发。" if retried else "")


@router.post("/outbox/{notice_id}/retry")
def retry(request: Request, notice_id: int, who: VisitorDep, app: WebDep,
          form: FormDep) -> Response:  # noqa: ARG001  (the dependency checks the CSRF token)
    if who.user.role not in RETRIES:
        raise scopes.Forbidden(f"{who.user.role.label}只能查看，不能重发通知。")
    if notice_id not in {row["id"] for row in _visible(app, who, "all")}:
        raise scopes.OutOfScope(notice_id, "通知")
    try:
        inbox.retry(app.engine, notice_id)
    except FazhanError as error:
        return _outbox(request, who, app, "failed", error=str(error), status_code=422)
    return RedirectResponse(f"/outbox?retried={notice_id}", status_code=303)
