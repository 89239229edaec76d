"""Reading real .xlsx and .csv 台账: every date form, every column variant, merged headers, a second sheet."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from openpyxl import Workbook

from tests.ledger.sheets import xlsx
from workflow.ledger.columns import COLUMNS, MappingProblem, read_mapping
from workflow.ledger.dates import DateProblem, parse_date, parse_period_end
from workflow.ledger.reader import LedgerUnreadable, read_ledger
from workflow.ledger.rows import Rejected, understand


@pytest.mark.parametrize(("typed", "expected"), [
    ("2024.6.20", date(2024, 6, 20)), ("2024/6/20", date(2024, 6, 20)), ("2024年6月20日", date(2024, 6, 20)),
    ("20240620", date(2024, 6, 20)), ("2024-06-20", date(2024, 6, 20)), (" 2024．06．20 ", date(2024, 6, 20)),
    (45463, date(2024, 6, 20)), ("45463", date(2024, 6, 20)), (20240620, date(2024, 6, 20)),
    (datetime(2024, 6, 20, 0, 0), date(2024, 6, 20)),
])
def test_every_date_form_reads_as_the_same_day(typed: object, expected: date) -> None:
    parsed = parse_date(typed)
    assert parsed.on == expected and parsed.precise


@pytest.mark.parametrize("typed", ["2024-06", "2024.6", "2024年6月", 2024.06])
def test_month_only_dates_are_read_as_the_first_and_flagged_imprecise(typed: object) -> None:
    parsed = parse_date(typed)
    assert parsed.on == date(2024, 6, 1) and not parsed.precise
    assert parsed.text() == "2024-06"


def test_a_number_cell_that_lost_the_zero_of_october_is_flagged() -> None:
    assert "10月" in parse_date(2024.1).note and parse_date(2024.1).on == date(2024, 1, 1)


@pytest.mark.parametrize("typed", ["2024.2.30", "2023-13-01", "明年", "2024.6.20.1", 123])
def test_impossible_or_unreadable_dates_say_why(typed: object) -> None:
    with pytest.raises(DateProblem, match="不是"):
        parse_date(typed)


def test_a_training_period_counts_its_last_day() -> None:
    assert parse_period_end("2024.5.6-2024.5.8").on == date(2024, 5, 8)
    assert parse_period_end("2024年5月6日至5月8日").on == date(2024, 5, 8)
    assert parse_period_end("2024.5.6").on == date(2024, 5, 6)


def _sheet_with(headers: list[str], values: list[object]) -> bytes:
    book = Workbook()
    book.active.append(headers)
    book.active.append(values)
    return xlsx(book)


@pytest.mark.parametrize("column", [c for c in COLUMNS if c.variants], ids=lambda c: c.key)
def test_every_column_variant_is_recognised(column: object) -> None:
    for header in (column.title, *column.variants):  # type: ignore[attr-defined]
        headers = ["姓名", "性别", "出生年月", header] if header not in {"姓名", "名字", "申请人姓名", "申请人"} else [
            header, "性别", "出生年月"]
        ledger = read_ledger("t.xlsx", _sheet_with(headers, ["李明", "男", "2001.4.12", "x"][:len(headers)]))
        assert column.title in ledger.columns["Sheet"], header  # type: ignore[attr-defined]


def test_headers_with_spaces_line_breaks_and_brackets_are_recognised() -> None:
    ledger = read_ledger("t.xlsx", _sheet_with(["姓 名", "性别", "出生\n日期", "支部大会时间（接收）", "转正审批时间"],
                                               ["李明", "男", "2001.4.12", "2024.6.20", ""]))
    assert ledger.rows[0].cells == {"name": "李明", "sex": "男", "birth": "2001.4.12", "admission": "2024.6.20"}


def test_merged_title_row_two_level_header_and_a_second_sheet() -> None:
    book = Workbook()
    cover = book.active
    cover.title = "说明"
    cover.append(["本台账由组织委员填写"])
    sheet = book.create_sheet("2024年台账")
    sheet.append(["计算机学院学生第一党支部发展党员工作台账"])
    sheet.merge_cells("A1:F1")
    sheet.append(["姓名", "性别", "出生年月", "发展对象阶段", None, "转正"])
    sheet.append([None, None, None, "确定发展对象时间", "入党介绍人", "审批时间"])
    for column in "ABC":
        sheet.merge_cells(f"{column}2:{column}3")
    sheet.merge_cells("D2:E2")
    sheet.append(["李明", "男", date(2001, 4, 12), date(2024, 6, 20), "王五、赵六", "2025.7.1"])
    second = book.create_sheet("2025年台账")
    second.append(["姓名", "性别", "出生日期", "递交入党申请书时间"])
    second.append(["张华", "女", "2002/3/4", "2025年3月1日"])
    ledger = read_ledger("t.xlsx", xlsx(book))
    assert ledger.skipped_sheets == ["说明"]
    first, other = ledger.rows
    assert (first.sheet, first.number, other.sheet, other.number) == ("2024年台账", 4, "2025年台账", 2)
    assert first.cells["candidate"] == date(2024, 6, 20) and first.cells["sponsors"] == "王五、赵六"
    assert first.cells["confirmed"] == "2025.7.1"  # "转正" over "审批时间" is 转正审批时间, not 审批时间
    assert "approval" not in first.cells


def test_csv_in_gbk_reads_like_xlsx() -> None:
    text = "姓名,性别,出生年月,递交申请书时间\n李明,男,2001.4.12,2024年6月20日\n"
    ledger = read_ledger("t.csv", text.encode("gb18030"))
    assert ledger.rows[0].cells["applied"] == "2024年6月20日" and ledger.rows[0].number == 2


def test_a_mapping_file_names_the_columns_a_branch_made_up(tmp_path: object) -> None:
    from pathlib import Path

    mapping_file = Path(str(tmp_path)) / "对照.txt"
    mapping_file.write_text("入党时间 = 审批时间\n发展时间=确定发展对象时间  # 我们这样叫\n", encoding="utf-8")
    mapping = read_mapping(mapping_file)
    ledger = read_ledger("t.xlsx", _sheet_with(["姓名", "性别", "出生年月", "入党时间", "发展时间"],
                                               ["李明", "男", "2001.4.12", "2025.1.2", "2024.1.2"]), mapping)
    assert ledger.rows[0].cells["approval"] == "2025.1.2" and ledger.rows[0].cells["candidate"] == "2024.1.2"
    mapping_file.write_text("入党时间 = 不存在的列\n", encoding="utf-8")
    with pytest.raises(MappingProblem, match="第1行"):
        read_mapping(mapping_file)


def test_a_file_without_a_ledger_header_is_refused_in_chinese() -> None:
    with pytest.raises(LedgerUnreadable, match="没有找到台账表头"):
        read_ledger("t.xlsx", _sheet_with(["甲", "乙"], [1, 2]))
    with pytest.raises(LedgerUnreadable, match="无法读取"):
        read_ledger("t.xlsx", b"not a zip")
    with pytest.raises(LedgerUnreadable, match=".xlsx 或 .csv"):
        read_ledger("t.doc", b"")


@pytest.mark.parametrize(("cells", "column", "reason"), [
    ({"sex": "男", "birth": "2001.4.12"}, "姓名", "没有姓名"),
    ({"name": "李明", "sex": "男", "birth": "2001.4.31"}, "出生年月", "不是存在的日期"),
    ({"name": "李明", "sex": "男", "birth": "2001.4.12", "id_number": "110105200104120016"}, "身份证号", "校验位"),
    ({"name": "李明", "sex": "男", "birth": "2001.4.13", "id_number": "110105200104120015"}, "身份证号", "不一致"),
    ({"name": "李明", "sex": "未知", "birth": "2001.4.12"}, "性别", "应为"),
    ({"name": "李明", "sex": "男"}, "出生年月", "没有出生年月"),
    ({"name": "李明", "sex": "男", "birth": "2001.4.12", "applied": "2027.1.1"}, "递交申请书时间", "晚于今天"),
    ({"name": "李明", "sex": "男", "birth": "2001.4.12", "talk": "1999.1.1"}, "谈话时间", "早于出生日期"),
])
def test_rows_that_cannot_be_understood_name_the_column_and_reason(cells: dict[str, object], column: str,
                                                                    reason: str) -> None:
    from workflow.ledger.reader import RawRow

    with pytest.raises(Rejected) as rejected:
        understand(RawRow("台账", 5, cells), "某支部", date(2026, 11, 30))
    assert rejected.value.column == column and reason in rejected.value.reason


def test_birth_date_and_sex_come_from_the_id_number_when_the_row_lacks_them() -> None:
    from workflow.ledger.reader import RawRow

    person = understand(RawRow("", 2, {"name": "李明", "id_number": "110105200104120015"}), "某支部", date(2026, 1, 1))
    assert person.birth == date(2001, 4, 12) and person.sex == "男"
