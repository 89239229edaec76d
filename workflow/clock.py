"""The only place that reads the wall clock. Everything else is handed a date or a datetime."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Protocol

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")  # China has no daylight saving time


class Clock(Protocol):
    def today(self) -> date: ...

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock; "today" is the Beijing date (procedure.md §3 item 21)."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().astimezone(BEIJING).date()


@dataclass
class FixedClock:
    """A clock that says what it is told: for tests, simulations and back-filling."""

    current: datetime

    @classmethod
    def on(cls, day: date) -> FixedClock:
        return cls(datetime(day.year, day.month, day.day, 9, 0, tzinfo=BEIJING))

    def now(self) -> datetime:
        return self.current

    def today(self) -> date:
        return self.current.astimezone(BEIJING).date()

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


def clock_from_environment(today: str | None) -> Clock:
    """``FAZHAN_TODAY=2025-03-10`` fixes "today" (simulations, training, tests); otherwise the real clock."""
    if today:
        return FixedClock.on(date.fromisoformat(today))
    return SystemClock()
