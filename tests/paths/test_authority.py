"""Issue 11 item 8: an override or an extension is authorised by someone on the roster with the power for it.

细则第十八条 [W] (N12, 2026 第十七条): "未经培训的，除个别特殊情况外，不能发展入党" — the 基层党委 runs the training and
answers for its 个别特殊情况 (procedure.md §3 item 10: "an authoriser with the power to approve"). 细则第二十四条 [W]
(N20): "遇有特殊情况可适当延长审批时间" — the approving 基层党委 extends its own limit. Who may: the 基层党委 above
the case, by name, or one of its 书记、副书记、组织委员、委员 on the act's date (states/authority.py).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from states.authority import (
    EXTENSION_POWER,
    GRASSROOTS,
    OVERRIDE_POWERS,
    Holder,
    Position,
    holds,
)
from states.engine import check
from states.facts import Override
from states.procedure import PROCEDURE
from states.steps import Severity, Step
from tests.paths import world
from tests.states.builders import attempt, resolved
from workflow import authority, services
from workflow.clock import FixedClock
from workflow.errors import StepRefused
from workflow.tables import AuditEvent

PARTY = "某大学党委"
TRAINING_ON = date(2025, 8, 1)
SHORT_TRAINING = {"days": "1", "hours": "8"}


def test_every_soft_rule_of_the_table_declares_who_may_authorise_its_override() -> None:
    soft = {rule.id for spec in PROCEDURE for rule in spec.rules if rule.severity is Severity.SOFT}
    assert soft == set(OVERRIDE_POWERS)
    assert all(power.kind == GRASSROOTS for power, _ in OVERRIDE_POWERS.values())


@pytest.mark.parametrize(("position", "held"), [
    (Position(PARTY, GRASSROOTS, "secretary", True), True),
    (Position(PARTY, GRASSROOTS, "committee_member", True), True),
    (Position(PARTY, GRASSROOTS, None, True), True),  # the 党委 itself, by name
    (Position(PARTY, GRASSROOTS, "organiser", True), False),  # an 组织员 is staff, not a 委员
    (Position("计算机学院党支部", "branch", "secretary", True), False),  # the branch cannot excuse itself
    (Position("另一党委", GRASSROOTS, "secretary", False), False),  # a 党委 that is not above the case
])
def test_art18_who_holds_the_power_to_authorise_a_training_override(position: Position, held: bool) -> None:
    power, _ = OVERRIDE_POWERS["trained_three_days_or_24_hours"]
    assert holds(Holder("某人", True, (position,)), power) is held


def test_art24_an_extension_needs_a_committee_with_the_power_to_approve() -> None:
    approving = Position(PARTY, GRASSROOTS, None, True, may_approve=True)
    assert holds(Holder(PARTY, True, (approving,)), EXTENSION_POWER)
    assert not holds(Holder(PARTY, True, (Position(PARTY, GRASSROOTS, None, True, may_approve=False),)),
                     EXTENSION_POWER)


def test_art24_an_extension_by_a_body_without_the_power_is_refused_naming_who_may() -> None:
    meeting = date(2025, 3, 10)
    extension = {"extension_reason": "发展对象在外地实习", "extension_by": "学院党委", "extended_on": date(2025, 5, 20)}
    story = resolved(meeting)
    plain = attempt(story, Step.ADMISSION_APPROVED, date(2025, 6, 11), **extension)
    without = Holder("学院党委", True, (Position("学院党委", GRASSROOTS, None, True, may_approve=False),), (PARTY,))
    with_power = Holder("学院党委", True, (Position("学院党委", GRASSROOTS, None, True, may_approve=True),), (PARTY,))
    refused = check(Step.ADMISSION_APPROVED, story.facts, date(2025, 6, 11), plain_evidence(extension),
                    authorisers={"学院党委": without})
    allowed = check(Step.ADMISSION_APPROVED, story.facts, date(2025, 6, 11), plain_evidence(extension),
                    authorisers={"学院党委": with_power})
    assert plain.allowed and allowed.allowed  # without a roster nothing is judged; with the power it passes
    blocking = [v for v in refused.blocking if v.rule == "authoriser_has_power"]
    assert len(blocking) == 1 and "延长审批时间须由某大学党委" in blocking[0].message
    assert blocking[0].citation.text.startswith("《发展党员工作细则》第二十四条")


def plain_evidence(extra: dict[str, object]) -> dict[str, object]:
    from tests.states.builders import evidence_for

    return evidence_for(Step.ADMISSION_APPROVED, **extra)


# ---------------------------------------------------------------- on a real roster (SQLite and PostgreSQL)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock.on(date(2025, 9, 15))


def _ready_for_training(engine: Engine, clock: FixedClock) -> int:
    case_id = world.build_world(engine, clock)
    services.add_organisation(engine, clock, world.SECRETARY, name="另一党委", kind="基层党委")
    for name, organisation, post, since in (("刘建国", PARTY, "书记", date(2008, 1, 1)),
                                            ("刘洋", PARTY, "组织员", date(2008, 1, 1)),
                                            ("陈新", PARTY, "委员", date(2025, 9, 1)),  # a 委员 only after the act
                                            ("马东", "另一党委", "书记", date(2008, 1, 1))):
        services.add_member(engine, clock, world.SECRETARY, name=name, organisation=organisation, since=since,
                            post=post)
    world.run(engine, clock, case_id, [*world.UP_TO_SPONSORS, (
        "political_review_passed", date(2025, 7, 20), {"result": "合格", "conclusion": "政审〔2025〕5号"})])
    return case_id


def _train(engine: Engine, clock: FixedClock, case_id: int, authoriser: str) -> services.Advanced:
    request = world.request("training_completed", TRAINING_ON, SHORT_TRAINING)
    override = Override("因公出差缺课，已补学相关内容", authoriser)
    return services.advance(engine, clock, world.SECRETARY, case_id,
                            services.StepRequest(request.step, request.on, request.evidence, override,
                                                 request.backfill_reason))


@pytest.mark.parametrize(("authoriser", "found"), [
    ("张三", "「张三」不在党员名册和组织名册中。"),
    ("王芳", "「王芳」在2025年8月1日的职务是：没有担任党内职务，没有批准的权限。"),
    ("刘洋", "「刘洋」在2025年8月1日的职务是：某大学党委组织员，没有批准的权限。"),
    ("陈新", "「陈新」在2025年8月1日的职务是：没有担任党内职务"),
    ("马东", "「马东」在2025年8月1日的职务是：另一党委书记"),
])
def test_art18_a_training_override_by_someone_without_the_power_is_refused_and_changes_nothing(
        engine: Engine, clock: FixedClock, authoriser: str, found: str) -> None:
    case_id = _ready_for_training(engine, clock)
    with engine.connect() as conn:
        before = services.load_case(conn, case_id)
    with pytest.raises(StepRefused) as refused:
        _train(engine, clock, case_id, authoriser)
    verdicts = [v for v in refused.value.check.blocking if v.rule == "authoriser_has_power"]
    assert len(verdicts) == 1 and [v.rule for v in refused.value.check.blocking] == ["authoriser_has_power"]
    assert found in verdicts[0].message
    assert "未经培训或培训不足的特批须由某大学党委（或其书记、副书记、组织委员、委员）批准。" in verdicts[0].message
    assert verdicts[0].citation.text.startswith("《发展党员工作细则》第十八条")
    with engine.connect() as conn:
        after = services.load_case(conn, case_id)
        last = conn.execute(select(AuditEvent.__table__).order_by(  # type: ignore[attr-defined]
            AuditEvent.__table__.c.seq.desc()).limit(1)).mappings().one()  # type: ignore[attr-defined]
    assert (after.version, after.facts) == (before.version, before.facts)
    assert last["kind"] == "step_refused"


@pytest.mark.parametrize("authoriser", ["刘建国", "基层党委书记 刘建国", "刘建国（党委书记）", PARTY])
def test_art18_a_training_override_by_the_party_committee_or_its_secretary_is_recorded(
        engine: Engine, clock: FixedClock, authoriser: str) -> None:
    case_id = _ready_for_training(engine, clock)
    done = _train(engine, clock, case_id, authoriser)
    assert [v.rule for v in done.check.overridden] == ["trained_three_days_or_24_hours"]


def test_art24_the_roster_resolves_the_extension_body_on_the_date(engine: Engine, clock: FixedClock) -> None:
    case_id = world.build_world(engine, clock)
    services.add_organisation(engine, clock, world.SECRETARY, name="学院党委", kind="基层党委")
    with engine.connect() as conn:
        organisation = services.load_case(conn, case_id).organisation_id
        found = authority.resolve(conn, None, {"extension_by": PARTY}, date(2025, 6, 1), organisation)
        stranger = authority.resolve(conn, None, {"extension_by": "学院党委"}, date(2025, 6, 1), organisation)
        nothing = authority.resolve(conn, None, {}, date(2025, 6, 1), organisation)
    assert found is not None and holds(found[PARTY], EXTENSION_POWER)
    assert stranger is not None and not holds(stranger["学院党委"], EXTENSION_POWER)  # not above the branch
    assert stranger["学院党委"].competent == (PARTY,)
    assert nothing is None  # an ordinary step asks the roster nothing
