"""The outbox and the group robot in the browser (issue 16 items 2 and 4), with real HTTP on 127.0.0.1.

The branch secretary sets up a 钉钉 robot from the organisation page and presses 发送测试消息: the local
robot checks the signature. Then the robot is moved to a closed port, the real sweep fails to deliver,
the failure shows on 发送情况 with its reason, and 重发 puts it back in the queue.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from notices import outbox, robots
from notices.config import NoticeConfig
from notices.sweep import sweep
from tests.notices.test_robots import SECRET, Robot, robot  # noqa: F401  (the robot fixture)
from tests.web.conftest import TODAY, Client
from workflow.clock import FixedClock

BRANCH_ID = 2


def secretary_clock_now() -> object:
    return FixedClock.on(TODAY).now()


def _configure(client: Client, url: str, **extra: str) -> int:
    answer = client.form(f"/organisations/{BRANCH_ID}/robot", {"kind": "dingtalk", "address": url,
                                                               "enabled": "1", **extra})
    return answer.status_code


def test_the_secretary_sets_up_a_signed_robot_and_a_test_message_arrives(
        as_user: Callable[[str], Client], robot: tuple[Robot, str]) -> None:  # noqa: F811
    state, base = robot
    secretary = as_user("chenjing")
    assert state.now == secretary_clock_now()  # the app signs with its own clock; the robot judges by the same
    assert "发送测试消息" not in secretary.get(f"/organisations/{BRANCH_ID}").text  # nothing to test yet
    bad = secretary.form(f"/organisations/{BRANCH_ID}/robot", {"kind": "dingtalk", "address": "钉钉",
                                                               "enabled": "1"})
    assert bad.status_code == 422 and "Webhook 地址" in bad.text
    assert _configure(secretary, f"{base}/robot/send?access_token=T", secret=SECRET,
                      at_mobiles="13800138000") == 303
    page = secretary.get(f"/organisations/{BRANCH_ID}").text
    assert "发送测试消息" in page and SECRET not in page  # the secret is never shown again
    sent = secretary.form(f"/organisations/{BRANCH_ID}/robot/test", {})
    assert sent.status_code == 200 and "测试消息已发出" in sent.text
    body = state.received[-1][1]
    assert body["msgtype"] == "markdown" and f"/organisations/{BRANCH_ID}" in body["markdown"]["text"]
    assert body["at"]["atMobiles"] == ["13800138000"]
    assert _configure(secretary, f"{base}/robot/send?access_token=T", secret="SECwrong") == 303
    refused = secretary.form(f"/organisations/{BRANCH_ID}/robot/test", {})
    assert refused.status_code == 502 and "sign not match" in refused.text
    other = as_user("hejun")
    assert other.form(f"/organisations/{BRANCH_ID}/robot/test", {}).status_code == 404


def test_a_failed_notice_is_listed_with_its_reason_and_can_be_retried(
        as_user: Callable[[str], Client], engine: Engine, clock: FixedClock) -> None:
    secretary = as_user("chenjing")
    assert _configure(secretary, "http://127.0.0.1:9/robot/send?access_token=T") == 303  # nothing listens there
    config = NoticeConfig(max_attempts=1)
    outbox.refresh_all(engine, TODAY, config, now=clock.now())
    report = sweep(engine, TODAY, clock.now(), config, robots.RobotChannels(config, engine))
    assert report.failed
    page = secretary.get("/outbox").text
    failed = page.split('id="notices"')[1]
    assert "群机器人" in failed and "钉钉群机器人无法连接" in failed and "李明" in failed
    notice = int(failed.split('action="/outbox/')[1].split("/retry")[0])
    assert as_user("hejun").form(f"/outbox/{notice}/retry", {}).status_code == 404
    assert as_user("xuncha").form(f"/outbox/{notice}/retry", {}).status_code == 403
    retried = secretary.form(f"/outbox/{notice}/retry", {})
    assert retried.status_code == 303
    assert f"通知{notice}已放回待发送队列" in secretary.get(retried.headers["location"]).text
    again = secretary.form(f"/outbox/{notice}/retry", {})
    assert again.status_code == 422 and "无需重发" in again.text
