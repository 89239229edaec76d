"""Working-day calendars in the browser: which years are loaded, and (administrators) loading a newly
published year's 节假日安排 without upgrading the software, as ``fazhan calendar load`` does (audited, and a
year on file is replaced only with a reason: workflow/calendars.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from interfaces.web import scope as scopes
from interfaces.web.deps import FormDep, Visitor, VisitorDep, WebDep
from interfaces.web.rendering import page
from interfaces.web.users import UserRole
from states.workdays import WorkdayCalendar
from workflow import calendars
from workflow.errors import FazhanError

router = APIRouter(include_in_schema=False)
MAX_BYTES = 64 * 1024  # a year's arrangement is a few hundred bytes


def _calendar(request: Request, who: Visitor, *, done: str = "", error: str = "",
              status_code: int = 200) -> HTMLResponse:
    try:
        years = WorkdayCalendar.default().covered_years()
    except ValueError as broken:  # an administrator's file became unreadable: say so rather than fail
        years, error = [], error or str(broken)
    return page(request, who, "calendar.html", status_code, years=years, may_load=who.user.role is UserRole.ADMIN,
                done=done, error=error)


@router.get("/calendar")
def calendar_page(request: Request, who: VisitorDep, loaded: int = 0) -> HTMLResponse:
    return _calendar(request, who, done=f"已导入{loaded}年节假日安排，从现在起按新安排计算工作日。" if loaded else "")


@router.post("/calendar")
async def load_year(request: Request, who: VisitorDep, app: WebDep, form: FormDep) -> Response:
    if who.user.role is not UserRole.ADMIN:
        raise scopes.Forbidden("只有管理员可以导入节假日安排。")
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _calendar(request, who, error="请选择节假日安排文件（.toml）。", status_code=422)
    data = await upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return _calendar(request, who, error="文件太大，不像是一年的节假日安排。", status_code=422)
    reason = form.get("replace_reason")
    try:
        loaded = calendars.load_year(app.engine, app.clock, who.user.actor, data, upload.filename,
                                     replace_reason=reason if isinstance(reason, str) else None)
    except FazhanError as error:  # a broken file, or a year on file without a reason to replace it
        return _calendar(request, who, error=str(error), status_code=409 if isinstance(
            error, calendars.CalendarRefused) else 422)
    if loaded.unchanged:
        return _calendar(request, who, done=loaded.sentence())
    return RedirectResponse(f"/calendar?loaded={loaded.arrangement.year}", status_code=303)
