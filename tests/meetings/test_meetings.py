"""Meetings on a real database (SQLite and PostgreSQL): §2.4 of the rules, one article at a time.

Every tally is computed from the meeting's own voter list, attendance and written opinions; nothing here types
应到 or 实到.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, select

from states.attendance import Ballots
from states.rules import probation_ends_on
from states.rulesets import DEFAULT_POLICY
from states.steps import Status, Step
from states.votes import VotingMethod
from tests.meetings import world
from tests.meetings.world import (
    ADMISSION_DAY,
    BRANCH,
    BRANCH_MEMBERS,
    CONFIRMATION_DAY,
    SECRETARY,
    SMALL,
    events,
)
from tests.workflow.records_world import dump
from workflow import meetings, services
from workflow.clock import FixedClock
from workflow.errors import StepRefused
from workflow.evidence import BadEvidence
from workflow.meetings import ITEMS, OPINIONS, VOTERS, MeetingRefused

TALK_DONE = world.BEFORE_MEETING[:2]  # steps 1 and 2: ready for 确定入党积极分子


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock.on(ADMISSION_DAY)


def general_meeting(engine: Engine, clock: FixedClock, present: list[str], *, on: date = ADMISSION_DAY,
                    organisation: str = BRANCH) -> int:
    opened = meetings.open_meeting(engine, clock, SECRETARY, organisation=organisation, kind="党员大会", held_on=on)
    if present:
        meetings.record_attendance(engine, clock, SECRETARY, opened.meeting_id, present)
    return opened.meeting_id


def vote(engine: Engine, clock: FixedClock, item: int, yes: int, no: int = 0, abstain: int = 0, invalid: int = 0,
         method: VotingMethod = VotingMethod.SECRET_BALLOT, **options: Any) -> None:
    meetings.record_discussion(engine, clock, SECRETARY, item, "对该同志逐个进行了讨论。")
    meetings.record_ballot(engine, clock, SECRETARY, item, Ballots(yes, no, abstain, invalid, method), **options)


def item(engine: Engine, item_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        return dict(conn.execute(select(ITEMS).where(ITEMS.c.id == item_id)).mappings().one())


def facts(engine: Engine, case_id: int) -> Any:
    with engine.connect() as conn:
        return services.load_case(conn, case_id).facts


def admission_item(engine: Engine, clock: FixedClock, present: list[str], name: str = "李明") -> tuple[int, int]:
    case_id = world.applicant(engine, clock, name)
    meeting_id = general_meeting(engine, clock, present)
    return case_id, meetings.add_item(engine, clock, SECRETARY, meeting_id, case_id, "接收预备党员")


# ---------------------------------------------------------------- P1, P4: who is entitled (应到)


def test_p1_entitled_voters_come_from_the_roster_of_the_meeting_date(engine: Engine, clock: FixedClock) -> None:
    world.build(engine, clock)
    services.change_standing(engine, clock, SECRETARY, name="孙丽", standing="留党察看", since=date(2025, 10, 1))
    services.change_standing(engine, clock, SECRETARY, name="周伟", standing="中止", since=date(2025, 11, 1))
    opened = meetings.open_meeting(engine, clock, SECRETARY, organisation=BRANCH, kind="党员大会", held_on=ADMISSION_DAY)
    assert opened.entitled == ["陈静", "王芳", "赵强", "吴敏", "郑浩", "冯雪", "何军"]
    assert [name for name, _ in opened.not_entitled] == ["孙丽", "周伟", "钱多"]
    with engine.connect() as conn:
        rows = conn.execute(select(VOTERS.c.standing, VOTERS.c.entitled).where(VOTERS.c.meeting_id == opened.meeting_id,
                                                                                VOTERS.c.entitled.is_(False))).all()
    assert sorted(s for s, _ in rows) == ["on_probation_sanction", "probationary", "rights_suspended"]
    assert events(engine, "meeting_opened")[-1]["payload"]["voters"][0] == {
        "member_id": 5, "name": "陈静", "standing": "full", "entitled": True}


def test_p1_member_full_the_day_before_the_meeting_counts_and_the_day_after_does_not(
        engine: Engine, clock: FixedClock) -> None:
    world.build(engine, clock)
    for name, full_on in (("新甲", date(2025, 12, 11)), ("新乙", date(2025, 12, 13))):
        services.add_member(engine, clock, SECRETARY, name=name, organisation=BRANCH, standing="预备",
                            since=date(2024, 12, 1))
        services.change_standing(engine, clock, SECRETARY, name=name, standing="正式", since=full_on)
    opened = meetings.open_meeting(engine, clock, SECRETARY, organisation=BRANCH, kind="党员大会", held_on=ADMISSION_DAY)
    assert "新甲" in opened.entitled and len(opened.entitled) == 10
    assert "新乙" not in opened.entitled and ("新乙", "新乙（预备党员）") in opened.not_entitled


def test_p1_a_probationary_member_cannot_be_marked_as_a_voter(engine: Engine, clock: FixedClock) -> None:
    world.build(engine, clock)
    meeting_id = general_meeting(engine, clock, [])
    before = dump(engine)
    with pytest.raises(MeetingRefused, match="钱多在2025年12月12日是预备党员，没有表决权"):
        meetings.record_attendance(engine, clock, SECRETARY, meeting_id, ["陈静", "钱多"])
    assert dump(engine) == before  # 陈静 was not marked either: all or nothing
    refused = events(engine, "meeting_refused")[-1]["payload"]
    assert refused["action"] == "record_attendance" and "预备党员" in refused["reason"]


def test_p1_a_member_under_probation_sanction_is_not_counted(engine: Engine, clock: FixedClock) -> None:
    world.build(engine, clock)
    services.change_standing(engine, clock, SECRETARY, name="孙丽", standing="留党察看", since=date(2025, 1, 1))
    meeting_id = general_meeting(engine, clock, ["陈静"])
    with pytest.raises(MeetingRefused, match="受留党察看处分的党员，没有表决权"):
        meetings.record_attendance(engine, clock, SECRETARY, meeting_id, ["孙丽"])
    assert meetings.meeting_view(engine, meeting_id).entitled == 8


def test_p4_exclusion_needs_consent_and_resolution_and_lowers_the_denominator(engine: Engine, clock: FixedClock) -> None:
    world.build(engine, clock)
    meeting_id = general_meeting(engine, clock, ["陈静"])
    with pytest.raises(MeetingRefused, match="须经上级党组织同意"):
        meetings.exclude_voter(engine, clock, SECRETARY, meeting_id, "何军", category="出国", consent="",
                               resolution="2025年12月1日党员大会决议")
    with pytest.raises(MeetingRefused, match="不属于可不计入应到会人数的五类情形"):
        meetings.exclude_voter(engine, clock, SECRETARY, meeting_id, "何军", category="工作忙", consent="同意",
                               resolution="决议")
    with pytest.raises(MeetingRefused, match="已登记到会"):
        meetings.exclude_voter(engine, clock, SECRETARY, meeting_id, "陈静", category="出国", consent="同意",
                               resolution="决议")
    done = meetings.exclude_voter(engine, clock, SECRETARY, meeting_id, "何军", category="自费出国",
                                  consent="某大学党委组织部2025年11月30日同意", resolution="2025年12月1日支部党员大会决议")
    assert (done.entitled, done.present) == (8, 1)
    view = meetings.meeting_view(engine, meeting_id)
    excluded = next(v for v in view.voters if v.name == "何军")
    assert not excluded.entitled and "自费出国半年以上" in (excluded.excluded_reason or "")
    assert "某大学党委组织部2025年11月30日同意" in (excluded.excluded_reason or "")
    with pytest.raises(MeetingRefused, match="已不计入应到会人数"):
        meetings.record_attendance(engine, clock, SECRETARY, meeting_id, ["何军"])
    assert events(engine, "meeting_voter_excluded")[-1]["payload"]["category"] == "abroad"


# ---------------------------------------------------------------- N15, N16: quorum and threshold


def test_art20_quorum_counts_present_voters_not_written_opinions(engine: Engine, clock: FixedClock) -> None:
    world.build(engine, clock, full_members=10)
    case_id, item_id = admission_item(engine, clock, BRANCH_MEMBERS[:5])
    for name in ("吴敏", "郑浩", "冯雪"):
        assert meetings.record_written_opinion(engine, clock, SECRETARY, item_id, name, "赞成", date(2025, 12, 10)).accepted
    vote(engine, clock, item_id, yes=5)
    with pytest.raises(MeetingRefused, match="应到会有表决权党员10名，实到5名，未达到法定人数（至少6名）"):
        meetings.decide_item(engine, clock, SECRETARY, item_id)
    assert item(engine, item_id)["result"] == "pending"
    assert not facts(engine, case_id).done(Step.ADMISSION_RESOLVED)


def test_art21_threshold_is_half_of_entitled_not_of_present(engine: Engine, clock: FixedClock) -> None:
    """The 应到-versus-实到 trap: 4 赞成 of 6 present is not > 10 / 2."""
    world.build(engine, clock, full_members=10)
    case_id, item_id = admission_item(engine, clock, BRANCH_MEMBERS[:6])
    vote(engine, clock, item_id, yes=4, no=2)
    before = facts(engine, case_id)
    decided = meetings.decide_item(engine, clock, SECRETARY, item_id)
    assert not decided.passed and decided.vote.needed_yes == 6
    assert "不按实到6名计算" in decided.reasons[0]
    assert facts(engine, case_id) == before and before.status is Status.CANDIDATE  # where it was
    assert item(engine, item_id)["result"] == "failed"
    failed = events(engine, "meeting_item_failed")[-1]
    assert failed["case_id"] == case_id
    assert failed["payload"]["tally"] | {} == {
        "entitled": 10, "present": 6, "yes": 4, "no": 2, "abstain": 0, "invalid": 0, "written_yes": 0,
        "written_no": 0, "written_abstain": 0, "method": "secret_ballot", "applicants_on_ballot": 1}
    assert [e["kind"] for e in services.history(engine, case_id)][-1] == "meeting_item_failed"


def test_art21_valid_written_opinions_count_towards_the_threshold(engine: Engine, clock: FixedClock) -> None:
    world.build(engine, clock, full_members=10)
    case_id, item_id = admission_item(engine, clock, BRANCH_MEMBERS[:6])
    for name in ("郑浩", "冯雪"):
        meetings.record_written_opinion(engine, clock, SECRETARY, item_id, name, "赞成", date(2025, 12, 11))
    vote(engine, clock, item_id, yes=4, no=2)
    decided = meetings.decide_item(engine, clock, SECRETARY, item_id)
    assert decided.passed and decided.vote.yes_total == 6
    tally = facts(engine, case_id).last(Step.ADMISSION_RESOLVED).evidence["tally"]
    assert (tally.entitled, tally.present, tally.yes, tally.written_yes) == (10, 6, 4, 2)


@pytest.mark.parametrize(("entitled", "present", "yes", "outcome"), [
    (7, 4, 4, "passed"), (7, 4, 3, "failed"), (8, 4, 4, "no quorum"), (8, 5, 4, "failed"), (8, 5, 5, "passed"),
], ids=["art21-odd-7-4yes", "art21-odd-7-3yes", "art20-even-8-4present", "art21-even-8-4yes", "art21-even-8-5yes"])
def test_art20_art21_odd_and_even_meetings_at_the_exact_half(
        engine: Engine, clock: FixedClock, entitled: int, present: int, yes: int, outcome: str) -> None:
    world.build(engine, clock, full_members=entitled)
    _, item_id = admission_item(engine, clock, BRANCH_MEMBERS[:present])
    vote(engine, clock, item_id, yes=yes, no=present - yes)
    if outcome == "no quorum":
        with pytest.raises(MeetingRefused, match="未达到法定人数"):
            meetings.decide_item(engine, clock, SECRETARY, item_id)
        return
    assert meetings.decide_item(engine, clock, SECRETARY, item_id).passed is (outcome == "passed")
    assert item(engine, item_id)["result"] == outcome


# ---------------------------------------------------------------- N17: written opinions


def test_art21_written_opinions_only_from_absent_entitled_members_before_the_meeting(
        engine: Engine, clock: FixedClock) -> None:
    world.build(engine, clock)
    services.add_organisation(engine, clock, SECRETARY, name="数学学院党支部", kind="党支部", parent=world.COMMITTEE)
    services.add_member(engine, clock, SECRETARY, name="外人", organisation="数学学院党支部", since=date(2010, 1, 1))
    _, item_id = admission_item(engine, clock, BRANCH_MEMBERS[:7])
    record = meetings.record_written_opinion
    accepted = record(engine, clock, SECRETARY, item_id, "冯雪", "赞成", date(2025, 12, 11))
    late = record(engine, clock, SECRETARY, item_id, "何军", "赞成", ADMISSION_DAY)
    duplicate = record(engine, clock, SECRETARY, item_id, "冯雪", "反对", date(2025, 12, 10))
    attendee = record(engine, clock, SECRETARY, item_id, "陈静", "赞成", date(2025, 12, 10))
    probationary = record(engine, clock, SECRETARY, item_id, "钱多", "赞成", date(2025, 12, 10))
    stranger = record(engine, clock, SECRETARY, item_id, "外人", "赞成", date(2025, 12, 10))
    assert accepted.accepted and accepted.reason is None
    assert "不是在会前" in (late.reason or "")
    assert "重复" in (duplicate.reason or "")
    assert "已到会" in (attendee.reason or "")
    assert "预备党员" in (probationary.reason or "")
    assert "不在本次会议的党员名单中" in (stranger.reason or "")
    with pytest.raises(MeetingRefused, match="尚未记录表决票数"):
        meetings.decide_item(engine, clock, SECRETARY, item_id)
    with engine.connect() as conn:
        rows = conn.execute(select(OPINIONS.c.accepted, OPINIONS.c.rejection_reason).order_by(OPINIONS.c.id)).all()
    assert [a for a, _ in rows] == [True, False, False, False, False, False]
    rejected = events(engine, "written_opinion_rejected")
    assert len(rejected) == 5 and all(e["payload"]["reason"] for e in rejected)
    vote(engine, clock, item_id, yes=5, no=2)
    assert meetings.decide_item(engine, clock, SECRETARY, item_id).tally.written_yes == 1


def test_art21_an_opinion_of_someone_who_then_attends_no_longer_counts(engine: Engine, clock: FixedClock) -> None:
    world.build(engine, clock)
    _, item_id = admission_item(engine, clock, BRANCH_MEMBERS[:6])
    meetings.record_written_opinion(engine, clock, SECRETARY, item_id, "冯雪", "赞成", date(2025, 12, 11))
    done = meetings.record_attendance(engine, clock, SECRETARY, item(engine, item_id)["meeting_id"], ["冯雪"])
    assert done.voided_opinions == ["冯雪"] and done.present == 7
    view = meetings.meeting_view(engine, item(engine, item_id)["meeting_id"])
    assert not view.items[0].opinions[0].accepted and "本人已到会" in (view.items[0].opinions[0].reason or "")


# ---------------------------------------------------------------- counts, method, one by one


def test_art21_more_ballots_than_voters_present_is_refused(engine: Engine, clock: FixedClock) -> None:
    world.build(engine, clock)
    _, item_id = admission_item(engine, clock, BRANCH_MEMBERS[:7])
    meetings.record_discussion(engine, clock, SECRETARY, item_id, "讨论。")
    with pytest.raises(MeetingRefused, match=r"选票数（8）多于实到有表决权人数（7）"):
        meetings.record_ballot(engine, clock, SECRETARY, item_id, Ballots(6, 1, 1, 0))
    with pytest.raises(MeetingRefused, match="不能为负数"):
        meetings.record_ballot(engine, clock, SECRETARY, item_id, Ballots(6, -1, 0, 0))
    assert item(engine, item_id)["yes"] is None


def test_art21_show_of_hands_is_refused_after_2014(engine: Engine, clock: FixedClock) -> None:
    world.build(engine, clock)
    _, item_id = admission_item(engine, clock, BRANCH_MEMBERS[:7])
    meetings.record_discussion(engine, clock, SECRETARY, item_id, "讨论。")
    with pytest.raises(MeetingRefused, match="采用举手方式表决，不符合无记名投票的要求"):
        meetings.record_ballot(engine, clock, SECRETARY, item_id, Ballots(7, 0, 0, 0, VotingMethod.SHOW_OF_HANDS))
    assert item(engine, item_id)["method"] is None


def test_1990_show_of_hands_is_accepted_for_a_meeting_dated_under_the_trial_rules(
        engine: Engine, clock: FixedClock) -> None:
    """Back-filling a 2011 meeting: the 1990 《细则（试行）》 allowed 举手或无记名投票."""
    world.build(engine, clock)
    old = [(slug, on.replace(year=on.year - 14), evidence) for slug, on, evidence in world.BEFORE_MEETING]
    case_id = world.applicant(engine, clock, "老李", history=old, birth=date(1987, 4, 12))
    meeting_id = general_meeting(engine, clock, BRANCH_MEMBERS[:7], on=date(2011, 12, 12))
    item_id = meetings.add_item(engine, clock, SECRETARY, meeting_id, case_id, "接收预备党员")
    vote(engine, clock, item_id, yes=7, method=VotingMethod.SHOW_OF_HANDS)
    decided = meetings.decide_item(engine, clock, SECRETARY, item_id, backfill_reason="据纸质档案补录")
    assert decided.passed
    record = facts(engine, case_id).last(Step.ADMISSION_RESOLVED)
    assert record.rule_set.value == "1990" and record.evidence["tally"].method is VotingMethod.SHOW_OF_HANDS


def test_art21_each_applicant_has_own_item_discussion_and_ballot(engine: Engine, clock: FixedClock) -> None:
    """Three applicants at one meeting: three items, three discussions, three ballots; a pass moves only its own."""
    world.build(engine, clock)
    cases = [world.applicant(engine, clock, name) for name in ("李明", "张华", "王静")]
    meeting_id = general_meeting(engine, clock, BRANCH_MEMBERS[:7])
    items = [meetings.add_item(engine, clock, SECRETARY, meeting_id, c, "接收预备党员") for c in cases]
    with pytest.raises(MeetingRefused, match="已有李明的「接收预备党员」议题"):
        meetings.add_item(engine, clock, SECRETARY, meeting_id, cases[0], "接收预备党员")
    with pytest.raises(MeetingRefused, match="请先记录对张华的讨论情况"):
        meetings.record_ballot(engine, clock, SECRETARY, items[1], Ballots(7, 0, 0, 0))
    vote(engine, clock, items[0], yes=7)
    before = [facts(engine, c) for c in cases[1:]]
    assert meetings.decide_item(engine, clock, SECRETARY, items[0]).passed
    assert [facts(engine, c) for c in cases[1:]] == before
    assert facts(engine, cases[0]).last(Step.ADMISSION_RESOLVED).evidence["tally"].applicants_on_ballot == 1
    assert item(engine, items[0])["step_record_id"] is not None


# ---------------------------------------------------------------- outcomes drive the procedure


def test_art32_a_passed_admission_starts_the_probation_on_the_meeting_date(engine: Engine, clock: FixedClock) -> None:
    world.build(engine, clock)
    case_id, item_id = admission_item(engine, clock, BRANCH_MEMBERS[:7])
    vote(engine, clock, item_id, yes=6, abstain=1)
    decided = meetings.decide_item(engine, clock, SECRETARY, item_id)
    assert decided.passed and decided.advanced is not None and decided.advanced.step is Step.ADMISSION_RESOLVED
    after = facts(engine, case_id)
    assert after.date_of(Step.ADMISSION_RESOLVED) == ADMISSION_DAY
    assert probation_ends_on(after, DEFAULT_POLICY) == date(2026, 12, 12)
    passed = events(engine, "meeting_item_passed")[-1]["payload"]
    assert passed["step"] == "admission_resolved" and passed["tally"]["entitled"] == 9


def test_a_step_refused_by_the_procedure_leaves_the_item_pending(engine: Engine, clock: FixedClock) -> None:
    world.build(engine, clock)
    case_id = world.applicant(engine, clock, "李明", history=world.BEFORE_MEETING[:-1])  # no 入党志愿书 yet
    meeting_id = general_meeting(engine, clock, BRANCH_MEMBERS[:7])
    item_id = meetings.add_item(engine, clock, SECRETARY, meeting_id, case_id, "接收预备党员")
    vote(engine, clock, item_id, yes=7)
    before = dump(engine)
    with pytest.raises(StepRefused, match="填写入党志愿书"):
        meetings.decide_item(engine, clock, SECRETARY, item_id)
    assert dump(engine) == before
    assert events(engine)[-1]["kind"] == "step_refused"


def test_art32_confirmation_meeting_extends_the_probation_once(engine: Engine) -> None:
    clock = FixedClock.on(CONFIRMATION_DAY)
    world.build(engine, clock)
    case_id = world.probationary(engine, clock, "张华")
    meeting_id = general_meeting(engine, clock, BRANCH_MEMBERS[:7], on=CONFIRMATION_DAY)
    opinions = ["group_opinion=是", "opinions_sought=是", "committee_reviewed=是"]
    item_id = meetings.add_item(engine, clock, SECRETARY, meeting_id, case_id, "转正", opinions)
    vote(engine, clock, item_id, yes=6, no=1, months=13)
    with pytest.raises(StepRefused, match="不能少于半年，最长不超过一年"):
        meetings.decide_item(engine, clock, SECRETARY, item_id)
    assert item(engine, item_id)["result"] == "pending"
    meetings.record_ballot(engine, clock, SECRETARY, item_id, Ballots(6, 1, 0, 0), months=6)
    decided = meetings.decide_item(engine, clock, SECRETARY, item_id)
    assert decided.passed and decided.advanced is not None and decided.advanced.step is Step.PROBATION_EXTENDED
    assert item(engine, item_id)["purpose"] == "extension" and item(engine, item_id)["extension_months"] == 6
    after = facts(engine, case_id)
    assert after.status is Status.PROBATIONARY and after.last(Step.PROBATION_EXTENDED).evidence["months"] == 6
    assert probation_ends_on(after, DEFAULT_POLICY) == date(2027, 6, 12) == decided.probation_ends_on
    meetings.close_meeting(engine, clock, SECRETARY, meeting_id)
    # Half a year later: a second extension is refused, an on-time 转正 passes.
    clock.current = clock.current.replace(year=2027, month=6, day=14)
    later = general_meeting(engine, clock, BRANCH_MEMBERS[:7], on=date(2027, 6, 14))
    again = meetings.add_item(engine, clock, SECRETARY, later, case_id, "延长预备期")
    vote(engine, clock, again, yes=7, months=6)
    with pytest.raises(StepRefused, match="不能再次延长"):
        meetings.decide_item(engine, clock, SECRETARY, again)
    meetings.record_ballot(engine, clock, SECRETARY, again, Ballots(7, 0, 0, 0), outcome="按期转正")
    with pytest.raises(StepRefused, match="缺少材料"):  # 转正 needs the 党小组, 党员群众 and 支委会 steps
        meetings.decide_item(engine, clock, SECRETARY, again)
    confirmed = meetings.decide_item(engine, clock, SECRETARY, again, evidence=opinions)
    assert confirmed.advanced is not None and confirmed.advanced.step is Step.CONFIRMATION_RESOLVED


def test_art32_a_confirmation_item_may_resolve_to_cancel(engine: Engine) -> None:
    clock = FixedClock.on(CONFIRMATION_DAY)
    world.build(engine, clock)
    case_id = world.probationary(engine, clock, "张华")
    meeting_id = general_meeting(engine, clock, BRANCH_MEMBERS[:7], on=CONFIRMATION_DAY)
    item_id = meetings.add_item(engine, clock, SECRETARY, meeting_id, case_id, "转正",
                                ["group_opinion=是", "opinions_sought=是", "committee_reviewed=是"])
    with pytest.raises(BadEvidence, match="只有延长预备期的决议才写明延长时间"):
        vote(engine, clock, item_id, yes=7, months=6, outcome="取消预备党员资格")
    meetings.record_ballot(engine, clock, SECRETARY, item_id, Ballots(7, 0, 0, 0), outcome="取消预备党员资格")
    decided = meetings.decide_item(engine, clock, SECRETARY, item_id, evidence=["reason=预备期内严重违反党的纪律"])
    assert decided.advanced is not None and decided.advanced.status is Status.DISQUALIFIED


# ---------------------------------------------------------------- P3 and 细则第八条: committees


def test_p3_committee_quorum_and_members_from_the_posts_on_the_date(engine: Engine, clock: FixedClock) -> None:
    world.build(engine, clock)
    case_id = world.applicant(engine, clock, "李明", history=TALK_DONE)
    opened = meetings.open_meeting(engine, clock, SECRETARY, organisation=BRANCH, kind="支委会", held_on=ADMISSION_DAY)
    assert opened.entitled == ["陈静", "王芳", "赵强"]  # 书记, 组织委员, 委员
    with pytest.raises(BadEvidence, match="由会议的名单、出席和表决记录得出，不能填写"):
        meetings.add_item(engine, clock, SECRETARY, opened.meeting_id, case_id, "确定入党积极分子",
                          ["recommendation=党员推荐", "members=5"])
    item_id = meetings.add_item(engine, clock, SECRETARY, opened.meeting_id, case_id, "确定入党积极分子",
                                ["recommendation=党员推荐"])
    meetings.record_attendance(engine, clock, SECRETARY, opened.meeting_id, ["陈静"])
    with pytest.raises(MeetingRefused, match="选票数（2）多于实到有表决权人数（1）"):
        vote(engine, clock, item_id, yes=2)
    meetings.record_ballot(engine, clock, SECRETARY, item_id, Ballots(1, 0, 0, 0, VotingMethod.SHOW_OF_HANDS))
    with pytest.raises(MeetingRefused, match="应到会委员3名，实到1名，未达到法定人数"):
        meetings.decide_item(engine, clock, SECRETARY, item_id)
    meetings.record_attendance(engine, clock, SECRETARY, opened.meeting_id, ["王芳"])
    meetings.record_ballot(engine, clock, SECRETARY, item_id, Ballots(2, 0, 0, 0, VotingMethod.SHOW_OF_HANDS))
    decided = meetings.decide_item(engine, clock, SECRETARY, item_id)
    assert decided.passed and decided.advanced is not None and decided.advanced.status is Status.ACTIVIST
    evidence = facts(engine, case_id).last(Step.ACTIVIST_DESIGNATED).evidence
    assert (evidence["members"], evidence["present"], evidence["recommendation"]) == (3, 2, "party_members")


def test_art8_a_branch_without_committee_decides_at_its_general_meeting(engine: Engine, clock: FixedClock) -> None:
    world.build(engine, clock, small_branch=True)
    with pytest.raises(MeetingRefused, match="不设支部委员会，其职责由支部党员大会行使"):
        meetings.open_meeting(engine, clock, SECRETARY, organisation=SMALL, kind="支委会", held_on=ADMISSION_DAY)
    big = general_meeting(engine, clock, [])
    listed = world.applicant(engine, clock, "赵一", history=TALK_DONE)
    with pytest.raises(MeetingRefused, match="应由支部委员会会议讨论表决"):
        meetings.add_item(engine, clock, SECRETARY, big, listed, "确定入党积极分子", ["recommendation=党员推荐"])
    case_id = world.applicant(engine, clock, "钱一", organisation=SMALL, history=TALK_DONE)
    meeting_id = general_meeting(engine, clock, ["何平", "许强", "韩梅"], organisation=SMALL)
    item_id = meetings.add_item(engine, clock, SECRETARY, meeting_id, case_id, "确定入党积极分子",
                                ["recommendation=群团组织推优"])
    vote(engine, clock, item_id, yes=3)
    assert meetings.decide_item(engine, clock, SECRETARY, item_id).passed
    evidence = facts(engine, case_id).last(Step.ACTIVIST_DESIGNATED).evidence
    assert (evidence["members"], evidence["present"]) == (5, 3)  # 应到 and 实到 of the 党员大会


def test_art24_the_party_committee_approves_one_by_one(engine: Engine, clock: FixedClock) -> None:
    clock = FixedClock.on(date(2026, 1, 16))
    world.build(engine, clock)
    history = [*world.BEFORE_MEETING, world.ADMISSION_STEP, world.AFTER_ADMISSION[0]]  # up to step 16
    case_id = world.applicant(engine, clock, "李明", history=history)
    opened = meetings.open_meeting(engine, clock, SECRETARY, organisation=world.COMMITTEE, kind="党委会",
                                   held_on=date(2026, 1, 16))
    assert opened.entitled == ["刘建国", "张敏", "李强"]  # 委员 only: the 组织员 has no vote
    meetings.record_attendance(engine, clock, SECRETARY, opened.meeting_id, ["刘建国", "张敏"])
    item_id = meetings.add_item(engine, clock, SECRETARY, opened.meeting_id, case_id, "审批", ["received_on=2025-12-18"])
    vote(engine, clock, item_id, yes=2)
    decided = meetings.decide_item(engine, clock, SECRETARY, item_id)
    assert decided.advanced is not None and decided.advanced.status is Status.PROBATIONARY
    evidence = facts(engine, case_id).last(Step.ADMISSION_APPROVED).evidence
    assert (evidence["approver_level"], evidence["applicants_in_decision"]) == ("grassroots_committee", 1)


# ---------------------------------------------------------------- closing and corrections


def test_a_closed_meeting_refuses_edits_and_accepts_an_audited_correction(engine: Engine, clock: FixedClock) -> None:
    world.build(engine, clock)
    _, item_id = admission_item(engine, clock, BRANCH_MEMBERS[:7])
    meeting_id = item(engine, item_id)["meeting_id"]
    vote(engine, clock, item_id, yes=7)
    with pytest.raises(MeetingRefused, match="已记录表决票数但尚未作出决定"):
        meetings.close_meeting(engine, clock, SECRETARY, meeting_id)
    meetings.decide_item(engine, clock, SECRETARY, item_id)
    with pytest.raises(MeetingRefused, match="已有议题作出决定，出席情况不能再更改"):
        meetings.record_attendance(engine, clock, SECRETARY, meeting_id, ["冯雪"])
    with pytest.raises(MeetingRefused, match="尚未结束，可以直接修改"):
        meetings.correct_meeting(engine, clock, SECRETARY, meeting_id, field_name="记录人", value="赵强", reason="误填")
    meetings.close_meeting(engine, clock, SECRETARY, meeting_id)
    before = dump(engine)
    for attempt in (lambda: meetings.record_attendance(engine, clock, SECRETARY, meeting_id, ["冯雪"]),
                    lambda: meetings.record_discussion(engine, clock, SECRETARY, item_id, "改写"),
                    lambda: meetings.add_item(engine, clock, SECRETARY, meeting_id, 1, "接收预备党员")):
        with pytest.raises(MeetingRefused, match="已结束，不能再修改"):
            attempt()
    assert dump(engine) == before
    with pytest.raises(BadEvidence, match="不能更正"):
        meetings.correct_meeting(engine, clock, SECRETARY, meeting_id, field_name="赞成票", value="9", reason="数错")
    meetings.correct_meeting(engine, clock, SECRETARY, meeting_id, field_name="记录人", value="赵强",
                             reason="会议记录由赵强整理，误填为空")
    meetings.correct_meeting(engine, clock, SECRETARY, meeting_id, field_name="讨论情况", value="逐个讨论，意见一致。",
                             reason="补全讨论记录", item_id=item_id)
    view = meetings.meeting_view(engine, meeting_id)
    assert view.recorder == "赵强" and view.items[0].discussion == "逐个讨论，意见一致。"
    assert item(engine, item_id)["discussion"] == "对该同志逐个进行了讨论。"  # the original stays
    corrected = events(engine, "meeting_corrected")
    assert [(e["payload"]["field"], e["payload"]["old_value"], e["payload"]["new_value"]) for e in corrected] == [
        ("recorder", "", "赵强"), ("discussion", "对该同志逐个进行了讨论。", "逐个讨论，意见一致。")]
    assert services.verify_audit(engine).intact


def test_a_meeting_planned_ahead_follows_the_roster_until_it_starts(engine: Engine) -> None:
    clock = FixedClock.on(date(2025, 12, 1))
    world.build(engine, clock)
    case_id = world.applicant(engine, clock, "李明")
    opened = meetings.open_meeting(engine, clock, SECRETARY, organisation=BRANCH, kind="党员大会", held_on=ADMISSION_DAY)
    assert len(opened.entitled) == 9 and events(engine, "meeting_opened")[-1]["payload"]["planned"] is True
    item_id = meetings.add_item(engine, clock, SECRETARY, opened.meeting_id, case_id, "接收预备党员")
    assert meetings.record_written_opinion(engine, clock, SECRETARY, item_id, "冯雪", "赞成", date(2025, 12, 1)).accepted
    with pytest.raises(BadEvidence, match="晚于今天"):
        meetings.record_written_opinion(engine, clock, SECRETARY, item_id, "何军", "赞成", date(2025, 12, 2))
    with pytest.raises(MeetingRefused, match="会议定于2025年12月12日召开，尚未到会议日期，不能登记出席情况"):
        meetings.record_attendance(engine, clock, SECRETARY, opened.meeting_id, ["陈静"])
    # Recorded after the meeting was opened, effective before it: the meeting counts her.
    services.add_member(engine, clock, SECRETARY, name="新甲", organisation=BRANCH, standing="预备",
                        since=date(2024, 12, 1))
    services.change_standing(engine, clock, SECRETARY, name="新甲", standing="正式", since=date(2025, 12, 5))
    clock.current = clock.current.replace(day=12)
    done = meetings.record_attendance(engine, clock, SECRETARY, opened.meeting_id, ["新甲", *BRANCH_MEMBERS[:6]])
    assert (done.entitled, done.present) == (10, 7)
    assert events(engine, "meeting_roster_refreshed")[-1]["payload"]["changed"] == [
        {"name": "新甲", "standing": "full", "entitled": True}]
    vote(engine, clock, item_id, yes=5, no=2)
    assert meetings.decide_item(engine, clock, SECRETARY, item_id).tally.written_yes == 1
