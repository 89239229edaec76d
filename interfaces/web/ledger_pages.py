"""台账 pages: upload a 台账 and see every row checked before anything is written; download the 台账 of a subtree.

The upload is kept (by its SHA-256, per login) in a private folder between the preview and the confirmation, so
what is imported is exactly the file that was previewed.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import time
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from interfaces.web.charts import status_bars
from interfaces.web.deps import FormDep, Visitor, VisitorDep, WebDep
from interfaces.web.rendering import page
from interfaces.web.scope import Forbidden, organisations, require_organisation
from workflow import safe_text
from workflow.documents import default_directory
from workflow.errors import FazhanError
from workflow.ledger.assess import Verdict
from workflow.ledger.export import ledger_cases, ledger_xlsx
from workflow.ledger.importer import ImportRefused, ImportResult, import_ledger
from workflow.ledger.recorded import Paper, record
from workflow.ledger.report import findings_text, notes_text
from workflow.ledger.summary import EVENTS, STAGES, YearSummary, summary_xlsx, yearly_summary
from workflow.services import Actor

router = APIRouter(include_in_schema=False)
MAX_BYTES = 20 * 1024 * 1024
UPLOADS = Path(tempfile.gettempdir()) / "fazhan-ledger-uploads"
KEEP_SECONDS = 3600
SAFE_SUFFIX = re.compile(r"^\.(xlsx|xlsm|csv)$")


def _actor(who: Visitor) -> Actor:
    return Actor(who.user.display_name, who.user.role.label)


def _kept(who: Visitor, sha256: str, suffix: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256) or not SAFE_SUFFIX.match(suffix):
        raise FazhanError("上传的文件已失效，请重新选择文件。")
    return UPLOADS / f"{who.user.id}-{sha256}{suffix}"


def _forget_old_uploads() -> None:
    """Previews never confirmed hold personal data: they are deleted after an hour (housekeeping, not a rule)."""
    cutoff = time.time() - KEEP_SECONDS
    for stale in UPLOADS.glob("*"):
        if stale.stat().st_mtime < cutoff:
            stale.unlink(missing_ok=True)


def _organisation(app: WebDep, who: Visitor, name: str) -> str | None:
    if not name:
        if who.scope.root is None:
            return None  # the administrator: each row names its branch
        return who.scope.root
    return require_organisation(app.engine, who.scope, name).name


def _rows(result: ImportResult) -> list[dict[str, object]]:
    return [{"where": o.row.where, "verdict": o.verdict.value, "label": o.verdict.label,
             "name": o.history.person.name if o.history else str(o.row.cells.get("name", "")),
             "problem": f"「{o.column}」{o.reason}" if o.verdict is Verdict.REJECTED else "",
             "findings": findings_text(o).splitlines(), "notes": notes_text(o).splitlines()}
            for o in result.assessment.outcomes]


@router.get("/ledger")
def ledger_page(request: Request, who: VisitorDep, app: WebDep) -> HTMLResponse:
    return page(request, who, "ledger.html", organisations=organisations(app.engine, who.scope), result=None,
                rows=[], error=None, kept="", suffix="", chosen="", partial=False)


async def _upload(form: FormDep) -> tuple[str, bytes]:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise FazhanError("请选择要导入的台账文件（.xlsx 或 .csv）。")
    data = await upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise FazhanError("文件超过20MB，请分成几个文件导入。")
    return upload.filename, data


@router.post("/ledger/preview")
async def ledger_preview(request: Request, who: VisitorDep, app: WebDep, form: FormDep) -> HTMLResponse:
    who.scope.require_add_applicants()
    try:
        filename, data = await _upload(form)
        chosen = _organisation(app, who, str(form.get("organisation") or ""))
        result = import_ledger(app.engine, app.clock, _actor(who), filename, data, org=chosen, dry_run=True)
    except FazhanError as problem:  # the form again, the reason beside the file field (interfaces/web/field_errors)
        return page(request, who, "ledger.html", 400, organisations=organisations(app.engine, who.scope),
                    result=None, rows=[], error=str(problem), kept="", suffix="",
                    chosen=str(form.get("organisation") or ""), partial=False)
    suffix = Path(filename).suffix.lower()
    UPLOADS.mkdir(mode=0o700, exist_ok=True)
    _forget_old_uploads()
    _kept(who, result.sha256, suffix).write_bytes(data)
    return page(request, who, "ledger.html", organisations=organisations(app.engine, who.scope), result=result,
                rows=_rows(result), error=None, kept=result.sha256, suffix=suffix, chosen=chosen or "",
                partial=False)


@router.post("/ledger/import")
def ledger_import(request: Request, who: VisitorDep, app: WebDep, form: FormDep) -> Response:
    who.scope.require_add_applicants()
    sha256, suffix = str(form.get("kept") or ""), str(form.get("suffix") or "")
    path = _kept(who, sha256, suffix)
    if not path.is_file():
        raise FazhanError("上传的文件已失效，请重新选择文件。")
    chosen = _organisation(app, who, str(form.get("organisation") or ""))
    partial = form.get("partial") == "1"
    try:
        filename = Path(str(form.get("filename") or f"台账{suffix}")).name
        result = import_ledger(app.engine, app.clock, _actor(who), filename, path.read_bytes(), org=chosen,
                               partial=partial)
    except ImportRefused as refused:
        return page(request, who, "ledger.html", 400, organisations=organisations(app.engine, who.scope),
                    result=refused.result, rows=_rows(refused.result), error=str(refused), kept=sha256,
                    suffix=suffix, chosen=chosen or "", partial=partial)
    path.unlink(missing_ok=True)
    return page(request, who, "ledger.html", organisations=organisations(app.engine, who.scope), result=result,
                rows=_rows(result), error=None, kept="", suffix="", chosen=chosen or "", partial=partial)


@router.get("/ledger/export")
def ledger_export(who: VisitorDep, app: WebDep, organisation: str = "") -> Response:
    name = _organisation(app, who, organisation)
    if name is None:
        raise Forbidden("请选择要导出的党组织。")
    with app.engine.connect() as conn:
        cases = ledger_cases(conn, name)
    today = app.clock.today()
    title = f"{name}发展党员工作台账（{today:%Y年%m月%d日}导出）"
    paper = Paper("ledger", title, "xlsx", ledger_xlsx(cases, title))
    digest = hashlib.sha256(paper.data).hexdigest()[:12]
    folder = default_directory(app.engine.url.render_as_string(hide_password=False)) / "ledger"
    record(app.engine, app.clock, _actor(who), paper, folder / f"{safe_text.safe_filename(f'台账-{name}-{today:%Y%m%d}-{digest}')}.xlsx",
           {"organisation": name, "cases": len(cases), "personal_data": False})
    filename = f"ledger-{today:%Y%m%d}.xlsx"
    return Response(paper.data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


def _summary(app: WebDep, who: Visitor, organisation: str, year: int | None) -> YearSummary:
    name = _organisation(app, who, organisation)
    if name is None:
        found = organisations(app.engine, who.scope)
        if not found:
            raise Forbidden("还没有登记党组织。")
        name = found[0].name
    with app.engine.connect() as conn:
        return yearly_summary(conn, name, year or app.clock.today().year)


@router.get("/ledger/summary")
def summary_page(request: Request, who: VisitorDep, app: WebDep, organisation: str = "",
                 year: int | None = None) -> HTMLResponse:
    summary = _summary(app, who, organisation, year)
    return page(request, who, "ledger_summary.html", summary=summary, stages=STAGES, events=EVENTS,
                chart=status_bars(summary.total.at_year_end), organisations=organisations(app.engine, who.scope),
                years=range(app.clock.today().year, app.clock.today().year - 10, -1))


@router.get("/ledger/summary.xlsx")
def summary_download(who: VisitorDep, app: WebDep, organisation: str = "", year: int | None = None) -> Response:
    summary = _summary(app, who, organisation, year)
    paper = Paper("yearly_summary", f"{summary.organisation}{summary.year}年发展党员工作统计", "xlsx",
                  summary_xlsx(summary))
    folder = default_directory(app.engine.url.render_as_string(hide_password=False)) / "ledger"
    record(app.engine, app.clock, _actor(who), paper,
           folder / f"{safe_text.safe_filename(f'年度统计-{summary.organisation}-{summary.year}-{paper.sha256[:12]}')}.xlsx",
           {"organisation": summary.organisation, "year": summary.year})
    return Response(paper.data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=summary-{summary.year}.xlsx"})
