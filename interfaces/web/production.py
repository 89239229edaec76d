"""``fazhan serve``: gunicorn with uvicorn workers, the migrations once, one notice scheduler leader.

The master process exports the settings to the environment (the workers inherit them), runs the migrations
under the migration lock (several servers starting together migrate once), and forks the workers. Each
worker builds its own app (its own database pool: connections are never shared across a fork) and, when the
scheduler is on, a ``Leadership``: the one holding the leader lock sweeps, the others stand by. A worker
that dies is replaced by the master; if it was the leader, a standby takes over.
"""

from __future__ import annotations

import logging
import logging.config
from typing import Any

from gunicorn.app.base import BaseApplication
from starlette.types import ASGIApp

from interfaces.settings import Settings
from interfaces.web.logs import logging_config
from interfaces.web.server import web_app
from workflow import personal
from workflow.db import database_url, upgrade

log = logging.getLogger("fazhan.server")
_LEADERSHIP: dict[str, Any] = {}  # this worker's Leadership, if any


def _start_leader(worker: Any) -> None:  # noqa: ARG001  (gunicorn's hook signature)
    settings: Settings = _LEADERSHIP["settings"]
    if settings.scheduler:
        from notices.scheduler import Leadership  # APScheduler only in processes that may sweep

        _LEADERSHIP["leadership"] = Leadership(settings.database).start()


def _stop_leader(server: Any, worker: Any) -> None:  # noqa: ARG001
    leadership = _LEADERSHIP.pop("leadership", None)
    if leadership is not None:
        leadership.stop()


class FazhanServer(BaseApplication):  # type: ignore[misc]  (gunicorn ships no type hints)
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        _LEADERSHIP["settings"] = settings
        super().__init__()

    def load_config(self) -> None:
        settings = self.settings
        options: dict[str, Any] = {
            "bind": [f"{settings.host}:{settings.port}"], "workers": settings.workers,
            "worker_class": "uvicorn.workers.UvicornWorker", "timeout": settings.timeout, "graceful_timeout": 30,
            "keepalive": 5, "forwarded_allow_ips": settings.forwarded_allow_ips, "proc_name": "fazhan",
            "logconfig_dict": logging_config(settings.log_level, settings.log_format),
            "post_worker_init": _start_leader, "worker_exit": _stop_leader,
            # One control socket per user by default: a second server on the machine would take it over.
            "control_socket_disable": True,
        }
        for name, value in options.items():
            self.cfg.set(name, value)

    def load(self) -> ASGIApp:
        return web_app(self.settings)


def serve_production(settings: Settings) -> None:
    """Blocks until SIGTERM/SIGINT (systemd stop, Ctrl-C); the workers finish their requests first."""
    settings.export()
    logging.config.dictConfig(logging_config(settings.log_level, settings.log_format))
    upgrade(settings.database)
    # The personal-data key file is made on first need: made here, before the fork, the workers never race
    # to create it (one writing it while another reads it empty).
    personal.load_keys(database_url(settings.database))
    log.info("数据库已是最新结构；启动%s个工作进程，监听 %s:%s。", settings.workers, settings.host, settings.port)
    FazhanServer(settings).run()
