"""What checking one step under one rule set needs that no case changes, worked out once per (step, rule set).

``states.engine.check`` judges a case; everything here is the procedure table read ahead of time: the step's own
article, its rules with their citations under the rule set, and the plain "met" verdicts most checks hand out
(frozen, so one object serves every check that passes the rule). Every memo here is keyed by a piece of the
table (a step, a rule object, a citation object) and a rule set, never by a case: it hits on every step of
every applicant, and is bounded by the size of the table (about 30 steps × 3 rule sets, a hundred rules).
A table replaced at run time is seen at once: each memo is checked against the object it was made from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from states.procedure import SPECS, StepSpec
from states.rulesets import RuleSetId
from states.specs import Rule
from states.steps import Severity, Step, Tag
from states.verdicts import Citation, Outcome, Verdict

LEGACY_BASIS = Citation("《发展党员工作细则（试行）》（1990）（条号待核）", Tag.M)
# The article a 转接中 refusal cites when no transfer is under way: where its plain "met" verdict points.
TRANSFER_STEP = Step.ACTIVIST_TRANSFERRED


def basis(spec: StepSpec, rule_set: RuleSetId) -> Citation:
    """The step's own article under the act's rule set; a 1990 act never cites a later text."""
    if rule_set in spec.basis:
        return spec.basis[rule_set]
    return LEGACY_BASIS if rule_set is RuleSetId.R1990 else next(iter(spec.basis.values()))


# One frozen verdict per (rule, title, severity, citation) for the plain "met" (most verdicts of every check):
# shared rather than built anew. Keyed by the citation's id, checked by identity, so a reused id cannot mislead.
_PASSED: dict[tuple[str, str, Severity, int], Verdict] = {}
PASSED_AT_MOST = 4096  # citations made per call (none today) could otherwise grow it without end


def passed(rule_id: str, title: str, severity: Severity, citation: Citation) -> Verdict:
    key = (rule_id, title, severity, id(citation))
    found = _PASSED.get(key)
    if found is None or found.citation is not citation:
        if len(_PASSED) >= PASSED_AT_MOST:
            _PASSED.clear()
        found = _PASSED[key] = Verdict(rule_id, title, severity, Outcome.PASSED, "", citation)
    return found


@dataclass(frozen=True)
class AppliedRule:
    """One rule of the table under one rule set, with what no act changes."""

    rule: Rule
    id: str
    title: str
    severity: Severity  # as the table declares it; a policy may override it per act
    citation: Citation
    passed: Verdict  # its plain "met" at the declared severity
    new_in_2026: bool  # added by the 2026 revision: pending while a policy does not enforce that revision


_APPLIED: dict[tuple[int, RuleSetId], AppliedRule] = {}
APPLIED_AT_MOST = 4096  # local rules are made per organisation's settings; the table's own are ~100


def applied(rule: Rule, rule_set: RuleSetId) -> AppliedRule:
    """``rule`` under ``rule_set`` (which it must apply in)."""
    found = _APPLIED.get((id(rule), rule_set))
    if found is None or found.rule is not rule:
        if len(_APPLIED) >= APPLIED_AT_MOST:
            _APPLIED.clear()
        citation = rule.citations[rule_set]
        found = _APPLIED[(id(rule), rule_set)] = AppliedRule(
            rule, rule.id, rule.title, rule.severity, citation, passed(rule.id, rule.title, rule.severity, citation),
            RuleSetId.R2014 not in rule.citations and RuleSetId.R1990 not in rule.citations)
    return found


@dataclass(frozen=True)
class Prepared:
    """One step under one rule set: its article, its rules in their order, and its structural checks' "met"."""

    spec: StepSpec
    transfer_spec: StepSpec  # SPECS[TRANSFER_STEP] as it was when this was made
    basis: Citation
    rules: tuple[AppliedRule, ...]  # the step's rules that apply under the rule set, in their order
    status_met: Verdict
    once_met: Verdict
    order_met: Verdict
    transfer_met: Verdict
    # The rules a planner's check (no evidence) can give a verdict for, per set of rule ids asked: those that
    # read no evidence (one that does is left out when planning, its evidence being missing by definition).
    planned: dict[frozenset[str] | None, tuple[AppliedRule, ...]] = field(default_factory=dict, compare=False,
                                                                         repr=False)

    def planning_rules(self, rule_ids: frozenset[str] | None) -> tuple[AppliedRule, ...]:
        found = self.planned.get(rule_ids)
        if found is None:  # bounded: the callers ask with a handful of constant sets (the notices' duty rules)
            found = self.planned[rule_ids] = tuple(
                r for r in self.rules if not r.rule.needs and (rule_ids is None or r.id in rule_ids))
        return found


_PREPARED: dict[tuple[Step, RuleSetId], Prepared] = {}


def prepared(step: Step, rule_set: RuleSetId) -> Prepared:
    spec, transfer_spec = SPECS[step], SPECS[TRANSFER_STEP]
    found = _PREPARED.get((step, rule_set))
    if found is None or found.spec is not spec or found.transfer_spec is not transfer_spec:
        own = basis(spec, rule_set)
        found = _PREPARED[(step, rule_set)] = Prepared(
            spec, transfer_spec, own, tuple(applied(rule, rule_set) for rule in spec.rules if rule.applies_in(rule_set)),
            passed("status_allows_step", "当前状态可以办理本步骤", Severity.HARD, own),
            passed("not_done_before", "本步骤只办理一次", Severity.HARD, own),
            passed("preceding_steps_in_order", "前置步骤日期在前", Severity.HARD, own),
            passed("not_in_transfer", "转接中的案卷不能办理其他步骤", Severity.HARD, basis(transfer_spec, rule_set)))
    return found
