"""Every piece of evidence a step declares as required must be brought; a missing one is named in Chinese.

Most required fields are read by one of the step's rules (``Rule.needs``), which refuses the step under its own
article when they are missing (``states.engine``). The rest — who held the 谈话, the 党小组, the reason for 取消资格
— are read by no rule, and were silently accepted when left out. This rule closes that gap: it refuses under the
step's own article, naming each field (「缺少材料：「谈话人」」). Pure and cheap: a set lookup per field.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from states.procedure import SPECS
from states.rulesets import RuleSetId
from states.specs import Field
from states.steps import Step
from states.verdicts import Finding, met, unmet

REQUIRED_RULE = "required_evidence_given"
REQUIRED_TITLE = "本步骤须提交的材料齐全"


@cache
def unguarded_required(step: Step, rule_set: RuleSetId) -> tuple[Field, ...]:
    """Required fields of ``step`` that no rule applying under ``rule_set`` reads (those rules name them)."""
    spec = SPECS[step]
    read = {key for rule in spec.rules if rule.applies_in(rule_set) for key in rule.needs}
    return tuple(f for f in spec.evidence if f.required and f.key not in read)


def given(value: Any) -> bool:
    """Blank text and empty lists are not evidence."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple):
        return bool(value)
    return True


def required_evidence(step: Step, rule_set: RuleSetId, evidence: Mapping[str, Any]) -> Finding:
    """A required field that is missing or blank refuses the step, naming the field.

    >>> from states.steps import Step
    >>> required_evidence(Step.TALK_HELD, RuleSetId.R2014, {}).message
    '缺少材料：「谈话人」。'
    >>> required_evidence(Step.TALK_HELD, RuleSetId.R2014, {"talker": "支部书记 陈静"}).met
    True
    """
    missing = [f"「{f.label}」" for f in unguarded_required(step, rule_set) if not given(evidence.get(f.key))]
    return unmet(f"缺少材料：{'、'.join(missing)}。") if missing else met()
