"""The robot's webhook key in the browser: typed in once, then shown only as 「…key 末四位 abcd」 (issue: secrets).

A 企业微信-like JSON server on 127.0.0.1 accepts only its own key, so a message that arrives proves the sealed
address still opens; the pages a secretary, an organiser and an inspector read never show the key.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from notices import outbox, robots
from notices.config import NoticeConfig
from notices.sweep import sweep
from tests.notices.test_robot_keys import KEY, Group, group  # noqa: F401  (the loopback robot fixture)
from tests.web.conftest import TODAY, Client
from workflow import personal
from workflow.clock import FixedClock

BRANCH_ID = 2


def _configure(client: Client, address: str, kind: str = "wecom") -> int:
    return client.form(f"/organisations/{BRANCH_ID}/robot", {"kind": kind, "address": address,
                                                             "enabled": "1"}).status_code


def test_the_key_is_typed_once_then_shown_masked_and_kept_when_left_blank(
        as_user: Callable[[str], Client], group: Group) -> None:  # noqa: F811
    secretary = as_user("chenjing")
    assert _configure(secretary, group.wecom) == 303
    page = secretary.get(f"/organisations/{BRANCH_ID}").text
    assert "企业微信群机器人（…key 末四位 4e5f）" in page and KEY not in page
    assert _configure(secretary, "") == 303  # blank: the sealed address is kept
    assert secretary.form(f"/organisations/{BRANCH_ID}/robot/test", {}).status_code == 200
    assert len(group.received) == 1
    changed = secretary.form(f"/organisations/{BRANCH_ID}/robot", {"kind": "dingtalk", "address": "", "enabled": "1"})
    assert changed.status_code == 422 and "请填写机器人的 Webhook 地址" in changed.text


def test_no_page_shows_the_key_after_a_failed_delivery(
        as_user: Callable[[str], Client], engine: Engine, clock: FixedClock, group: Group) -> None:  # noqa: F811
    secretary = as_user("chenjing")
    wrong = "0badbeef-0000-4000-8000-00000000dead"  # the group robot refuses it: the failure is listed
    assert _configure(secretary, f"{group.base}/cgi-bin/webhook/send?key={wrong}") == 303
    config = NoticeConfig(max_attempts=1)
    outbox.refresh_all(engine, TODAY, config, now=clock.now())
    assert sweep(engine, TODAY, clock.now(), config, robots.RobotChannels(config, engine)).failed
    listed = secretary.get("/outbox").text
    assert "企业微信群机器人拒收：invalid webhook url" in listed
    pages = [listed, secretary.get("/outbox?show=all").text, secretary.get(f"/organisations/{BRANCH_ID}").text,
             as_user("xuncha").get("/audit").text]
    assert not [p for p in pages if wrong in p or wrong[-12:] in p]


def test_a_wrong_personal_key_is_a_chinese_sentence_on_the_page(
        as_user: Callable[[str], Client], group: Group, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        tmp_path: Path) -> None:
    secretary = as_user("chenjing")
    assert _configure(secretary, group.wecom) == 303
    monkeypatch.setenv(personal.KEY_FILE_ENV, str(tmp_path / "another.key"))
    page = secretary.get(f"/organisations/{BRANCH_ID}")
    assert page.status_code == 200 and "地址无法解密" in page.text
    tried = secretary.form(f"/organisations/{BRANCH_ID}/robot/test", {})
    assert tried.status_code == 422 and "测试消息没有发出：找不到个人信息密钥" in tried.text
    assert "Traceback" not in tried.text and not group.received
