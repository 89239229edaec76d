"""A robot's webhook key is a secret: sealed in the database, opened only to send, masked everywhere it shows.

Real parts: a JSON server on 127.0.0.1 that, like 企业微信, accepts only its own key; SQLite (its file's bytes
read back) and PostgreSQL; the real sweep; migration 0017 run on a database written the way 0016 left it.
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, select, text
from sqlmodel import SQLModel

from notices import robots
from notices.delivery import Outgoing
from notices.outbox import refresh_case
from notices.sweep import sweep
from tests.notices.servers import json_http_server
from tests.notices.world import ACTOR, BRANCH, COMMITTEE, World, with_one_application
from workflow import personal
from workflow.clock import FixedClock
from workflow.db import alembic_config, make_engine, upgrade
from workflow.roster import ORGS

KEY = "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"  # shaped like a real 企业微信 key
TOKEN = "a7c3e9f1b2d4c6e8f0a1b3c5d7e9f2a4"  # a plain webhook's token in its query string
RECEIVED, REMIND = date(2025, 3, 3), date(2025, 3, 27)  # the talk is due 2025-04-03: reminded 7 days before
SECRETS = (KEY, TOKEN, urllib.parse.quote(KEY, safe=""))


@dataclass
class Group:
    """What the loopback robot accepted: (path, idempotency key, body) per POST; a wrong key is refused."""

    base: str = ""
    received: list[tuple[str, str, dict[str, object]]] = field(default_factory=list)

    @property
    def wecom(self) -> str:
        return f"{self.base}/cgi-bin/webhook/send?key={KEY}"


@pytest.fixture
def group() -> Iterator[Group]:
    state = Group()

    def answer(path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        parsed = urllib.parse.urlparse(path)
        query = urllib.parse.parse_qs(parsed.query)
        if query.get("key", query.get("token", [""]))[0] not in (KEY, TOKEN):
            return 200, b'{"errcode":93000,"errmsg":"invalid webhook url"}'
        state.received.append((parsed.path, headers.get("X-Idempotency-Key", ""), json.loads(body.decode())))
        return 200, b'{"errcode":0,"errmsg":"ok"}'

    with json_http_server(answer) as base:
        state.base = base
        yield state


def _everything(engine: Engine) -> str:
    """Every row of every table, as text: the audit trail, the outbox, organisations, robots …"""
    with engine.connect() as conn:
        return "\n".join(str(row) for name, tbl in SQLModel.metadata.tables.items()
                         for row in conn.execute(select(tbl)).all() if name != "apscheduler_jobs")


def _assert_nowhere(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    stored = _everything(engine)
    assert not [s for s in SECRETS if s in stored]
    assert not [s for s in SECRETS if s in caplog.text]
    path = engine.url.database
    engine.dispose()  # SQLite: the WAL is merged into the file
    if engine.dialect.name == "sqlite" and path:
        raw = b"".join(p.read_bytes() for p in Path(path).parent.glob(Path(path).name + "*")
                       if not p.name.endswith("personal-key"))
        assert not [s for s in SECRETS if s.encode() in raw]


def _webhook_rows(world: World) -> list[dict[str, object]]:
    """The robot's rows due by REMIND (the later reminders of the series wait for their day)."""
    return [r for r in world.rows() if r["channel"] == "webhook" and r["send_on"] <= REMIND]


def test_a_robot_notice_reaches_the_robot_once_and_its_key_is_nowhere_in_clear(
        engine: Engine, group: Group, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    world = with_one_application(engine, RECEIVED)
    org = world.orgs[BRANCH]
    robots.configure(engine, FixedClock.on(RECEIVED), ACTOR, org, kind="wecom", address=group.wecom)
    assert robots.shown(engine, org).label == "企业微信群机器人（…key 末四位 4e5f）"  # type: ignore[union-attr]
    with engine.connect() as conn:
        assert conn.execute(select(ORGS.c.webhook_url).where(ORGS.c.id == org)).scalar() == f"robot:{org}"
    refresh_case(engine, world.cases["李明"], REMIND - timedelta(days=1), world.config)
    for _ in range(2):  # the second sweep finds nothing left to send
        sweep(engine, REMIND, FixedClock.on(REMIND).now(), world.config)
    rows = _webhook_rows(world)
    assert rows and all(r["status"] == "sent" for r in rows)
    assert sorted(key for _, key, _ in group.received) == sorted(f"fazhan-notice-{r['id']}" for r in rows)
    assert {path for path, _, _ in group.received} == {"/cgi-bin/webhook/send"}
    assert "HTTP Request: POST" in caplog.text  # httpx did log the request, with its query masked
    _assert_nowhere(engine, caplog)


def test_migration_0017_seals_clear_addresses_and_the_robot_still_delivers(
        database_url: str, group: Group, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    upgrade(database_url)
    engine = make_engine(database_url)
    world = with_one_application(engine, RECEIVED)
    branch, committee = world.orgs[BRANCH], world.orgs[COMMITTEE]
    plain = f"{group.base}/hook?token={TOKEN}"
    robots.configure(engine, FixedClock.on(RECEIVED), ACTOR, branch, kind="wecom", address="placeholder")
    refresh_case(engine, world.cases["李明"], REMIND - timedelta(days=1), world.config)
    engine.dispose()
    # The database as versions up to 0016 wrote it: addresses in clear, one copied into an error text.
    command.downgrade(alembic_config(database_url), "0016")
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE robot_targets SET url = :u"), {"u": group.wecom})
        conn.execute(text("UPDATE organisations SET webhook_url = :u WHERE id = :id"), {"u": group.wecom, "id": branch})
        conn.execute(text("UPDATE organisations SET webhook_url = :u WHERE id = :id"), {"u": plain, "id": committee})
        conn.execute(text("UPDATE notices SET last_error = :e WHERE channel = 'webhook'"),
                     {"e": f"Webhook 发送失败：{group.wecom} 无法连接"})
        before = str(conn.execute(text("SELECT r.url, o.webhook_url, n.last_error FROM robot_targets r, organisations o,"
                                       " notices n")).all())
    assert KEY in before and TOKEN in before  # the test starts from clear addresses
    engine.dispose()
    upgrade(database_url)
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(select(ORGS.c.webhook_url).where(ORGS.c.id == branch)).scalar() == f"robot:{branch}"
        sealed_plain = conn.execute(select(ORGS.c.webhook_url).where(ORGS.c.id == committee)).scalar()
        errors = conn.execute(text("SELECT last_error FROM notices WHERE channel = 'webhook'")).scalars().all()
    assert personal.is_encrypted(sealed_plain)
    assert errors and all(e == "Webhook 发送失败：…key 末四位 4e5f 无法连接" for e in errors)
    sweep(engine, REMIND, FixedClock.on(REMIND).now(), world.config)
    rows = _webhook_rows(world)
    assert rows and all(r["status"] == "sent" for r in rows)
    assert sorted(key for _, key, _ in group.received) == sorted(f"fazhan-notice-{r['id']}" for r in rows)
    # The plain webhook (not a robot) is opened at send time too.
    robots.RobotChannels(world.config, engine).post_webhook(Outgoing(0, COMMITTEE, sealed_plain, "主题", "正文"),
                                                            FixedClock.on(REMIND).now())
    assert group.received[-1][0] == "/hook"
    _assert_nowhere(engine, caplog)


def test_a_wrong_personal_key_is_a_chinese_delivery_error_and_the_row_waits(
        engine: Engine, group: Group, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    world = with_one_application(engine, RECEIVED)
    org = world.orgs[BRANCH]
    robots.configure(engine, FixedClock.on(RECEIVED), ACTOR, org, kind="wecom", address=group.wecom)
    refresh_case(engine, world.cases["李明"], REMIND - timedelta(days=1), world.config)
    monkeypatch.setenv(personal.KEY_FILE_ENV, str(tmp_path / "another.key"))  # not the key that sealed it
    monkeypatch.delenv(personal.KEY_ENV, raising=False)
    report = sweep(engine, REMIND, FixedClock.on(REMIND).now(), world.config)
    rows = _webhook_rows(world)
    assert rows and all(r["status"] == "failed" and r["id"] in report.failed for r in rows)
    assert all(str(r["last_error"]).startswith("企业微信群机器人的地址无法解密：找不到个人信息密钥") for r in rows)
    assert not group.received and "Traceback" not in caplog.text
    assert "地址无法解密" in robots.shown(engine, org).label  # type: ignore[union-attr]  (the page still opens)
    with pytest.raises(personal.KeyProblem, match="个人信息密钥"):
        robots.target_of(engine, org)
