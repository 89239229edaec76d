"""``make run`` as it is: ``fazhan run`` started as a process on a fresh database in an empty folder."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from notices.outbox import NOTICES
from tests.server.processes import Server, base_env, logged_in
from tests.web.browser import TODAY
from workflow.db import make_engine
from workflow.tables import InboxMessage


def test_fazhan_run_migrates_seeds_serves_and_sweeps(tmp_path: Path) -> None:
    server = Server(["run"], base_env(tmp_path, FAZHAN_TODAY=TODAY.isoformat()), tmp_path, "run")
    try:
        ready = server.wait_ready()
        assert ready["status"] == "ready" and ready["schema"] == ready["expected_schema"]
        assert (tmp_path / "fazhan.db").exists(), "make run 在当前文件夹建库"
        login = server.url + "/login"
        assert "登录" in httpx.get(login).text
        client, _ = logged_in(server.url, "chenjing", "fazhan-demo")
        listed = client.get("/api/applicants")
        assert listed.status_code == 200 and listed.json(), "演示申请人已载入"
        assert client.get("/").status_code == 200

        # The scheduler runs inside the same process and sweeps at once on start: the demo's due notices reach
        # the inbox, and none that is due stays pending.
        engine = make_engine(str(tmp_path / "fazhan.db"))
        deadline, sent, pending, inbox = time.monotonic() + 60, 0, -1, 0
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                sent = conn.scalar(select(func.count()).where(NOTICES.c.status == "sent")) or 0
                pending = conn.scalar(select(func.count()).where(NOTICES.c.status == "pending",
                                                                 NOTICES.c.send_on <= TODAY)) or 0
                inbox = conn.scalar(select(func.count()).select_from(InboxMessage.__table__)) or 0
            if sent and not pending:
                break
            time.sleep(0.3)
        engine.dispose()
        assert sent > 0 and pending == 0 and inbox > 0, server.log()[-3000:]
        assert server.process.poll() is None
    finally:
        code = server.stop(signal.SIGINT)
    assert code == 0, server.log()[-3000:]
    assert "已载入演示数据" in server.log()
