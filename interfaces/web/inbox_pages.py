"""The notices inbox: the in-app messages of the member behind the login, and marking them read."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from interfaces.web.deps import FormDep, VisitorDep, WebDep
from interfaces.web.rendering import page
from interfaces.web.users import WebUser
from interfaces.web.views import beijing
from notices import inbox

router = APIRouter(include_in_schema=False)


def _messages(app: WebDep, user: WebUser, unread_only: bool = False) -> list[inbox.InboxItem]:
    """Only the login's own member's messages: nobody reads another member's inbox."""
    if user.member is None:
        return []
    return inbox.inbox_of(app.engine, user.member, unread_only=unread_only)[1]


@router.get("/inbox")
def inbox_page(request: Request, who: VisitorDep, app: WebDep, unread: bool = False) -> HTMLResponse:
    messages = _messages(app, who.user, unread)
    return page(request, who, "inbox.html", messages=messages, unread=unread, beijing=beijing)


@router.post("/inbox/{message_id}/read")
def mark_read(message_id: int, who: VisitorDep, app: WebDep, form: FormDep) -> Response:  # noqa: ARG001
    if message_id not in {m.id for m in _messages(app, who.user)}:
        raise HTTPException(404, "没有这条消息。")
    inbox.mark_read(app.engine, message_id, app.clock.now())
    return RedirectResponse(f"/inbox#message-{message_id}", status_code=303)
