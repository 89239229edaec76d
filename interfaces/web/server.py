"""Serving the app: in the foreground for ``fazhan web`` / ``fazhan run``, or in a thread for tests and scripts."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn
from fastapi import FastAPI

from interfaces.web.app import create_app
from workflow.clock import Clock


def serve(db_url: str | None, clock: Clock, *, host: str = "127.0.0.1", port: int = 8000,
          with_scheduler: bool = False) -> None:
    """Run the web server until Ctrl-C (blocks); ``with_scheduler`` also runs the notice sweep in the background."""
    scheduler = None
    if with_scheduler:
        from notices.scheduler import start_background  # APScheduler only when asked for

        scheduler = start_background(db_url, clock)
    try:
        uvicorn.run(create_app(db_url, clock), host=host, port=port, log_level="info", proxy_headers=False)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=True)


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
