"""Rules as data and the verdicts they give: what refuses a step, why, by which article, from when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from operator import attrgetter

from states.periods import cn_date
from states.rulesets import RuleSetId
from states.steps import Severity, Step, Tag


@dataclass(frozen=True)
class Citation:
    """Where a rule comes from, and how sure the catalogue is of it."""

    text: str
    tag: Tag

    def __str__(self) -> str:
        return f"{self.text}[{self.tag.value}]"


@dataclass(frozen=True)
class Finding:
    """What a guard says about one act: met or not, a plain Chinese sentence, and the dates that matter."""

    met: bool
    message: str = ""
    allowed_from: date | None = None
    due_by: date | None = None


MET = Finding(True)  # the plain "met": shared, so the engine can hand out one frozen passed verdict per rule


def met(message: str = "", *, due_by: date | None = None) -> Finding:
    return MET if not message and due_by is None else Finding(True, message, None, due_by)


def unmet(message: str, *, allowed_from: date | None = None, due_by: date | None = None) -> Finding:
    return Finding(False, message, allowed_from, due_by)


class Outcome(StrEnum):
    PASSED = "passed"
    REFUSED = "refused"  # a hard rule is not met
    NEEDS_OVERRIDE = "needs_override"  # a soft rule is not met and no override was given
    OVERRIDDEN = "overridden"  # a soft rule is not met; an override lets the step through
    VIOLATED = "violated"  # a duty is not met; the step goes through and the violation is recorded

    @property
    def label(self) -> str:
        return {
            "passed": "符合",
            "refused": "不允许",
            "needs_override": "需特批",
            "overridden": "已特批",
            "violated": "违反时限（留痕）",
        }[self.value]


_BLOCKING = frozenset({Outcome.REFUSED, Outcome.NEEDS_OVERRIDE})  # built once: asked of every verdict of every check


@dataclass(frozen=True)
class Verdict:
    """One rule's verdict on one act, ready to show a secretary."""

    rule: str
    title: str
    severity: Severity
    outcome: Outcome
    message: str
    citation: Citation
    allowed_from: date | None = None
    due_by: date | None = None
    grave: bool = False

    @property
    def blocks(self) -> bool:
        return self.outcome in _BLOCKING

    def sentence(self) -> str:
        """The refusal as a secretary reads it: the reason, the article, and from when."""
        parts = [self.message or self.title, f"（依据：{self.citation.text}）"]
        if self.outcome is Outcome.NEEDS_OVERRIDE:
            parts.append("如属特殊情况，须写明理由并由有权限的负责人特批。")
        if self.allowed_from and self.blocks and cn_date(self.allowed_from) not in self.message:
            parts.append(f"自{cn_date(self.allowed_from)}起可办理。")
        return "".join(parts)

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "title": self.title,
            "severity": self.severity.value,
            "outcome": self.outcome.value,
            "message": self.message,
            "article": self.citation.text,
            "tag": self.citation.tag.value,
            "allowed_from": self.allowed_from.isoformat() if self.allowed_from else None,
            "due_by": self.due_by.isoformat() if self.due_by else None,
            "grave": self.grave,
        }


_OUTCOME = attrgetter("outcome")


@dataclass(frozen=True)
class Check:
    """Every verdict for one step on one date: the single answer the machine, CLI and web all use."""

    step: Step
    on: date
    rule_set: RuleSetId
    verdicts: tuple[Verdict, ...]

    @property
    def allowed(self) -> bool:
        return _BLOCKING.isdisjoint(map(_OUTCOME, self.verdicts))  # ``not any(v.blocks …)``, looped in C

    @property
    def blocking(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.verdicts if v.outcome in _BLOCKING)

    @property
    def violations(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.verdicts if v.outcome is Outcome.VIOLATED)

    @property
    def overridden(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.verdicts if v.outcome is Outcome.OVERRIDDEN)

    @property
    def allowed_from(self) -> date | None:
        """The first date every blocking rule would pass, if all of them are a matter of time."""
        blocking = self.blocking
        if not blocking:
            return self.on
        dates = [v.allowed_from for v in blocking]
        if any(d is None for d in dates):
            return None
        return max(d for d in dates if d is not None)

    @property
    def due_by(self) -> date | None:
        dates = [v.due_by for v in self.verdicts if v.due_by]
        return min(dates) if dates else None

    def as_dict(self) -> dict[str, object]:
        return {
            "step": self.step.value,
            "on": self.on.isoformat(),
            "rule_set": self.rule_set.value,
            "allowed": self.allowed,
            "allowed_from": self.allowed_from.isoformat() if self.allowed_from else None,
            "due_by": self.due_by.isoformat() if self.due_by else None,
            "verdicts": [v.as_dict() for v in self.verdicts],
        }
