"""Delivery against real servers on loopback: SMTP (aiosmtpd), a webhook (http.server); failures retried, listed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine

from notices.delivery import message_id
from notices.inbox import inbox_of, list_notices, mark_read, retry
from notices.outbox import refresh_case
from notices.sweep import sweep
from tests.notices.servers import free_port, smtp_server, webhook_server
from tests.notices.world import BRANCH, World, with_one_application
from workflow.clock import FixedClock

RECEIVED, REMIND = date(2025, 3, 3), date(2025, 3, 27)  # the talk is due 2025-04-03: 7 days before


@pytest.fixture
def world(engine: Engine) -> World:
    return with_one_application(engine, RECEIVED)


def row_of(world: World, channel: str, who: str = "陈静", kind: str = "talk_reminder@-7") -> dict:
    return next(r for r in world.rows() if r["channel"] == channel and r["name"] == kind
                and world.who(r["recipient"]) == who)


def test_email_goes_to_a_real_smtp_server_with_the_notice_id_as_message_id(world: World) -> None:
    with smtp_server() as (mailbox, port):
        report = sweep(world.engine, REMIND, FixedClock.on(REMIND).now(), replace(world.config, smtp_port=port))
    row = row_of(world, "email")
    assert row["status"] == "sent" and row["id"] in report.sent and row["attempts"] == 1
    (message,) = mailbox.messages
    assert message["Message-ID"] == message_id(row["id"], "fazhan.local")
    assert message["X-Fazhan-Notice-Id"] == str(row["id"])
    assert message["Subject"] == "【谈话提醒】李明的入党谈话应于2025年4月3日前进行" == row["subject"]
    assert message["To"].addresses[0].display_name == "陈静"
    assert message["To"].addresses[0].addr_spec == "chenjing@cs.example.edu.cn"
    plain = message.get_body(preferencelist=("plain",)).get_content()
    assert plain.startswith("陈静同志：") and "2025年3月3日收到李明同志的入党申请书" in plain
    assert "<p>陈静同志：</p>" in message.get_body(preferencelist=("html",)).get_content()


def test_the_inbox_has_read_and_unread(world: World) -> None:
    sweep(world.engine, REMIND, FixedClock.on(REMIND).now(), world.config)
    member, items = inbox_of(world.engine, "王芳", unread_only=True)
    assert member == world.members["王芳"] and [i.subject for i in items] == ["【谈话提醒】李明的入党谈话应于2025年4月3日前进行"]
    read = mark_read(world.engine, items[0].id, FixedClock.on(REMIND).now())
    assert read.read_at is not None and inbox_of(world.engine, "王芳", unread_only=True)[1] == []
    assert len(inbox_of(world.engine, "王芳")[1]) == 1


def test_a_webhook_gets_a_robot_text_message_with_an_idempotency_key(world: World) -> None:
    with webhook_server() as (hook, url):
        world.set_webhook(BRANCH, url)
        refresh_case(world.engine, world.cases["李明"], REMIND - timedelta(days=1), world.config)
        sweep(world.engine, REMIND, FixedClock.on(REMIND).now(), world.config)
    row = row_of(world, "webhook", BRANCH)
    ((headers, body),) = hook.posts
    assert headers["X-Idempotency-Key"] == f"fazhan-notice-{row['id']}"
    assert body["msgtype"] == "text" and body["notice_id"] == row["id"]
    assert body["text"]["content"] == f"{row['subject']}\n\n{row['body']}"
    assert row["subject"] == "【谈话提醒】李明的入党谈话应于2025年4月3日前进行"
    assert row["status"] == "sent"


def test_a_failing_endpoint_is_retried_with_backoff_and_then_listed_never_dropped(world: World) -> None:
    config = replace(world.config, smtp_port=free_port(), max_attempts=3, backoff_seconds=300)
    start = FixedClock.on(REMIND).now()
    with webhook_server() as (hook, url):
        world.set_webhook(BRANCH, url)
        refresh_case(world.engine, world.cases["李明"], REMIND - timedelta(days=1), config)
        hook.answers = [(500, b"busy"), (200, b'{"errcode":93000,"errmsg":"invalid webhook url"}')]

        first = sweep(world.engine, REMIND, start, config)
        email, robot = row_of(world, "email"), row_of(world, "webhook", BRANCH)
        assert {email["id"], robot["id"]} <= set(first.failed)
        assert email["status"] == "failed" and email["attempts"] == 1 and "邮件发送失败" in email["last_error"]
        assert email["next_attempt_at"] == start + timedelta(seconds=300)
        assert row_of(world, "inbox")["status"] == "sent"  # one channel failing holds up no other

        assert sweep(world.engine, REMIND, start + timedelta(seconds=120), config).failed == []  # backing off
        second = sweep(world.engine, REMIND, start + timedelta(seconds=300), config)
        assert set(second.failed) == {email["id"], robot["id"]}
        assert "errcode=93000" in row_of(world, "webhook", BRANCH)["last_error"]
        assert row_of(world, "email")["next_attempt_at"] == start + timedelta(seconds=300 + 600)

        third = sweep(world.engine, REMIND, start + timedelta(seconds=900), config)
        assert third.failed == [email["id"]] and third.sent == [robot["id"]]
    email = row_of(world, "email")
    assert (email["status"], email["attempts"], email["next_attempt_at"]) == ("failed", 3, None)
    assert sweep(world.engine, REMIND + timedelta(days=3), start + timedelta(days=3), config).failed == []
    listed = list_notices(world.engine, failed=True)
    assert [(r["id"], r["recipient_name"], r["channel"]) for r in listed] == [(email["id"], "陈静", "email")]

    retry(world.engine, email["id"])
    with smtp_server(config.smtp_port) as (mailbox, _):
        later = REMIND + timedelta(days=3)
        sweep(world.engine, later, FixedClock.on(later).now(), config)
    assert row_of(world, "email")["status"] == "sent" and row_of(world, "email")["late"] is True
    assert [str(m["Message-ID"]) for m in mailbox.messages] == [message_id(email["id"], "fazhan.local")]
