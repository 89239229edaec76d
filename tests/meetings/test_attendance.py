"""The pure meeting rules (states/attendance.py) at their boundaries: no database, no clock."""

from __future__ import annotations

from datetime import date

import pytest

from states.attendance import (
    Ballots,
    Exclusion,
    ExclusionCategory,
    ItemPurpose,
    MeetingKind,
    RosterEntry,
    Voter,
    attendance_problem,
    deciding_body,
    entitled_and_present,
    entitled_voters,
    exclusion_problem,
    item_result,
    item_tally,
    purpose_problem,
    voting_method_problem,
    written_opinion_problem,
)
from states.facts import Standing
from states.rulesets import RuleSetId
from states.votes import Opinion, VotingMethod

MEETING = date(2025, 12, 12)


def voters(entitled: int, present: int) -> list[Voter]:
    return [Voter(i, f"党员{i}", Standing.FULL, True, present=i <= present) for i in range(1, entitled + 1)]


def test_p1_only_full_members_with_their_rights_are_entitled() -> None:
    roster = [RosterEntry(1, "王芳", Standing.FULL), RosterEntry(2, "钱多", Standing.PROBATIONARY),
              RosterEntry(3, "孙丽", Standing.ON_PROBATION_SANCTION), RosterEntry(4, "周伟", Standing.RIGHTS_SUSPENDED)]
    listed = entitled_voters(roster, on=MEETING)
    assert [v.entitled for v in listed] == [True, False, False, False]
    assert "预备党员，没有表决权" in (listed[1].excluded_reason or "")
    assert "受留党察看处分的党员" in (listed[2].excluded_reason or "")
    assert "被中止党员权利的党员" in (listed[3].excluded_reason or "")


@pytest.mark.parametrize(("category", "consent", "resolution", "fragment"), [
    ("出差", "有", "有", "不属于可不计入应到会人数的五类情形"),
    ("出国", " ", "党员大会决议", "须经上级党组织同意"),
    ("出国", "党委组织部同意", "", "须经支部党员大会决议通过"),
], ids=["p4-not-a-category", "p4-no-consent", "p4-no-resolution"])
def test_p4_exclusion_needs_one_of_five_categories_consent_and_resolution(
        category: str, consent: str, resolution: str, fragment: str) -> None:
    assert fragment in (exclusion_problem(category, consent, resolution) or "")


@pytest.mark.parametrize("category", ["因病", "自费出国", "服刑", "卧床", "外出"])
def test_p4_each_of_the_five_categories_is_accepted_with_consent_and_resolution(category: str) -> None:
    assert exclusion_problem(category, "党委组织部同意", "党员大会决议") is None


def test_p4_an_excluded_member_leaves_the_denominator() -> None:
    roster = [RosterEntry(i, f"党员{i}", Standing.FULL) for i in range(1, 11)]
    listed = entitled_voters(roster, [Exclusion(10, ExclusionCategory.AWAY, "同意", "决议")], on=MEETING)
    assert entitled_and_present(listed) == (9, 0)
    assert attendance_problem(listed[-1], "党员10", MEETING) is not None


@pytest.mark.parametrize(("submitted_on", "accepted"), [
    (date(2025, 12, 11), True), (date(2025, 12, 12), False), (date(2025, 12, 13), False)],
    ids=["art21-day-before", "art21-meeting-day", "art21-day-after"])
def test_art21_written_opinion_must_be_dated_before_the_meeting(submitted_on: date, accepted: bool) -> None:
    absent = Voter(1, "孙丽", Standing.FULL, True)
    problem = written_opinion_problem(absent, "孙丽", submitted_on, MEETING, already_given=False)
    assert (problem is None) is accepted


def test_art21_written_opinion_only_from_an_absent_entitled_member_once() -> None:
    probationary = Voter(2, "钱多", Standing.PROBATIONARY, False, "预备党员")
    present = Voter(3, "王芳", Standing.FULL, True, present=True)
    absent = Voter(4, "冯雪", Standing.FULL, True)
    before = date(2025, 12, 10)
    assert "预备党员" in (written_opinion_problem(probationary, "钱多", before, MEETING, already_given=False) or "")
    assert "已到会" in (written_opinion_problem(present, "王芳", before, MEETING, already_given=False) or "")
    assert "重复" in (written_opinion_problem(absent, "冯雪", before, MEETING, already_given=True) or "")
    assert "不在本次会议的党员名单中" in (written_opinion_problem(None, "路人", before, MEETING, already_given=False) or "")


def test_art20_written_opinions_do_not_make_a_quorum() -> None:
    t = item_tally(voters(10, 5), Ballots(5, 0, 0, 0), [Opinion.YES] * 3)
    result = item_result(t, MeetingKind.BRANCH_GENERAL_MEETING)
    assert (t.present, t.written_yes, result.quorum, result.carried) == (5, 3, False, True)


def test_art21_entitled_versus_present_trap() -> None:
    """4 of 6 present is a majority of 实到, but 应到 is 10: the resolution is not carried."""
    t = item_tally(voters(10, 6), Ballots(4, 2, 0, 0))
    result = item_result(t, MeetingKind.BRANCH_GENERAL_MEETING)
    assert result.quorum and not result.carried and result.needed_yes == 6


@pytest.mark.parametrize(("entitled", "present", "yes", "quorum", "carried"), [
    (7, 3, 3, False, False), (7, 4, 3, True, False), (7, 4, 4, True, True),
    (8, 4, 4, False, False), (8, 5, 4, True, False), (8, 5, 5, True, True),
], ids=["art20-odd-7-3present", "art21-odd-7-3yes", "art21-odd-7-4yes",
        "art20-even-8-4present", "art21-even-8-4yes", "art21-even-8-5yes"])
def test_art20_art21_exactly_half_is_not_more_than_half(entitled: int, present: int, yes: int, quorum: bool,
                                                        carried: bool) -> None:
    result = item_result(item_tally(voters(entitled, present), Ballots(yes, present - yes, 0, 0)),
                         MeetingKind.BRANCH_GENERAL_MEETING)
    assert (result.quorum, result.carried) == (quorum, carried)


def test_art21_counts_must_add_up() -> None:
    t = item_tally(voters(9, 7), Ballots(6, 1, 1, 0))
    assert item_result(t, MeetingKind.BRANCH_GENERAL_MEETING).problems == ("选票数（8）多于实到有表决权人数（7）。",)


@pytest.mark.parametrize(("rule_set", "refused"), [
    (RuleSetId.R1990, False), (RuleSetId.R2014, True), (RuleSetId.R2026, True)], ids=["1990", "2014.06", "2026.05"])
def test_art21_show_of_hands_only_under_the_1990_rules(rule_set: RuleSetId, refused: bool) -> None:
    for purpose in (ItemPurpose.ADMISSION, ItemPurpose.CONFIRMATION, ItemPurpose.EXTENSION, ItemPurpose.CANCELLATION):
        assert (voting_method_problem(purpose, VotingMethod.SHOW_OF_HANDS, rule_set) is not None) is refused


@pytest.mark.parametrize(("members", "present", "half_is_enough", "quorum"), [
    (5, 3, False, True), (5, 2, False, False), (4, 2, False, False), (4, 2, True, True), (3, 2, False, True)],
    ids=["p3-5-3", "p3-5-2", "p3-4-2-strict", "p3-4-2-half", "p3-3-2"])
def test_p3_committee_quorum_follows_branch_regulation_article_12(members: int, present: int, half_is_enough: bool,
                                                                  quorum: bool) -> None:
    t = item_tally(voters(members, present), Ballots(present, 0, 0, 0))
    assert item_result(t, MeetingKind.BRANCH_COMMITTEE, half_is_enough=half_is_enough).quorum is quorum


def test_art8_a_branch_without_committee_decides_at_its_general_meeting() -> None:
    assert deciding_body(ItemPurpose.CANDIDATE, False) is MeetingKind.BRANCH_GENERAL_MEETING
    assert purpose_problem(ItemPurpose.CANDIDATE, MeetingKind.BRANCH_GENERAL_MEETING, True) is not None
    assert purpose_problem(ItemPurpose.APPROVAL, MeetingKind.BRANCH_GENERAL_MEETING, False) is not None
