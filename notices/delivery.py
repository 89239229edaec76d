"""Delivery channels: the in-app inbox, email over SMTP, and a generic JSON webhook (企业微信, 钉钉 group robots).

Every delivery carries the notice's id as an idempotency key, so a receiver can recognise a redelivery:

* inbox: ``inbox_messages.notice_id`` is UNIQUE and the insert ignores a conflict, so a second delivery
  inserts nothing (and the outbox inserts the message and marks the notice sent in one transaction);
* email: ``Message-ID: <fazhan-notice-<id>@domain>`` and ``X-Fazhan-Notice-Id`` (mail clients and list servers
  drop a second copy with the same Message-ID);
* webhook: ``X-Idempotency-Key: fazhan-notice-<id>`` and ``notice_id`` in the JSON body.
"""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from sqlalchemy import Connection, insert

from notices.config import NoticeConfig
from notices.render import Rendered, render_email_html
from workflow.safe_text import header_text
from workflow.tables import InboxMessage

INBOX = InboxMessage.__table__


class DeliveryError(Exception):
    """A channel did not accept the notice; the outbox retries it later with backoff."""


@dataclass(frozen=True)
class Outgoing:
    """One notice on its way to one address."""

    notice_id: int
    name: str  # the person's or the organisation's name
    target: str  # email address or webhook URL
    subject: str
    body: str


def idempotency_key(notice_id: int) -> str:
    return f"fazhan-notice-{notice_id}"


def message_id(notice_id: int, domain: str) -> str:
    """The same Message-ID for every delivery of one notice.

    >>> message_id(42, "fazhan.local")
    '<fazhan-notice-42@fazhan.local>'
    """
    return f"<{idempotency_key(notice_id)}@{domain}>"


_INSERTS: dict[str, Any] = {}


def _insert_ignoring_duplicate(conn: Connection, values: dict[str, object]) -> bool:
    dialect = conn.dialect.name
    if dialect not in _INSERTS:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            _INSERTS[dialect] = pg_insert(INBOX).on_conflict_do_nothing(index_elements=["notice_id"])
        elif dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            _INSERTS[dialect] = sqlite_insert(INBOX).on_conflict_do_nothing(index_elements=["notice_id"])
        else:
            _INSERTS[dialect] = insert(INBOX)
    return bool(conn.execute(_INSERTS[dialect], values).rowcount)


def deliver_to_inbox(conn: Connection, notice_id: int, member_id: int, rendered: Rendered, now: datetime) -> bool:
    """Put the notice in the member's inbox, in the caller's transaction; False if it was already there."""
    return _insert_ignoring_duplicate(conn, {"member_id": member_id, "notice_id": notice_id,
                                             "subject": rendered.subject, "body": rendered.body, "created_at": now})


class Channels:
    """The external channels. Tests and deployments may pass a subclass (a different SMTP, a recorder)."""

    def __init__(self, config: NoticeConfig) -> None:
        self.config = config

    def send_email(self, outgoing: Outgoing, now: datetime) -> None:
        """One message over SMTP; raises DeliveryError when the server refuses it or cannot be reached."""
        message = EmailMessage()
        message["Subject"] = header_text(outgoing.subject)  # a line break in a name cannot add a header
        message["From"] = self.config.smtp_sender
        username, _, domain = outgoing.target.partition("@")
        message["To"] = Address(header_text(outgoing.name), username, domain)
        message["Date"] = format_datetime(now)
        message["Message-ID"] = message_id(outgoing.notice_id, self.config.message_id_domain)
        message["X-Fazhan-Notice-Id"] = str(outgoing.notice_id)
        message.set_content(outgoing.body)
        html = render_email_html(Rendered(outgoing.subject, outgoing.body), self.config.templates_dir)
        message.add_alternative(html, subtype="html")
        try:
            with smtplib.SMTP(self.config.smtp_host, self.config.smtp_port, timeout=self.config.smtp_timeout) as smtp:
                if self.config.smtp_starttls:
                    smtp.starttls()
                if self.config.smtp_username:
                    smtp.login(self.config.smtp_username, self.config.smtp_password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(f"邮件发送失败（{self.config.smtp_host}:{self.config.smtp_port}）：{error}") from error

    def post_webhook(self, outgoing: Outgoing, now: datetime) -> None:  # noqa: ARG002
        """A JSON POST in the text-message shape both 企业微信 and 钉钉 group robots accept."""
        payload = {
            "msgtype": "text",
            "text": {"content": f"{outgoing.subject}\n\n{outgoing.body}"},
            "notice_id": outgoing.notice_id,
        }
        request = urllib.request.Request(
            outgoing.target, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/json; charset=utf-8",
                     "X-Idempotency-Key": idempotency_key(outgoing.notice_id)})
        try:
            with urllib.request.urlopen(request, timeout=self.config.webhook_timeout) as response:
                answer = response.read()
        except (OSError, urllib.error.URLError) as error:
            raise DeliveryError(f"Webhook 发送失败：{error}") from error
        _check_robot_answer(answer)


def _check_robot_answer(answer: bytes) -> None:
    """企业微信 and 钉钉 answer HTTP 200 with ``{"errcode": …}``; anything but 0 is a refusal."""
    try:
        data = json.loads(answer.decode("utf-8")) if answer.strip() else {}
    except (UnicodeDecodeError, ValueError):
        return  # a plain endpoint that answered 2xx with text accepted it
    if isinstance(data, dict) and data.get("errcode", 0) not in (0, "0"):
        raise DeliveryError(f"Webhook 拒收：errcode={data.get('errcode')}，{data.get('errmsg', '')}")
