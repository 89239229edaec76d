"""Words that depend on the rule set: under 2026.05 a 发展对象 is first a proposal (拟列为), step 8 is the
上级党委's 同意 (not 备案), and only a 公示 of at least five working days that ended without a result that stops
the admission makes the person a 发展对象 (2026 第十三条 [R26]). Older rule sets keep their words.

Pure: the caller says on which date (hence under which rule set) a step is or will be taken.
"""

from __future__ import annotations

from datetime import date

from states.facts import ApplicantFacts
from states.rulesets import Policy, RuleSetId
from states.specs import StepSpec
from states.steps import Status, Step

# Only the step whose meaning the revision changed gets another name; the 公示 has its own step already.
NAMES_2026 = {Step.CANDIDATE_FILED: "报上级党委同意"}
PROPOSED = "拟列为发展对象"


def step_name(spec: StepSpec, rule_set: RuleSetId) -> str:
    """The step's name under ``rule_set``.

    >>> from states.procedure import SPECS
    >>> step_name(SPECS[Step.CANDIDATE_FILED], RuleSetId.R2014), step_name(SPECS[Step.CANDIDATE_FILED], RuleSetId.R2026)
    ('报上级党委备案', '报上级党委同意')
    """
    return NAMES_2026.get(spec.step, spec.name) if rule_set is RuleSetId.R2026 else spec.name


def step_label(spec: StepSpec, rule_set: RuleSetId) -> str:
    """Like ``StepSpec.label`` (number and name), under ``rule_set``."""
    name = step_name(spec, rule_set)
    return f"{spec.number}. {name}" if spec.number else name


def awaiting_publicity(facts: ApplicantFacts, policy: Policy, on: date) -> bool:
    """Whether a 发展对象 is still only proposed (拟列为): 2026 同意 or 公示 outstanding.

    The rule set of the 同意 decides (§3 item 1); before it is recorded, the set it would be recorded under.
    """
    if facts.status is not Status.CANDIDATE or not policy.enforce_r26:
        return False
    filed = facts.last(Step.CANDIDATE_FILED)
    if filed is None:
        designated = facts.last(Step.CANDIDATE_DESIGNATED)
        return policy.rule_set_on(on) is RuleSetId.R2026 or (designated is not None and designated.rule_set is RuleSetId.R2026)
    return filed.rule_set is RuleSetId.R2026 and not facts.done(Step.CANDIDATE_PUBLICISED)


def status_label(facts: ApplicantFacts, policy: Policy, on: date) -> str:
    """The status as people are told it: 「拟列为发展对象」 while the 2026 同意 or 公示 is outstanding."""
    if awaiting_publicity(facts, policy, on):
        waiting = "上级党委同意和公示" if not facts.done(Step.CANDIDATE_FILED) else "公示期满"
        return f"{PROPOSED}（待{waiting}）"
    return facts.status.label
