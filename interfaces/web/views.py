"""What the pages draw, built from the services' results: the 25-step timeline and the audit history.

Pure presentation: every state and date comes from ``services.show`` / ``services.history`` and the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from interfaces.web import wording
from states.engine import NextStep
from states.procedure import PROCEDURE, SPECS, StepSpec
from states.steps import Severity, Stage, Step, Tag
from states.verdicts import Citation, Outcome, Verdict
from workflow.clock import BEIJING
from workflow.services import CaseView

EVENT_KINDS = wording.EVENTS


@dataclass(frozen=True)
class TimelineStep:
    spec: StepSpec
    state: str  # done, now (possible today), blocked, later, closed
    dates: tuple[date, ...]
    actor: str
    backfilled: bool
    next: NextStep | None


@dataclass(frozen=True)
class TimelineStage:
    stage: Stage
    steps: tuple[TimelineStep, ...]

    @property
    def state(self) -> str:
        states = {step.state for step in self.steps if step.spec.number}
        if states <= {"done"}:
            return "done"
        return "current" if states & {"done", "now", "blocked"} else "later"


def _state(done: bool, upcoming: NextStep | None, closed: bool) -> str:
    if done:
        return "done"
    if upcoming is not None:
        return "now" if upcoming.possible_now else "blocked"
    return "closed" if closed else "later"


def timeline(view: CaseView) -> list[TimelineStage]:
    """The 25 steps in their 5 stages, with the dates of what is done and the state of what is not.

    Side outcomes (公示, 转接, 退出 …) appear only when they happened or are due now.
    """
    records: dict[Step, list[dict[str, Any]]] = {}
    for row in view.timeline:
        records.setdefault(Step(row["step"]), []).append(row)
    upcoming = {n.spec.step: n for n in view.next_steps}
    closed = view.status.is_terminal
    stages: dict[Stage, list[TimelineStep]] = {stage: [] for stage in Stage}
    for spec in PROCEDURE:
        rows = records.get(spec.step, [])
        if spec.number is None and not rows and spec.step not in upcoming:
            continue
        last = rows[-1] if rows else None
        stages[spec.stage].append(TimelineStep(
            spec, _state(bool(rows), upcoming.get(spec.step), closed), tuple(r["done_on"] for r in rows),
            last["actor"] if last else "", any(r["backfilled"] for r in rows), upcoming.get(spec.step)))
    return [TimelineStage(stage, tuple(steps)) for stage, steps in stages.items()]


def side_outcomes(view: CaseView) -> list[StepSpec]:
    """Outcomes the status allows besides the main line (转接, 延长预备期, 退出 …); the engine still decides."""
    return [spec for spec in PROCEDURE
            if spec.is_side_outcome and view.status in spec.sources and spec.step not in {n.spec.step for n in view.next_steps}]


def beijing(moment: datetime) -> datetime:
    """Stored moments are UTC (SQLite returns them without a zone); people read Beijing time."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(BEIJING)


SPECS_BY_VALUE = frozenset(step.value for step in Step)


@dataclass(frozen=True)
class HistoryRow:
    seq: int
    recorded_at: datetime
    kind: str
    refused: bool
    effective_on: date | None
    what: str
    actor: str
    actor_role: str
    reasons: tuple[str, ...]
    backfilled: bool


def history_rows(events: list[dict[str, Any]]) -> list[HistoryRow]:
    """Audit events of one case, newest last, with each refused attempt's reasons."""
    rows = []
    for event in events:
        payload = event["payload"]
        step = payload.get("step")
        reasons = tuple(_sentence(v) for v in payload.get("refused_by", ()))
        extra = wording.event_reason(event["kind"], payload)
        rows.append(HistoryRow(
            event["seq"], beijing(event["recorded_at"]), wording.event_label(event["kind"]),
            event["kind"] in {"step_refused", "meeting_refused"}, event["effective_on"],
            SPECS[Step(step)].label if step in SPECS_BY_VALUE else "", wording.person(event["actor"], event["actor_role"]),
            wording.role_of(event["actor_role"]), reasons + ((extra,) if extra else ()), bool(payload.get("backfilled"))))
    return rows


def _sentence(stored: dict[str, Any]) -> str:
    """A refused attempt's verdict, as stored by ``Verdict.as_dict()``, read back in the same words."""
    def day(key: str) -> date | None:
        return date.fromisoformat(stored[key]) if stored.get(key) else None

    verdict = Verdict(stored["rule"], stored["title"], Severity(stored["severity"]), Outcome(stored["outcome"]),
                      stored["message"], Citation(stored["article"], Tag(stored["tag"])), day("allowed_from"),
                      day("due_by"), bool(stored.get("grave")))
    return verdict.sentence()
