"""Serving the app: in the foreground for ``fazhan web`` / ``fazhan run``, or in a thread for tests and scripts;
``fazhan serve`` is the production start (gunicorn with uvicorn workers: ``interfaces.web.production``).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from types import TracebackType

import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp

from interfaces.settings import Settings, load_settings
from interfaces.web.app import create_app
from interfaces.web.logs import RequestLog
from workflow.clock import Clock, clock_from_environment


def web_app(settings: Settings | None = None, clock: Clock | None = None) -> ASGIApp:
    """The app as a server runs it: settings from the environment, a request id on every request."""
    settings = settings or load_settings()
    clock = clock or clock_from_environment(os.environ.get("FAZHAN_TODAY"))
    return RequestLog(create_app(settings.database, clock, secure_cookies=settings.secure_cookies))


def serve(db_url: str | None, clock: Clock, *, host: str = "127.0.0.1", port: int = 8000,
          with_scheduler: bool = False) -> None:
    """Run the web server until Ctrl-C (blocks); ``with_scheduler`` also runs the notice sweep in the background."""
    leadership = None
    if with_scheduler:
        from notices.scheduler import Leadership  # APScheduler only when asked for

        # A leader like the production workers: a second ``fazhan run`` on the same database does not sweep too.
        leadership = Leadership(db_url, clock).start()
    try:
        uvicorn.run(RequestLog(create_app(db_url, clock)), host=host, port=port, log_level="info",
                    proxy_headers=False, access_log=False)  # RequestLog logs paths without query strings (names)
    finally:
        if leadership is not None:
            leadership.stop()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class BackgroundServer:
    """uvicorn in a daemon thread on a free loopback port: ``with BackgroundServer(app) as server: server.url``."""

    def __init__(self, app: FastAPI, host: str = "127.0.0.1") -> None:
        self.host, self.port = host, free_port(host)
        self._server = uvicorn.Server(uvicorn.Config(app, host=host, port=self.port, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, name="fazhan-web", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("网页服务未能启动。")
            time.sleep(0.02)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
