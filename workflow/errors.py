"""Errors a user can be told about, in Chinese, and errors that are bugs in the procedure definition."""

from __future__ import annotations

from states.periods import cn_date
from states.verdicts import Check


class FazhanError(Exception):
    """Base of everything the user can be told about, in Chinese."""


class StepRefused(FazhanError):
    """A step the rules do not allow; carries every blocking verdict, not just the first."""

    def __init__(self, check: Check) -> None:
        self.check = check
        lines = [f"不能办理：{len(check.blocking)}条规定不允许。"]
        lines += [f"{n}. {v.sentence()}" for n, v in enumerate(check.blocking, 1)]
        if check.allowed_from and check.allowed_from > check.on:
            lines.append(f"如其他条件具备，最早可于{cn_date(check.allowed_from)}办理。")
        super().__init__("\n".join(lines))


class StaleRecord(FazhanError):
    def __init__(self) -> None:
        super().__init__("该记录已被他人修改，请刷新后重试。")


class UnknownApplicant(FazhanError, LookupError):
    def __init__(self, key: object) -> None:
        super().__init__(f"找不到申请人「{key}」。")


class ProcedureDefinitionError(Exception):
    """A bug in states/: the table and the machine disagree."""
