"""Reading a 台账 file (.xlsx, or .csv) into rows of recognised columns.

The .xlsx reader is calamine (Rust), not openpyxl: openpyxl took ~1 ms a row for a 28-column 台账 here, which
alone would hold a 100,000-row import under the 1,000 people a second it must reach; calamine reads ~8× faster
and also reports merged cells. openpyxl still writes every file (exports, reports).

Every sheet is read; a sheet whose first rows hold no recognisable header (a cover sheet, notes) is skipped and
said so. Merged cells are read as their top-left value, so a title row merged across the sheet is skipped and a
two-level header ("转正" over "大会时间" / "审批时间") is read as the joined name when the lower cell alone is unknown.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_calamine import CalamineSheet, CalamineWorkbook

from workflow.errors import FazhanError
from workflow.ledger.columns import Column, recognise

HEADER_SEARCH = 10  # rows searched for the header below titles and notes
MIN_HEADERS = 3


class LedgerUnreadable(FazhanError, ValueError):
    """The file is not a 台账 this can read; the message is Chinese."""


@dataclass(frozen=True)
class RawRow:
    """One person's row as typed: cell values by column key, with where it came from."""

    sheet: str
    number: int  # the row number as Excel shows it (1-based)
    cells: dict[str, Any]

    @property
    def where(self) -> str:
        return f"{self.sheet}第{self.number}行" if self.sheet else f"第{self.number}行"


@dataclass
class Ledger:
    rows: list[RawRow] = field(default_factory=list)
    columns: dict[str, list[str]] = field(default_factory=dict)  # sheet → headers recognised (canonical titles)
    ignored_headers: dict[str, list[str]] = field(default_factory=dict)  # sheet → headers not recognised
    skipped_sheets: list[str] = field(default_factory=list)


def _grid(sheet: CalamineSheet) -> tuple[list[list[Any]], int]:
    """The sheet's values with every merged range filled by its top-left value, and the first row's number."""
    grid = sheet.to_python()
    top, left = sheet.start
    for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or ():
        r0, r1, c0, c1 = r0 - top, r1 - top, c0 - left, c1 - left
        if not 0 <= r0 < len(grid):
            continue
        value = grid[r0][c0] if c0 < len(grid[r0]) else None
        for row in grid[r0:r1 + 1]:
            row.extend([None] * (c1 + 1 - len(row)))
            row[c0:c1 + 1] = [value] * (c1 + 1 - c0)
    return grid, top + 1


def _header_map(grid: Sequence[Sequence[Any]], index: int, mapping: dict[str, Column] | None) -> dict[int, Column]:
    """Column position → column for the header at ``grid[index]``, using the row above for two-level headers."""
    above = grid[index - 1] if index > 0 else ()
    found: dict[int, Column] = {}
    for position, cell in enumerate(grid[index]):
        parent = above[position] if position < len(above) else None
        column = recognise(cell, mapping)
        if parent not in (None, cell) and (joined := recognise(f"{parent}{cell}", mapping)):
            column = joined  # "转正" over "大会时间" names more than "大会时间" alone
        if column is not None and column not in found.values():
            found[position] = column
    return found


def _find_header(grid: Sequence[Sequence[Any]], mapping: dict[str, Column] | None) -> tuple[int, dict[int, Column]]:
    best, best_map = -1, {}
    for index in range(min(HEADER_SEARCH, len(grid))):
        candidate = _header_map(grid, index, mapping)
        if len(candidate) > len(best_map):
            best, best_map = index, candidate
    return best, best_map


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_grid(ledger: Ledger, sheet_name: str, grid: list[list[Any]], mapping: dict[str, Column] | None,
               first_row: int = 1) -> None:
    index, header = _find_header(grid, mapping)
    if len(header) < MIN_HEADERS or not any(c.key == "name" for c in header.values()):
        ledger.skipped_sheets.append(sheet_name or "（表格）")
        return
    ledger.columns[sheet_name] = [c.title for c in header.values()]
    ledger.ignored_headers[sheet_name] = [str(v).strip() for p, v in enumerate(grid[index])
                                          if p not in header and not _blank(v)]
    keys = [(p, column.key) for p, column in header.items()]
    for offset, values in enumerate(grid[index + 1:], start=index + 1 + first_row):
        # _blank inlined: this runs once per cell of a 100,000-row 台账, before any checking can start
        n = len(values)
        cells = {key: value for p, key in keys
                 if p < n and (value := values[p]) is not None and not (isinstance(value, str) and not value.strip())}
        if cells:
            ledger.rows.append(RawRow(sheet_name, offset, cells))


def read_xlsx(data: bytes, mapping: dict[str, Column] | None = None) -> Ledger:
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))  # formulas as their cached values
        sheets = [(name, _grid(book.get_sheet_by_name(name))) for name in book.sheet_names]
    except Exception as error:  # the reader raises several kinds for a file that is not .xlsx
        raise LedgerUnreadable(f"无法读取这个 Excel 文件（需要 .xlsx 格式；.xls 请先另存为 .xlsx）：{error}") from None
    ledger = Ledger()
    for name, (grid, first_row) in sheets:
        _read_grid(ledger, name, grid, mapping, first_row)
    return ledger


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV in GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LedgerUnreadable("CSV 文件的编码无法识别（请用 UTF-8 或 GBK）。")


def read_csv(data: bytes, mapping: dict[str, Column] | None = None) -> Ledger:
    grid: list[list[Any]] = [list(r) for r in csv.reader(io.StringIO(_decode(data)))]
    ledger = Ledger()
    _read_grid(ledger, "", grid, mapping)
    return ledger


def read_ledger(name: str, data: bytes, mapping: dict[str, Column] | None = None) -> Ledger:
    """A 台账 by its file name's ending; raises ``LedgerUnreadable`` if there is no sheet with a header."""
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        ledger = read_csv(data, mapping)
    elif suffix in {".xlsx", ".xlsm"}:
        ledger = read_xlsx(data, mapping)
    else:
        raise LedgerUnreadable(f"「{name}」不是 .xlsx 或 .csv 文件。")
    if not ledger.columns:
        raise LedgerUnreadable("文件中没有找到台账表头（至少要有“姓名”和另外两列，如出生年月、递交申请书时间）。")
    return ledger


def rows_of(ledgers: Iterable[Ledger]) -> list[RawRow]:
    return [row for ledger in ledgers for row in ledger.rows]
