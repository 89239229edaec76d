"""Real .xlsx 台账 files built with openpyxl, the way branches lay them out."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from openpyxl import Workbook

from workflow.idcard import check_char

HEADERS = ("姓名", "性别", "民族", "出生年月", "身份证号", "学历", "所在支部", "联系电话", "递交申请书时间", "谈话时间",
           "谈话人", "确定积极分子时间", "备案时间", "培养联系人", "确定发展对象时间", "入党介绍人", "政审时间", "政审结论",
           "培训时间", "学时", "支委会审查时间", "预审时间", "支部大会时间", "审批时间", "入党宣誓时间", "转正大会时间",
           "转正审批时间", "备注")
BRANCH = "计算机学院学生第一党支部"


def id_number(birth: date, serial: int = 1, male: bool = True) -> str:
    """A valid ID number for a birth date (area 110105); the sequence digit's parity gives the sex."""
    sequence = f"{serial % 50:02d}{(2 * (serial % 5) + (1 if male else 0))}"
    first17 = f"110105{birth:%Y%m%d}{sequence}"
    return first17 + check_char(first17)


def clean_history(start: date) -> dict[str, Any]:
    """A full history that breaks no rule a 台账 can show: application to 转正, each step after the last."""
    d = start
    return {
        "递交申请书时间": d, "谈话时间": d + timedelta(days=20), "谈话人": "王芳",
        "确定积极分子时间": d + timedelta(days=60), "备案时间": d + timedelta(days=70), "培养联系人": "张三、李四",
        "确定发展对象时间": d + timedelta(days=60 + 400), "入党介绍人": "王五、赵六",
        "政审时间": d + timedelta(days=470), "政审结论": "合格", "培训时间": d + timedelta(days=475), "学时": "24学时",
        "支委会审查时间": d + timedelta(days=490), "预审时间": d + timedelta(days=500),
        "支部大会时间": d + timedelta(days=520), "审批时间": d + timedelta(days=560),
        "入党宣誓时间": d + timedelta(days=570), "转正大会时间": d + timedelta(days=520 + 370),
        "转正审批时间": d + timedelta(days=520 + 400),
    }


def person(name: str, birth: date, serial: int, history: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"姓名": name, "性别": "男", "民族": "汉族", "出生年月": birth, "身份证号": id_number(birth, serial),
            "学历": "本科", "所在支部": BRANCH, "联系电话": f"138{serial:08d}", **history, **more}


def workbook(rows: Sequence[dict[str, Any]], headers: Sequence[str] = HEADERS, title: str | None = None,
             sheet: str = "台账") -> Workbook:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.append(list(headers))
    for row in rows:
        ws.append([row.get(h) for h in headers])
    return book


def xlsx(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
