"""Issue 11 item 8: each step's required evidence is enforced, and a missing field is named in Chinese.

Walks every step of the table (states/procedure.py) under the 2014 and the 2026 rule sets, leaving out each
required field in turn: the step is refused with 「缺少材料：「<label>」」 under an article (the rule that reads the
field, or the step's own article when no rule reads it: 谈话人 at step 2 is 细则第七条 [W]). With every field given,
no field is reported missing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from states.engine import check
from states.facts import ApplicantFacts
from states.procedure import PROCEDURE, SPECS
from states.rulesets import RuleSetId
from states.specs import Field, FieldKind, StepSpec
from states.steps import Step
from tests.states.builders import evidence_for, full, tally

ON = {RuleSetId.R2014: date(2025, 6, 2), RuleSetId.R2026: date(2026, 6, 15)}


def sample(f: Field) -> Any:
    """A well-formed value of the field's kind (the rules may still judge it; only presence is tested here)."""
    choices = list(f.choices or {"x": "x"})
    return {
        FieldKind.DATE: date(2025, 5, 20), FieldKind.TEXT: "某某", FieldKind.INT: 1, FieldKind.NUMBER: 3.0,
        FieldKind.BOOL: True, FieldKind.CHOICE: choices[0], FieldKind.PEOPLE: [full("刘洋"), full("赵敏")],
        FieldKind.TALLY: tally(), FieldKind.DOCUMENTS: choices,
    }[f.kind]


def complete(spec: StepSpec) -> dict[str, Any]:
    return {**{f.key: sample(f) for f in spec.evidence}, **evidence_for(spec.step)}


def missing_named(spec: StepSpec, evidence: dict[str, Any], rule_set: RuleSetId) -> set[str]:
    result = check(spec.step, ApplicantFacts(), ON[rule_set], evidence)
    return {f.label for f in spec.evidence for v in result.blocking
            if v.message.startswith("缺少材料") and f"「{f.label}」" in v.message and v.citation.text}


CASES = [(spec.step, f.key, rule_set) for spec in PROCEDURE for f in spec.evidence if f.required
         for rule_set in ON]


@pytest.mark.parametrize(("step", "key", "rule_set"), CASES, ids=[f"{s.value}-{k}-{r.value}" for s, k, r in CASES])
def test_every_required_field_left_out_is_named_and_given_is_not(step: Step, key: str, rule_set: RuleSetId) -> None:
    spec = SPECS[step]
    label = next(f.label for f in spec.evidence if f.key == key)
    given = complete(spec)
    without = {k: v for k, v in given.items() if k != key}
    assert label in missing_named(spec, without, rule_set)
    assert label not in missing_named(spec, given, rule_set)


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_art7_a_blank_talker_is_missing_and_cites_the_talks_article(blank: str | None) -> None:
    result = check(Step.TALK_HELD, ApplicantFacts(), ON[RuleSetId.R2014], {"talker": blank})
    found = [v for v in result.blocking if v.rule == "required_evidence_given"]
    assert [v.sentence() for v in found] == ["缺少材料：「谈话人」。（依据：《发展党员工作细则》第七条）"]
    named = check(Step.TALK_HELD, ApplicantFacts(), ON[RuleSetId.R2014], {"talker": "支部书记 陈静"})
    assert "required_evidence_given" not in {v.rule for v in named.verdicts}


def test_the_planner_asks_from_when_not_with_what() -> None:
    """``evidence=None`` (the planner) never reports missing fields: it has none to judge."""
    result = check(Step.TALK_HELD, ApplicantFacts(), ON[RuleSetId.R2014])
    assert "required_evidence_given" not in {v.rule for v in result.verdicts}
