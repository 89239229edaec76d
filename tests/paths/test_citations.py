"""Issue 11 item 6: every void or failed meeting result carries its rule and article, like every other refusal.

The articles (procedure.md §2.1, §2.4): quorum 细则第二十条 [V] (2026 第十九条 [R26]; 转正 第三十三条 [V]); threshold
第二十一条 [W] (2026 第二十条); written opinions N17 第二十一条 [W, number inferred]; who votes P1 党章第七条 [V]; the
P4 exclusions 党务指导意见 [G]; the 支委会 quorum 支部工作条例第十一、十二条 [V]. Each boundary is tested on both sides.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import docx
import pytest
from sqlalchemy import Engine

from states.attendance import Ballots, ItemPurpose, MeetingKind, Voter, item_result
from states.facts import Standing
from states.meeting_verdicts import (
    attendance_verdict,
    exclusion_verdict,
    method_verdict,
    one_by_one_verdict,
    opinion_verdict,
    quorum_citation,
    result_verdicts,
)
from states.rulesets import RuleSetId
from states.votes import Tally, VotingMethod
from tests.meetings import world
from tests.meetings.world import ADMISSION_DAY, BRANCH_MEMBERS, SECRETARY, events
from workflow import documents, meetings
from workflow.clock import FixedClock
from workflow.meetings import MeetingRefused

R14, R26, R90 = RuleSetId.R2014, RuleSetId.R2026, RuleSetId.R1990
G, C, P = MeetingKind.BRANCH_GENERAL_MEETING, MeetingKind.BRANCH_COMMITTEE, MeetingKind.PARTY_COMMITTEE
ART20 = "《发展党员工作细则》第二十条"
ART21 = "《发展党员工作细则》第二十一条"
ART21_WRITTEN = "《发展党员工作细则》第二十一条（书面意见，条号为推定）"
BRANCH_RULES = "《中国共产党支部工作条例（试行）》第十一条、第十二条"
CONSTITUTION_7 = "《中国共产党章程》第七条；《中国共产党基层组织选举工作条例》第五条"


def tally(entitled: int, present: int, yes: int, written_yes: int = 0) -> Tally:
    return Tally(entitled=entitled, present=present, yes=yes, no=present - yes, abstain=0, invalid=0,
                 written_yes=written_yes)


def cited(t: Tally, kind: MeetingKind, purpose: ItemPurpose, rule_set: RuleSetId) -> dict[str, str]:
    verdicts = result_verdicts(t, item_result(t, kind), kind, purpose, rule_set)
    assert all(v.sentence().endswith(f"（依据：{v.citation.text}）") for v in verdicts)
    return {v.rule: v.citation.text for v in verdicts}


# ---------------------------------------------------------------- quorum (N15, P3) on both sides


@pytest.mark.parametrize(("purpose", "rule_set", "article"), [
    (ItemPurpose.ADMISSION, R14, ART20),
    (ItemPurpose.ADMISSION, R26, "《发展党员工作细则》（2026年修订）第十九条"),
    (ItemPurpose.CONFIRMATION, R14, "《发展党员工作细则》第三十三条"),
    (ItemPurpose.CANCELLATION, R26, "《发展党员工作细则》（2026年修订）第三十二条"),
])
def test_art20_quorum_not_reached_cites_the_quorum_article_of_the_meetings_rule_set(
        purpose: ItemPurpose, rule_set: RuleSetId, article: str) -> None:
    assert cited(tally(10, 5, 5), G, purpose, rule_set) == {"meeting_quorate": article}  # 5 is not > 10 / 2
    assert cited(tally(10, 6, 6), G, purpose, rule_set) == {}  # 6 is: the meeting stands and the vote carries


def test_p3_committee_quorum_cites_the_branch_work_regulations() -> None:
    assert cited(tally(4, 2, 2), C, ItemPurpose.ACTIVIST, R14) == {"decision_meeting_quorate": BRANCH_RULES}
    assert cited(tally(4, 3, 3), C, ItemPurpose.ACTIVIST, R14) == {}


def test_art24_the_party_committees_void_approval_cites_the_approval_article() -> None:
    assert cited(tally(5, 2, 2), P, ItemPurpose.APPROVAL, R14) == {
        "decision_meeting_quorate": "《发展党员工作细则》第二十四条"}
    assert cited(tally(5, 3, 3), P, ItemPurpose.APPROVAL, R14) == {}


# ---------------------------------------------------------------- written opinions do not make a quorum (N17)


def test_art21_written_opinions_not_counting_toward_quorum_is_its_own_verdict() -> None:
    short = cited(tally(10, 5, 5, written_yes=3), G, ItemPurpose.ADMISSION, R14)
    assert short == {"meeting_quorate": ART20, "written_opinions_not_presence": ART21_WRITTEN}
    assert cited(tally(10, 6, 4, written_yes=2), G, ItemPurpose.ADMISSION, R14) == {}  # counted in the tally


# ---------------------------------------------------------------- the threshold (N16): more than half of 应到


@pytest.mark.parametrize(("rule_set", "article"), [
    (R14, ART21), (R26, "《发展党员工作细则》（2026年修订）第二十条"), (R90, "《发展党员工作细则（试行）》（1990）（条号待核）")])
def test_art21_a_vote_short_of_half_of_entitled_cites_the_threshold(rule_set: RuleSetId, article: str) -> None:
    failed = cited(tally(10, 6, 5), G, ItemPurpose.ADMISSION, rule_set)
    assert failed == {"resolution_carried_by_majority_of_entitled": article}
    assert cited(tally(10, 6, 6), G, ItemPurpose.ADMISSION, rule_set) == {}


def test_p3_a_committee_resolution_short_of_half_of_members_cites_the_branch_work_regulations() -> None:
    assert cited(tally(5, 5, 2), C, ItemPurpose.CANDIDATE, R14) == {"committee_resolution_carried": BRANCH_RULES}
    assert cited(tally(5, 5, 3), C, ItemPurpose.CANDIDATE, R14) == {}


def test_art21_counts_that_do_not_add_up_void_the_vote_under_the_quorum_article() -> None:
    more_ballots = Tally(entitled=10, present=7, yes=6, no=2, abstain=0, invalid=0)
    assert cited(more_ballots, G, ItemPurpose.ADMISSION, R14) == {"tally_adds_up": ART20}


# ---------------------------------------------------------------- single acts refused at the meeting


def test_art21_a_late_opinion_is_excluded_citing_the_written_opinion_rule() -> None:
    voter = Voter(1, "孙丽", Standing.FULL, True)
    late = opinion_verdict(voter, "孙丽", ADMISSION_DAY, ADMISSION_DAY, already_given=False)
    assert late is not None and late.rule == "written_opinion_counted" and late.citation.text == ART21_WRITTEN
    assert "不是在会前" in late.sentence() and late.sentence().endswith(f"（依据：{ART21_WRITTEN}）")
    assert opinion_verdict(voter, "孙丽", date(2025, 12, 11), ADMISSION_DAY, already_given=False) is None


def test_p1_an_opinion_or_attendance_without_a_vote_cites_the_constitution() -> None:
    probationary = Voter(2, "钱多", Standing.PROBATIONARY, False, "预备党员")
    opinion = opinion_verdict(probationary, "钱多", date(2025, 12, 11), ADMISSION_DAY, already_given=False)
    assert opinion is not None and opinion.citation.text == CONSTITUTION_7
    present = attendance_verdict(probationary, "钱多", ADMISSION_DAY)
    assert present is not None and present.rule == "voter_entitled" and present.citation.text == CONSTITUTION_7
    assert attendance_verdict(Voter(1, "王芳", Standing.FULL, True), "王芳", ADMISSION_DAY) is None


def test_art21_show_of_hands_and_a_shared_ballot_cite_their_articles() -> None:
    hands = method_verdict(ItemPurpose.ADMISSION, VotingMethod.SHOW_OF_HANDS, R14)
    assert hands is not None and (hands.rule, hands.citation.text) == ("voted_by_secret_ballot", ART21)
    assert method_verdict(ItemPurpose.ADMISSION, VotingMethod.SHOW_OF_HANDS, R90) is None  # 1990: 举手 allowed
    shared = one_by_one_verdict(ItemPurpose.ADMISSION, R14)
    assert shared.rule == "voted_one_by_one" and shared.citation.text.startswith(ART21)


def test_p4_an_exclusion_outside_the_five_categories_cites_its_basis() -> None:
    refused = exclusion_verdict("出差", "有", "有")
    assert refused is not None and refused.citation.tag.value == "G" and "党务指导意见" in refused.citation.text
    assert exclusion_verdict("出国", "党委组织部同意", "党员大会决议") is None


def test_minutes_quorum_line_cites_the_article_of_its_meeting() -> None:
    assert quorum_citation(G, ADMISSION_DAY).text == ART20
    assert quorum_citation(G, date(2026, 6, 15)).text == "《发展党员工作细则》（2026年修订）第十九条"
    assert quorum_citation(C, ADMISSION_DAY).text == BRANCH_RULES


# ---------------------------------------------------------------- on a real database: refusal, trail, minutes


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock.on(ADMISSION_DAY)


def _admission_item(engine: Engine, clock: FixedClock, present: list[str]) -> tuple[int, int]:
    case_id = world.applicant(engine, clock, "李明")
    meeting_id = meetings.open_meeting(engine, clock, SECRETARY, organisation=world.BRANCH, kind="党员大会",
                                       held_on=ADMISSION_DAY).meeting_id
    meetings.record_attendance(engine, clock, SECRETARY, meeting_id, present)
    item_id = meetings.add_item(engine, clock, SECRETARY, meeting_id, case_id, "接收预备党员")
    meetings.record_discussion(engine, clock, SECRETARY, item_id, "对该同志逐个进行了讨论。")
    return meeting_id, item_id


def test_art20_a_void_meeting_is_refused_with_its_articles_and_the_refusal_is_in_the_trail(
        engine: Engine, clock: FixedClock) -> None:
    world.build(engine, clock, full_members=10)
    _, item_id = _admission_item(engine, clock, BRANCH_MEMBERS[:5])
    late = meetings.record_written_opinion(engine, clock, SECRETARY, item_id, "何军", "赞成", ADMISSION_DAY)
    assert not late.accepted and (late.reason or "").endswith(f"（依据：{ART21_WRITTEN}）")
    for name in ("吴敏", "郑浩"):
        meetings.record_written_opinion(engine, clock, SECRETARY, item_id, name, "赞成", date(2025, 12, 10))
    meetings.record_ballot(engine, clock, SECRETARY, item_id, world_ballots(5))
    with pytest.raises(MeetingRefused) as refused:
        meetings.decide_item(engine, clock, SECRETARY, item_id)
    assert f"未达到法定人数（至少6名），会议不能表决。（依据：{ART20}）" in str(refused.value)
    assert f"书面意见2份只统计在票数内，不计入到会人数。（依据：{ART21_WRITTEN}）" in str(refused.value)
    assert ART20 in events(engine, "meeting_refused")[-1]["payload"]["reason"]


def world_ballots(yes: int, no: int = 0) -> Ballots:
    return Ballots(yes, no, 0, 0)


def test_art21_a_failed_vote_keeps_its_article_in_the_trail_the_view_and_the_minutes(
        engine: Engine, clock: FixedClock, tmp_path: Path) -> None:
    world.build(engine, clock)  # 9 正式党员: 5 赞成 carry, 4 do not
    meeting_id, item_id = _admission_item(engine, clock, BRANCH_MEMBERS[:6])
    meetings.record_ballot(engine, clock, SECRETARY, item_id, world_ballots(4, 2))
    decided = meetings.decide_item(engine, clock, SECRETARY, item_id)
    assert not decided.passed and decided.reasons == [
        f"赞成4票，未超过应到会有表决权党员9名的半数（至少需要5票；不按实到6名计算），决议未通过。（依据：{ART21}）"]
    assert events(engine, "meeting_item_failed")[-1]["payload"]["reasons"] == decided.reasons
    view = meetings.meeting_view(engine, meeting_id)
    assert [v.rule for v in view.items[0].verdicts] == ["resolution_carried_by_majority_of_entitled"]
    meetings.close_meeting(engine, clock, SECRETARY, meeting_id)
    made = documents.generate(engine, clock, SECRETARY, meeting_id, tmp_path)
    minutes = next(d for d in made if d.kind == "minutes" and d.format == "docx")
    text = "\n".join(p.text for p in docx.Document(str(minutes.path)).paragraphs)
    assert f"决议未通过。（依据：{ART21}）" in text
    assert f"达到法定人数（依据：{ART20}）" in text
