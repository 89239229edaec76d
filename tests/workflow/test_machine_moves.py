"""The step's move is read from the machine's own table (``MOVES``), not by firing ``transitions`` per step.

The machine stays the declared source of truth: this proves, for every transition of the procedure, that the
table a step reads, the machine's ``trigger`` and the procedure's own row say the same, and that a refused
verdict moves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from states.procedure import PROCEDURE
from states.rulesets import RuleSetId
from states.steps import Severity, Status, Step
from states.verdicts import Check, Citation, Outcome, Verdict
from workflow.machine import MACHINE, MOVES, destination

TRANSITIONS = [(spec.step, source, spec.dest or source) for spec in PROCEDURE for source in spec.sources]
REFUSAL = Verdict("status_allows_step", "当前状态可以办理本步骤", Severity.HARD, Outcome.REFUSED, "不能办理。",
                  Citation("细则", PROCEDURE[0].basis[RuleSetId.R2014].tag))


@dataclass
class Model:
    """A throwaway model for the machine's own trigger (never registered with it)."""

    state: Status


def test_the_move_table_holds_exactly_the_procedures_transitions() -> None:
    assert {(step, before): after for step, before, after in TRANSITIONS} == MOVES
    assert len(MOVES) == len(TRANSITIONS)  # no step listed twice from the same status


@pytest.mark.parametrize(("step", "before", "after"), TRANSITIONS, ids=[f"{s.value}-{b.value}" for s, b, _ in TRANSITIONS])
def test_the_machines_trigger_moves_as_the_table_says(step: Step, before: Status, after: Status) -> None:
    allowed = Check(step, date(2025, 3, 3), RuleSetId.R2014, ())
    model = Model(before)
    assert MACHINE.events[step.value].trigger(model, verdict=allowed) is True
    assert model.state is after is MOVES[(step, before)] is destination(step, before)
    refused = Model(before)
    assert MACHINE.events[step.value].trigger(refused, verdict=Check(step, allowed.on, allowed.rule_set,
                                                                     (REFUSAL,))) is False
    assert refused.state is before  # a refused verdict moves nothing
    assert MACHINE.models == []  # triggering never registers a model
