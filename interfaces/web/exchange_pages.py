"""Pages of a transfer to or from an organisation outside this database (细则第十二条).

The sending branch exports from the applicant's page (转往外单位); the files are kept in the documents folder and
downloaded from the closed case's page. The receiving branch uploads the file, sees what it holds (checked,
nothing written), then confirms with its 转入审查. As on the 台账 page, the upload is kept by its SHA-256 per
login between the preview and the confirmation, so what is imported is exactly what was previewed.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import time
from datetime import date
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import UploadFile

from interfaces.web.deps import CaseDep, FormDep, Visitor, VisitorDep, WebDep
from interfaces.web.rendering import page
from interfaces.web.scope import organisations, require_organisation
from states.dates import BadDate, parse_date
from states.procedure import SPECS
from states.steps import Step
from workflow import audit, services
from workflow.case_exchange import PERSONAL_NOTE, export_case
from workflow.case_import import Review, import_case, preview
from workflow.documents import default_directory
from workflow.errors import FazhanError, StepRefused
from workflow.exchange_file import Received
from workflow.exchange_tables import CaseExchange
from workflow.personal import mask_id
from workflow.tables import table

router = APIRouter(include_in_schema=False)
EXCHANGES = table(CaseExchange)
MAX_BYTES = 5 * 1024 * 1024  # one case: a few hundred kilobytes at most
UPLOADS = Path(tempfile.gettempdir()) / "fazhan-exchange-uploads"
KEEP_SECONDS = 3600
EXPORT_STEP = SPECS[Step.ACTIVIST_TRANSFERRED]


def _folder(app: WebDep) -> Path:
    return default_directory(app.engine.url.render_as_string(hide_password=False)) / "exchange"


def _files(app: WebDep, case_id: int, sha256: str) -> tuple[Path, Path]:
    stem = _folder(app) / f"案卷{case_id}-{sha256[:16]}"
    return stem.with_suffix(".json"), stem.with_suffix(".docx")


def _date(text: str, what: str, app: WebDep) -> date:
    if not text.strip():
        return app.clock.today()
    try:
        return parse_date(text, what)
    except BadDate as bad:
        raise FazhanError(str(bad)) from None


@router.get("/applicants/{case_id}/export")
def export_page(request: Request, case_id: CaseDep, who: VisitorDep, app: WebDep) -> HTMLResponse:
    who.scope.require_step(EXPORT_STEP)
    view = services.show(app.engine, app.clock, case_id)
    return page(request, who, "exchange_export.html", view=view, error=None, to="", on=app.clock.today().isoformat(),
                note=PERSONAL_NOTE)


@router.post("/applicants/{case_id}/export")
def export_case_page(request: Request, case_id: CaseDep, who: VisitorDep, app: WebDep, form: FormDep) -> Response:
    who.scope.require_step(EXPORT_STEP)
    to, on_text = str(form.get("to") or ""), str(form.get("on") or "")
    try:
        staging = _folder(app) / f"案卷{case_id}-{time.time_ns()}"  # renamed by its digest once it is made
        on = _date(on_text, "转出日期", app)
        done = export_case(app.engine, app.clock, who.user.actor, case_id, to=to, out=staging.with_suffix(".json"),
                           record=staging.with_suffix(".docx"), on=on)
    except (FazhanError, StepRefused) as error:
        view = services.show(app.engine, app.clock, case_id)
        return page(request, who, "exchange_export.html", 422, view=view, error=str(error), to=to, on=on_text,
                    note=PERSONAL_NOTE)
    final_json, final_docx = _files(app, case_id, done.sha256)
    done.path.replace(final_json)
    if done.record_path:
        done.record_path.replace(final_docx)
    return RedirectResponse(f"/applicants/{case_id}/exported", status_code=303)


@router.get("/applicants/{case_id}/exported")
def exported_page(request: Request, case_id: CaseDep, who: VisitorDep, app: WebDep) -> HTMLResponse:
    view = services.show(app.engine, app.clock, case_id)
    with app.engine.connect() as conn:
        rows = conn.execute(select(EXCHANGES).where(EXCHANGES.c.case_id == case_id)
                            .order_by(EXCHANGES.c.id)).mappings().all()
    return page(request, who, "exchange_done.html", view=view, rows=rows, note=PERSONAL_NOTE)


@router.get("/applicants/{case_id}/exported/{sha256}.{suffix}")
def exported_file(case_id: CaseDep, sha256: str, suffix: str, who: VisitorDep, app: WebDep) -> Response:
    """A file of an export; the exchange file holds the full ID number, so its download is an audit event."""
    who.scope.require_step(EXPORT_STEP)
    if not re.fullmatch(r"[0-9a-f]{64}", sha256) or suffix not in {"json", "docx"}:
        raise FazhanError("没有这个文件。")
    with app.engine.connect() as conn:
        known = conn.execute(select(EXCHANGES.c.id).where(EXCHANGES.c.case_id == case_id, EXCHANGES.c.direction == "export",
                                                          EXCHANGES.c.content_sha256 == sha256)).first()
    path = _files(app, case_id, sha256)[0 if suffix == "json" else 1]
    if known is None or not path.is_file():
        raise FazhanError("找不到这个文件（可能已被移走），请联系管理员。")
    if suffix == "json":
        with app.engine.begin() as conn:
            audit.append(conn, kind="personal_data_viewed", case_id=case_id, actor=who.user.actor.name,
                         actor_role=who.user.actor.role, recorded_at=app.clock.now(),
                         payload={"fields": ["id_number"], "via": "案卷交换文件下载", "sha256": sha256})
        return Response(path.read_bytes(), media_type="application/json",
                        headers={"Content-Disposition": f"attachment; filename=case-{case_id}.json"})
    return Response(path.read_bytes(), media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    headers={"Content-Disposition": f"attachment; filename=record-{case_id}.docx"})


# ---------------------------------------------------------------- the receiving side


def _kept(who: Visitor, sha256: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise FazhanError("上传的文件已失效，请重新选择文件。")
    return UPLOADS / f"{who.user.id}-{sha256}.json"


def _forget_old_uploads() -> None:
    """Previews never confirmed hold an ID number: they are deleted after an hour."""
    cutoff = time.time() - KEEP_SECONDS
    for stale in UPLOADS.glob("*"):
        if stale.stat().st_mtime < cutoff:
            stale.unlink(missing_ok=True)


def _shown(received: Received) -> dict[str, object]:
    """What the preview shows: the ID number masked, each received step with its date and findings."""
    return {"masked": mask_id(str(received.applicant["id_number"])),
            "steps": [{"label": SPECS[Step(s["step"])].label, "on": s["done_on"], "actor": s.get("actor") or "",
                       "violations": len(s["violations"])} for s in received.steps]}


def _import_page(request: Request, who: Visitor, app: WebDep, status: int = 200, **context: object) -> HTMLResponse:
    base: dict[str, object] = {"received": None, "kept": "", "error": None, "chosen": "", "continuity": "",
                               "reason": "", "on": app.clock.today().isoformat(), "public_key": "", "masked": "",
                               "steps": []}
    return page(request, who, "exchange_import.html", status, organisations=organisations(app.engine, who.scope),
                **{**base, **context})


@router.get("/exchange/import")
def import_page(request: Request, who: VisitorDep, app: WebDep) -> HTMLResponse:
    who.scope.require_add_applicants()
    return _import_page(request, who, app)


@router.post("/exchange/preview")
async def import_preview(request: Request, who: VisitorDep, app: WebDep, form: FormDep) -> HTMLResponse:
    who.scope.require_add_applicants()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _import_page(request, who, app, 400, error="请选择对方导出的案卷交换文件（.json）。")
    data = await upload.read(MAX_BYTES + 1)
    public_key = str(form.get("public_key") or "").strip()
    if len(data) > MAX_BYTES:
        return _import_page(request, who, app, 400, error="文件超过5MB，不是案卷交换文件。")
    try:
        received = preview(data, public_key or None)
    except FazhanError as error:
        return _import_page(request, who, app, 400, error=str(error), public_key=public_key)
    UPLOADS.mkdir(mode=0o700, exist_ok=True)
    _forget_old_uploads()
    sha256 = hashlib.sha256(data).hexdigest()
    kept = _kept(who, sha256)
    kept.write_bytes(data)
    kept.chmod(0o600)
    return _import_page(request, who, app, received=received, kept=sha256, public_key=public_key,
                        **_shown(received))


@router.post("/exchange/import")
def import_confirm(request: Request, who: VisitorDep, app: WebDep, form: FormDep) -> Response:
    who.scope.require_add_applicants()
    values = {k: str(form.get(k) or "") for k in ("kept", "organisation", "continuity", "reason", "on", "public_key")}
    path = _kept(who, values["kept"])
    if not path.is_file():
        return _import_page(request, who, app, 400, error="上传的文件已失效，请重新选择文件。")
    data = path.read_bytes()
    try:
        organisation = require_organisation(app.engine, who.scope, values["organisation"]).name
        on = _date(values["on"], "转入审查日期", app)
        done = import_case(app.engine, app.clock, who.user.actor, data, org=organisation,
                           review=Review(values["continuity"], values["reason"], on),
                           trusted_public_key=values["public_key"] or None)
    except (FazhanError, StepRefused) as error:
        received = preview(data, values["public_key"] or None)
        return _import_page(request, who, app, 422, error=str(error), received=received, kept=values["kept"],
                            chosen=values["organisation"], continuity=values["continuity"], reason=values["reason"],
                            on=values["on"], public_key=values["public_key"], **_shown(received))
    path.unlink(missing_ok=True)
    return RedirectResponse(f"/applicants/{done.case_id}?received=1", status_code=303)

