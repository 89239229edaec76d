"""The one shared state machine. The only module that imports ``transitions``.

Applicants are never added to the machine (``add_model`` is quadratic in the number of models). The verdict
is computed first by the pure ``states.engine.check``; the machine then only moves the status, with no
callbacks and no side effects. So a step does not go through ``Event.trigger`` (~25 µs of event objects and
condition calls per step, a tenth of a recorded step): ``MOVES`` is the machine's own transition table, read
out of ``MACHINE`` once, and ``fire`` looks the move up there. tests/workflow/test_machine_moves.py proves, for
every transition, that ``MOVES``, the machine's own trigger and the procedure's row agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from transitions import EventData, Machine

from states.authority import Holder
from states.engine import check
from states.facts import ApplicantFacts, Override, StepRecord
from states.frozen import assemble
from states.procedure import PROCEDURE, SPECS
from states.rulesets import DEFAULT_POLICY, Policy
from states.steps import Status, Step
from states.verdicts import Check
from states.workdays import WorkdayCalendar
from workflow.errors import ProcedureDefinitionError, StepRefused


@dataclass
class Case:
    """The model the machine moves: an applicant's status and the facts the rules read."""

    facts: ApplicantFacts
    state: Status = Status.NEW


def _verdict_allows(event: EventData) -> bool:
    verdict: Check = event.kwargs["verdict"]
    return verdict.allowed


MACHINE = Machine(
    model=None,
    states=Status,
    initial=None,
    transitions=[
        {
            "trigger": spec.trigger,
            "source": list(spec.sources),
            "dest": spec.dest,  # None: an internal transition, the status stays
            "conditions": [_verdict_allows],
        }
        for spec in PROCEDURE
    ],
    auto_transitions=False,  # no to_<state>(): nobody can jump over a step
    send_event=True,
    model_attribute="state",
)


def _moves(machine: Machine) -> dict[tuple[Step, Status], Status]:
    """(step, status before) → status after, for every transition the machine defines."""
    moves = {}
    for name, event in machine.events.items():
        for source, transitions in event.transitions.items():
            before = machine.get_state(source).value
            dest = transitions[0].dest
            moves[(Step(name), before)] = machine.get_state(dest).value if dest is not None else before
    return moves


MOVES: dict[tuple[Step, Status], Status] = _moves(MACHINE)


def fire(
    case: Case,
    step: Step,
    on: date,
    evidence: Mapping[str, Any] | None = None,
    *,
    override: Override | None = None,
    policy: Policy = DEFAULT_POLICY,
    calendar: WorkdayCalendar | None = None,
    authorisers: Mapping[str, Holder] | None = None,
) -> Check:
    """Apply one step to one applicant, or raise ``StepRefused`` listing every failing rule.

    On success the case holds the new status and the new record; the returned check carries the
    violations and overrides the service must record.
    """
    evidence = dict(evidence or {})
    verdict = check(step, case.facts, on, evidence, override=override, policy=policy, calendar=calendar,
                    authorisers=authorisers)
    if not verdict.allowed:
        raise StepRefused(verdict)
    after = MOVES.get((step, case.state))
    if after is None:
        raise ProcedureDefinitionError(f"{step.value} allowed by check but not by the machine")
    case.state = after
    # ``StepRecord(...)`` in one assignment (states/frozen.py)
    record = assemble(StepRecord, {"step": step, "on": on, "evidence": evidence, "rule_set": verdict.rule_set})
    case.facts = case.facts.with_record(record, case.state)
    return verdict


def replay(facts: ApplicantFacts, records: list[StepRecord], **kwargs: Any) -> Case:
    """Rebuild a case by firing recorded steps in order (used by the audit replay and back-filling)."""
    case = Case(facts, facts.status)
    for record in records:
        fire(case, record.step, record.on, record.evidence, **kwargs)
    return case


def destination(step: Step, current: Status) -> Status:
    """The status after ``step`` from ``current``."""
    spec = SPECS[step]
    return spec.dest or current
