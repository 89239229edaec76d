"""One typed row into one person and the steps of their history, or a rejection naming the row, column and reason.

Only what cannot be understood is rejected (no name, a date that does not exist or lies in the future, an ID whose
checksum fails); everything that can be read is kept as typed and checked against the rules afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from states.facts import Person, Standing
from states.procedure import SPECS
from states.steps import Step
from workflow.idcard import id_number_problem
from workflow.ledger.columns import BY_KEY, STEP_COLUMNS, Kind
from workflow.ledger.dates import DateProblem, LedgerDate, parse_date, parse_period_end
from workflow.ledger.reader import RawRow

EARLIEST = date(1949, 10, 1)  # no act of this procedure in a 台账 is older
NAME_SPLIT = re.compile(r"[、,，;；/\s]+")
HOURS = re.compile(r"(\d+(?:\.\d+)?)\s*(学时|小时|课时|天|日)?")


class Rejected(ValueError):
    """A row that cannot be understood; ``column`` is the canonical column title."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


@dataclass(frozen=True)
class DatedStep:
    step: Step
    on: LedgerDate
    evidence: Mapping[str, Any] = field(default_factory=dict)
    inferred_from: str | None = None  # the column whose date was taken when the step's own date is not kept


@dataclass(frozen=True)
class LedgerPerson:
    """A row understood: the person, their organisation and the steps in date order."""

    name: str
    sex: str
    birth: date
    id_number: str | None
    organisation: str
    unit: str
    phone: str
    ethnicity: str
    education: str
    remark: str
    steps: tuple[DatedStep, ...]
    notes: tuple[str, ...] = ()  # imprecise dates and other things said about the row, not rule findings
    imprecise: tuple[str, ...] = ()  # column keys whose date gave only year and month

    @property
    def key(self) -> tuple[str, ...]:
        """Who this is: the ID number if known, else name, birth date and organisation."""
        return ("id", self.id_number) if self.id_number else ("nb", self.name, self.birth.isoformat(), self.organisation)


def _text(row: RawRow, key: str) -> str:
    value = row.cells.get(key)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed into a number cell
    return str(value).strip() if value is not None else ""


def _date(row: RawRow, key: str) -> LedgerDate | None:
    if key not in row.cells:
        return None
    column = BY_KEY[key]
    try:
        parsed = parse_period_end(row.cells[key]) if column.kind is Kind.PERIOD else parse_date(row.cells[key])
    except DateProblem as problem:
        raise Rejected(column.title, str(problem)) from None
    return parsed


def _names(text: str) -> list[Person]:
    # Standing is not in a 台账: the names are taken as 正式党员 and only their number is checked.
    return [Person(n, Standing.FULL) for n in NAME_SPLIT.split(text) if n]


def _id_birth(id_number: str) -> LedgerDate | None:
    digits = id_number[6:14]
    if len(id_number) != 18 or not digits.isdigit():
        return None  # id_number_problem says what is wrong with it
    try:
        return LedgerDate(date(int(digits[:4]), int(digits[4:6]), int(digits[6:])))
    except ValueError:
        raise Rejected("身份证号", "身份证号码中的出生日期不存在。") from None


def _birth_and_id(row: RawRow) -> tuple[date, str | None]:
    id_number = _text(row, "id_number").upper() or None
    from_id = _id_birth(id_number) if id_number else None
    birth = _date(row, "birth")
    if birth is None or (not birth.precise and from_id and from_id.on.replace(day=1) == birth.on):
        birth = from_id or birth  # a month-only 出生年月 takes its day from the ID number
    if birth is None:
        raise Rejected("出生年月", "没有出生年月，也没有可读出出生日期的身份证号。")
    if id_number and (problem := id_number_problem(id_number, birth.on)):
        raise Rejected("身份证号", problem)
    return birth.on, id_number


def _sex(row: RawRow, id_number: str | None) -> str:
    text = _text(row, "sex").removesuffix("性")
    if text in {"男", "女"}:
        return text
    if not text and id_number:
        return "男" if int(id_number[16]) % 2 else "女"  # GB 11643: the 17th digit is odd for men
    raise Rejected("性别", f"性别「{text}」应为“男”或“女”。" if text else "没有填写性别。")


def _evidence(row: RawRow, step: Step) -> dict[str, Any]:
    if step is Step.TALK_HELD and (talker := _text(row, "talker")):
        return {"talker": talker}
    if step is Step.POLITICAL_REVIEW_PASSED and (conclusion := _text(row, "review_conclusion")):
        return {"conclusion": conclusion}
    if step is Step.TRAINING_COMPLETED and (m := HOURS.search(_text(row, "hours"))):
        unit = "days" if m[2] in {"天", "日"} else "hours"
        return {unit: float(m[1])}
    return {}


def _steps(row: RawRow, birth: date, today: date) -> tuple[list[DatedStep], list[str]]:
    steps: list[DatedStep] = []
    imprecise: list[str] = []
    for column in STEP_COLUMNS:
        on = _date(row, column.key)
        if on is None or column.step is None:
            continue
        if on.on > today:
            raise Rejected(column.title, f"日期{on.on.isoformat()}晚于今天，台账只能记已经发生的事。")
        if on.on < EARLIEST or on.on <= birth:
            raise Rejected(column.title, f"日期{on.on.isoformat()}早于出生日期或1949年10月1日，不可能发生。")
        step = column.step
        if step is Step.POLITICAL_REVIEW_PASSED and "不合格" in _text(row, "review_conclusion"):
            step = Step.POLITICAL_REVIEW_FAILED
        steps.append(DatedStep(step, on, _evidence(row, step)))
        if not on.precise:
            imprecise.append(column.key)
    return steps, imprecise


def _people_steps(row: RawRow, steps: list[DatedStep]) -> list[DatedStep]:
    """培养联系人 and 入党介绍人 are names without a date: recorded on the date of the decision that names them."""
    when = {s.step: s.on for s in steps}
    added = []
    for key, step, anchor, title in (
        ("liaisons", Step.LIAISONS_ASSIGNED, Step.ACTIVIST_DESIGNATED, "确定积极分子时间"),
        ("sponsors", Step.SPONSORS_ASSIGNED, Step.CANDIDATE_DESIGNATED, "确定发展对象时间"),
    ):
        names = _names(_text(row, key))
        if names and anchor in when:
            added.append(DatedStep(step, when[anchor], {key: names}, inferred_from=title))
    return added


_ORDER = {s: n for n, s in enumerate(Step)}  # the procedure's order (iterating an enum per row is slow)


def _ordered(steps: list[DatedStep]) -> tuple[DatedStep, ...]:
    order = _ORDER
    return tuple(sorted(steps, key=lambda s: (s.on.on, order[s.step])))


def understand(row: RawRow, organisation: str, today: date) -> LedgerPerson:
    """The row as a person and a dated history; raises ``Rejected`` for what cannot be understood."""
    name = _text(row, "name")
    if not name:
        raise Rejected("姓名", "没有姓名。")
    birth, id_number = _birth_and_id(row)
    if birth > today:
        raise Rejected("出生年月", "出生日期晚于今天。")
    sex = _sex(row, id_number)
    steps, imprecise = _steps(row, birth, today)
    steps += _people_steps(row, steps)
    notes = [f"「{BY_KEY[k].title}」只有年月，按当月1日计，据此计算的期限可能有出入。" for k in imprecise]
    notes += [s.on.note for s in steps if s.on.note]
    notes += [f"「{SPECS[s.step].label}」台账未记日期，按「{s.inferred_from}」记。" for s in steps if s.inferred_from]
    return LedgerPerson(name, sex, birth, id_number, organisation, _text(row, "unit"), _text(row, "phone"),
                        _text(row, "ethnicity"), _text(row, "education"), _text(row, "remark"), _ordered(steps),
                        tuple(notes), tuple(imprecise))
