"""Health and readiness for the reverse proxy, systemd and monitoring: no login, no personal data.

* ``GET /health``: the process answers (liveness). Always 200 while it can serve at all.
* ``GET /ready``: the database answers and its schema is the one this version expects (readiness): 200, or
  503 with a Chinese sentence saying what is wrong. Also says whether this process leads the notice scheduler.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from workflow.db import alembic_config

router = APIRouter(tags=["运行状态"])


@cache
def expected_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _scheduler_role() -> str:
    from notices.scheduler import current_role  # APScheduler is imported only where a scheduler may run

    return current_role()


@router.get("/health")
def health() -> dict[str, Any]:
    """进程存活。"""
    return {"status": "ok", "pid": os.getpid()}


@router.get("/ready", responses={503: {"description": "数据库无法连接或数据库结构不是本版本所需"}})
def ready(request: Request) -> JSONResponse:
    """可以接待请求：数据库能连接，且数据库结构是本版本所需的版本。"""
    engine = request.app.state.web.engine
    body: dict[str, Any] = {"pid": os.getpid(), "scheduler": _scheduler_role(), "expected_schema": expected_revision()}
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as error:
        reason = str(error.orig if getattr(error, "orig", None) else error).splitlines()[0]
        return JSONResponse(body | {"status": "not_ready", "message": f"数据库无法连接或尚未初始化：{reason}"}, 503)
    body["schema"] = found
    if found != body["expected_schema"]:
        message = f"数据库结构版本为 {found}，本版本需要 {body['expected_schema']}：请先运行 fazhan init。"
        return JSONResponse(body | {"status": "not_ready", "message": message}, 503)
    return JSONResponse(body | {"status": "ready"})

