"""``states.engine`` as it was before its fast paths: the reference the fast engine must equal, verdict for verdict.

Every verdict built by its constructor, every rule's citation and "applies" worked out on each call, every spec
of the table looked at by ``plan``; the guards are the table's own (they are what is judged, not copied).
``tests/states/test_engine_plain.py`` compares the two over many histories, steps, dates, evidence and policies.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from states.authority import Holder, authority_verdicts
from states.engine import NextStep, default_calendar
from states.facts import ApplicantFacts, Override, StepRecord
from states.paths import TRANSFERS_IN, not_in_transfer
from states.periods import cn_date
from states.policy_settings import local_rules
from states.procedure import PROCEDURE, SPECS, StepSpec
from states.publicity import step_label
from states.required import REQUIRED_RULE, REQUIRED_TITLE, required_evidence
from states.rulesets import DEFAULT_POLICY, RULE_SETS, Policy, RuleSetId
from states.specs import Act, Rule
from states.steps import Severity, Step, Tag
from states.verdicts import Check, Citation, Finding, Outcome, Verdict, met, unmet
from states.workdays import HolidaysNotLoaded, WorkdayCalendar

LEGACY_BASIS = Citation("《发展党员工作细则（试行）》（1990）（条号待核）", Tag.M)


def scanned_last(facts: ApplicantFacts, step: Step) -> StepRecord | None:
    """The last record of ``step`` found by reading every record (no index)."""
    found = [r for r in facts.records if r.step is step]
    return found[-1] if found else None


def pending(facts: ApplicantFacts) -> StepRecord | None:
    """The 转出 not yet followed by a 转入审查, by reading every record."""
    last_out = last_in = -1
    for index, record in enumerate(facts.records):
        if record.step in {Step.ACTIVIST_TRANSFERRED, Step.PROBATIONARY_TRANSFERRED}:
            last_out = index
        elif record.step in TRANSFERS_IN:
            last_in = index
    return facts.records[last_out] if last_out > last_in else None


def basis(spec: StepSpec, rule_set: RuleSetId) -> Citation:
    if rule_set in spec.basis:
        return spec.basis[rule_set]
    return LEGACY_BASIS if rule_set is RuleSetId.R1990 else next(iter(spec.basis.values()))


def verdict(rule_id: str, title: str, severity: Severity, citation: Citation, finding: Finding,
            override: Override | None, grave: bool = False) -> Verdict:
    if finding.met:
        outcome = Outcome.PASSED
    elif severity is Severity.HARD:
        outcome = Outcome.REFUSED
    elif severity is Severity.SOFT:
        outcome = Outcome.OVERRIDDEN if override else Outcome.NEEDS_OVERRIDE
    else:
        outcome = Outcome.VIOLATED
    return Verdict(rule_id, title, severity, outcome, finding.message, citation,
                   finding.allowed_from, finding.due_by, grave and not finding.met)


def rule_verdict(rule: Rule, facts: ApplicantFacts, act: Act, override: Override | None) -> Verdict | None:
    severity = act.policy.severity_overrides.get(rule.id, rule.severity)
    citation = rule.citations[act.rule_set]
    introduced_in_2026 = RuleSetId.R2014 not in rule.citations and RuleSetId.R1990 not in rule.citations
    if introduced_in_2026 and not act.policy.enforce_r26:
        return None
    missing = [key for key in rule.needs if act.evidence.get(key) in (None, "")]
    if missing:
        if act.planning:
            return None
        labels = {f.key: f.label for f in act.spec.evidence}
        finding = unmet(f"缺少材料：{'、'.join(f'「{labels.get(m, m)}」' for m in missing)}。")
        return verdict(rule.id, rule.title, Severity.HARD, citation, finding, None)
    try:
        finding = rule.guard(facts, act)
    except HolidaysNotLoaded as not_loaded:
        finding, severity = unmet(str(not_loaded)), Severity.HARD
    effective = next(rs.effective_from for rs in RULE_SETS if rs.id is act.rule_set)
    if introduced_in_2026 and finding.due_by and finding.due_by < effective:
        finding = met(due_by=finding.due_by)
    return verdict(rule.id, rule.title, severity, citation, finding, override, rule.grave)


def structural(facts: ApplicantFacts, act: Act, own: Citation) -> list[Verdict]:
    spec, rule_set = act.spec, act.rule_set
    previous = scanned_last(facts, spec.step)
    already = met() if spec.repeatable or previous is None else \
        unmet(f"「{spec.label}」已于{cn_date(previous.on)}办理，不能重复办理。")
    if already.met and facts.status not in spec.sources:
        allowed = "、".join(s.label for s in spec.sources)
        status = unmet(f"当前处于「{facts.status.label}」，不能办理「{spec.label}」（应处于：{allowed}）。")
    else:
        status = met()
    found = [verdict("status_allows_step", "当前状态可以办理本步骤", Severity.HARD, own, status, None),
             verdict("not_done_before", "本步骤只办理一次", Severity.HARD, own, already, None)]
    by_article: dict[Citation, list[str]] = {}
    for step in spec.after:
        before = SPECS[step]
        if scanned_last(facts, step) is None and rule_set in before.required_in:
            by_article.setdefault(basis(before, rule_set), []).append(f"「{step_label(before, rule_set)}」")
    found += [verdict("preceding_steps_recorded", "前置步骤已办理", Severity.HARD, citation,
                      unmet(f"须先办理{'、'.join(labels)}。"), None) for citation, labels in by_article.items()]
    later = [f"「{SPECS[step].label}」（{cn_date(record.on)}）" for step in spec.after
             if (record := scanned_last(facts, step)) is not None and record.on > act.on]
    order = unmet(f"本步骤日期{cn_date(act.on)}早于已办理的{'、'.join(later)}。") if later else met()
    found.append(verdict("preceding_steps_in_order", "前置步骤日期在前", Severity.HARD, own, order, None))
    under_way = pending(facts)
    transfer = basis(SPECS[under_way.step if under_way is not None else Step.ACTIVIST_TRANSFERRED], rule_set)
    found.append(verdict("not_in_transfer", "转接中的案卷不能办理其他步骤", Severity.HARD, transfer,
                         not_in_transfer(facts, act), None))
    return found


def check(step: Step, facts: ApplicantFacts, on: date, evidence: Mapping[str, Any] | None = None, *,
          override: Override | None = None, policy: Policy = DEFAULT_POLICY, calendar: WorkdayCalendar | None = None,
          authorisers: Mapping[str, Holder] | None = None) -> Check:
    rule_set = policy.rule_set_on(on)
    spec = SPECS[step]
    own = basis(spec, rule_set)
    act = Act(step, on, evidence or {}, rule_set, spec, calendar or default_calendar(), policy,
              planning=evidence is None)
    verdicts = structural(facts, act, own)
    for rule in (*spec.rules, *local_rules(step, policy)):
        if rule.applies_in(rule_set) and (found := rule_verdict(rule, facts, act, override)) is not None:
            verdicts.append(found)
    if override is not None:
        soft = any(policy.severity_overrides.get(rule.id, rule.severity) is Severity.SOFT for rule in spec.rules)
        verdicts.append(verdict("override_applies", "特批只适用于有一般性规定的步骤", Severity.HARD, own,
                                met() if soft else unmet(f"「{spec.label}」没有可以特批的一般性规定，"
                                                         "不能填写特批理由和特批人。"), None))
    if not act.planning:
        given = required_evidence(step, rule_set, act.evidence)
        if not given.met:
            verdicts.append(verdict(REQUIRED_RULE, REQUIRED_TITLE, Severity.HARD, own, given, None))
    if authorisers is not None:
        verdicts += authority_verdicts(verdicts, override, act, authorisers,
                                       {r.id: r.citations[rule_set] for r in spec.rules if r.applies_in(rule_set)})
    return Check(step, on, rule_set, tuple(verdicts))


def plan(facts: ApplicantFacts, on: date, *, policy: Policy = DEFAULT_POLICY, include_side_outcomes: bool = False,
         only_rules: frozenset[str] | None = None, keep_unchecked: frozenset[Step] | None = None) -> list[NextStep]:
    """Every spec of the table looked at, each checked in full, then reduced to ``only_rules``."""
    rule_set = policy.rule_set_on(on)
    found = []
    for spec in PROCEDURE:
        step = spec.step
        if facts.status not in spec.sources or (not spec.repeatable and scanned_last(facts, step) is not None):
            continue
        if step in TRANSFERS_IN:
            wanted = pending(facts) is not None
        elif spec.is_side_outcome:
            wanted = include_side_outcomes
        elif step is Step.CANDIDATE_PUBLICISED:
            filed = scanned_last(facts, Step.CANDIDATE_FILED)
            wanted = filed is not None and filed.rule_set in spec.required_in
        else:
            wanted = rule_set in spec.required_in
        if not wanted:
            continue
        full = check(step, facts, on, policy=policy)
        if only_rules is None:
            found.append(NextStep(spec, full))
            continue
        reduced = Check(step, on, rule_set, tuple(v for v in full.verdicts if v.rule in only_rules))
        if keep_unchecked is None or reduced.verdicts or step in keep_unchecked:
            found.append(NextStep(spec, reduced))
    return found
