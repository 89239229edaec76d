"""Working-day calendars in the browser: which years are loaded, and (administrators) loading a newly
published year's 节假日安排 without upgrading the software, as ``fazhan calendar load`` does.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from interfaces.web import scope as scopes
from interfaces.web.deps import FormDep, Visitor, VisitorDep, WebDep
from interfaces.web.rendering import page
from interfaces.web.users import UserRole
from states.workdays import WorkdayCalendar, load_arrangement, user_holidays_dir
from workflow import audit

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
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(upload.filename).name  # errors name the file the administrator chose
        path.write_bytes(data)
        try:
            arrangement = load_arrangement(path)
        except (ValueError, UnicodeDecodeError) as error:
            message = str(error).replace(folder + "/", "") if isinstance(error, ValueError) else "文件不是 UTF-8 文本。"
            return _calendar(request, who, error=message, status_code=422)
        target = user_holidays_dir()
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / f"{arrangement.year}.toml")
    with app.engine.begin() as conn:
        audit.append(conn, kind="calendar_loaded", actor=who.user.actor.name, actor_role=who.user.actor.role,
                     recorded_at=app.clock.now(), payload={"year": arrangement.year, "source": arrangement.source,
                                                           "holidays": len(arrangement.holidays),
                                                           "workdays": len(arrangement.workdays)})
    return RedirectResponse(f"/calendar?loaded={arrangement.year}", status_code=303)
