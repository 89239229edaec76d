"""Group robots (issue 16 item 4) against a real HTTP server on 127.0.0.1 that behaves like 钉钉 and 企业微信.

The server checks what the real robots check: 钉钉 recomputes the 加签 signature from its own copy of the
secret and refuses a wrong or stale one (errcode 310000); 企业微信 refuses an unknown key (errcode 93000).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import text

from notices import robots
from notices.config import NoticeConfig
from notices.delivery import DeliveryError, Outgoing
from tests.notices.servers import json_http_server
from workflow import personal, services
from workflow.clock import FixedClock
from workflow.db import make_engine, upgrade

SECRET = "SECtest0123456789"
KEY = "wecom-key-1"
NOW = datetime(2026, 6, 15, 1, 0, tzinfo=UTC)


@dataclass
class Robot:
    """What the fake robot received, and the clock it judges timestamps by."""

    now: datetime
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def answer(self, path: str, query: dict[str, list[str]], body: dict[str, Any]) -> dict[str, Any]:
        if path == "/robot/send":  # 钉钉
            timestamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
            expected = base64.b64encode(hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(),
                                                 hashlib.sha256).digest()).decode()
            fresh = timestamp.isdigit() and abs(int(timestamp) / 1000 - self.now.timestamp()) < 3600
            if sign != expected or not fresh:
                return {"errcode": 310000, "errmsg": "sign not match"}
        elif query.get("key", [""])[0] != KEY:  # 企业微信
            return {"errcode": 93000, "errmsg": "invalid webhook url"}
        self.received.append((path, body))
        return {"errcode": 0, "errmsg": "ok"}


@pytest.fixture
def robot() -> Iterator[tuple[Robot, str]]:
    state = Robot(NOW)

    def answer(path: str, _headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        parsed = urlparse(path)
        return 200, json.dumps(state.answer(parsed.path, parse_qs(parsed.query), json.loads(body.decode()))).encode()

    with json_http_server(answer) as base:
        yield state, base


def _target(kind: robots.RobotKind, url: str, secret: str = "", mobiles: tuple[str, ...] = ()) -> robots.Target:
    return robots.Target(1, kind, url, secret, mobiles, True)


def test_dingtalk_signed_markdown_with_link_and_mention_is_accepted(robot: tuple[Robot, str]) -> None:
    state, base = robot
    target = _target(robots.RobotKind.DINGTALK, f"{base}/robot/send?access_token=T", SECRET, ("13800138000",))
    robots.send(target, "李明：谈话已逾期", "应在2026年6月10日前谈话。", "http://fazhan.local/applicants/2", NOW)
    path, body = state.received[-1]
    assert body["msgtype"] == "markdown" and body["markdown"]["title"] == "李明：谈话已逾期"
    assert "[打开办理页面](http://fazhan.local/applicants/2)" in body["markdown"]["text"]
    assert body["at"]["atMobiles"] == ["13800138000"] and "@13800138000" in body["markdown"]["text"]


def test_dingtalk_refuses_a_wrong_secret_and_a_stale_timestamp(robot: tuple[Robot, str]) -> None:
    state, base = robot
    wrong = _target(robots.RobotKind.DINGTALK, f"{base}/robot/send?access_token=T", "SECwrong")
    with pytest.raises(DeliveryError, match="钉钉群机器人拒收：sign not match"):
        robots.send(wrong, "标题", "正文", "", NOW)
    right = _target(robots.RobotKind.DINGTALK, f"{base}/robot/send?access_token=T", SECRET)
    with pytest.raises(DeliveryError, match="sign not match"):
        robots.send(right, "标题", "正文", "", NOW - timedelta(hours=2))
    robots.send(right, "标题", "正文", "", NOW - timedelta(minutes=30))
    assert len(state.received) == 1


def test_wecom_markdown_by_key_and_text_when_mentioning_by_mobile(robot: tuple[Robot, str]) -> None:
    state, base = robot
    robots.send(_target(robots.RobotKind.WECOM, f"{base}/cgi-bin/webhook/send?key={KEY}"), "提醒", "正文",
                "http://fazhan.local/applicants/2", NOW)
    assert state.received[-1][1] == {"msgtype": "markdown", "markdown": {
        "content": "#### 提醒\n\n正文\n\n[打开办理页面](http://fazhan.local/applicants/2)"}}
    robots.send(_target(robots.RobotKind.WECOM, f"{base}/cgi-bin/webhook/send?key={KEY}", mobiles=("13900139000",)),
                "提醒", "正文", "http://fazhan.local/applicants/2", NOW)
    text = state.received[-1][1]["text"]
    assert text["mentioned_mobile_list"] == ["13900139000"] and "http://fazhan.local/applicants/2" in text["content"]
    with pytest.raises(DeliveryError, match="企业微信群机器人拒收"):
        robots.send(_target(robots.RobotKind.WECOM, f"{base}/cgi-bin/webhook/send?key=other"), "提醒", "正文", "", NOW)


def test_an_unreachable_robot_is_a_delivery_error_in_chinese() -> None:
    with pytest.raises(DeliveryError, match="无法连接"):
        robots.send(_target(robots.RobotKind.WECOM, "http://127.0.0.1:9/send?key=x"), "t", "b", "", NOW, timeout=2)


def test_configuring_checks_input_sets_the_webhook_and_the_channel_signs(database_url: str,
                                                                          robot: tuple[Robot, str]) -> None:
    state, base = robot
    upgrade(database_url)
    engine = make_engine(database_url)
    clock = FixedClock(NOW)
    actor = services.Actor("陈静", "支部书记")
    try:
        org = services.add_organisation(engine, clock, actor, name="某支部", kind="党支部")
        with pytest.raises(Exception, match="11位数字"):
            robots.configure(engine, clock, actor, org, kind="dingtalk", address=f"{base}/robot/send?access_token=T",
                             at_mobiles="1380013")
        with pytest.raises(Exception, match="SEC 开头"):
            robots.configure(engine, clock, actor, org, kind="dingtalk", address=f"{base}/robot/send?access_token=T",
                             secret="abc")
        with pytest.raises(Exception, match="Webhook 地址"):
            robots.configure(engine, clock, actor, org, kind="dingtalk", address="ftp://x")
        url = f"{base}/robot/send?access_token=T"
        robots.configure(engine, clock, actor, org, kind="dingtalk", address=url, secret=SECRET,
                         at_mobiles="13800138000，13900139000")
        found = robots.target_of(engine, org)
        assert found is not None and found.at_mobiles == ("13800138000", "13900139000")
        wecom = robots.configure(engine, clock, actor, org, kind="wecom", address=KEY)
        assert wecom.url == robots.WECOM_SEND + KEY
        robots.configure(engine, clock, actor, org, kind="dingtalk", address=url, secret=SECRET)
        # The sweep's channel: the organisation's robot (by reference), so the message goes out signed, as markdown.
        robots.RobotChannels(NoticeConfig(), engine).post_webhook(Outgoing(99, "某支部", personal.robot_reference(org), "主题", "正文"), NOW)
        assert state.received[-1][1]["msgtype"] == "markdown"
        # The secret is sealed in the table (whoever reads the database cannot post as the robot) ...
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT secret FROM robot_targets")).scalar_one()
        assert SECRET not in stored and personal.is_encrypted(stored)
        # ... and still signs after the personal-data key is rotated (the robot accepts only a valid signature).
        personal.rotate(engine, clock, "管理员", "管理员")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT secret FROM robot_targets")).scalar_one() != stored
        before = len(state.received)
        robots.RobotChannels(NoticeConfig(), engine).post_webhook(Outgoing(99, "某支部", personal.robot_reference(org), "主题", "正文"), NOW)
        assert len(state.received) == before + 1
    finally:
        engine.dispose()
