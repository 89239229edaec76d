"""Calendar arithmetic for the procedure's periods (procedure.md §3 items 2–6).

Months and years are calendar months and years (``dateutil.relativedelta``), clamped to the month end,
never 30/90/365-day approximations.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from dateutil.relativedelta import relativedelta


@lru_cache(maxsize=8192)  # pure, and on every step's path: relativedelta costs ~50 µs a call
def add_months(start: date, months: int) -> date:
    """The same day ``months`` calendar months later, clamped to the last day of a shorter month.

    >>> add_months(date(2025, 1, 31), 1)
    datetime.date(2025, 2, 28)
    >>> add_months(date(2024, 1, 31), 1)
    datetime.date(2024, 2, 29)
    >>> add_months(date(2025, 3, 10), 3)
    datetime.date(2025, 6, 10)
    """
    return start + relativedelta(months=months)


@lru_cache(maxsize=8192)
def add_years(start: date, years: int) -> date:
    """The anniversary ``years`` later; 29 February becomes 28 February in a common year.

    >>> add_years(date(2024, 2, 29), 1)
    datetime.date(2025, 2, 28)
    >>> add_years(date(2024, 3, 10), 1)
    datetime.date(2025, 3, 10)
    """
    return start + relativedelta(years=years)


@lru_cache(maxsize=8192)  # pure, and the notice planner asks it on every step (issue 15 item 5)
def minimum_met_on(start: date, *, years: int = 0, months: int = 0, strict: bool = False) -> date:
    """First date on which a minimum duration ("一年以上", "半年", 预备期一年) counted from ``start`` is met.

    The start day counts as day one, so the period is complete on the anniversary (§3 item 2).
    ``strict`` moves that to the day after (民法典 第二百零一条 reading).

    >>> minimum_met_on(date(2024, 3, 10), years=1)
    datetime.date(2025, 3, 10)
    >>> minimum_met_on(date(2024, 3, 10), years=1, strict=True)
    datetime.date(2025, 3, 11)
    """
    met = start + relativedelta(years=years, months=months)
    return met + timedelta(days=1) if strict else met


def last_day_within(start: date, *, months: int) -> date:
    """Last permissible day of "N个月内" counted from ``start``: the corresponding day, inclusive (§3 item 3).

    >>> last_day_within(date(2025, 1, 31), months=1)
    datetime.date(2025, 2, 28)
    >>> last_day_within(date(2025, 3, 10), months=3)
    datetime.date(2025, 6, 10)
    """
    return add_months(start, months)


def cn_date(day: date) -> str:
    """A date as written in Chinese documents.

    >>> cn_date(date(2025, 3, 10))
    '2025年3月10日'
    """
    return f"{day.year}年{day.month}月{day.day}日"


def cn_period(months: int) -> str:
    """A number of months in words as the rules write them.

    >>> cn_period(6), cn_period(12), cn_period(9)
    ('半年', '一年', '9个月')
    """
    return {6: "半年", 12: "一年"}.get(months, f"{months}个月")
