"""The procedure table as data for the diagram page and ``GET /api/procedure``: steps, rules and articles."""

from __future__ import annotations

from typing import Any

from states.procedure import PROCEDURE, SPECS, StepSpec
from states.rulesets import RULE_SETS, RuleSetId
from states.steps import Stage


def _rules(spec: StepSpec, rule_set: RuleSetId) -> list[dict[str, Any]]:
    return [
        {"rule": rule.id, "title": rule.title, "severity": rule.severity.value, "severity_name": rule.severity.label,
         "article": rule.citations[rule_set].text, "tag": rule.citations[rule_set].tag.value}
        for rule in spec.rules if rule.applies_in(rule_set)
    ]


def step_entry(spec: StepSpec, rule_set: RuleSetId) -> dict[str, Any]:
    basis = spec.basis.get(rule_set) or next(iter(spec.basis.values()))
    return {
        "slug": spec.step.value, "number": spec.number, "name": spec.name, "label": spec.label,
        "stage": spec.stage.value, "stage_name": spec.stage.label, "actor": spec.actor.value,
        "actor_name": spec.actor.label, "from": [s.value for s in spec.sources],
        "to": (spec.dest or spec.sources[0]).value, "after": [SPECS[a].label for a in spec.after],
        "after_slugs": [a.value for a in spec.after], "required": rule_set in spec.required_in,
        "side_outcome": spec.is_side_outcome, "repeatable": spec.repeatable, "basis": basis.text,
        "evidence": [{"key": f.key, "label": f.label, "kind": f.kind.value, "required": f.required,
                      "choices": dict(f.choices) if f.choices else None} for f in spec.evidence],
        "rules": _rules(spec, rule_set), "produces": list(spec.produces),
    }


def listing(rule_set: RuleSetId) -> dict[str, Any]:
    """Every step of the table under one rule set, grouped by stage, side outcomes last."""
    title = next(rs.title for rs in RULE_SETS if rs.id is rule_set)
    return {
        "rule_set": rule_set.value, "rule_set_title": title,
        "stages": [{"stage": stage.value, "number": stage.number, "name": stage.label,
                    "steps": [step_entry(s, rule_set) for s in PROCEDURE if s.stage is stage and not s.is_side_outcome]}
                   for stage in Stage],
        "side_outcomes": [step_entry(s, rule_set) for s in PROCEDURE if s.is_side_outcome],
    }
