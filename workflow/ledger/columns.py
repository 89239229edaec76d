"""The columns of a 台账: the names branches actually use, their variants, and a mapping file for the rest.

Each column has one canonical title (the export writes it, so an exported 台账 imports back as it was) and the
variants seen in branch ledgers. Headers are compared after dropping spaces, line breaks and punctuation, with
日期 read as 时间, so "出生日期", "出 生\n日 期" and "出生时间" are one column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from states.steps import Step
from workflow.errors import FazhanError


class Kind(StrEnum):
    TEXT = "text"
    DATE = "date"
    PERIOD = "period"  # a date or a range of dates; the last day counts
    NAMES = "names"


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    variants: tuple[str, ...] = ()
    kind: Kind = Kind.TEXT
    step: Step | None = None  # the step whose date this column gives


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", ("名字", "申请人姓名", "申请人")),
    Column("sex", "性别"),
    Column("ethnicity", "民族"),
    Column("birth", "出生年月", ("出生日期", "出生年月日", "生日"), Kind.DATE),
    Column("id_number", "身份证号", ("身份证号码", "公民身份号码", "身份证", "身份号码")),
    Column("education", "学历", ("文化程度", "最高学历")),
    Column("unit", "单位", ("工作单位", "所在单位", "工作学习单位", "单位及职务", "学院", "班级")),
    Column("branch", "所在支部", ("支部", "党支部", "所在党支部", "所属支部", "所属党支部", "支部名称")),
    Column("phone", "联系电话", ("电话", "手机", "手机号", "手机号码", "联系方式")),
    Column("applied", "递交申请书时间", ("递交入党申请书时间", "申请入党时间", "入党申请时间", "提交申请书时间",
                                   "申请书递交时间", "递交申请时间", "申请时间"), Kind.DATE, Step.APPLICATION_SUBMITTED),
    Column("talk", "谈话时间", ("派人谈话时间", "谈话"), Kind.DATE, Step.TALK_HELD),
    Column("talker", "谈话人", ("谈话人员",)),
    Column("activist", "确定积极分子时间", ("确定入党积极分子时间", "确定为积极分子时间", "确定为入党积极分子时间",
                                    "列为积极分子时间", "列为入党积极分子时间", "积极分子确定时间", "确定积极分子"),
           Kind.DATE, Step.ACTIVIST_DESIGNATED),
    Column("filed", "备案时间", ("积极分子备案时间", "上级党委备案时间", "报上级党委备案时间", "备案"),
           Kind.DATE, Step.ACTIVIST_FILED),
    Column("liaisons", "培养联系人", ("培养人", "联系人"), Kind.NAMES),
    Column("candidate", "确定发展对象时间", ("确定为发展对象时间", "列为发展对象时间", "发展对象确定时间", "确定发展对象"),
           Kind.DATE, Step.CANDIDATE_DESIGNATED),
    Column("sponsors", "入党介绍人", ("介绍人",), Kind.NAMES),
    Column("review", "政审时间", ("政治审查时间", "政审"), Kind.DATE, Step.POLITICAL_REVIEW_PASSED),
    Column("review_conclusion", "政审结论", ("政治审查结论", "政审情况", "政审意见")),
    Column("training", "培训时间", ("集中培训时间", "培训日期", "短期集中培训时间", "培训"), Kind.PERIOD,
           Step.TRAINING_COMPLETED),
    Column("hours", "学时", ("培训学时", "培训时长", "培训天数")),
    Column("committee", "支委会审查时间", ("支部委员会审查时间", "支委会审查"), Kind.DATE, Step.COMMITTEE_REVIEWED),
    Column("pre_review", "预审时间", ("上级党委预审时间", "党委预审时间", "预审"), Kind.DATE, Step.PRE_REVIEW_PASSED),
    Column("admission", "支部大会时间", ("支部大会时间接收", "支部大会讨论时间", "支部大会接收时间", "接收预备党员时间",
                                 "接收时间", "支部大会讨论接收时间"), Kind.DATE, Step.ADMISSION_RESOLVED),
    Column("approval", "审批时间", ("党委审批时间", "上级党委审批时间", "审批"), Kind.DATE, Step.ADMISSION_APPROVED),
    Column("oath", "入党宣誓时间", ("宣誓时间", "入党宣誓"), Kind.DATE, Step.OATH_TAKEN),
    Column("confirmation", "转正大会时间", ("支部大会讨论转正时间", "转正支部大会时间", "转正讨论时间",
                                    "支部大会时间转正"), Kind.DATE, Step.CONFIRMATION_RESOLVED),
    Column("confirmed", "转正审批时间", ("批准转正时间", "转正时间", "转正批准时间", "党委审批转正时间"),
           Kind.DATE, Step.CONFIRMATION_APPROVED),
    Column("remark", "备注", ("说明", "其他")),
)
BY_KEY = {c.key: c for c in COLUMNS}
STEP_COLUMNS = tuple(c for c in COLUMNS if c.step is not None)
LEDGER_STEPS = frozenset(c.step for c in STEP_COLUMNS if c.step) | {Step.LIAISONS_ASSIGNED, Step.SPONSORS_ASSIGNED}
_DROP = re.compile(r"[\s()（）\[\]【】:：*＊、/]+")


def normalise(header: object) -> str:
    """A header as compared: no spaces, line breaks or punctuation; 日期 read as 时间.

    >>> normalise(" 出生\\n日期 "), normalise("支部大会时间（接收）")
    ('出生时间', '支部大会时间接收')
    """
    return _DROP.sub("", str(header or "")).replace("日期", "时间")


def _known() -> dict[str, Column]:
    known: dict[str, Column] = {}
    for column in COLUMNS:
        for name in (column.title, *column.variants):
            known.setdefault(normalise(name), column)
    return known


KNOWN = _known()


class MappingProblem(FazhanError, ValueError):
    """A mapping file that cannot be read; the message is Chinese."""


def read_mapping(path: Path) -> dict[str, Column]:
    """A mapping file: one ``表头 = 标准列名`` per line ("#" starts a comment), for headers not recognised.

    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "m.txt"
    >>> _ = f.write_text("入党时间 = 审批时间\\n# 注释\\n", encoding="utf-8")
    >>> {k: c.key for k, c in read_mapping(f).items()}
    {'入党时间': 'approval'}
    """
    mapping: dict[str, Column] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        header, sep, target = line.partition("=")
        column = KNOWN.get(normalise(target))
        if not sep or not header.strip() or column is None:
            titles = "、".join(c.title for c in COLUMNS)
            raise MappingProblem(f"对照表第{number}行「{line}」应写成 表头 = 标准列名；标准列名可用：{titles}。")
        mapping[normalise(header)] = column
    return mapping


def recognise(header: object, mapping: dict[str, Column] | None = None) -> Column | None:
    """The column a header names, the mapping file first."""
    key = normalise(header)
    if not key:
        return None
    return (mapping or {}).get(key) or KNOWN.get(key)
