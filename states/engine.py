"""The one pure check and the planner. The machine, the CLI and the web page all ask these, so they agree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from states.authority import Holder, authority_verdicts
from states.facts import ApplicantFacts, Override, StepRecord
from states.frozen import assemble
from states.paths import TRANSFERS_IN, TRANSFERS_OUT, not_in_transfer, pending_transfer
from states.periods import cn_date
from states.policy_settings import local_rules, local_rules_on
from states.prepared import AppliedRule, Prepared, applied, basis, passed
from states.prepared import prepared as _prepared
from states.procedure import PROCEDURE, SPECS, StepSpec
from states.publicity import step_label
from states.required import REQUIRED_RULE, REQUIRED_TITLE, required_evidence, unguarded_required
from states.rulesets import DEFAULT_POLICY, RULE_SETS, Policy, RuleSetId
from states.specs import Act, Rule
from states.steps import Severity, Status, Step
from states.verdicts import MET, Check, Citation, Finding, Outcome, Verdict, met, unmet
from states.workdays import HolidaysNotLoaded, WorkdayCalendar

_DEFAULT_CALENDAR: WorkdayCalendar | None = None


def default_calendar() -> WorkdayCalendar:
    """The working-day calendar used when none is passed: chinesecalendar plus loaded years."""
    global _DEFAULT_CALENDAR
    if _DEFAULT_CALENDAR is None:
        _DEFAULT_CALENDAR = WorkdayCalendar.default()
    return _DEFAULT_CALENDAR


# Enum members as plain names: ``Severity.HARD`` is a metaclass lookup, and a check makes dozens of them.
HARD, SOFT = Severity.HARD, Severity.SOFT
PASSED, REFUSED, NEEDS_OVERRIDE = Outcome.PASSED, Outcome.REFUSED, Outcome.NEEDS_OVERRIDE
OVERRIDDEN, VIOLATED = Outcome.OVERRIDDEN, Outcome.VIOLATED


def _transfer_basis(facts: ApplicantFacts, rule_set: RuleSetId) -> Citation:
    """A 转接中 refusal cites the article of the transfer under way (第十二条, or N27 for a 预备党员)."""
    pending = pending_transfer(facts)
    return basis(SPECS[pending.step if pending is not None else Step.ACTIVIST_TRANSFERRED], rule_set)


def _status_allows(facts: ApplicantFacts, spec: StepSpec) -> Finding:
    if facts.status in spec.sources:
        return met()
    allowed = "、".join(s.label for s in spec.sources)
    return unmet(f"当前处于「{facts.status.label}」，不能办理「{spec.label}」（应处于：{allowed}）。")


def _done_before(previous: StepRecord, spec: StepSpec) -> Finding:
    return unmet(f"「{spec.label}」已于{cn_date(previous.on)}办理，不能重复办理。")


def _steps_out_of_order(facts: ApplicantFacts, act: Act) -> Finding:
    later = [f"「{SPECS[step].label}」（{cn_date(record.on)}）" for step in act.spec.after
             if (record := facts.last(step)) is not None and record.on > act.on]
    return unmet(f"本步骤日期{cn_date(act.on)}早于已办理的{'、'.join(later)}。") if later else met()


def _missing_preceding_steps(facts: ApplicantFacts, act: Act) -> list[tuple[Citation, Finding]]:
    """One finding per article: a missing step is refused under the article of the step that is missing."""
    by_article: dict[Citation, list[str]] = {}
    for step in act.spec.after:
        before = SPECS[step]
        if facts.last(step) is None and act.rule_set in before.required_in:
            by_article.setdefault(basis(before, act.rule_set), []).append(f"「{step_label(before, act.rule_set)}」")
    return [(citation, unmet(f"须先办理{'、'.join(labels)}。")) for citation, labels in by_article.items()]


def _missing_evidence(spec: StepSpec, rule: Rule, evidence: Mapping[str, Any]) -> list[str]:
    missing = [key for key in rule.needs if evidence.get(key) in (None, "")]
    if not missing:
        return missing
    labels = {f.key: f.label for f in spec.evidence}
    return [labels.get(key, key) for key in missing]


def _verdict(rule_id: str, title: str, severity: Severity, citation: Citation, finding: Finding,
             override: Override | None, grave: bool = False) -> Verdict:
    if finding is MET:
        return passed(rule_id, title, severity, citation)
    if finding.met:
        outcome = PASSED
    elif severity is HARD:
        outcome = REFUSED
    elif severity is SOFT:
        outcome = OVERRIDDEN if override else NEEDS_OVERRIDE
    else:
        outcome = VIOLATED
    # ``Verdict(...)`` in one assignment (states/frozen.py): a plan's duties give one per step, all but "met"
    return assemble(Verdict, {"rule": rule_id, "title": title, "severity": severity, "outcome": outcome,
                              "message": finding.message, "citation": citation, "allowed_from": finding.allowed_from,
                              "due_by": finding.due_by, "grave": grave and not finding.met})


def _rule_verdict(ruled: AppliedRule, facts: ApplicantFacts, act: Act, override: Override | None) -> Verdict | None:
    policy = act.policy
    if ruled.new_in_2026 and not policy.enforce_r26:
        return None  # only the rules the 2026 revision added are pending; older ones still bind
    rule = ruled.rule
    overrides = policy.severity_overrides
    severity = overrides.get(ruled.id, ruled.severity) if overrides else ruled.severity
    if rule.needs and (missing := _missing_evidence(act.spec, rule, act.evidence)):
        if act.planning:
            return None  # the planner asks "from when", not "with what"
        finding = unmet(f"缺少材料：{'、'.join(f'「{m}」' for m in missing)}。")
        return _verdict(ruled.id, ruled.title, HARD, ruled.citation, finding, None)
    try:
        finding = rule.guard(facts, act)
    except HolidaysNotLoaded as not_loaded:
        finding, severity = unmet(str(not_loaded)), HARD
    if finding is MET and severity is ruled.severity:
        return ruled.passed  # the plain "met" at the declared severity: one shared verdict
    if ruled.new_in_2026 and finding.due_by and finding.due_by < _effective(act.rule_set):
        finding = met(due_by=finding.due_by)  # a duty cannot fall due before the text that created it
    return _verdict(ruled.id, ruled.title, severity, ruled.citation, finding, override, rule.grave)


def _effective(rule_set: RuleSetId) -> date:
    return next(rs.effective_from for rs in RULE_SETS if rs.id is rule_set)


def _act(step: Step, on: date, evidence: Mapping[str, Any], rule_set: RuleSetId, spec: StepSpec,
         calendar: WorkdayCalendar | None, policy: Policy, planning: bool) -> Act:
    """``Act(...)`` in one assignment (states/frozen.py): every check makes one, the planner one per next step."""
    return assemble(Act, {"step": step, "on": on, "evidence": evidence, "rule_set": rule_set, "spec": spec,
                          "calendar": calendar or _DEFAULT_CALENDAR or default_calendar(), "policy": policy,
                          "planning": planning})


def _structural_verdicts(prepared: Prepared, facts: ApplicantFacts, act: Act) -> list[Verdict]:
    """The checks every step has before its own rules: status, done once, preceding steps, no transfer under way.

    What passes is the prepared step's shared "met" verdict; only a failing check builds its sentence.
    """
    spec, basis_ = prepared.spec, prepared.basis
    done = facts.by_step
    previous = done.get(act.step)
    if previous and not spec.repeatable:  # a step already done also fails the status test: said once, not twice
        verdicts = [prepared.status_met,
                    _verdict("not_done_before", "本步骤只办理一次", HARD, basis_, _done_before(previous[-1], spec), None)]
    elif facts.status in spec.sources:
        verdicts = [prepared.status_met, prepared.once_met]
    else:
        verdicts = [_verdict("status_allows_step", "当前状态可以办理本步骤", HARD, basis_,
                             _status_allows(facts, spec), None), prepared.once_met]
    missing = late = False  # one look at each preceding step; the sentences only when one is missing or later
    for before in spec.after:
        records = done.get(before)
        if records is None:
            missing = True
        elif records[-1].on > act.on:
            late = True
    if missing:
        verdicts += [_verdict("preceding_steps_recorded", "前置步骤已办理", HARD, citation, finding, None)
                     for citation, finding in _missing_preceding_steps(facts, act)]
    verdicts.append(_verdict("preceding_steps_in_order", "前置步骤日期在前", HARD, basis_,
                             _steps_out_of_order(facts, act), None) if late else prepared.order_met)
    if done.keys().isdisjoint(TRANSFERS_OUT):  # no transfer ever: nothing under way (as ``pending_transfer``)
        verdicts.append(prepared.transfer_met)
    else:
        verdicts.append(_verdict("not_in_transfer", "转接中的案卷不能办理其他步骤", HARD,
                                 _transfer_basis(facts, act.rule_set), not_in_transfer(facts, act), None))
    return verdicts


def check(
    step: Step,
    facts: ApplicantFacts,
    on: date,
    evidence: Mapping[str, Any] | None = None,
    *,
    override: Override | None = None,
    policy: Policy = DEFAULT_POLICY,
    calendar: WorkdayCalendar | None = None,
    authorisers: Mapping[str, Holder] | None = None,
) -> Check:
    """Every verdict for ``step`` on the date ``on``, under the rule set in force on that date.

    ``evidence=None`` asks as the planner does: rules that need evidence not yet given are left out.
    ``authorisers``: the typed authorisers as the roster knows them (workflow.authority); without it
    nobody's power is judged.
    """
    rule_set = policy.rule_set_on(on)
    prepared = _prepared(step, rule_set)
    spec, basis_ = prepared.spec, prepared.basis
    act = _act(step, on, evidence or {}, rule_set, spec, calendar, policy, evidence is None)
    verdicts = _structural_verdicts(prepared, facts, act)
    for ruled in prepared.planning_rules(None) if act.planning else prepared.rules:
        verdict = _rule_verdict(ruled, facts, act, override)
        if verdict is not None:
            verdicts.append(verdict)
    for rule in local_rules(step, policy):  # the organisation's local rules on top (§3 item 22)
        if rule.applies_in(rule_set):
            verdict = _rule_verdict(applied(rule, rule_set), facts, act, override)
            if verdict is not None:
                verdicts.append(verdict)
    if override is not None:
        soft = any(policy.severity_overrides.get(rule.id, rule.severity) is SOFT for rule in spec.rules)
        verdicts.append(_verdict("override_applies", "特批只适用于有一般性规定的步骤", HARD, basis_,
                                 met() if soft else unmet(f"「{spec.label}」没有可以特批的一般性规定，"
                                                          "不能填写特批理由和特批人。"), None))
    if not act.planning and unguarded_required(step, rule_set):  # most steps' required fields all have a rule
        given = required_evidence(step, rule_set, act.evidence)
        if not given.met:
            verdicts.append(_verdict(REQUIRED_RULE, REQUIRED_TITLE, HARD, basis_, given, None))
    if authorisers is not None:
        verdicts += authority_verdicts(verdicts, override, act, authorisers,
                                       {r.id: r.citations[rule_set] for r in spec.rules if r.applies_in(rule_set)})
    return assemble(Check, {"step": step, "on": on, "rule_set": rule_set, "verdicts": tuple(verdicts)})


def check_rules(step: Step, facts: ApplicantFacts, on: date, rule_ids: frozenset[str], *,
                policy: Policy = DEFAULT_POLICY, calendar: WorkdayCalendar | None = None) -> Check:
    """The planner's ``check`` (``evidence=None``) reduced to the verdicts of ``rule_ids``, each exactly as
    ``check`` gives it, in its order: the notices need only the duty rules' dates, not the other two dozen rules.
    """
    return _check_rules(step, facts, on, policy.rule_set_on(on), rule_ids, policy, calendar)


def _check_rules(step: Step, facts: ApplicantFacts, on: date, rule_set: RuleSetId, rule_ids: frozenset[str],
                 policy: Policy, calendar: WorkdayCalendar | None) -> Check:
    prepared = _prepared(step, rule_set)
    rules = prepared.planning_rules(rule_ids)
    local = local_rules(step, policy)
    if local:
        rules += tuple(applied(r, rule_set) for r in local if r.applies_in(rule_set) and r.id in rule_ids)
    return _planned_check(prepared, rules, facts, on, rule_set, policy, calendar)


def _planned_check(prepared: Prepared, rules: tuple[AppliedRule, ...], facts: ApplicantFacts, on: date,
                   rule_set: RuleSetId, policy: Policy, calendar: WorkdayCalendar | None) -> Check:
    """The planner's check of ``prepared``'s step holding only the verdicts of ``rules``."""
    step = prepared.spec.step
    if not rules:
        return assemble(Check, {"step": step, "on": on, "rule_set": rule_set, "verdicts": ()})
    act = _act(step, on, {}, rule_set, prepared.spec, calendar, policy, True)
    verdicts = []
    for ruled in rules:
        if (verdict := _rule_verdict(ruled, facts, act, None)) is not None:
            verdicts.append(verdict)
    return assemble(Check, {"step": step, "on": on, "rule_set": rule_set, "verdicts": tuple(verdicts)})


@dataclass(frozen=True)
class NextStep:
    """One step the applicant could take next: possible now, from when, and by when it is due."""

    spec: StepSpec
    check: Check

    @property
    def possible_now(self) -> bool:
        return self.check.allowed

    @property
    def earliest(self) -> date | None:
        return self.check.allowed_from

    @property
    def earliest_by_time(self) -> date | None:
        """The first date the waiting periods allow, even while other conditions are still missing."""
        dates = [v.allowed_from for v in self.blockers if v.allowed_from]
        return max(dates) if dates else None

    @property
    def due_by(self) -> date | None:
        return self.check.due_by

    @property
    def blockers(self) -> tuple[Verdict, ...]:
        return self.check.blocking

    def as_dict(self) -> dict[str, object]:
        return {"step": self.spec.step.value, "name": step_label(self.spec, self.check.rule_set),
                "possible_now": self.possible_now,
                **{k: v for k, v in self.check.as_dict().items() if k in {"allowed_from", "due_by"}},
                "blockers": [v.as_dict() for v in self.blockers]}


def plan(
    facts: ApplicantFacts,
    on: date,
    *,
    policy: Policy = DEFAULT_POLICY,
    calendar: WorkdayCalendar | None = None,
    include_side_outcomes: bool = False,
    only_rules: frozenset[str] | None = None,
    keep_unchecked: frozenset[Step] | None = None,
) -> list[NextStep]:
    """Every step that could come next for these facts, with its earliest legal date and its due date.

    A step is listed when the applicant's status allows it and it is not finished; steps whose
    preceding steps are missing are listed with those as blockers, so the secretary sees the way.
    ``only_rules``: the same steps, each check holding only those rules' verdicts (``check_rules``).
    ``keep_unchecked`` (with ``only_rules``): leave out the steps whose reduced check holds no verdict, but
    for these (the notices' planner needs only steps with a duty's date or an opening notice).
    """
    rule_set = policy.rule_set_on(on)
    if only_rules is not None:
        return _reduced_plan(facts, on, rule_set, policy, calendar, include_side_outcomes, only_rules, keep_unchecked)
    found = []
    for spec in _from_status(facts.status):
        step = spec.step
        if not spec.repeatable and facts.done(step):
            continue
        wanted = include_side_outcomes if spec.is_side_outcome else _required_now(spec, rule_set, facts)
        if step in TRANSFERS_IN:
            wanted = pending_transfer(facts) is not None  # 转接中: the review is the one thing to do
        if wanted:
            found.append(NextStep(spec, check(step, facts, on, policy=policy, calendar=calendar)))
    return found


@dataclass(frozen=True)
class _Candidate:
    """A step a reduced plan may list for a status: what ``plan``'s loop works out that no case changes."""

    spec: StepSpec  # as the table lists it (``PROCEDURE``)
    prepared: Prepared  # ``SPECS[step]`` under the rule set: its rules are the ones judged
    rules: tuple[AppliedRule, ...]  # the rules asked for that a planner's check can judge, local ones included
    once: bool  # not repeatable: left out once done
    by_facts: bool  # wanted or not depends on the facts (a transfer's review, the 2026 公示)
    keep: bool  # listed even when its check holds no verdict


# key → (the table, the steps whose spec was read, their specs then, the candidates)
_REDUCED: dict[tuple[object, ...], tuple[tuple[StepSpec, ...], tuple[Step, ...], tuple[StepSpec, ...],
                                         tuple[_Candidate, ...]]] = {}
REDUCED_AT_MOST = 1024  # keyed by status, rule set and the callers' constant sets: a few dozen in practice


def _reduced_plan(facts: ApplicantFacts, on: date, rule_set: RuleSetId, policy: Policy,
                  calendar: WorkdayCalendar | None, include_side_outcomes: bool, only_rules: frozenset[str],
                  keep_unchecked: frozenset[Step] | None) -> list[NextStep]:
    """``plan(only_rules=…)``: the candidates of the status worked out once (``_candidates``), then judged."""
    candidates = _candidates(facts.status, rule_set, policy, include_side_outcomes, only_rules, keep_unchecked)
    done = facts.by_step
    found = []
    for candidate in candidates:
        spec = candidate.spec
        step = spec.step
        if candidate.once and step in done:
            continue
        if candidate.by_facts and not (pending_transfer(facts) is not None if step in TRANSFERS_IN
                                       else _required_now(spec, rule_set, facts)):
            continue
        reduced = _planned_check(candidate.prepared, candidate.rules, facts, on, rule_set, policy, calendar)
        if reduced.verdicts or candidate.keep:
            found.append(assemble(NextStep, {"spec": spec, "check": reduced}))
    return found


def _candidates(status: Status, rule_set: RuleSetId, policy: Policy, include_side_outcomes: bool,
                only_rules: frozenset[str], keep_unchecked: frozenset[Step] | None) -> tuple[_Candidate, ...]:
    """The steps ``status`` is a source of that a reduced plan may list, in the table's order.

    Left out here once for all cases: a step not wanted under ``rule_set`` whatever the facts, and a step with
    no rule asked for that need not be kept. Memo per (status, rule set, the caller's choices, local rules on):
    every case of that status hits it; a procedure table or a step's spec replaced at run time is seen at once
    (the local rules' table, ``LOCAL_RULES``, is a constant of states/policy_settings.py).
    """
    local_on = local_rules_on(policy)
    key = (status, rule_set, include_side_outcomes, only_rules, keep_unchecked, local_on)
    found = _REDUCED.get(key)
    # valid while the table is and every step looked at still has the spec it was worked out from (C-level checks)
    if found is not None and found[0] is PROCEDURE and tuple(map(SPECS.__getitem__, found[1])) == found[2]:
        return found[3]
    looked, made = [], []
    for spec in _from_status(status):
        step = spec.step
        by_facts = step in TRANSFERS_IN or (not spec.is_side_outcome and step in REQUIRED_BY_FACTS)
        if not by_facts and not (include_side_outcomes if spec.is_side_outcome else rule_set in spec.required_in):
            continue  # decided by the table's own row, whatever ``SPECS`` holds
        looked.append(step)
        prepared = _prepared(step, rule_set)
        rules = prepared.planning_rules(only_rules) + tuple(
            applied(r, rule_set) for r in local_rules(step, policy) if r.applies_in(rule_set) and r.id in only_rules)
        keep = keep_unchecked is None or step in keep_unchecked
        if rules or keep:
            made.append(_Candidate(spec, prepared, rules, not spec.repeatable, by_facts, keep))
    if len(_REDUCED) >= REDUCED_AT_MOST:
        _REDUCED.clear()
    steps = tuple(looked)
    _REDUCED[key] = (PROCEDURE, steps, tuple(map(SPECS.__getitem__, steps)), tuple(made))
    return tuple(made)


# status → the specs it is a source of, in the table's order: a plan looks at these, not at all ~30 specs.
_FROM_STATUS: dict[Status, tuple[StepSpec, ...]] = {}
_FROM_TABLE: list[tuple[StepSpec, ...]] = [()]  # the table they were taken from


def _from_status(status: Status) -> tuple[StepSpec, ...]:
    if _FROM_TABLE[0] is not PROCEDURE:  # a procedure table replaced at run time is seen at once
        _FROM_STATUS.clear()
        _FROM_TABLE[0] = PROCEDURE
    found = _FROM_STATUS.get(status)
    if found is None:
        found = _FROM_STATUS[status] = tuple(spec for spec in PROCEDURE if status in spec.sources)
    return found


# The main-line steps ``_required_now`` judges from the facts rather than from today's rule set alone; the reduced
# plan's memo (``_candidates``) leaves their choice to each case.
REQUIRED_BY_FACTS = frozenset({Step.CANDIDATE_PUBLICISED})


def _required_now(spec: StepSpec, rule_set: RuleSetId, facts: ApplicantFacts) -> bool:
    """Whether the planner should offer a main-line step under today's rule set.

    The 2026 公示 depends on the set under which the 上级党委 consented, not on today's set (§3 item 1).
    """
    if spec.step is Step.CANDIDATE_PUBLICISED:  # REQUIRED_BY_FACTS
        filed = facts.last(Step.CANDIDATE_FILED)
        return filed is not None and filed.rule_set in spec.required_in
    return rule_set in spec.required_in
