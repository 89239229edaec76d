"""The step's notice planner, made cheaper again (issue 15 item 5), plans and writes exactly what it did.

* ``plan`` looks only at the specs whose sources hold the status, and with ``keep_unchecked`` leaves out the steps
  whose reduced check holds no verdict: the same steps, in the same order, with the same checks as before.
* The objects made without their constructors (``DueNotice``, ``Act``, ``Check``, ``NextStep``) equal those the
  constructors make; ``encode`` remembers texts only under keys that mean equal JSON.
* ``apply_plan`` compares the stored rows as the driver gives them (ISO text on SQLite): cancelling, reviving,
  moving and re-describing rows works on both databases, and planning twice changes nothing the second time.
"""

from __future__ import annotations

import dataclasses
import functools
import pickle
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, update

from notices import stored
from notices.deadlines import NOTICE_RULES, OPENING_STEPS, Audience, DueNotice, NoticeKind, _due
from notices.outbox import NOTICES, refresh_case
from states.engine import NextStep, _required_now, check, check_rules, plan
from states.facts import ApplicantFacts
from states.frozen import assemble
from states.paths import TRANSFERS_IN, pending_transfer
from states.procedure import PROCEDURE, SPECS
from states.rulesets import Policy
from states.specs import Act
from states.steps import Step
from states.verdicts import Check
from states.workdays import WorkdayCalendar
from tests.builders import run_history
from tests.notices.histories import CONSENTED_2026, PRE_REVIEWED_2026, PROBATIONARY
from tests.notices.world import QUIET_CONFIG, World, build

POLICIES = (Policy(), Policy(enforce_r26=False), Policy(activist_wait_months=18, publicity_min_days=7))
DAYS = (date(2026, 5, 17), date(2026, 5, 18), date(2027, 3, 1))


def plan_as_it_was(facts: ApplicantFacts, on: date, policy: Policy, only_rules: frozenset[str] | None,
                   include_side_outcomes: bool = False) -> list[NextStep]:
    """``plan`` before this change: every spec of the table looked at, in its order."""
    rule_set = policy.rule_set_on(on)
    found = []
    for spec in PROCEDURE:
        if facts.status not in spec.sources or (not spec.repeatable and facts.done(spec.step)):
            continue
        wanted = include_side_outcomes if spec.is_side_outcome else _required_now(spec, rule_set, facts)
        if spec.step in TRANSFERS_IN:
            wanted = pending_transfer(facts) is not None
        if wanted:
            found.append(NextStep(spec, check_rules(spec.step, facts, on, only_rules, policy=policy)
                                  if only_rules is not None else check(spec.step, facts, on, policy=policy)))
    return found


@functools.cache  # built once, by the first test that needs them (not at collection)
def stages() -> list[tuple[ApplicantFacts, date]]:
    found = []
    for history in (PROBATIONARY, CONSENTED_2026, PRE_REVIEWED_2026):
        for stage in range(1, len(history) + 1):
            facts = run_history(history[:stage]).facts
            found += [(facts, today) for today in (history[stage - 1][1], *DAYS)]
    return found


@pytest.mark.parametrize("policy", POLICIES, ids=["default", "no_r26", "local_rules"])
def test_plan_lists_the_same_steps_with_the_same_checks(policy: Policy) -> None:
    kept = 0
    for facts, today in stages():
        assert plan(facts, today, policy=policy) == plan_as_it_was(facts, today, policy, None)
        assert plan(facts, today, policy=policy, include_side_outcomes=True) == \
            plan_as_it_was(facts, today, policy, None, include_side_outcomes=True)
        every = plan_as_it_was(facts, today, policy, NOTICE_RULES)
        assert plan(facts, today, policy=policy, only_rules=NOTICE_RULES) == every
        reduced = plan(facts, today, policy=policy, only_rules=NOTICE_RULES, keep_unchecked=OPENING_STEPS)
        assert reduced == [i for i in every if i.check.verdicts or i.spec.step in OPENING_STEPS]
        kept += len(reduced)
    assert kept > 50  # the histories reach steps with duties: this compared plans, not empty lists


def test_a_spec_replaced_at_run_time_is_checked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    facts, today = run_history(PROBATIONARY[:3]).facts, date(2025, 1, 1)  # an 积极分子
    before = plan(facts, today, only_rules=NOTICE_RULES, keep_unchecked=OPENING_STEPS)
    filed = SPECS[Step.ACTIVIST_FILED]
    assert Step.ACTIVIST_FILED not in {i.spec.step for i in before}  # left out: none of its rules is a duty
    duty = next(r for r in SPECS[Step.ACTIVIST_ASSESSED].rules if r.id in NOTICE_RULES)
    monkeypatch.setitem(SPECS, Step.ACTIVIST_FILED, dataclasses.replace(filed, rules=(*filed.rules, duty)))
    after = plan(facts, today, only_rules=NOTICE_RULES, keep_unchecked=OPENING_STEPS)
    assert Step.ACTIVIST_FILED in {i.spec.step for i in after}  # its new duty is checked at once


def test_objects_made_without_their_constructors_equal_the_constructed_ones() -> None:
    on, calendar = date(2025, 3, 3), WorkdayCalendar.default()
    notice = DueNotice(NoticeKind.TALK_REMINDER, Step.TALK_HELD, on, on, (Audience.BRANCH_LEADERS,), -7, None,
                       {"anchor_on": on})
    made = _due(NoticeKind.TALK_REMINDER, Step.TALK_HELD, on, on, (Audience.BRANCH_LEADERS,), -7, None,
                {"anchor_on": on})
    pairs: list[tuple[Any, Any]] = [(notice, made)]
    check_ = Check(Step.TALK_HELD, on, Policy().rule_set_on(on), ())
    pairs.append((check_, assemble(Check, {"step": Step.TALK_HELD, "on": on,
                                                      "rule_set": check_.rule_set, "verdicts": ()})))
    pairs.append((NextStep(SPECS[Step.TALK_HELD], check_),
                  assemble(NextStep, {"spec": SPECS[Step.TALK_HELD], "check": check_})))
    act = Act(Step.TALK_HELD, on, {}, check_.rule_set, SPECS[Step.TALK_HELD], calendar, Policy(), planning=True)
    pairs.append((act, assemble(Act, {"step": Step.TALK_HELD, "on": on, "evidence": {},
                                                 "rule_set": check_.rule_set, "spec": SPECS[Step.TALK_HELD],
                                                 "calendar": calendar, "policy": Policy(), "planning": True})))
    for constructed, fast in pairs:
        assert type(fast) is type(constructed)
        assert list(vars(fast)) == list(vars(constructed)) == [f.name for f in dataclasses.fields(constructed)]
        assert fast == constructed and repr(fast) == repr(constructed)
    assert hash(made) == hash(notice) and pickle.loads(pickle.dumps(made)) == notice
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.send_on = on  # type: ignore[misc]


def test_encode_remembers_a_text_only_under_what_makes_it() -> None:
    on = date(2025, 3, 3)

    def notice(audience: tuple[Audience, ...] = (Audience.BRANCH_LEADERS,), **detail: Any) -> DueNotice:
        return DueNotice(NoticeKind.TALK_REMINDER, Step.TALK_HELD, on, on, audience, -7, None, detail)

    cases = [notice(grave=1), notice(grave=True), notice(grave=1.0), notice(grave=0), notice(grave=False),
             notice(anchor_on=on), notice(anchor_on=datetime(2025, 3, 3, 8)), notice(agenda=["甲"]),
             notice(agenda=["乙"]), notice(a=1, b=2), notice(b=2, a=1)]
    texts = [stored.encode(n) for n in cases]
    assert texts == [stored._encode(n, ()) for n in cases]  # as encoded without the memo, in any order
    assert [stored.encode(n) for n in reversed(cases)] == list(reversed(texts))
    assert len(set(texts)) == len(cases)  # 1, True and 1.0 differ; so do a date and a moment, and key order
    liaisons = notice((Audience.LIAISONS,), anchor_on=on)
    assert stored.encode(liaisons, ["赵强"]) != stored.encode(liaisons, ["孙丽"])
    assert stored.decode(stored.encode(liaisons, ["孙丽"]), "talk_reminder", on, on, -7).detail == {"anchor_on": on}


@pytest.fixture
def world(engine: Engine) -> World:
    return build(engine)


def rows(world: World) -> dict[tuple[str, int, str, str], dict[str, Any]]:
    return {(r["kind"], r["reminder_offset"], r["recipient"], r["channel"]): r for r in world.rows("李明")}


def test_planning_cancels_revives_moves_and_redescribes_rows_on_both_databases(world: World) -> None:
    received, case = date(2025, 3, 3), world.applicant("李明", date(2025, 3, 3))
    world.act("李明", "application_submitted", received, organisation_basis="work_unit")
    first = rows(world)
    assert len(first) > 4 and all(r["status"] == "pending" for r in first.values())
    assert refresh_case(world.engine, case, received, QUIET_CONFIG).__dict__ == {
        "case_id": case, "inserted": 0, "cancelled": 0, "revived": 0, "rescheduled": 0, "planned": len(first)}

    later = dataclasses.replace(QUIET_CONFIG, escalate_after_days=10)  # same escalation rows, sent three days later
    moved = refresh_case(world.engine, case, received, later)
    escalations = [k for k in first if k[0] == "overdue_escalation:talk_reminder"]
    assert (moved.rescheduled, moved.inserted, moved.cancelled) == (len(escalations), 0, 0)
    for key in escalations:
        row = rows(world)[key]
        assert row["send_on"] == date(2025, 4, 13) and '"escalate_after_days":10' in row["detail"]
    assert refresh_case(world.engine, case, received, later).rescheduled == 0  # the stored text now matches

    talk = next(k for k in first if k[0] == "talk_reminder" and k[1] == 0)
    with world.engine.begin() as conn:
        conn.execute(update(NOTICES).where(NOTICES.c.id == first[talk]["id"]).values(status="cancelled"))
    revived = refresh_case(world.engine, case, received, later)
    assert (revived.revived, revived.cancelled) == (1, 0) and rows(world)[talk]["status"] == "pending"

    failed, sent = (first[k]["id"] for k in list(first)[:2])
    with world.engine.begin() as conn:
        conn.execute(update(NOTICES).where(NOTICES.c.id == failed).values(status="failed"))
        conn.execute(update(NOTICES).where(NOTICES.c.id == sent).values(status="sent"))
    world.act("李明", "talk_held", date(2025, 3, 20), talker="陈静")  # the talk is done: its waiting reminders go
    assert {r["id"]: r["status"] for r in world.rows("李明")} == {
        r["id"]: "sent" if r["id"] == sent else "cancelled" for r in first.values()}
    assert refresh_case(world.engine, case, date(2025, 3, 20), later).__dict__ == {
        "case_id": case, "inserted": 0, "cancelled": 0, "revived": 0, "rescheduled": 0, "planned": 0}
