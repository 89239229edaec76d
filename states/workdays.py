"""Chinese working-day (工作日) calendar for periods such as a 5-working-day 公示.

The source of truth is the official arrangement published each year by the 国务院办公厅: holidays *and*
调休 make-up working days. ``chinesecalendar`` supplies it for the years it ships; an administrator adds
(or corrects) a year with a TOML file (see ``states/holidays/README.md``). A year covered by neither
raises :class:`HolidaysNotLoaded` — a plain Monday–Friday count is never used as a fallback.

>>> cal = WorkdayCalendar()
>>> cal.nth_workday(date(2025, 9, 26), 5)  # 9-26, 9-28 (调休), 9-29, 9-30, 10-09
datetime.date(2025, 10, 9)
>>> cal.workdays_between(date(2025, 10, 1), date(2025, 10, 12))  # 10-09, 10-10, 10-11 (调休)
3
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar

PACKAGE_HOLIDAYS_DIR = Path(__file__).parent / "holidays"
ENV_VAR = "FAZHAN_HOLIDAYS_DIR"
_ONE_DAY = timedelta(days=1)


class HolidaysNotLoaded(Exception):
    """Raised for a date in a year with no official arrangement loaded."""

    def __init__(self, year: int) -> None:
        super().__init__(year)
        self.year = year

    def __str__(self) -> str:
        return (
            f"尚未载入{self.year}年节假日安排，请管理员按国务院办公厅通知导入该年度节假日数据后再计算工作日。"
        )


@dataclass(frozen=True)
class YearArrangement:
    """One year's official arrangement: days off and 调休 make-up working days."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str

    def is_workday(self, day: date) -> bool:
        """A make-up working day, or a Monday–Friday that is not a holiday."""
        return day in self.workdays or (day.weekday() < 5 and day not in self.holidays)


def _fail(path: Path, detail: str) -> ValueError:
    return ValueError(f"节假日数据有误：{path.name}：{detail}")


def _as_date(path: Path, value: Any, year: int, what: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise _fail(path, f"{what}应为日期（如 {year}-01-01），实际为 {value!r}")
    if value.year != year:
        raise _fail(path, f"{what} {value.isoformat()} 不属于{year}年")
    return value


_TOP_KEYS = {"year", "source", "holiday", "make_up_workdays"}
_HOLIDAY_KEYS = {"name", "from", "to", "make_up_workdays"}


def _check_keys(path: Path, table: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise _fail(path, f"{where}含有无法识别的字段 {unknown}（允许：{sorted(allowed)}）")


def _date_list(path: Path, value: Any, year: int) -> set[date]:
    if not isinstance(value, list):
        raise _fail(path, "make_up_workdays 应为日期数组")
    return {_as_date(path, d, year, "调休上班日") for d in value}


def _holiday_entries(path: Path, entries: Any, year: int) -> tuple[set[date], set[date]]:
    """Days off and make-up days from ``[[holiday]]`` (TOML attaches a trailing key to the last table)."""
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise _fail(path, "holiday 应为 [[holiday]] 表数组")
    days: set[date] = set()
    make_up: set[date] = set()
    for entry in entries:
        name = entry.get("name", "?")
        _check_keys(path, entry, _HOLIDAY_KEYS, f"假日“{name}”")
        if "from" not in entry or "to" not in entry:
            raise _fail(path, f"假日“{name}”缺少 from 或 to")
        first = _as_date(path, entry["from"], year, f"假日“{name}”的 from")
        last = _as_date(path, entry["to"], year, f"假日“{name}”的 to")
        if first > last:
            raise _fail(path, f"假日“{name}”的起始日 {first} 晚于结束日 {last}")
        days.update(first + timedelta(days=i) for i in range((last - first).days + 1))
        make_up |= _date_list(path, entry.get("make_up_workdays", []), year)
    return days, make_up


def load_arrangement(path: Path) -> YearArrangement:
    """Read one year's arrangement from a TOML file; raise ``ValueError`` (in Chinese) if it is invalid.

    ``make_up_workdays`` may be given at top level (before the first ``[[holiday]]``) and/or inside a
    ``[[holiday]]`` table; all are merged.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise _fail(path, f"TOML 格式错误：{exc}") from exc
    _check_keys(path, data, _TOP_KEYS, "文件")
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool):
        raise _fail(path, "缺少整数字段 year")
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise _fail(path, "缺少字段 source（通知名称及文号）")
    holidays, workdays = _holiday_entries(path, data.get("holiday", []), year)
    workdays |= _date_list(path, data.get("make_up_workdays", []), year)
    for day in sorted(workdays):
        if day in holidays:
            raise _fail(path, f"{day} 既是假日又是调休上班日")
        if day.weekday() < 5:
            raise _fail(path, f"调休上班日 {day} 不是周六或周日")
    return YearArrangement(year, frozenset(holidays), frozenset(workdays), source)


def _builtin_years() -> range:
    known = chinese_calendar.holidays
    return range(min(known).year, max(known).year + 1)


class WorkdayCalendar:
    """Working days per the official arrangements; loaded years override ``chinesecalendar``."""

    def __init__(self, extra: Iterable[YearArrangement] = ()) -> None:
        self._loaded: dict[int, YearArrangement] = {}
        for arrangement in extra:  # a later arrangement for the same year wins
            self._loaded[arrangement.year] = arrangement

    @classmethod
    def from_directory(cls, directory: Path | None) -> WorkdayCalendar:
        """Calendar with every ``*.toml`` in ``directory`` loaded (``None`` or a missing directory: none)."""
        return cls(_load_directory(directory))

    @classmethod
    def default(cls) -> WorkdayCalendar:
        """``chinesecalendar`` + ``states/holidays/*.toml`` + the administrator's directory (which wins)."""
        return cls([*_load_directory(PACKAGE_HOLIDAYS_DIR), *_load_directory(user_holidays_dir())])

    def covers(self, year: int) -> bool:
        """Whether working days can be computed for ``year``."""
        return year in self._loaded or year in _builtin_years()

    def covered_years(self) -> list[int]:
        """Every year with a known arrangement, ascending."""
        return sorted(set(_builtin_years()) | set(self._loaded))

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` is a working day; raises :class:`HolidaysNotLoaded` for an uncovered year."""
        if isinstance(day, datetime):
            day = day.date()
        if day.year in self._loaded:
            return self._loaded[day.year].is_workday(day)
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            raise HolidaysNotLoaded(day.year) from None

    def nth_workday(self, start: date, n: int) -> date:
        """The ``n``-th working day of a period starting on ``start`` (``start`` counts if it is one)."""
        if n < 1:
            raise ValueError(f"n 必须不小于 1，实际为 {n}")
        day = start if self.is_workday(start) else self.next_workday_after(start)
        for _ in range(n - 1):
            day = self.next_workday_after(day)
        return day

    def workdays_between(self, first: date, last: date) -> int:
        """Number of working days in ``[first, last]``, both inclusive; 0 if ``last < first``."""
        count, day = 0, first
        while day <= last:
            count += self.is_workday(day)
            day += _ONE_DAY
        return count

    def next_workday_after(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        day += _ONE_DAY
        while not self.is_workday(day):
            day += _ONE_DAY
        return day


def user_holidays_dir() -> Path:
    """Where ``fazhan calendar load`` puts an administrator's files: ``$FAZHAN_HOLIDAYS_DIR`` or a user folder."""
    env_dir = os.environ.get(ENV_VAR)
    return Path(env_dir) if env_dir else Path.home() / ".local" / "share" / "fazhan" / "holidays"


def _load_directory(directory: Path | None) -> list[YearArrangement]:
    if directory is None or not Path(directory).is_dir():
        return []
    arrangements = [load_arrangement(p) for p in sorted(Path(directory).glob("*.toml"))]
    years = [a.year for a in arrangements]
    duplicated = sorted({y for y in years if years.count(y) > 1})
    if duplicated:
        raise ValueError(f"节假日数据有误：目录 {directory} 中重复提供了 {duplicated} 年的安排")
    return arrangements
