"""The frozen record every guard reads: an applicant's facts and the act being attempted.

Rules never see a database row; services build these from the tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import Any

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


@dataclass(frozen=True)
class ApplicantFacts:
    """Everything the rules may know about one applicant."""

    status: Status = Status.NEW
    birth_date: date | None = None
    branch_has_committee: bool = True
    records: tuple[StepRecord, ...] = ()

    @cached_property
    def _by_step(self) -> dict[Step, tuple[StepRecord, ...]]:
        """The records of each step, in order: the rules ask for them dozens of times per check."""
        index: dict[Step, list[StepRecord]] = {}
        for record in self.records:
            index.setdefault(record.step, []).append(record)
        return {step: tuple(found) for step, found in index.items()}

    def all(self, step: Step) -> tuple[StepRecord, ...]:
        return self._by_step.get(step, ())

    def last(self, step: Step) -> StepRecord | None:
        found = self.all(step)
        return found[-1] if found else None

    def done(self, step: Step) -> bool:
        return step in self._by_step

    def date_of(self, step: Step) -> date | None:
        record = self.last(step)
        return record.on if record else None

    def with_record(self, record: StepRecord, status: Status) -> ApplicantFacts:
        # built field by field (``dataclasses.replace`` inspects the fields on every call; a step calls this once)
        later = ApplicantFacts(status, self.birth_date, self.branch_has_committee, (*self.records, record))
        if "_by_step" in self.__dict__:  # extend the index, not rebuild it: a 台账 replays a history record by record
            index = dict(self.__dict__["_by_step"])
            index[record.step] = (*index.get(record.step, ()), record)
            later.__dict__["_by_step"] = index
        return later


if [f.name for f in fields(ApplicantFacts)] != ["status", "birth_date", "branch_has_committee", "records"]:
    raise TypeError("ApplicantFacts.with_record must copy every field of ApplicantFacts")  # a field added later


@dataclass(frozen=True)
class Override:
    """Permission to pass a soft rule ("一般…", "除个别特殊情况外"): a reason and who authorised it."""

    reason: str
    authoriser: str


