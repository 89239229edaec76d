"""Group robots where secretaries read: 钉钉 (signed requests) and 企业微信 (key), markdown with a link back.

* 钉钉 custom robot with 加签: the URL carries ``timestamp`` (ms) and ``sign`` = base64(HMAC-SHA256(secret,
  "timestamp\\nsecret")), URL-encoded; ``at.atMobiles`` @-mentions members by mobile (the number must also
  appear in the text).
* 企业微信 group robot: the URL carries ``key``; markdown messages cannot @ by mobile, so when mobiles are
  configured the message is sent as text with ``mentioned_mobile_list`` (the link stays in the text).

Each organisation has at most one target (``robot_targets``); configuring it also sets the organisation's
``webhook_url`` so that the outbox plans robot notices for it. ``RobotChannels`` is the delivery channel
the sweep uses: a webhook URL that belongs to a configured robot is sent the robot's way, any other URL
the generic way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import urllib.parse
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import httpx
from sqlalchemy import Engine, insert, select, update

from notices.config import NoticeConfig
from notices.delivery import Channels, DeliveryError, Outgoing, idempotency_key
from workflow import audit, personal, roster
from workflow.clock import Clock
from workflow.errors import FazhanError
from workflow.roster_tables import RobotTarget
from workflow.services import Actor
from workflow.tables import Notice, table

TARGETS = table(RobotTarget)
NOTICES = table(Notice)
WECOM_SEND = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key="
PUBLIC_URL_VAR = "FAZHAN_PUBLIC_URL"  # where the web pages are reachable, for the link back


class RobotKind(StrEnum):
    DINGTALK = "dingtalk"
    WECOM = "wecom"

    @property
    def label(self) -> str:
        return {"dingtalk": "钉钉群机器人", "wecom": "企业微信群机器人"}[self.value]


@dataclass(frozen=True)
class Target:
    organisation_id: int
    kind: RobotKind
    url: str
    secret: str
    at_mobiles: tuple[str, ...]
    enabled: bool


def signed_url(url: str, secret: str, now: datetime) -> str:
    """钉钉 加签: the URL with ``timestamp`` and ``sign`` appended.

    >>> from datetime import UTC
    >>> signed_url("https://oapi.dingtalk.com/robot/send?access_token=T", "SECabc",
    ...            datetime(2026, 1, 1, tzinfo=UTC)).split("&")[1:2]
    ['timestamp=1767225600000']
    """
    timestamp = str(int(now.timestamp() * 1000))
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def message(kind: RobotKind, title: str, text: str, link: str, at_mobiles: tuple[str, ...]) -> dict[str, Any]:
    """The JSON body each robot expects: markdown with the link back; @ by mobile where the robot allows it."""
    lines = [f"#### {title}", "", text.strip()]
    if link:
        lines += ["", f"[打开办理页面]({link})"]
    if kind is RobotKind.DINGTALK:
        mentions = " ".join(f"@{mobile}" for mobile in at_mobiles)
        body = "\n".join(lines) + (f"\n\n{mentions}" if mentions else "")
        return {"msgtype": "markdown", "markdown": {"title": title, "text": body},
                "at": {"atMobiles": list(at_mobiles), "isAtAll": False}}
    if at_mobiles:
        plain = f"{title}\n\n{text.strip()}" + (f"\n\n打开办理页面：{link}" if link else "")
        return {"msgtype": "text", "text": {"content": plain, "mentioned_mobile_list": list(at_mobiles)}}
    return {"msgtype": "markdown", "markdown": {"content": "\n".join(lines)}}


def send(target: Target, title: str, text: str, link: str, now: datetime, *, timeout: float = 10.0,
         notice_id: int | None = None) -> None:
    """POST one message; ``DeliveryError`` (in Chinese) when the robot cannot be reached or refuses it."""
    url = signed_url(target.url, target.secret, now) if target.kind is RobotKind.DINGTALK and target.secret \
        else target.url
    headers = {"X-Idempotency-Key": idempotency_key(notice_id)} if notice_id is not None else {}
    try:
        answer = httpx.post(url, content=json.dumps(message(target.kind, title, text, link, target.at_mobiles),
                                                     ensure_ascii=False).encode("utf-8"),
                            headers={"Content-Type": "application/json; charset=utf-8", **headers}, timeout=timeout)
    except httpx.HTTPError as error:
        raise DeliveryError(f"{target.kind.label}无法连接：{error}") from error
    if answer.status_code >= 400:
        raise DeliveryError(f"{target.kind.label}拒收（HTTP {answer.status_code}）。")
    try:
        data = answer.json()
    except ValueError:
        return
    if isinstance(data, dict) and data.get("errcode", 0) not in (0, "0"):
        raise DeliveryError(f"{target.kind.label}拒收：{data.get('errmsg', '')}（错误码{data.get('errcode')}）。")


def _target(engine: Engine, row: Any) -> Target:
    mobiles = tuple(m.strip() for m in row.at_mobiles.replace("，", ",").split(",") if m.strip())
    secret = personal.keys_for(engine).decrypt(personal.ROBOT_SECRET_FIELD, row.secret) if row.secret else ""
    return Target(row.organisation_id, RobotKind(row.kind), row.url, secret, mobiles, row.enabled)


def target_of(engine: Engine, organisation_id: int) -> Target | None:
    with engine.connect() as conn:
        row = conn.execute(select(TARGETS).where(TARGETS.c.organisation_id == organisation_id)).first()
    return _target(engine, row) if row else None


def _robot_url(kind: RobotKind, address: str) -> str:
    """企业微信 may be given its key alone; any address must be http(s)."""
    if kind is RobotKind.WECOM and "://" not in address:
        return WECOM_SEND + urllib.parse.quote(address)
    parsed = urllib.parse.urlparse(address)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise FazhanError("机器人地址应为 https:// 开头的 Webhook 地址（企业微信也可只填 key）。")
    return address


def configure(engine: Engine, clock: Clock, actor: Actor, organisation_id: int, *, kind: str, address: str,
              secret: str = "", at_mobiles: str = "", enabled: bool = True) -> Target:
    """Set (or replace) an organisation's robot; the secret is stored sealed (personal-data key), never in the trail."""
    try:
        robot = RobotKind(kind)
    except ValueError:
        raise FazhanError("请选择机器人类型：钉钉或企业微信。") from None
    url = _robot_url(robot, address.strip())
    mobiles = [m.strip() for m in at_mobiles.replace("，", ",").split(",") if m.strip()]
    if any(not (m.isdigit() and len(m) == 11) for m in mobiles):
        raise FazhanError("@提醒的手机号应为11位数字，多个号码用逗号分开。")
    if robot is RobotKind.DINGTALK and secret and not secret.startswith("SEC"):
        raise FazhanError("钉钉加签密钥以 SEC 开头，请从机器人设置中复制完整的密钥。")
    sealed_secret = personal.keys_for(engine).encrypt(personal.ROBOT_SECRET_FIELD, secret.strip()) \
        if secret.strip() else ""
    values = {"kind": robot.value, "url": url, "secret": sealed_secret, "at_mobiles": ",".join(mobiles),
              "enabled": enabled}
    with engine.begin() as conn:
        name = conn.execute(select(roster.ORGS.c.name).where(roster.ORGS.c.id == organisation_id)).scalar()
        if name is None:
            raise FazhanError(f"找不到党组织（编号{organisation_id}）。")
        if conn.execute(select(TARGETS.c.id).where(TARGETS.c.organisation_id == organisation_id)).first():
            conn.execute(update(TARGETS).where(TARGETS.c.organisation_id == organisation_id).values(**values))
        else:
            conn.execute(insert(TARGETS).values(organisation_id=organisation_id, **values))
        # The outbox plans robot notices for organisations with a webhook address.
        conn.execute(update(roster.ORGS).where(roster.ORGS.c.id == organisation_id)
                     .values(webhook_url=url if enabled else None))
        audit.append(conn, kind="robot_configured", actor=actor.name, actor_role=actor.role, recorded_at=clock.now(),
                     payload={"organisation_id": organisation_id, "name": name, "kind": robot.value,
                              "signed": bool(values["secret"]), "at_mobiles": values["at_mobiles"],
                              "enabled": enabled})
    found = target_of(engine, organisation_id)
    if found is None:
        raise RuntimeError("the robot target just saved is missing")
    return found


def public_url() -> str:
    return os.environ.get(PUBLIC_URL_VAR, "http://127.0.0.1:8000").rstrip("/")


class RobotChannels(Channels):
    """The sweep's channels: a configured robot's URL gets its signed markdown message, others the generic POST."""

    def __init__(self, config: NoticeConfig, engine: Engine) -> None:
        super().__init__(config)
        self.engine = engine

    def post_webhook(self, outgoing: Outgoing, now: datetime) -> None:
        with self.engine.connect() as conn:
            row = conn.execute(select(TARGETS).where(TARGETS.c.url == outgoing.target, TARGETS.c.enabled)).first()
            case_id = conn.execute(select(NOTICES.c.case_id).where(NOTICES.c.id == outgoing.notice_id)).scalar()
        if row is None:
            super().post_webhook(outgoing, now)
            return
        link = f"{public_url()}/applicants/{case_id}" if case_id else public_url()
        send(_target(self.engine, row), outgoing.subject, outgoing.body, link, now, timeout=self.config.webhook_timeout,
             notice_id=outgoing.notice_id)
