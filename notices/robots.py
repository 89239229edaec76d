"""Group robots where secretaries read: 钉钉 (signed requests) and 企业微信 (key), markdown with a link back.

* 钉钉 custom robot with 加签: the URL carries ``timestamp`` (ms) and ``sign`` = base64(HMAC-SHA256(secret,
  "timestamp\\nsecret")), URL-encoded; ``at.atMobiles`` @-mentions members by mobile (the number must also
  appear in the text).
* 企业微信 group robot: the URL carries ``key``; markdown messages cannot @ by mobile, so when mobiles are
  configured the message is sent as text with ``mentioned_mobile_list`` (the link stays in the text).

Each organisation has at most one target (``robot_targets``); configuring it also sets the organisation's
``webhook_url`` to ``robot:<id>`` so that the outbox plans robot notices for it. ``RobotChannels`` is the
delivery channel the sweep uses: a ``robot:<id>`` is sent the robot's way, any other address the generic way.

The address is a bearer credential (企业微信 ``key``, 钉钉 ``access_token``): it is stored sealed under the
personal-data key like the 加签 secret (workflow/personal.py), opened only to send, and shown, logged and
written into errors only masked: 「企业微信群机器人（…key 末四位 abcd）」.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import re
import urllib.parse
from dataclasses import dataclass, replace
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
_QUERY_VALUE = re.compile(r"([?&][^=&\s\"']+=)[^&\s\"']+")


class _HideQueryValues(logging.Filter):
    """httpx logs each request's URL at INFO: its query (a robot's key, a 钉钉 signature) is masked first."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg, record.args = _QUERY_VALUE.sub(r"\1****", message), ()
        return True


if not any(isinstance(f, _HideQueryValues) for f in logging.getLogger("httpx").filters):
    logging.getLogger("httpx").addFilter(_HideQueryValues())


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

    @property
    def label(self) -> str:
        return describe_address(self.kind, self.url)


@dataclass(frozen=True)
class Shown:
    """What the organisation page shows of a robot: never its address or secret."""

    kind: RobotKind
    label: str  # 企业微信群机器人（…key 末四位 abcd）
    signed: bool
    at_mobiles: tuple[str, ...]
    enabled: bool


def describe_address(kind: RobotKind, url: str) -> str:
    """「企业微信群机器人（…key 末四位 abcd）」: tells robots apart, cannot post."""
    return f"{kind.label}（{personal.mask_webhook(url)}）"


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
    except httpx.HTTPError as error:  # the error's text may quote the address: masked, and no chained cause
        raise DeliveryError(personal.hide_webhook(f"{target.kind.label}无法连接（{personal.mask_webhook(target.url)}）：{error}", url)) from None
    if answer.status_code >= 400:
        raise DeliveryError(f"{target.kind.label}拒收（HTTP {answer.status_code}，{personal.mask_webhook(target.url)}）。")
    try:
        data = answer.json()
    except ValueError:
        return
    if isinstance(data, dict) and data.get("errcode", 0) not in (0, "0"):
        raise DeliveryError(personal.hide_webhook(
            f"{target.kind.label}拒收：{data.get('errmsg', '')}（错误码{data.get('errcode')}）。", url))


def _mobiles(row: Any) -> tuple[str, ...]:
    return tuple(m.strip() for m in row.at_mobiles.replace("，", ",").split(",") if m.strip())


def _target(engine: Engine, row: Any) -> Target:
    """The robot with its address and secret opened: only to send (``KeyProblem`` when the key does not fit)."""
    keys = personal.keys_for(engine)
    secret = keys.decrypt(personal.ROBOT_SECRET_FIELD, row.secret) if row.secret else ""
    return Target(row.organisation_id, RobotKind(row.kind), keys.decrypt(personal.ROBOT_URL_FIELD, row.url), secret,
                  _mobiles(row), row.enabled)


def _row(engine: Engine, organisation_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(TARGETS).where(TARGETS.c.organisation_id == organisation_id)).first()


def target_of(engine: Engine, organisation_id: int) -> Target | None:
    """The robot ready to send to (address opened); ``KeyProblem`` in Chinese when the key does not open it."""
    row = _row(engine, organisation_id)
    return _target(engine, row) if row else None


def shown(engine: Engine, organisation_id: int) -> Shown | None:
    """The robot as the page shows it: the address masked (or a plain sentence when the key does not open it)."""
    row = _row(engine, organisation_id)
    if row is None:
        return None
    kind = RobotKind(row.kind)
    try:
        label = describe_address(kind, personal.keys_for(engine).decrypt(personal.ROBOT_URL_FIELD, row.url))
    except personal.KeyProblem as problem:
        label = f"{kind.label}（地址无法解密：{problem}）"
    return Shown(kind, label, bool(row.secret), _mobiles(row), row.enabled)


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
    """Set (or replace) an organisation's robot; address and secret stored sealed (personal-data key), never in the trail.

    A blank address keeps the stored one (the page never shows it again) unless the kind of robot changes.
    """
    try:
        robot = RobotKind(kind)
    except ValueError:
        raise FazhanError("请选择机器人类型：钉钉或企业微信。") from None
    keys = personal.keys_for(engine)
    before = _row(engine, organisation_id)
    if address.strip():
        sealed_url = keys.encrypt(personal.ROBOT_URL_FIELD, _robot_url(robot, address.strip()))
    elif before is not None and before.kind == robot.value:  # the page never shows the address: blank keeps it
        sealed_url = before.url
    else:
        raise FazhanError("请填写机器人的 Webhook 地址（企业微信也可只填 key）。")
    mobiles = [m.strip() for m in at_mobiles.replace("，", ",").split(",") if m.strip()]
    if any(not (m.isdigit() and len(m) == 11) for m in mobiles):
        raise FazhanError("@提醒的手机号应为11位数字，多个号码用逗号分开。")
    if robot is RobotKind.DINGTALK and secret and not secret.startswith("SEC"):
        raise FazhanError("钉钉加签密钥以 SEC 开头，请从机器人设置中复制完整的密钥。")
    sealed_secret = keys.encrypt(personal.ROBOT_SECRET_FIELD, secret.strip()) if secret.strip() else ""
    values = {"kind": robot.value, "url": sealed_url, "secret": sealed_secret, "at_mobiles": ",".join(mobiles),
              "enabled": enabled}
    label = describe_address(robot, keys.decrypt(personal.ROBOT_URL_FIELD, sealed_url))
    with engine.begin() as conn:
        name = conn.execute(select(roster.ORGS.c.name).where(roster.ORGS.c.id == organisation_id)).scalar()
        if name is None:
            raise FazhanError(f"找不到党组织（编号{organisation_id}）。")
        if conn.execute(select(TARGETS.c.id).where(TARGETS.c.organisation_id == organisation_id)).first():
            conn.execute(update(TARGETS).where(TARGETS.c.organisation_id == organisation_id).values(**values))
        else:
            conn.execute(insert(TARGETS).values(organisation_id=organisation_id, **values))
        # The outbox plans robot notices for organisations with a webhook address: the reference, not the address.
        conn.execute(update(roster.ORGS).where(roster.ORGS.c.id == organisation_id)
                     .values(webhook_url=personal.robot_reference(organisation_id) if enabled else None))
        audit.append(conn, kind="robot_configured", actor=actor.name, actor_role=actor.role, recorded_at=clock.now(),
                     payload={"organisation_id": organisation_id, "name": name, "kind": robot.value,
                              "address": label, "signed": bool(values["secret"]),
                              "at_mobiles": values["at_mobiles"], "enabled": enabled})
    found = target_of(engine, organisation_id)
    if found is None:
        raise RuntimeError("the robot target just saved is missing")
    return found


def public_url() -> str:
    return os.environ.get(PUBLIC_URL_VAR, "http://127.0.0.1:8000").rstrip("/")


class RobotChannels(Channels):
    """The sweep's channels: ``robot:<id>`` gets its robot's signed markdown message, other addresses the generic POST.

    Addresses are opened here, at send time, and nowhere else on the way to a group.
    """

    def __init__(self, config: NoticeConfig, engine: Engine) -> None:
        super().__init__(config)
        self.engine = engine

    def post_webhook(self, outgoing: Outgoing, now: datetime) -> None:
        if not outgoing.target.startswith(personal.ROBOT_REFERENCE):
            self._plain(outgoing, now)
            return
        organisation_id = int(outgoing.target.removeprefix(personal.ROBOT_REFERENCE))
        with self.engine.connect() as conn:
            row = conn.execute(select(TARGETS).where(TARGETS.c.organisation_id == organisation_id,
                                                     TARGETS.c.enabled)).first()
            case_id = conn.execute(select(NOTICES.c.case_id).where(NOTICES.c.id == outgoing.notice_id)).scalar()
        if row is None:
            raise DeliveryError("该党组织的群机器人已停用或已删除，请在党组织页面重新设置。")
        try:
            target = _target(self.engine, row)
        except personal.KeyProblem as problem:
            raise DeliveryError(f"{RobotKind(row.kind).label}的地址无法解密：{problem}") from None
        link = f"{public_url()}/applicants/{case_id}" if case_id else public_url()
        send(target, outgoing.subject, outgoing.body, link, now, timeout=self.config.webhook_timeout,
             notice_id=outgoing.notice_id)

    def _plain(self, outgoing: Outgoing, now: datetime) -> None:
        """A plain webhook: sealed since migration 0017 (its query may carry a token), clear only if set by hand."""
        url = outgoing.target
        if personal.is_encrypted(url):
            try:
                url = personal.keys_for(self.engine).decrypt(personal.WEBHOOK_URL_FIELD, url)
            except personal.KeyProblem as problem:
                raise DeliveryError(f"Webhook 地址无法解密：{problem}") from None
        try:
            super().post_webhook(replace(outgoing, target=url), now)
        except DeliveryError as error:
            raise DeliveryError(personal.hide_webhook(str(error), url)) from None
