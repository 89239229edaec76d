"""A row's history replayed through the pure rules, date by date, under the rule set in force on each date.

What happened on paper cannot be refused: every step is recorded, and every rule it broke becomes a finding with
its article. The same ``states.engine.check`` as a step typed by hand judges each act; only what a 台账 cannot
show is left out, and said so in ``NOT_IN_LEDGER``:

* rules that need evidence a 台账 has no column for (vote tallies, meeting attendance, 受理组织 …);
* steps a 台账 has no column for (培养教育考察, 发展对象备案, 志愿书 …): a missing one is not a finding, and a step
  after it must find the covered steps before it instead (支部大会 needs 支委会审查 and 预审 on record).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from states.engine import check
from states.facts import ApplicantFacts, StepRecord
from states.periods import cn_date
from states.procedure import SPECS
from states.rulesets import DEFAULT_POLICY, Policy, RuleSetId
from states.steps import Status, Step
from states.verdicts import Citation, Outcome
from states.workdays import WorkdayCalendar
from workflow.ledger.columns import LEDGER_STEPS
from workflow.ledger.rows import DatedStep, LedgerPerson

NOT_IN_LEDGER = {
    "assessed_every_half_year": "台账没有“培养教育考察”一栏，每半年考察的情况无从核对。",
    "candidate_status_established": "台账没有“发展对象备案”和“公示”栏，无从核对。",
}
REPLACED = {"preceding_steps_recorded", "preceding_steps_in_order", "status_allows_step",
            "required_evidence_given"}  # a 台账 has columns for few fields: what it lacks is not a finding


@dataclass(frozen=True)
class Finding:
    """One rule a recorded step broke: the step, its date, the rule, its article and a sentence."""

    step: Step
    on: date
    rule: str
    article: str
    message: str
    outcome: Outcome
    due_by: date | None = None
    grave: bool = False

    def sentence(self) -> str:
        return f"{SPECS[self.step].label}（{cn_date(self.on)}）：{self.message}（依据：{self.article}）"


@dataclass(frozen=True)
class CheckedStep:
    step: DatedStep
    rule_set: RuleSetId
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class CheckedHistory:
    person: LedgerPerson
    steps: tuple[CheckedStep, ...]
    status: Status

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for s in self.steps for f in s.findings)


@cache
def covered_before(step: Step) -> tuple[Step, ...]:
    """The steps a 台账 can show that must come before ``step``, looking through the steps it cannot show.

    >>> [s.value for s in covered_before(Step.ADMISSION_RESOLVED)]
    ['sponsors_assigned', 'pre_review_passed', 'committee_reviewed']
    """
    found: list[Step] = []
    for before in SPECS[step].after:
        for s in (before,) if before in LEDGER_STEPS else covered_before(before):
            if s not in found:
                found.append(s)
    return tuple(found)


def _basis(step: Step, rule_set: RuleSetId) -> Citation:
    basis = SPECS[step].basis
    return basis.get(rule_set) or next(iter(basis.values()))


def _order_findings(facts: ApplicantFacts, dated: DatedStep, rule_set: RuleSetId) -> list[Finding]:
    """Missing and later preceding steps, each under the article of the step concerned."""
    on, found = dated.on.on, []
    for before in covered_before(dated.step):
        spec, record = SPECS[before], facts.last(before)
        if record is None and rule_set in spec.required_in:
            found.append(Finding(dated.step, on, "preceding_steps_recorded", _basis(before, rule_set).text,
                                 f"台账没有「{spec.label}」的记录。", Outcome.REFUSED))
        elif record is not None and record.on > on:
            found.append(Finding(dated.step, on, "preceding_steps_in_order", _basis(dated.step, rule_set).text,
                                 f"本步骤日期{cn_date(on)}早于「{spec.label}」（{cn_date(record.on)}）。", Outcome.REFUSED))
    return found


@cache
def _unjudgeable(step: Step, given: frozenset[str]) -> frozenset[str]:
    """Rules of ``step`` a 台账 cannot judge: they need evidence it has no column for, or steps it does not show."""
    return frozenset({r.id for r in SPECS[step].rules if not set(r.needs) <= given} | REPLACED | NOT_IN_LEDGER.keys())


PASSED = Outcome.PASSED
NO_FINDINGS: tuple[Finding, ...] = ()


def check_history(person: LedgerPerson, has_committee: bool = True, policy: Policy = DEFAULT_POLICY,
                  calendar: WorkdayCalendar | None = None) -> CheckedHistory:
    """Record each step in date order, whatever the rules say, and keep what they say as findings."""
    facts = ApplicantFacts(Status.NEW, person.birth, has_committee)
    checked = []
    for dated in person.steps:
        spec, on = SPECS[dated.step], dated.on.on
        verdict = check(dated.step, facts, on, dated.evidence, policy=policy, calendar=calendar)
        findings = _order_findings(facts, dated, verdict.rule_set)
        if not findings and facts.status not in spec.sources:
            findings.append(Finding(dated.step, on, "status_allows_step", _basis(dated.step, verdict.rule_set).text,
                                    f"当时处于「{facts.status.label}」，不应办理「{spec.label}」。", Outcome.REFUSED))
        failed = [v for v in verdict.verdicts if v.outcome is not PASSED]
        if failed:  # most steps of most rows pass every rule: no need to work out what a 台账 cannot judge
            skip = _unjudgeable(dated.step, frozenset(k for k, v in dated.evidence.items() if v not in (None, "")))
            findings += [Finding(dated.step, on, v.rule, v.citation.text, v.message, v.outcome, v.due_by, v.grave)
                         for v in failed if v.rule not in skip]
        facts = facts.with_record(StepRecord(dated.step, on, dated.evidence, verdict.rule_set),
                                  spec.dest or facts.status)
        checked.append(CheckedStep(dated, verdict.rule_set, tuple(findings) if findings else NO_FINDINGS))
    return CheckedHistory(person, tuple(checked), facts.status)
