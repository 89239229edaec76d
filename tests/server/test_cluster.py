"""Three ``fazhan serve`` processes on one PostgreSQL database, driven over HTTP, the scheduler leader killed.

What must hold, whatever the interleaving: every accepted step is recorded once; a conflicting step is answered
409 with the Chinese message; exactly one process sweeps at a time, and when it dies mid-sweep (``kill -9``)
another takes over within one sweep interval; every due notice reaches the inbox exactly once; the audit trail
verifies.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Connection, Engine, func, select, text

from notices.outbox import NOTICES
from tests import pgserver
from tests.server.processes import Server, base_env, logged_in
from tests.server.world import BRANCH, INBOX, TODAY, names, outbox_counts, seed
from workflow import services
from workflow.db import make_engine
from workflow.locks import LEADER_LOCK
from workflow.tables import StepRecord

SEEDED = 300  # applicants whose reminders fall due: the first sweep takes long enough to be caught mid-way
INTERVAL = 4  # seconds between sweeps; a standby tries the leader lock every INTERVAL / 4
THREADS, PER_THREAD = 6, 4
PASSWORD = "fazhan-demo"
STEPS = (("application_submitted", TODAY - timedelta(days=3), {"organisation_basis": "work_unit"}),
         ("talk_held", TODAY, {"talker": "王芳"}))


@pytest.fixture
def pg_url(pg_server: pgserver.PostgresServer) -> Iterator[str]:
    name = f"t_cluster_{os.getpid()}"
    url = pg_server.create_database(name)
    try:
        yield url
    finally:
        pg_server.drop_database(name)


def leaders(engine: Engine) -> list[int]:
    """The OS process ids holding the leader lock, as the database sees them (each says its pid in its name)."""
    with engine.connect() as conn:
        found = conn.execute(text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :high AND l.objid = :low"),
            {"high": LEADER_LOCK >> 32, "low": LEADER_LOCK & 0xFFFFFFFF}).scalars().all()
    return [int(name.rsplit("-", 1)[1]) for name in found]


def kill_leader_mid_sweep(engine: Engine) -> tuple[int, dict[str, int]]:
    """Wait until the leader has sent some of the due notices and not yet the rest, then ``kill -9`` it."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        counts, holders = outbox_counts(engine), leaders(engine)
        assert counts.get("pending", 0) or not counts.get("sent", 0), f"整个清扫已结束，来不及在中途终止：{counts}"
        if holders and counts.get("sent", 0) and counts.get("pending", 0):
            os.kill(holders[0], signal.SIGKILL)
            return holders[0], counts
        time.sleep(0.03)
    raise AssertionError("主进程没有开始发送通知")


def new_leader(engine: Engine, killed: int) -> tuple[int, float]:
    started = time.monotonic()
    while time.monotonic() - started < 60:
        holders = [pid for pid in leaders(engine) if pid != killed]
        if holders:
            return holders[0], time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError("没有进程接任通知调度")


def write_config(folder: Path, url: str) -> Path:
    (folder / "secret.key").write_text("s" * 48, encoding="utf-8")
    path = folder / "fazhan.toml"
    path.write_text(f"""
[server]
database = "{url}"
workers = 1
secret_key_file = "{folder / 'secret.key'}"
audit_key_file = "{folder / 'audit.key'}"
personal_key_file = "{folder / 'personal.key'}"

[notices]
sweep_interval_seconds = {INTERVAL}
batch_size = 20
""", encoding="utf-8")
    return path


class Traffic:
    """Clients logged in on every server; each request goes to the next server in turn."""

    def __init__(self, servers: list[Server]) -> None:
        self.servers = servers
        self.accepted: list[tuple[int, str]] = []
        self.lock = threading.Lock()
        self.names = names("钱")

    def clients(self) -> list[tuple[httpx.Client, str]]:
        return [logged_in(s.url, "chenjing", PASSWORD) for s in self.servers]

    def log_in_together(self, count: int) -> list[list[tuple[httpx.Client, str]]]:
        """``count`` clients log in on every server at the same moment (each login appends to the audit trail)."""
        barrier, intervals = threading.Barrier(count), [(0.0, 0.0)] * count

        def one(i: int) -> list[tuple[httpx.Client, str]]:
            barrier.wait()
            started = time.perf_counter()
            found = self.clients()
            intervals[i] = (started, time.perf_counter())
            return found

        with ThreadPoolExecutor(count) as pool:
            logins = list(pool.map(one, range(count)))
        assert max(s for s, _ in intervals) < min(e for _, e in intervals), "登录请求确实同时在途"
        return logins

    def post(self, client: tuple[httpx.Client, str], path: str, body: dict) -> httpx.Response:
        return client[0].post(path, json=body, headers={"X-CSRF-Token": client[1]})

    def new_case(self, client: tuple[httpx.Client, str]) -> int:
        with self.lock:
            name = next(self.names)
        answer = self.post(client, "/api/applicants", {"name": name, "sex": "女", "birth_date": "2002-03-04",
                                                       "organisation": BRANCH})
        assert answer.status_code == 201, answer.text
        return int(answer.json()["case_id"])

    def step(self, client: tuple[httpx.Client, str], case_id: int, index: int,
             expected_version: int | None = None, evidence: dict[str, str] | None = None) -> httpx.Response:
        slug, on, usual = STEPS[index]
        answer = self.post(client, f"/api/applicants/{case_id}/steps/{slug}",
                           {"on": on.isoformat(), "evidence": evidence or usual, "expected_version": expected_version})
        if answer.status_code == 200:
            with self.lock:
                self.accepted.append((case_id, slug))
        return answer

    def one_thread(self, number: int, clients: list[tuple[httpx.Client, str]]) -> list[int]:
        cases = []
        for k in range(PER_THREAD):
            case_id = self.new_case(clients[(number + k) % 3])
            for index in range(len(STEPS)):
                answer = self.step(clients[(number + k + index + 1) % 3], case_id, index)
                assert answer.status_code == 200, answer.text
            cases.append(case_id)
        return cases

    def race(self, engine: Engine) -> tuple[list[httpx.Response], list[tuple[float, float]]]:
        """Six clients, two per server, record the same step on one applicant at the same moment.

        The test holds the case's row locked until all six are waiting for it inside the servers (seen in
        ``pg_stat_activity``): however fast a step is, none can finish before the last has begun.
        """
        first = self.clients()[0]
        case_id = self.new_case(first)
        version = int(self.step(first, case_id, 0).json()["version"])
        logins = self.log_in_together(2)
        contenders = [logins[i // 3][i % 3] for i in range(6)]
        barrier, intervals = threading.Barrier(len(contenders)), [(0.0, 0.0)] * len(contenders)
        with engine.connect() as holder, ThreadPoolExecutor(len(contenders)) as pool:
            held = holder.begin()
            try:
                holder.execute(text("SELECT id FROM cases WHERE id = :case_id FOR UPDATE"), {"case_id": case_id})
                pending = [pool.submit(self._contend, barrier, intervals, contenders, i, case_id, version)
                           for i in range(len(contenders))]
                _wait_for_lock_waiters(holder, len(contenders))
            finally:
                held.rollback()  # the requests go on, one wins; never left waiting on this test
            answers = [future.result() for future in pending]
        return answers, intervals

    def _contend(self, barrier: threading.Barrier, intervals: list[tuple[float, float]],
                 contenders: list[tuple[httpx.Client, str]], i: int, case_id: int, version: int) -> httpx.Response:
        barrier.wait()
        started = time.perf_counter()
        # six different acts (talkers): identical ones would be one act submitted twice, answered 已记录
        # without a conflict (workflow/repeats.py, tests/audit/test_repeats.py)
        answer = self.step(contenders[i], case_id, 1, expected_version=version, evidence={"talker": f"谈话人{i + 1}"})
        intervals[i] = (started, time.perf_counter())
        return answer


def _wait_for_lock_waiters(conn: Connection, count: int, timeout: float = 60.0) -> None:
    """Until ``count`` other sessions wait for a lock (the requests, blocked on the case row this session holds)."""
    deadline = time.monotonic() + timeout
    waiting = 0
    while time.monotonic() < deadline:
        conn.execute(text("SELECT pg_stat_clear_snapshot()"))  # else the view stays as first read in this transaction
        waiting = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                                    " AND pid <> pg_backend_pid() AND datname = current_database()")).scalar_one()
        if waiting >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{count}个请求没有同时等待同一案卷（{timeout:.0f}秒内只等到{waiting}个）")


def test_three_servers_one_leader_killed_mid_sweep(pg_url: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_config(tmp_path, pg_url)
    monkeypatch.delenv("FAZHAN_AUDIT_KEY", raising=False)  # the servers and this test share the key files
    for variable, name in (("FAZHAN_AUDIT_KEY_FILE", "audit.key"), ("FAZHAN_PERSONAL_KEY_FILE", "personal.key")):
        monkeypatch.setenv(variable, str(tmp_path / name))
    seed(pg_url, SEEDED)
    engine = make_engine(pg_url)
    env = base_env(tmp_path, FAZHAN_TODAY=TODAY.isoformat(), FAZHAN_CONFIG=str(config))
    servers = [Server(["serve"], env, tmp_path, f"server{i}") for i in range(3)]
    try:
        # The first leader sweeps at once; it dies half-way through.
        killed, at_kill = kill_leader_mid_sweep(engine)
        successor, took = new_leader(engine, killed)
        assert took < INTERVAL, f"接任用了{took:.1f}秒，超过一个清扫间隔（{INTERVAL}秒）"
        for server in servers:
            server.wait_ready()

        traffic = Traffic(servers)
        logins = traffic.log_in_together(THREADS)  # concurrent logins: their audit events race for the head
        with ThreadPoolExecutor(THREADS) as pool:
            cases = [c for batch in pool.map(traffic.one_thread, range(THREADS), logins) for c in batch]
        answers, intervals = traffic.race(engine)

        # Every due notice is sent (or cancelled because its reason went), none is left pending or claimed.
        deadline = time.monotonic() + 120
        while (counts := outbox_counts(engine)).keys() - {"sent", "cancelled", "inbox"} and time.monotonic() < deadline:
            time.sleep(0.2)
        roles = [s.wait_ready()["scheduler"] for s in servers]
    finally:
        codes = [s.stop() for s in servers]
    logs = "\n".join(s.log()[-2000:] for s in servers)
    assert codes == [0, 0, 0], logs

    assert counts.keys() - {"sent", "cancelled", "inbox"} == set(), counts
    assert 0 < at_kill["sent"] < counts["sent"], "被终止时已发出一部分，其余由接任的进程发出"
    assert roles.count("leader") == 1 and roles.count("standby") == 2, roles
    assert successor != killed
    with engine.connect() as conn:
        inbox_notices = set(conn.execute(select(NOTICES.c.id).where(NOTICES.c.channel == "inbox",
                                                                    NOTICES.c.status == "sent")).scalars())
        copies = dict(conn.execute(select(INBOX.c.notice_id, func.count()).group_by(INBOX.c.notice_id)).all())
        records = Counter(conn.execute(select(StepRecord.__table__.c.case_id, StepRecord.__table__.c.step)
                                       .where(StepRecord.__table__.c.case_id.in_(
                                           [c for c, _ in traffic.accepted]))).all())
    assert len(inbox_notices) >= 2 * SEEDED
    assert copies == dict.fromkeys(inbox_notices, 1), "每条到期通知在收件箱中恰好一份"

    assert len(cases) == THREADS * PER_THREAD
    assert Counter(traffic.accepted) == records, "每个被接受的步骤恰好记录一次，没有多余的记录"
    assert set(records.values()) == {1}

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 409, 409, 409, 409, 409], [a.text for a in answers]
    assert all("已被他人修改" in a.json()["message"] for a in answers if a.status_code == 409)
    assert max(s for s, _ in intervals) < min(e for _, e in intervals), "六个请求确实同时在途"
    assert services.verify_audit(engine).intact
    engine.dispose()
