"""What else a meeting needs in the browser: P4 exclusions from 应到 with their basis, corrections of a closed
meeting, and the documents (minutes, resolutions) generated after it, downloaded with their hash checked.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData

from interfaces.web import meeting_pages, stored_documents
from interfaces.web.deps import FormDep, MeetingDep, VisitorDep, Web, WebDep
from workflow import documents, meetings
from workflow.errors import FazhanError

router = APIRouter(include_in_schema=False)
DOCUMENTS = stored_documents.DOCUMENTS
MEDIA = {"html": "text/html; charset=utf-8",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _text(form: FormData, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def _database(app: Web) -> str:
    return app.engine.url.render_as_string(hide_password=False)


@router.post("/meetings/{meeting_id}/exclusions")
def exclude(request: Request, meeting_id: MeetingDep, who: VisitorDep, app: WebDep, form: FormDep) -> Response:
    """Leave a member out of 应到 under one of the five P4 categories, with the consent and the resolution."""
    meeting_pages.acting(who, app, meeting_id)
    try:
        meetings.exclude_voter(app.engine, app.clock, who.user.actor, meeting_id, _text(form, "name"),
                               category=_text(form, "category"), consent=_text(form, "consent"),
                               resolution=_text(form, "resolution"))
    except FazhanError as error:
        return meeting_pages.meeting_view_page(request, who, app, meeting_id, error=str(error), status_code=422)
    return RedirectResponse(f"/meetings/{meeting_id}?done=excluded#attendance", status_code=303)


@router.post("/meetings/{meeting_id}/corrections")
def correct(request: Request, meeting_id: MeetingDep, who: VisitorDep, app: WebDep, form: FormDep) -> Response:
    """A correction of a closed meeting: what is right and why, kept beside what was recorded."""
    view = meetings.meeting_view(app.engine, meeting_id)
    who.scope.require_meeting_action(view.kind)
    item = _text(form, "item_id")
    try:
        meetings.correct_meeting(app.engine, app.clock, who.user.actor, meeting_id, field_name=_text(form, "field"),
                                 value=_text(form, "value"), reason=_text(form, "reason"),
                                 item_id=int(item) if item.isdigit() else None)
    except FazhanError as error:
        return meeting_pages.meeting_view_page(request, who, app, meeting_id, error=str(error), status_code=422)
    return RedirectResponse(f"/meetings/{meeting_id}?done=corrected#corrections", status_code=303)


@router.post("/meetings/{meeting_id}/documents")
def generate(request: Request, meeting_id: MeetingDep, who: VisitorDep, app: WebDep,
             form: FormDep) -> Response:  # noqa: ARG001  (the dependency checks the CSRF token)
    view = meetings.meeting_view(app.engine, meeting_id)
    who.scope.require_meeting_action(view.kind)
    try:
        documents.generate(app.engine, app.clock, who.user.actor, meeting_id,
                           documents.default_directory(_database(app)))
    except FazhanError as error:
        return meeting_pages.meeting_view_page(request, who, app, meeting_id, error=str(error), status_code=422)
    return RedirectResponse(f"/meetings/{meeting_id}?done=documents#documents", status_code=303)


@router.get("/meetings/{meeting_id}/documents/{document_id}")
def download(meeting_id: MeetingDep, document_id: int, app: WebDep) -> Response:
    """The file as generated; one whose content no longer matches its recorded hash is not handed out."""
    with app.engine.connect() as conn:
        row = conn.execute(select(DOCUMENTS).where(DOCUMENTS.c.id == document_id,
                                                   DOCUMENTS.c.meeting_id == meeting_id)).first()
    if row is None:
        raise HTTPException(404, f"会议{meeting_id}没有编号为{document_id}的文书。")
    path = Path(row.path)
    if stored_documents.digest(path) != row.sha256:
        raise HTTPException(409, "这份文书的文件已被改动或删除，与生成时登记的哈希值不符，不能下载。请重新生成。")
    return FileResponse(path, media_type=MEDIA.get(row.format, "application/octet-stream"), filename=path.name)
