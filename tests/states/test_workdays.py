"""Tests for states.workdays: working days per the official arrangement, never plain Mon–Fri."""

from __future__ import annotations

import pickle
from datetime import date, timedelta
from pathlib import Path

import pytest

from states.workdays import (
    ENV_VAR,
    HolidaysNotLoaded,
    WorkdayCalendar,
    YearArrangement,
    load_arrangement,
)

DATA = Path(__file__).parent / "data"
FIXTURE_2099 = DATA / "holidays_2099.toml"

# Official 2025 国庆/中秋 arrangement (国办发明电〔2024〕12号): 10-01 (Wed) .. 10-08 (Wed) off;
# Sun 09-28 and Sat 10-11 are 调休 make-up working days; Sat 09-27 and Sun 10-12 are ordinary rest days.


def mon_to_fri_nth(start: date, n: int) -> date:
    """The naive (wrong) count that ignores holidays and 调休 — for contrast only."""
    day, seen = start, 0
    while True:
        if day.weekday() < 5:
            seen += 1
            if seen == n:
                return day
        day += timedelta(days=1)


@pytest.fixture
def cal() -> WorkdayCalendar:
    return WorkdayCalendar()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_2025_national_day_days_off_and_makeup_days_match_official_schedule(cal: WorkdayCalendar) -> None:
    assert cal.is_workday(date(2025, 9, 28))  # Sunday, 调休上班
    assert cal.is_workday(date(2025, 10, 11))  # Saturday, 调休上班
    assert not cal.is_workday(date(2025, 9, 27))  # ordinary Saturday
    assert not cal.is_workday(date(2025, 10, 12))  # ordinary Sunday
    for day in range(1, 9):
        assert not cal.is_workday(date(2025, 10, day)), day
    assert cal.is_workday(date(2025, 10, 9))


def test_gongshi_5_workdays_across_2025_national_day_counts_makeup_sunday(cal: WorkdayCalendar) -> None:
    # 1 = Fri 09-26, (Sat 09-27 off), 2 = Sun 09-28 调休, 3 = Mon 09-29, 4 = Tue 09-30,
    # (10-01 .. 10-08 off), 5 = Thu 10-09.
    start = date(2025, 9, 26)
    assert cal.nth_workday(start, 5) == date(2025, 10, 9)
    assert cal.workdays_between(start, date(2025, 10, 9)) == 5
    # Mon–Fri alone would count 09-26, 09-29, 09-30, 10-01, 10-02 and end inside the holiday.
    assert mon_to_fri_nth(start, 5) == date(2025, 10, 2)


def test_gongshi_5_workdays_from_2025_09_30_counts_makeup_saturday(cal: WorkdayCalendar) -> None:
    # 1 = Tue 09-30, (10-01 .. 10-08 off), 2 = Thu 10-09, 3 = Fri 10-10, 4 = Sat 10-11 调休,
    # (Sun 10-12 off), 5 = Mon 10-13.
    start = date(2025, 9, 30)
    assert cal.nth_workday(start, 5) == date(2025, 10, 13)
    # Mon–Fri alone: 09-30, 10-01, 10-02, 10-03, 10-06.
    assert mon_to_fri_nth(start, 5) == date(2025, 10, 6)


def test_start_on_non_working_day_begins_count_at_next_working_day(cal: WorkdayCalendar) -> None:
    assert cal.nth_workday(date(2025, 10, 1), 1) == date(2025, 10, 9)  # holiday start
    assert cal.nth_workday(date(2025, 10, 1), 3) == date(2025, 10, 11)  # 10-09, 10-10, 10-11 调休
    assert cal.nth_workday(date(2025, 9, 27), 1) == date(2025, 9, 28)  # ordinary Saturday -> 调休 Sunday
    assert cal.nth_workday(date(2025, 9, 27), 2) == date(2025, 9, 29)


def test_nth_workday_rejects_n_below_one(cal: WorkdayCalendar) -> None:
    with pytest.raises(ValueError):
        cal.nth_workday(date(2025, 9, 26), 0)


def test_workdays_between_is_inclusive_on_both_ends(cal: WorkdayCalendar) -> None:
    assert cal.workdays_between(date(2025, 10, 9), date(2025, 10, 9)) == 1
    assert cal.workdays_between(date(2025, 10, 9), date(2025, 10, 10)) == 2
    # 09-26, 09-28, 09-29, 09-30, 10-09, 10-10, 10-11, 10-13
    assert cal.workdays_between(date(2025, 9, 26), date(2025, 10, 13)) == 8
    assert cal.workdays_between(date(2025, 10, 1), date(2025, 10, 8)) == 0
    assert cal.workdays_between(date(2025, 10, 13), date(2025, 10, 9)) == 0  # last < first


def test_next_workday_after_skips_holiday_and_is_strictly_after(cal: WorkdayCalendar) -> None:
    assert cal.next_workday_after(date(2025, 9, 30)) == date(2025, 10, 9)
    assert cal.next_workday_after(date(2025, 10, 10)) == date(2025, 10, 11)  # 调休 Saturday
    assert cal.next_workday_after(date(2025, 10, 9)) == date(2025, 10, 10)


def test_2027_date_raises_holidays_not_loaded_with_chinese_message(cal: WorkdayCalendar) -> None:
    with pytest.raises(HolidaysNotLoaded) as info:
        cal.is_workday(date(2027, 3, 1))
    assert info.value.year == 2027
    assert str(info.value).startswith("尚未载入2027年节假日安排")
    assert not cal.covers(2027)
    assert 2027 not in cal.covered_years()


def test_holidays_not_loaded_survives_pickling() -> None:
    exc = pickle.loads(pickle.dumps(HolidaysNotLoaded(2027)))
    assert exc.year == 2027
    assert str(exc).startswith("尚未载入2027年节假日安排")


def test_counting_into_uncovered_year_raises_instead_of_guessing(cal: WorkdayCalendar) -> None:
    with pytest.raises(HolidaysNotLoaded) as info:
        cal.nth_workday(date(2026, 12, 28), 10)
    assert info.value.year == 2027


def test_covered_years_include_builtin_range(cal: WorkdayCalendar) -> None:
    years = cal.covered_years()
    assert 2004 in years and 2025 in years and 2026 in years
    assert cal.covers(2025)
    assert not cal.covers(2003)


def test_loading_2099_fixture_makes_2099_computable() -> None:
    arrangement = load_arrangement(FIXTURE_2099)
    assert arrangement.year == 2099
    new_year = {date(2099, 1, d) for d in (1, 2, 3)}
    labour_day = {date(2099, 5, d) for d in range(1, 6)}
    assert arrangement.holidays == new_year | labour_day
    # one make-up day at top level, one written inside the 虚构劳动节 [[holiday]] table
    assert arrangement.workdays == {date(2099, 1, 4), date(2099, 5, 9)}

    with pytest.raises(HolidaysNotLoaded):
        WorkdayCalendar().is_workday(date(2099, 1, 5))
    cal = WorkdayCalendar([arrangement])
    assert cal.covers(2099) and 2099 in cal.covered_years()
    assert not cal.is_workday(date(2099, 1, 2))  # Friday, holiday
    assert cal.is_workday(date(2099, 1, 4))  # Sunday, make-up
    assert not cal.is_workday(date(2099, 1, 10))  # ordinary Saturday
    # 1 = Sun 01-04 (make-up), 2 = Mon 01-05, 3 = Tue 01-06
    assert cal.nth_workday(date(2099, 1, 1), 3) == date(2099, 1, 6)
    # 01-04 .. 01-09 = 6 working days; Mon–Fri alone would give 7 (01-01, 01-02, 01-05 .. 01-09)
    assert cal.workdays_between(date(2099, 1, 1), date(2099, 1, 11)) == 6
    # 1 = Thu 04-30, (05-01 .. 05-05 off), 2 = Wed 05-06, 3 = Thu 05-07, 4 = Fri 05-08, 5 = Sat 05-09
    assert cal.nth_workday(date(2099, 4, 30), 5) == date(2099, 5, 9)


def test_from_directory_loads_every_toml_and_tolerates_none_or_missing(tmp_path: Path) -> None:
    assert WorkdayCalendar.from_directory(DATA).is_workday(date(2099, 1, 4))
    for directory in (None, tmp_path / "missing"):
        with pytest.raises(HolidaysNotLoaded):
            WorkdayCalendar.from_directory(directory).is_workday(date(2099, 1, 4))


def test_from_directory_rejects_two_files_for_same_year(tmp_path: Path) -> None:
    text = FIXTURE_2099.read_text(encoding="utf-8")
    write(tmp_path, "a.toml", text)
    write(tmp_path, "b.toml", text)
    with pytest.raises(ValueError, match="节假日数据有误"):
        WorkdayCalendar.from_directory(tmp_path)


BAD_FILES = {
    "wrong_year": (
        'year = 2099\nsource = "x"\n[[holiday]]\nname = "元旦"\nfrom = 2098-12-31\nto = 2099-01-01\n',
        "不属于2099年",
    ),
    "holiday_and_makeup": (
        'year = 2099\nsource = "x"\nmake_up_workdays = [2099-01-03]\n'
        '[[holiday]]\nname = "元旦"\nfrom = 2099-01-01\nto = 2099-01-03\n',
        "既是假日又是调休上班日",
    ),
    "from_after_to": (
        'year = 2099\nsource = "x"\n[[holiday]]\nname = "元旦"\nfrom = 2099-01-03\nto = 2099-01-01\n',
        "晚于",
    ),
    "makeup_on_weekday": ('year = 2099\nsource = "x"\nmake_up_workdays = [2099-01-05]\n', "不是周六或周日"),
    "makeup_wrong_year": ('year = 2099\nsource = "x"\nmake_up_workdays = [2098-01-04]\n', "不属于2099年"),
    "typo_key": ('year = 2099\nsource = "x"\nmakeup_workdays = [2099-01-04]\n', "无法识别的字段"),
    "missing_year": ('source = "x"\n', "year"),
    "missing_source": ("year = 2099\n", "source"),
    "quoted_date": ('year = 2099\nsource = "x"\nmake_up_workdays = ["2099-01-04"]\n', "应为日期"),
    "not_toml": ("year = = 2099\n", "TOML"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_invalid_holiday_file_raises_value_error_in_chinese(tmp_path: Path, name: str) -> None:
    text, fragment = BAD_FILES[name]
    with pytest.raises(ValueError, match="^节假日数据有误") as info:
        load_arrangement(write(tmp_path, f"{name}.toml", text))
    assert fragment in str(info.value)


def test_default_honours_fazhan_holidays_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    with pytest.raises(HolidaysNotLoaded):
        WorkdayCalendar.default().is_workday(date(2099, 1, 4))
    write(tmp_path, "2099.toml", FIXTURE_2099.read_text(encoding="utf-8"))
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    cal = WorkdayCalendar.default()
    assert cal.covers(2099)
    assert cal.is_workday(date(2099, 1, 4))
    assert cal.nth_workday(date(2099, 1, 1), 3) == date(2099, 1, 6)
    assert cal.is_workday(date(2025, 9, 28))  # chinesecalendar still used for other years


def test_loaded_arrangement_overrides_chinesecalendar_for_its_year() -> None:
    builtin = WorkdayCalendar()
    assert not builtin.is_workday(date(2026, 1, 2))  # Friday, 元旦 holiday per chinesecalendar
    assert builtin.is_workday(date(2026, 1, 4))  # Sunday, 调休 per chinesecalendar
    # A (hypothetical) correction for 2026 that lists only 01-01 off and no make-up days:
    correction = YearArrangement(2026, frozenset({date(2026, 1, 1)}), frozenset(), "测试用更正")
    cal = WorkdayCalendar([correction])
    assert cal.is_workday(date(2026, 1, 2))
    assert not cal.is_workday(date(2026, 1, 4))
    # The loaded file replaces the whole year: a day it does not list off is an ordinary weekday.
    assert not builtin.is_workday(date(2026, 10, 1))
    assert cal.is_workday(date(2026, 10, 1))  # Thursday
    # other years still come from chinesecalendar
    assert builtin.is_workday(date(2025, 10, 11)) and cal.is_workday(date(2025, 10, 11))
