"""The one pure check and the planner. The machine, the CLI and the web page all ask these, so they agree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from states.authority import Holder, authority_verdicts
from states.facts import ApplicantFacts, Override
from states.frozen import assemble
from states.paths import TRANSFERS_IN, not_in_transfer, pending_transfer
from states.periods import cn_date
from states.policy_settings import local_rules
from states.procedure import PROCEDURE, SPECS, StepSpec
from states.publicity import step_label
from states.required import REQUIRED_RULE, REQUIRED_TITLE, required_evidence
from states.rulesets import DEFAULT_POLICY, RULE_SETS, Policy, RuleSetId
from states.specs import Act, Rule
from states.steps import Severity, Status, Step, Tag
from states.verdicts import MET, Check, Citation, Finding, Outcome, Verdict, met, unmet
from states.workdays import HolidaysNotLoaded, WorkdayCalendar

_DEFAULT_CALENDAR: WorkdayCalendar | None = None


def default_calendar() -> WorkdayCalendar:
    """The working-day calendar used when none is passed: chinesecalendar plus loaded years."""
    global _DEFAULT_CALENDAR
    if _DEFAULT_CALENDAR is None:
        _DEFAULT_CALENDAR = WorkdayCalendar.default()
    return _DEFAULT_CALENDAR


LEGACY_BASIS = Citation("《发展党员工作细则（试行）》（1990）（条号待核）", Tag.M)
# Enum members as plain names: ``Severity.HARD`` is a metaclass lookup, and a check makes dozens of them.
HARD, SOFT, R2014, R1990 = Severity.HARD, Severity.SOFT, RuleSetId.R2014, RuleSetId.R1990
PASSED, REFUSED, NEEDS_OVERRIDE = Outcome.PASSED, Outcome.REFUSED, Outcome.NEEDS_OVERRIDE
OVERRIDDEN, VIOLATED = Outcome.OVERRIDDEN, Outcome.VIOLATED


def _basis(spec: StepSpec, rule_set: RuleSetId) -> Citation:
    """The step's own article under the act's rule set; a 1990 act never cites a later text."""
    if rule_set in spec.basis:
        return spec.basis[rule_set]
    return LEGACY_BASIS if rule_set is RuleSetId.R1990 else next(iter(spec.basis.values()))


@dataclass(frozen=True)
class _Prepared:
    """What checking one step under one rule set needs that no case changes: worked out once, not per check."""

    spec: StepSpec
    basis: Citation
    rules: tuple[Rule, ...]  # the step's rules that apply under the rule set, in their order


_PREPARED: dict[tuple[Step, RuleSetId], _Prepared] = {}


def _prepared(step: Step, rule_set: RuleSetId) -> _Prepared:
    spec = SPECS[step]
    found = _PREPARED.get((step, rule_set))
    if found is None or found.spec is not spec:  # a procedure table replaced at run time is seen at once
        found = _PREPARED[(step, rule_set)] = _Prepared(
            spec, _basis(spec, rule_set), tuple(rule for rule in spec.rules if rule.applies_in(rule_set)))
    return found


def _transfer_basis(facts: ApplicantFacts, rule_set: RuleSetId) -> Citation:
    """A 转接中 refusal cites the article of the transfer under way (第十二条, or N27 for a 预备党员)."""
    pending = pending_transfer(facts)
    return _basis(SPECS[pending.step if pending is not None else Step.ACTIVIST_TRANSFERRED], rule_set)


def _status_allows(facts: ApplicantFacts, spec: StepSpec) -> Finding:
    if facts.status in spec.sources:
        return met()
    allowed = "、".join(s.label for s in spec.sources)
    return unmet(f"当前处于「{facts.status.label}」，不能办理「{spec.label}」（应处于：{allowed}）。")


def _not_done_before(facts: ApplicantFacts, spec: StepSpec) -> Finding:
    previous = facts.last(spec.step)
    if spec.repeatable or previous is None:
        return met()
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
            by_article.setdefault(_basis(before, act.rule_set), []).append(f"「{step_label(before, act.rule_set)}」")
    return [(citation, unmet(f"须先办理{'、'.join(labels)}。")) for citation, labels in by_article.items()]


def _missing_evidence(spec: StepSpec, rule: Rule, evidence: Mapping[str, Any]) -> list[str]:
    missing = [key for key in rule.needs if evidence.get(key) in (None, "")]
    if not missing:
        return missing
    labels = {f.key: f.label for f in spec.evidence}
    return [labels.get(key, key) for key in missing]


# One frozen verdict per (rule, title, severity, citation) for the plain "met" (most verdicts of every check):
# shared rather than built anew. Keyed by the citation's id, checked by identity, so a reused id cannot mislead.
_PASSED: dict[tuple[str, str, Severity, int], Verdict] = {}
PASSED_AT_MOST = 4096  # citations made per call (none today) could otherwise grow it without end


def _passed(rule_id: str, title: str, severity: Severity, citation: Citation) -> Verdict:
    key = (rule_id, title, severity, id(citation))
    found = _PASSED.get(key)
    if found is None or found.citation is not citation:
        if len(_PASSED) >= PASSED_AT_MOST:
            _PASSED.clear()
        found = _PASSED[key] = Verdict(rule_id, title, severity, PASSED, "", citation)
    return found


def _verdict(rule_id: str, title: str, severity: Severity, citation: Citation, finding: Finding,
             override: Override | None, grave: bool = False) -> Verdict:
    if finding is MET:
        return _passed(rule_id, title, severity, citation)
    if finding.met:
        outcome = PASSED
    elif severity is HARD:
        outcome = REFUSED
    elif severity is SOFT:
        outcome = OVERRIDDEN if override else NEEDS_OVERRIDE
    else:
        outcome = VIOLATED
    return Verdict(rule_id, title, severity, outcome, finding.message, citation,
                   finding.allowed_from, finding.due_by, grave and not finding.met)


def _rule_verdict(rule: Rule, facts: ApplicantFacts, act: Act, override: Override | None) -> Verdict | None:
    overrides = act.policy.severity_overrides
    severity = overrides.get(rule.id, rule.severity) if overrides else rule.severity
    citations = rule.citations
    citation = citations[act.rule_set]
    introduced_in_2026 = R2014 not in citations and R1990 not in citations
    if introduced_in_2026 and not act.policy.enforce_r26:
        return None  # only the rules the 2026 revision added are pending; older ones still bind
    missing = _missing_evidence(act.spec, rule, act.evidence) if rule.needs else None
    if missing:
        if act.planning:
            return None  # the planner asks "from when", not "with what"
        finding = unmet(f"缺少材料：{'、'.join(f'「{m}」' for m in missing)}。")
        return _verdict(rule.id, rule.title, HARD, citation, finding, None)
    try:
        finding = rule.guard(facts, act)
    except HolidaysNotLoaded as not_loaded:
        finding, severity = unmet(str(not_loaded)), HARD
    if introduced_in_2026 and finding.due_by and finding.due_by < _effective(act.rule_set):
        finding = met(due_by=finding.due_by)  # a duty cannot fall due before the text that created it
    return _verdict(rule.id, rule.title, severity, citation, finding, override, rule.grave)


def _effective(rule_set: RuleSetId) -> date:
    return next(rs.effective_from for rs in RULE_SETS if rs.id is rule_set)


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
    spec, basis = prepared.spec, prepared.basis
    act = Act(step, on, evidence or {}, rule_set, spec, calendar or _DEFAULT_CALENDAR or default_calendar(), policy,
              planning=evidence is None)
    already = _not_done_before(facts, spec)
    # A step already done also fails the status test; saying so twice helps nobody.
    status = met() if not already.met else _status_allows(facts, spec)
    verdicts = [
        _verdict("status_allows_step", "当前状态可以办理本步骤", HARD, basis, status, None),
        _verdict("not_done_before", "本步骤只办理一次", HARD, basis, already, None),
        *(_verdict("preceding_steps_recorded", "前置步骤已办理", HARD, citation, missing, None)
          for citation, missing in _missing_preceding_steps(facts, act)),
        _verdict("preceding_steps_in_order", "前置步骤日期在前", HARD, basis,
                 _steps_out_of_order(facts, act), None),
        _verdict("not_in_transfer", "转接中的案卷不能办理其他步骤", HARD,
                 _transfer_basis(facts, rule_set), not_in_transfer(facts, act), None),
    ]
    for rule in prepared.rules:
        verdict = _rule_verdict(rule, facts, act, override)
        if verdict is not None:
            verdicts.append(verdict)
    for rule in local_rules(step, policy):  # the organisation's local rules on top (§3 item 22)
        if rule.applies_in(rule_set):
            verdict = _rule_verdict(rule, facts, act, override)
            if verdict is not None:
                verdicts.append(verdict)
    if override is not None:
        soft = any(policy.severity_overrides.get(rule.id, rule.severity) is SOFT for rule in spec.rules)
        verdicts.append(_verdict("override_applies", "特批只适用于有一般性规定的步骤", HARD, basis,
                                 met() if soft else unmet(f"「{spec.label}」没有可以特批的一般性规定，"
                                                          "不能填写特批理由和特批人。"), None))
    if not act.planning:
        given = required_evidence(step, rule_set, act.evidence)
        if not given.met:
            verdicts.append(_verdict(REQUIRED_RULE, REQUIRED_TITLE, HARD, basis, given, None))
    if authorisers is not None:
        verdicts += authority_verdicts(verdicts, override, act, authorisers,
                                       {r.id: r.citations[rule_set] for r in spec.rules if r.applies_in(rule_set)})
    return Check(step, on, rule_set, tuple(verdicts))


def check_rules(step: Step, facts: ApplicantFacts, on: date, rule_ids: frozenset[str], *,
                policy: Policy = DEFAULT_POLICY, calendar: WorkdayCalendar | None = None) -> Check:
    """The planner's ``check`` (``evidence=None``) reduced to the verdicts of ``rule_ids``, each exactly as
    ``check`` gives it, in its order: the notices need only the duty rules' dates, not the other two dozen rules.
    """
    return _check_rules(step, facts, on, policy.rule_set_on(on), rule_ids, policy, calendar)


def _check_rules(step: Step, facts: ApplicantFacts, on: date, rule_set: RuleSetId, rule_ids: frozenset[str],
                 policy: Policy, calendar: WorkdayCalendar | None) -> Check:
    prepared = _prepared(step, rule_set)
    key = (step, rule_set, rule_ids)
    found = _CHOSEN.get(key)
    if found is None or found[0] is not prepared:
        found = _CHOSEN[key] = (prepared, tuple(r for r in prepared.rules if r.id in rule_ids))
    rules = found[1]
    local = local_rules(step, policy)
    if local:
        rules += tuple(r for r in local if r.applies_in(rule_set) and r.id in rule_ids)
    if not rules:
        return assemble(Check, {"step": step, "on": on, "rule_set": rule_set, "verdicts": ()})
    act = assemble(Act, {"step": step, "on": on, "evidence": {}, "rule_set": rule_set, "spec": prepared.spec,
                      "calendar": calendar or _DEFAULT_CALENDAR or default_calendar(), "policy": policy,
                      "planning": True})
    verdicts = []
    for rule in rules:
        if (verdict := _rule_verdict(rule, facts, act, None)) is not None:
            verdicts.append(verdict)
    return assemble(Check, {"step": step, "on": on, "rule_set": rule_set, "verdicts": tuple(verdicts)})


_CHOSEN: dict[tuple[Step, RuleSetId, frozenset[str]], tuple[_Prepared, tuple[Rule, ...]]] = {}


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
    found = []
    for spec in _from_status(facts.status):
        step = spec.step
        if not spec.repeatable and facts.done(step):
            continue
        wanted = include_side_outcomes if spec.is_side_outcome else _required_now(spec, rule_set, facts)
        if step in TRANSFERS_IN:
            wanted = pending_transfer(facts) is not None  # 转接中: the review is the one thing to do
        if not wanted:
            continue
        if only_rules is None:
            found.append(NextStep(spec, check(step, facts, on, policy=policy, calendar=calendar)))
            continue
        reduced = _check_rules(step, facts, on, rule_set, only_rules, policy, calendar)
        if keep_unchecked is None or reduced.verdicts or step in keep_unchecked:
            found.append(assemble(NextStep, {"spec": spec, "check": reduced}))
    return found


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


def _required_now(spec: StepSpec, rule_set: RuleSetId, facts: ApplicantFacts) -> bool:
    """Whether the planner should offer a main-line step under today's rule set.

    The 2026 公示 depends on the set under which the 上级党委 consented, not on today's set (§3 item 1).
    """
    if spec.step is Step.CANDIDATE_PUBLICISED:
        filed = facts.last(Step.CANDIDATE_FILED)
        return filed is not None and filed.rule_set in spec.required_in
    return rule_set in spec.required_in
