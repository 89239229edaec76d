"""The fast engine gives exactly the verdicts of the plain one (issue 15: the rules of a step made cheaper).

``states.engine`` shares its passing verdicts per (rule, rule set), reads the facts through an index, skips the
sentences of rules that pass and works out a reduced plan's candidates once per status. None of that may change
a verdict: every check and plan here is compared, field for field and in order, with ``tests/states/plain_engine``
(the engine as it was, constructors and scans throughout), over the canned stories at every stage, every step of
the table, three kinds of evidence, several dates across the 2026 revision and the deployment policies.
"""

from __future__ import annotations

import dataclasses
import pickle
from datetime import date, timedelta
from functools import cache

import pytest

from states import engine
from states.engine import check, check_rules, plan
from states.facts import ApplicantFacts, StepRecord
from states.prepared import prepared
from states.procedure import PROCEDURE, SPECS
from states.rulesets import Policy, RuleSetId
from states.steps import Severity, Status, Step
from states.verdicts import Outcome, Verdict
from tests.states import plain_engine
from tests.states.builders import (
    CAL,
    OVERRIDE,
    Story,
    activist,
    candidate,
    evidence_for,
    full_member,
    probationary,
)

POLICIES = {
    "default": Policy(),
    "no_r26": Policy(enforce_r26=False),
    "strict": Policy(strict_minimums=True, strict_age=True, committee_half_is_enough=True),
    "local_rules": Policy(activist_wait_months=18, publicity_min_days=7),
    "severities": Policy(severity_overrides={"assessed_within_half_year": Severity.HARD,
                                             "trained_three_days_or_24_hours": Severity.DUTY,
                                             "not_leaving_within_three_months": Severity.HARD}),
    "pinned_1990": Policy(pinned_rule_set=RuleSetId.R1990),
}
DUTIES = frozenset(rule.id for spec in PROCEDURE for rule in spec.rules if rule.severity is Severity.DUTY)
ASKED = DUTIES | {"activist_trained_one_full_year"}  # the duties and one rule that is not one
KEPT = frozenset({Step.CANDIDATE_DESIGNATED, Step.CONFIRMATION_RESOLVED, Step.CANDIDATE_PUBLICISED})


def stages(story: Story) -> list[ApplicantFacts]:
    """The facts after each record of ``story``, the status following the table."""
    found, status = [], Status.NEW
    for count, record in enumerate(story.records, 1):
        status = SPECS[record.step].dest or status
        found.append(ApplicantFacts(status, story.birth_date, story.branch_has_committee, story.records[:count]))
    return found


@cache
def corpus() -> tuple[tuple[ApplicantFacts, tuple[date, ...]], ...]:
    """Every stage of a 2014 and a 2026 path to 正式党员, both transfers, a restart; each with dates to ask on."""
    stories = [
        full_member(date(2025, 9, 1)),
        candidate(date(2026, 7, 1)),
        activist(date(2024, 3, 10)).then(Step.ACTIVIST_TRANSFERRED, date(2024, 9, 1),
                                          to_organisation="数学学院党支部", materials_transferred=True)
        .then(Step.TRANSFER_RECEIVED, date(2024, 9, 20), continuity="restart"),
        probationary(date(2025, 3, 10)).then(Step.PROBATIONARY_TRANSFERRED, date(2025, 11, 3),
                                             to_organisation="数学学院党支部", materials_transferred=True),
    ]
    found = []
    for story in stories:
        for facts in stages(story):
            last = facts.records[-1].on
            found.append((facts, (last, last + timedelta(days=200), date(2026, 5, 18))))
    return tuple(found)


@pytest.mark.parametrize("policy", POLICIES.values(), ids=POLICIES.keys())
def test_every_check_equals_the_plain_engines(policy: Policy) -> None:
    compared = refused = 0
    default = policy is POLICIES["default"]
    for facts, every_day in corpus():
        days = every_day if default else every_day[-1:]  # the other policies: one day (2026-05-18) is enough
        for spec in PROCEDURE:
            step = spec.step
            for on in days:
                # no evidence at all (every "缺少材料") on one day: the same sentences whatever the date
                for evidence in (None, evidence_for(step), {}) if default and on is days[0] else \
                        (None, evidence_for(step)):
                    fast = check(step, facts, on, evidence, policy=policy, calendar=CAL)
                    plain = plain_engine.check(step, facts, on, evidence, policy=policy, calendar=CAL)
                    assert fast == plain, (step, on, evidence)
                    compared += len(fast.verdicts)
                    refused += not fast.allowed
            if default:  # an override and the authority check (no authorisers known)
                on = days[0]
                fast = check(step, facts, on, evidence_for(step), override=OVERRIDE, calendar=CAL, authorisers={})
                assert fast == plain_engine.check(step, facts, on, evidence_for(step), override=OVERRIDE,
                                                  calendar=CAL, authorisers={})
    assert compared > 10_000 and refused > 1_000  # both sides of the checks were reached, not only passes


@pytest.mark.parametrize("policy", POLICIES.values(), ids=POLICIES.keys())
def test_every_plan_equals_the_plain_engines(policy: Policy) -> None:
    listed = 0
    for facts, days in corpus():
        for on in days:
            for side in (False, True):
                assert plan(facts, on, policy=policy, calendar=CAL, include_side_outcomes=side) == \
                    plain_engine.plan(facts, on, policy=policy, include_side_outcomes=side)
            for keep in (None, KEPT):
                fast = plan(facts, on, policy=policy, calendar=CAL, only_rules=ASKED, keep_unchecked=keep)
                assert fast == plain_engine.plan(facts, on, policy=policy, only_rules=ASKED, keep_unchecked=keep)
                listed += len(fast)
            for step in (Step.ACTIVIST_ASSESSED, Step.CONFIRMATION_APPROVED):
                reduced = check_rules(step, facts, on, ASKED, policy=policy, calendar=CAL)
                full = plain_engine.check(step, facts, on, policy=policy, calendar=CAL)
                assert reduced.verdicts == tuple(v for v in full.verdicts if v.rule in ASKED)
    assert listed > 200


def test_a_verdict_made_in_one_assignment_equals_the_constructed_one() -> None:
    facts = stages(activist(date(2024, 3, 10)))[-1]
    late = check(Step.ACTIVIST_ASSESSED, facts, date(2025, 8, 1), evidence_for(Step.ACTIVIST_ASSESSED))
    made = next(v for v in late.verdicts if v.outcome is Outcome.VIOLATED)  # 半年内应考察一次, missed
    constructed = Verdict(*(getattr(made, f.name) for f in dataclasses.fields(Verdict)))
    assert list(vars(made)) == [f.name for f in dataclasses.fields(Verdict)]
    assert made == constructed and repr(made) == repr(constructed) and pickle.loads(pickle.dumps(made)) == made
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.message = ""  # type: ignore[misc]


def test_a_passing_verdict_is_one_shared_object_per_rule_and_rule_set() -> None:
    facts = stages(activist(date(2024, 3, 10)))[-1]
    first = check(Step.ACTIVIST_ASSESSED, facts, date(2024, 12, 1), evidence_for(Step.ACTIVIST_ASSESSED))
    again = check(Step.ACTIVIST_ASSESSED, facts, date(2024, 12, 2), evidence_for(Step.ACTIVIST_ASSESSED))
    shared = [a for a, b in zip(first.verdicts, again.verdicts, strict=True) if a is b]
    assert {v.rule for v in shared} >= {"status_allows_step", "not_done_before", "not_in_transfer"}
    assert all(v.outcome is Outcome.PASSED and not v.message and v.due_by is None for v in shared)
    # a duty met still carries its own date: never shared
    assert not any(v.due_by for v in shared) and any(v.due_by for v in first.verdicts)


def test_a_spec_replaced_at_run_time_is_judged_by_its_new_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    facts, on = stages(activist(date(2024, 3, 10)))[-1], date(2025, 6, 1)
    before = check(Step.ACTIVIST_FILED, facts, on, {})
    duty = next(r for r in SPECS[Step.ACTIVIST_ASSESSED].rules if r.severity is Severity.DUTY)
    filed = SPECS[Step.ACTIVIST_FILED]
    monkeypatch.setitem(SPECS, Step.ACTIVIST_FILED, dataclasses.replace(filed, rules=(*filed.rules, duty)))
    after = check(Step.ACTIVIST_FILED, facts, on, {})
    assert duty.id not in {v.rule for v in before.verdicts} and duty.id in {v.rule for v in after.verdicts}
    assert prepared(Step.ACTIVIST_FILED, RuleSetId.R2014).spec is SPECS[Step.ACTIVIST_FILED]


def test_the_facts_index_holds_every_record_of_each_step_in_order() -> None:
    story = full_member(date(2025, 9, 1))
    facts = story.facts
    for step in Step:
        assert facts.all(step) == tuple(r for r in facts.records if r.step is step)
        assert facts.last(step) == plain_engine.scanned_last(facts, step)
        assert facts.done(step) is (plain_engine.scanned_last(facts, step) is not None)
    grown = ApplicantFacts(Status.NEW, story.birth_date)
    for record in facts.records:  # extended record by record equals built at once, index included
        grown.by_step  # noqa: B018  (the index exists before the record is added: it is extended, not rebuilt)
        grown = grown.with_record(record, facts.status)
    rebuilt = ApplicantFacts(facts.status, story.birth_date, True, facts.records)
    assert grown == rebuilt and grown.by_step == rebuilt.by_step and repr(grown) == repr(rebuilt)
    assert list(vars(ApplicantFacts(Status.NEW).with_record(facts.records[0], Status.APPLICANT)))[:4] == \
        [f.name for f in dataclasses.fields(ApplicantFacts)]
    assert pickle.loads(pickle.dumps(grown)) == rebuilt
    with pytest.raises(AttributeError):
        ApplicantFacts.by_step  # noqa: B018  (the index belongs to an instance)


def test_a_new_record_does_not_change_the_index_of_the_facts_it_was_added_to() -> None:
    facts = stages(activist(date(2024, 3, 10)))[-1]
    index = dict(facts.by_step)
    later = facts.with_record(StepRecord(Step.ACTIVIST_ASSESSED, date(2025, 3, 1), {}), facts.status)
    assert facts.by_step == index and len(later.all(Step.ACTIVIST_ASSESSED)) == len(index[Step.ACTIVIST_ASSESSED]) + 1


def test_the_reduced_plan_memo_is_bounded_and_keyed_by_no_case() -> None:
    facts = stages(activist(date(2024, 3, 10)))[-1]
    plan(facts, date(2025, 6, 1), only_rules=ASKED, keep_unchecked=KEPT)
    other = stages(candidate(date(2025, 5, 1)))[-1]
    plan(other, date(2025, 6, 1), only_rules=ASKED, keep_unchecked=KEPT)
    keys = list(engine._REDUCED)
    assert all(isinstance(part, Status | RuleSetId | bool | frozenset | None) for key in keys for part in key)
    assert engine.REDUCED_AT_MOST <= 1024


def test_a_procedure_table_replaced_at_run_time_is_planned_from_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    facts, on = stages(activist(date(2024, 3, 10)))[-1], date(2025, 8, 1)
    listed = {i.spec.step for i in plan(facts, on, only_rules=ASKED, keep_unchecked=KEPT)}
    assert Step.ACTIVIST_ASSESSED in listed  # its half-yearly duty is due
    monkeypatch.setattr(engine, "PROCEDURE", tuple(s for s in PROCEDURE if s.step is not Step.ACTIVIST_ASSESSED))
    assert Step.ACTIVIST_ASSESSED not in {i.spec.step for i in plan(facts, on, only_rules=ASKED, keep_unchecked=KEPT)}
    monkeypatch.undo()
    assert {i.spec.step for i in plan(facts, on, only_rules=ASKED, keep_unchecked=KEPT)} == listed
