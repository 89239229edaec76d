"""The frozen record every guard reads: an applicant's facts and the act being attempted.

Rules never see a database row; services build these from the tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from enum import StrEnum
from typing import Any

from states.frozen import assemble
from states.rulesets import RuleSetId
from states.steps import Status, Step


class Standing(StrEnum):
    """A party member's standing on the date of an act (P1)."""

    FULL = "full"
    PROBATIONARY = "probationary"
    ON_PROBATION_SANCTION = "on_probation_sanction"  # 留党察看
    RIGHTS_SUSPENDED = "rights_suspended"
    NOT_A_MEMBER = "not_a_member"

    @property
    def label(self) -> str:
        return {
            "full": "正式党员",
            "probationary": "预备党员",
            "on_probation_sanction": "受留党察看处分的党员",
            "rights_suspended": "被中止党员权利的党员",
            "not_a_member": "非党员",
        }[self.value]


@dataclass(frozen=True)
class Person:
    """A person named in an act (培养联系人, 入党介绍人), with the standing on the act's date."""

    name: str
    standing: Standing


@dataclass(frozen=True)
class StepRecord:
    """One recorded act: which step, its effective date, its evidence, and the rule set that applied."""

    step: Step
    on: date
    evidence: Mapping[str, Any] = field(default_factory=dict)
    rule_set: RuleSetId = RuleSetId.R2014


class _StepIndex:
    """``facts.by_step``: the records of each step, in order; the rules ask for them dozens of times per check.

    Built on first use and kept in the instance's ``__dict__`` (which then shadows this descriptor), as
    ``functools.cached_property`` would, without its lock: on Python 3.11 taking the lock cost more than the index.
    """

    def __get__(self, facts: ApplicantFacts | None, owner: type | None = None) -> dict[Step, tuple[StepRecord, ...]]:
        if facts is None:
            raise AttributeError("by_step belongs to an ApplicantFacts, not to the class")
        index: dict[Step, tuple[StepRecord, ...]] = {}
        for record in facts.records:
            step = record.step
            index[step] = (*index[step], record) if step in index else (record,)
        facts.__dict__["by_step"] = index
        return index


@dataclass(frozen=True)
class ApplicantFacts:
    """Everything the rules may know about one applicant."""

    status: Status = Status.NEW
    birth_date: date | None = None
    branch_has_committee: bool = True
    records: tuple[StepRecord, ...] = ()

    by_step = _StepIndex()  # not a field: built from ``records`` on first use

    def all(self, step: Step) -> tuple[StepRecord, ...]:
        return self.by_step.get(step, ())

    def last(self, step: Step) -> StepRecord | None:
        found = self.by_step.get(step)
        return found[-1] if found else None

    def done(self, step: Step) -> bool:
        return step in self.by_step

    def date_of(self, step: Step) -> date | None:
        record = self.last(step)
        return record.on if record else None

    def with_record(self, record: StepRecord, status: Status) -> ApplicantFacts:
        # made in one assignment (states/frozen.py; ``dataclasses.replace`` inspects the fields on every call)
        made = {"status": status, "birth_date": self.birth_date, "branch_has_committee": self.branch_has_committee,
                "records": (*self.records, record)}
        if "by_step" in self.__dict__:  # extend the index, not rebuild it: a 台账 replays a history record by record
            index = dict(self.__dict__["by_step"])
            index[record.step] = (*index.get(record.step, ()), record)
            made["by_step"] = index
        return assemble(ApplicantFacts, made)


if [f.name for f in fields(ApplicantFacts)] != ["status", "birth_date", "branch_has_committee", "records"]:
    raise TypeError("ApplicantFacts.with_record must copy every field of ApplicantFacts")  # a field added later


@dataclass(frozen=True)
class Override:
    """Permission to pass a soft rule ("一般…", "除个别特殊情况外"): a reason and who authorised it."""

    reason: str
    authoriser: str


