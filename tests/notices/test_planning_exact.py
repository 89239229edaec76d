"""The step's notice planning, made cheaper, plans exactly what it planned before (issue 15 item 5).

* ``due_notices`` checks only the rules a notice reads (``states.engine.check_rules``): the notices must equal
  those built from the planner's full checks, for every stage of every history, under several policies.
* The roster look-ups and the organisations' policy settings are shared across transactions under the roster's
  version (``notices.recipients.roster_memo``, ``workflow.policies.policy_for``, migration 0018's triggers): a
  change made on another connection between two steps is seen by the next step, and a change rolled back leaves
  nothing behind.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, insert, select, text, update

from notices import deadlines
from notices.config import DEFAULT_CONFIG, NoticeConfig
from notices.deadlines import DueNotice, due_notices
from notices.outbox import NOTICES
from notices.recipients import roster_memo
from states.engine import check, check_rules, plan
from states.facts import ApplicantFacts
from states.procedure import PROCEDURE
from states.rulesets import Policy
from tests.builders import run_history
from tests.notices.histories import CONSENTED_2026, PRE_REVIEWED_2026, PROBATIONARY
from tests.notices.world import BRANCH, World, build
from tests.paths.world import FIRST, SECRETARY, build_world, request, run
from workflow import policies, services
from workflow.clock import FixedClock
from workflow.db import make_engine
from workflow.errors import StepRefused
from workflow.roster import ROLES

POLICIES = (Policy(), Policy(enforce_r26=False), Policy(strict_minimums=True),
            Policy(activist_wait_months=18, publicity_min_days=7))


def full_plan_notices(facts: ApplicantFacts, today: date, config: NoticeConfig, policy: Policy) -> list[DueNotice]:
    """``due_notices`` as it was: every next step checked with all its rules."""
    if facts.status.is_terminal or facts.status.value == "new":
        return []
    found: list[DueNotice] = []
    for item in plan(facts, today, policy=policy):
        found += deadlines._deadline_notices(item, facts, config)
        found += deadlines._opening_notices(item, facts, config, policy, None)
    return sorted(found, key=lambda n: (n.send_on, n.key, n.due_on))


def as_compared(notices: list[DueNotice]) -> list[tuple[object, ...]]:
    return [(n.kind, n.step, n.due_on, n.send_on, n.audience, n.offset, n.topic, dict(n.detail)) for n in notices]


@pytest.mark.parametrize("policy", POLICIES, ids=["default", "no_r26", "strict", "local_rules"])
def test_notices_from_the_duty_rules_alone_equal_those_of_the_full_checks(policy: Policy) -> None:
    compared = 0
    for history in (PROBATIONARY, CONSENTED_2026, PRE_REVIEWED_2026):
        for stage in range(1, len(history) + 1):
            # recorded under the default policy (the local rules would refuse these paper dates), planned under each
            facts = run_history(history[:stage]).facts
            last = history[stage - 1][1]
            for today in (last, date(2026, 5, 17), date(2026, 5, 18), date(2027, 3, 1)):
                got = due_notices(facts, today, DEFAULT_CONFIG, policy=policy)
                assert as_compared(got) == as_compared(full_plan_notices(facts, today, DEFAULT_CONFIG, policy))
                compared += len(got)
    assert compared > 500  # the histories reach the deadlines: this compared notices, not empty lists


@pytest.mark.parametrize("policy", POLICIES, ids=["default", "no_r26", "strict", "local_rules"])
def test_check_rules_gives_the_verdicts_of_check_for_those_rules(policy: Policy) -> None:
    compared = 0
    for stage in range(1, len(PROBATIONARY) + 1):
        facts = run_history(PROBATIONARY[:stage]).facts
        for spec in PROCEDURE:
            for on in (PROBATIONARY[stage - 1][1], date(2026, 6, 1)):
                full = check(spec.step, facts, on, policy=policy)
                reduced = check_rules(spec.step, facts, on, deadlines.NOTICE_RULES, policy=policy)
                assert reduced.verdicts == tuple(v for v in full.verdicts if v.rule in deadlines.NOTICE_RULES)
                assert reduced.rule_set is full.rule_set
                compared += len(reduced.verdicts)
    assert compared > 100


@pytest.fixture
def world(engine: Engine) -> World:
    return build(engine)


def inbox_people(world: World, name: str) -> set[str]:
    return {world.who(r["recipient"]) for r in world.rows(name) if r["status"] == "pending" and r["channel"] == "inbox"
            and r["kind"] == "talk_reminder"}


def test_a_roster_change_on_another_connection_is_seen_by_the_next_step(world: World, database_url: str) -> None:
    on = date(2025, 3, 3)
    for name in ("李明", "张伟", "刘芳"):
        world.applicant(name, on)
    world.act("李明", "application_submitted", on, organisation_basis="work_unit")
    assert inbox_people(world, "李明") == {"陈静", "王芳"}
    other = make_engine(database_url)  # another pool, as another process would have: plain SQL, no service
    try:
        with other.begin() as conn:
            conn.execute(update(ROLES).where(ROLES.c.member_id == world.members["陈静"]).values(until_on=on))
            conn.execute(insert(ROLES).values(member_id=world.members["孙丽"], organisation_id=world.orgs[BRANCH],
                                              role="secretary", from_on=date(2015, 9, 1)))
        world.act("张伟", "application_submitted", on, organisation_basis="work_unit")
        assert inbox_people(world, "张伟") == {"孙丽", "王芳"}
        with other.begin() as conn:  # an email address is a roster change too
            conn.execute(text("UPDATE members SET email = 'wf@example.org' WHERE id = :id"),
                         {"id": world.members["王芳"]})
    finally:
        other.dispose()
    world.act("刘芳", "application_submitted", on, organisation_basis="work_unit")
    emails = {world.who(r["recipient"]) for r in world.rows("刘芳") if r["channel"] == "email"}
    assert emails == {"王芳"}


def test_the_memo_is_shared_until_the_roster_changes_and_a_rolled_back_change_leaves_nothing(world: World) -> None:
    on = date(2025, 3, 3)
    with world.engine.connect() as conn:
        first = roster_memo(conn, on)
    with world.engine.connect() as conn:
        assert roster_memo(conn, on) is first  # no roster write in between: the look-ups are shared
        assert roster_memo(conn, date(2025, 3, 4)) is not first  # another day, other holders
    with world.engine.connect() as conn:
        first = roster_memo(conn, on)
        transaction = conn.begin()
        conn.execute(update(ROLES).where(ROLES.c.member_id == world.members["陈静"]).values(until_on=on))
        uncommitted = roster_memo(conn, on)  # planned inside the writing transaction: its own version
        assert uncommitted is not first
        transaction.rollback()
    world.applicant("李明", on)
    world.act("李明", "application_submitted", on, organisation_basis="work_unit")
    assert inbox_people(world, "李明") == {"陈静", "王芳"}  # the rolled-back change is not in the next plan
    with world.engine.connect() as conn:
        versions = conn.execute(text("SELECT count(*), min(version) FROM roster_version")).one()
    assert versions[0] == 1 and versions[1] is not None


def test_every_roster_table_changes_the_version(world: World) -> None:
    def version() -> int:
        with world.engine.connect() as conn:
            return int(conn.execute(text("SELECT version FROM roster_version WHERE id = 1")).scalar_one())

    writes = [
        "UPDATE organisations SET name = name",
        "UPDATE members SET name = name",
        "UPDATE member_standings SET standing = standing",
        "UPDATE member_roles SET role = role",
        "DELETE FROM member_departures",
        "DELETE FROM robot_targets",
    ]
    seen = {version()}
    for sql in writes:
        if sql.startswith("DELETE"):
            continue_with = sql.split()[2]
            with world.engine.begin() as conn:  # a row to delete, so SQLite's row trigger fires too
                if continue_with == "member_departures":
                    conn.execute(text("INSERT INTO member_departures (member_id, left_on, reason, note)"
                                      " VALUES (:m, '2025-01-01', 'moved', '')"), {"m": world.members["孙丽"]})
                else:
                    conn.execute(text("INSERT INTO robot_targets (organisation_id, kind, url, secret, at_mobiles,"
                                      " enabled) VALUES (:o, 'wecom', 'x', '', '', true)"), {"o": world.orgs[BRANCH]})
            seen.add(version())
        with world.engine.begin() as conn:
            conn.execute(text(sql))
        seen.add(version())
    assert len(seen) == 1 + len(writes) + 2  # every write gave a new version, none came back
    with world.engine.connect() as conn:
        assert conn.execute(select(NOTICES.c.id)).first() is None


def test_a_policy_set_on_another_connection_applies_to_the_next_step(engine: Engine, database_url: str) -> None:
    """本组织规定 [G] (activist_wait_months): ``policy_for`` caches the settings under the roster's version."""
    clock = FixedClock.on(date(2025, 3, 1))
    case = build_world(engine, clock)
    run(engine, clock, case, [("application_submitted", date(2024, 3, 4), {"organisation_basis": "work_unit"})])
    branch = first_org(engine)
    with engine.connect() as conn:  # the settings of this version are now known to the process
        assert policies.policy_for(conn, branch).activist_wait_months == 0
    other = make_engine(database_url)
    try:
        with other.begin() as conn:
            conn.execute(text("INSERT INTO organisation_policies (organisation_id, key, value, set_by, set_on, reason)"
                              " VALUES (:org, 'activist_wait_months', '6', '刘洋', '2025-03-01', '')"),
                         {"org": branch})
    finally:
        other.dispose()
    run(engine, clock, case, [("talk_held", date(2024, 3, 20), {"talker": "王芳"})])
    with pytest.raises(StepRefused) as refused:
        services.advance(engine, clock, SECRETARY, case, request(
            "activist_designated", date(2024, 9, 3), {"recommendation": "party_members", "members": "5", "present": "4"}))
    assert {v.rule: v for v in refused.value.check.blocking}["activist_after_waiting_months"].allowed_from == \
        date(2024, 9, 4)


def first_org(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT id FROM organisations WHERE name = :n"), {"n": FIRST}).scalar_one())
