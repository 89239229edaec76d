"""The shapes the procedure table is written in: a rule, a field of evidence, a step's row, and the act a guard judges.

Kept apart from ``states.procedure`` (the table itself) and ``states.facts`` (what a guard reads) so that the
modules of ``states`` form no import cycle, type-only imports included.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import Any

from states.facts import ApplicantFacts
from states.rulesets import ALL_SETS, DEFAULT_POLICY, Policy, RuleSetId
from states.steps import Role, Severity, Stage, Status, Step
from states.verdicts import Citation, Finding
from states.workdays import WorkdayCalendar

Citations = dict[RuleSetId, Citation]

Guard = Callable[[ApplicantFacts, "Act"], Finding]


@dataclass(frozen=True)
class Rule:
    """One rule: a pure guard, its severity, and its citation in each rule set where it applies."""

    guard: Guard
    severity: Severity
    citations: Mapping[RuleSetId, Citation]
    needs: tuple[str, ...] = ()  # evidence keys the guard reads; missing ones refuse the step
    grave: bool = False  # a duty whose breach is a graver violation (审批超过六个月)

    @property
    def id(self) -> str:
        return self.guard.__name__

    @cached_property  # read for every verdict of every step; the docstring does not change
    def title(self) -> str:
        """The rule in Chinese: the first line of the guard's docstring."""
        return (inspect.getdoc(self.guard) or self.id).splitlines()[0]

    def applies_in(self, rule_set: RuleSetId) -> bool:
        return rule_set in self.citations


class FieldKind(StrEnum):
    DATE = "date"
    TEXT = "text"
    INT = "int"
    NUMBER = "number"
    BOOL = "bool"
    CHOICE = "choice"
    PEOPLE = "people"  # names with their standing on the act's date
    TALLY = "tally"  # one agenda item's vote count (states.votes.Tally)
    DOCUMENTS = "documents"  # keys of documents handed over


@dataclass(frozen=True)
class Field:
    """One piece of evidence an act must (or may) bring."""

    key: str
    label: str
    kind: FieldKind
    required: bool = True
    choices: Mapping[str, str] | None = None


@dataclass(frozen=True)
class StepSpec:
    """One row of the procedure."""

    step: Step
    number: int | None  # paper number on the flowchart; None for side and terminal outcomes
    name: str
    stage: Stage
    actor: Role
    sources: tuple[Status, ...]
    dest: Status | None  # None: the status does not change
    basis: Citations  # the step's own article: cited when it is taken out of order
    after: tuple[Step, ...] = ()
    rules: tuple[Rule, ...] = ()
    evidence: tuple[Field, ...] = ()
    required_in: frozenset[RuleSetId] = ALL_SETS  # where later steps must find it recorded
    repeatable: bool = False
    produces: tuple[str, ...] = ()

    @property
    def trigger(self) -> str:
        return self.step.value

    @property
    def label(self) -> str:
        return f"{self.number}. {self.name}" if self.number else self.name

    @property
    def is_side_outcome(self) -> bool:
        """Transfer, extension, cancellation, failure, withdrawal: possible, never required."""
        return not self.required_in



@dataclass(frozen=True)
class Act:
    """The act being attempted: its step, its effective date and the evidence it brings."""

    step: Step
    on: date
    evidence: Mapping[str, Any]
    rule_set: RuleSetId
    spec: StepSpec
    calendar: WorkdayCalendar
    policy: Policy = DEFAULT_POLICY
    planning: bool = False  # True when the planner asks "from when?" without evidence
