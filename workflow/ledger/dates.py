"""Dates as branches type them into a 台账: 2024.6.20, 2024/6/20, 2024年6月20日, 20240620, 2024-06, Excel serials.

A month-only date ("2024-06") is read as the first of the month and flagged imprecise: a period counted from it
may be off by up to a month, so the findings that depend on it say so rather than pretend.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

FULL = re.compile(r"^(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*[.\-/月]\s*(\d{1,2})\s*日?$")
COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
MONTH = re.compile(r"^(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*月?$")
SERIAL = re.compile(r"^\d{5}(\.0+)?$")
EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 (after its 1900 leap-year bug)
RANGE_SPLIT = re.compile(r"\s*(?:至|到|~|～|—+|–|-+)\s*")


class DateProblem(ValueError):
    """A cell that is not a date anybody could mean; the message is a Chinese sentence."""


@dataclass(frozen=True)
class LedgerDate:
    on: date
    precise: bool = True  # False: only year and month were given (day taken as the 1st)
    note: str = ""

    def text(self) -> str:
        """The date as the export writes it: month-only dates stay month-only, so a round trip keeps them."""
        return f"{self.on:%Y-%m}" if not self.precise else self.on.isoformat()


def _make(year: int, month: int, day: int, raw: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateProblem(f"「{raw}」不是存在的日期。") from None


def from_serial(serial: float) -> date:
    """An Excel serial day number (45463 = 2024-06-20).

    >>> from_serial(45463)
    datetime.date(2024, 6, 20)
    """
    return EXCEL_EPOCH + timedelta(days=int(serial))


def _from_number(value: float) -> LedgerDate:
    if 1900 <= value < 3000:  # 2024.6 typed into a number cell: Excel keeps a float and drops a trailing 0
        year, _, fraction = repr(float(value)).partition(".")
        note = "Excel 把“年.10”存成“年.1”，请核对是1月还是10月。" if fraction == "1" else ""
        return LedgerDate(_make(int(year), int(fraction), 1, str(value)), precise=False, note=note)
    if 10_000 <= value < 100_000 and value.is_integer():
        return LedgerDate(from_serial(value))
    if 19000101 <= value <= 29991231 and value.is_integer():
        return parse_date(str(int(value)))
    raise DateProblem(f"「{value:g}」不是可识别的日期。")


def parse_date(value: object) -> LedgerDate:
    """One cell into a date, or ``DateProblem`` with a sentence saying why not.

    >>> [parse_date(t).on.isoformat() for t in ("2024.6.20", "2024/6/20", "2024年6月20日", "20240620", "45463")]
    ['2024-06-20', '2024-06-20', '2024-06-20', '2024-06-20', '2024-06-20']
    >>> parse_date("2024-06")
    LedgerDate(on=datetime.date(2024, 6, 1), precise=False, note='')
    """
    if isinstance(value, datetime):
        return LedgerDate(value.date())
    if isinstance(value, date):
        return LedgerDate(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_number(float(value))
    text = str(value).strip().replace("．", ".").replace("／", "/").replace("－", "-")
    if m := FULL.match(text) or COMPACT.match(text):
        return LedgerDate(_make(int(m[1]), int(m[2]), int(m[3]), text))
    if m := MONTH.match(text):
        return LedgerDate(_make(int(m[1]), int(m[2]), 1, text), precise=False)
    if SERIAL.match(text):
        return LedgerDate(from_serial(float(text)))
    if text.endswith(" 00:00:00"):  # a date cell exported as text by another program
        return parse_date(text.removesuffix(" 00:00:00"))
    raise DateProblem(f"「{text}」不是可识别的日期（可写 2024.6.20、2024/6/20、2024年6月20日、20240620 或 2024-06）。")


def parse_period_end(value: object) -> LedgerDate:
    """A training period ("2024.5.6-2024.5.8", "2024.5.6至5.8") read as its last day; a single date as itself.

    >>> [parse_period_end(t).on.isoformat() for t in ("2024.5.6至5.8", "2024.5.6-2024.5.8", "2024-05-06")]
    ['2024-05-08', '2024-05-08', '2024-05-06']
    """
    try:
        return parse_date(value)
    except DateProblem:
        if not isinstance(value, str):
            raise
    text = value.strip()
    for separator in RANGE_SPLIT.finditer(text):
        try:
            first = parse_date(text[:separator.start()])
            last = text[separator.end():]
            if not re.match(r"^\d{4}", last):  # "5.8" after "2024.5.6": the year of the start
                last = f"{first.on.year}.{last}"
            return parse_date(last)
        except DateProblem:
            continue
    raise DateProblem(f"「{text}」不是可识别的日期或日期范围（如 2024.5.6-2024.5.8）。")
