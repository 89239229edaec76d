"""Notice settings: reminder offsets, escalation, channels, retries. Defaults here, overrides from a TOML file.

``FAZHAN_NOTICES_CONFIG=/etc/fazhan/notices.toml`` names the file; every key is optional::

    offsets = [-7, 0, 1]          # days relative to a deadline: 7 days before, on the day, the day after
    opening_offsets = [-7, 0]     # days relative to the date a step becomes possible
    probation_offsets = [-30, -7, 0]
    escalate_after_days = 7       # an overdue item goes to the higher committee this many days after its deadline
    smtp_host = "mail.example.edu.cn"
    smtp_port = 25
    smtp_sender = "dangwei@example.edu.cn"
    templates_dir = "/etc/fazhan/templates"   # files here replace the shipped templates of the same name
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

ENV_VAR = "FAZHAN_NOTICES_CONFIG"


@dataclass(frozen=True)
class NoticeConfig:
    """Every knob of the notices. Frozen: one value is passed down from the job that woke us."""

    # Deadlines (谈话 one month, 考察 half a year, 审批 three/six months …): one notice per offset.
    offsets: tuple[int, ...] = (-7, 0, 1)
    # Dates from which a step becomes possible (一年 as 积极分子): no "overdue", nothing is late yet.
    opening_offsets: tuple[int, ...] = (-7, 0)
    # 预备期满: the branch must prepare the 转正 discussion, so the first reminder comes a month ahead.
    probation_offsets: tuple[int, ...] = (-30, -7, 0)
    escalate_after_days: int = 7
    # "预备期满，党支部应当及时讨论": no number in the text; after this many days it is escalated.
    probation_discussion_days: int = 30
    meeting_notice_days: int = 3  # the 会议通知 goes out this many days before a 党员大会
    publicity_feedback: str = ""  # e.g. "电话 010-12345678，邮箱 dangwei@example.edu.cn"
    general_meeting_kinds: tuple[str, ...] = ("branch_general_meeting",)  # states.attendance.MeetingKind

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "fazhan@localhost"
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout: float = 10.0
    webhook_timeout: float = 10.0
    message_id_domain: str = "fazhan.local"

    max_attempts: int = 5
    backoff_seconds: int = 300  # first retry after 5 minutes, then 10, 20, 40 …
    backoff_max_seconds: int = 6 * 3600
    lease_seconds: int = 600  # a row claimed for sending is retried by another sweep only after this
    batch_size: int = 500
    sweep_interval_seconds: int = 300
    refresh_lookback_days: int = 7  # on start, re-plan the cases changed this long ago

    templates_dir: str | None = None

    def backoff(self, attempts: int) -> int:
        """Seconds before the next try after ``attempts`` failed tries: exponential, capped.

        >>> NoticeConfig().backoff(1), NoticeConfig().backoff(3), NoticeConfig().backoff(20)
        (300, 1200, 21600)
        """
        return int(min(self.backoff_seconds * 2 ** max(attempts - 1, 0), self.backoff_max_seconds))


DEFAULT_CONFIG = NoticeConfig()


def _coerce(name: str, value: Any, default: Any) -> Any:
    if isinstance(default, tuple):
        if not isinstance(value, list):
            raise ValueError(f"通知配置项 {name} 应为列表，如 [-7, 0, 1]。")
        return tuple(value)
    if default is None or isinstance(value, type(default)):
        return value
    if isinstance(default, float) and isinstance(value, int):
        return float(value)
    raise ValueError(f"通知配置项 {name} 的值 {value!r} 类型不对。")


def load_config(path: str | Path | None = None) -> NoticeConfig:
    """The configuration from ``path`` or ``$FAZHAN_NOTICES_CONFIG``; the defaults when neither is set."""
    path = path or os.environ.get(ENV_VAR)
    if not path:
        return DEFAULT_CONFIG
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"无法读取通知配置文件 {path}：{error}") from None
    data = data.get("notices", data)
    known = {f.name: getattr(DEFAULT_CONFIG, f.name) for f in fields(NoticeConfig)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValueError(f"通知配置文件 {path} 含有无法识别的配置项：{'、'.join(unknown)}。")
    return replace(DEFAULT_CONFIG, **{k: _coerce(k, v, known[k]) for k, v in data.items()})
