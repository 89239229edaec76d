"""Dates as people type them, read in one place, and deadlines said without ambiguity.

>>> parse_date("2025-03-10")
datetime.date(2025, 3, 10)
>>> parse_date("2025-02-30")
Traceback (most recent call last):
...
states.dates.BadDate: 日期「2025-02-30」不存在：2025年2月只有28天。
>>> cn_deadline(parse_date("2025-12-20"))
'最迟2025年12月20日（含当日）'
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from states.periods import cn_date

ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


class BadDate(ValueError):
    """A date that is badly written or does not exist; the message is the Chinese sentence to show."""


def parse_date(text: str, what: str = "日期") -> date:
    """``2025-03-10`` (also ``2025-3-10``) into a date, or one Chinese sentence saying what is wrong."""
    found = ISO_DAY.fullmatch(text.strip())
    if found is None:
        raise BadDate(f"{what}「{text}」格式不对，请写成 2025-03-10。")
    year, month, day = (int(part) for part in found.groups())
    if year < 1 or not 1 <= month <= 12:
        raise BadDate(f"{what}「{text}」不存在：年份应大于0，月份应为1至12。")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise BadDate(f"{what}「{text}」不存在：{year}年{month}月只有{last}天。")
    return date(year, month, day)


def cn_deadline(day: date) -> str:
    """A duty's last day is inclusive (§3 item 3 of the rules): said so, so no one reads it as "before"."""
    return f"最迟{cn_date(day)}（含当日）"
