"""The API documentation (/docs, /redoc, /openapi.json): offline and for logged-in administrators only.

Swagger UI and ReDoc come from the ``fastapi-offline`` package's bundled files, served under /docs-assets,
so the pages work without the internet and load nothing from a CDN. Everyone else gets the same 404 as for
a page that does not exist: the API's shape is no business of an anonymous visitor.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from interfaces.web.deps import VisitorDep
from interfaces.web.users import UserRole

ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS_URL = "/docs-assets"
router = APIRouter(include_in_schema=False)


def _administrator(who: VisitorDep) -> None:
    if who.user.role is not UserRole.ADMIN:
        raise HTTPException(404, "页面不存在。")


@router.get("/openapi.json")
def openapi(request: Request, who: VisitorDep) -> JSONResponse:
    _administrator(who)
    schema = dict(request.app.openapi())
    # the JSON API only: pages and health probes that forgot include_in_schema=False are not part of it
    schema["paths"] = {path: item for path, item in schema.get("paths", {}).items() if path.startswith("/api/")}
    return JSONResponse(schema)


@router.get("/docs")
def swagger(request: Request, who: VisitorDep) -> HTMLResponse:
    _administrator(who)
    return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{request.app.title} · 接口文档",
                               swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
                               swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
                               swagger_favicon_url=f"{ASSETS_URL}/favicon.png")


@router.get("/redoc")
def redoc(request: Request, who: VisitorDep) -> HTMLResponse:
    _administrator(who)
    return get_redoc_html(openapi_url="/openapi.json", title=f"{request.app.title} · 接口文档",
                          redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
                          redoc_favicon_url=f"{ASSETS_URL}/favicon.png", with_google_fonts=False)


def install(app: FastAPI) -> None:
    """Mount the bundled assets and the three routes (the app is created with its own docs switched off)."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")
    app.include_router(router)
