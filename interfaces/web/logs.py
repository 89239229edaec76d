"""Structured logs: one JSON object per line, each carrying the id of the request it belongs to.

``RequestLog`` (pure ASGI middleware) takes the request id from ``X-Request-ID`` when the reverse proxy sent a
sensible one, else makes one; it is returned in the response header, set for every log line written while the
request runs, and closes the request with one access line (method, path, status, milliseconds). The query
string is left out of the access line: it can hold names of applicants.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID: ContextVar[str | None] = ContextVar("fazhan_request_id", default=None)
HEADER = "x-request-id"
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}
access_log = logging.getLogger("fazhan.access")


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "pid", "request_id", "message", …extra}``, UTF-8, one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "pid": record.process,
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get(), "message": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD and k not in entry})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(level: str = "info", log_format: str = "json") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for our loggers, uvicorn's and gunicorn's, on stderr (journald)."""
    formatter = ({"()": f"{__name__}.JsonFormatter"} if log_format == "json"
                 else {"format": "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"})
    handler = {"class": "logging.StreamHandler", "formatter": "main", "stream": "ext://sys.stderr"}
    upper = level.upper()
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"main": formatter}, "handlers": {"main": handler},
        "root": {"handlers": ["main"], "level": upper},
        "loggers": {
            # Our access line replaces theirs: it carries the request id and leaves out the query string.
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "uvicorn": {"handlers": [], "level": upper, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": upper, "propagate": True},
            # gunicorn's uvicorn workers copy this logger's handlers to uvicorn.error: it needs its own.
            "gunicorn.error": {"handlers": ["main"], "level": upper, "propagate": False},
            "apscheduler": {"handlers": [], "level": "WARNING", "propagate": True},
        },
    }


class RequestLog:
    """Request ids and one access line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.pid = os.getpid()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = dict(scope.get("headers") or []).get(HEADER.encode(), b"").decode("latin-1")
        request_id = offered if _ACCEPTABLE.fullmatch(offered) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*message.get("headers", []), (HEADER.encode(), request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_log.info("%s %s %s", scope["method"], scope["path"], status, extra={
                "method": scope["method"], "path": scope["path"], "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "client": (scope.get("client") or ("", 0))[0]})
            REQUEST_ID.reset(token)
