"""Tests for states.votes: quorum, threshold and tally consistency (procedure.md §2.1, §2.2, §2.4, §3 7–9)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from states.votes import (
    ONE_BY_ONE_PROBLEM,
    SHOW_OF_HANDS_PROBLEM,
    Opinion,
    Tally,
    VoteResult,
    VotingMethod,
    at_least_half,
    committee_quorum,
    decide,
    minimum_present_needed,
    minimum_yes_needed,
    more_than_half,
    motion_carried,
    quorum_present,
    tally_of,
    tally_problems,
    yes_total,
)


def tally(entitled: int, present: int, yes: int, **kwargs: object) -> Tally:
    """A consistent tally: the ballots not 赞成 are 反对 unless given."""
    kwargs.setdefault("no", present - yes)
    kwargs.setdefault("abstain", 0)
    kwargs.setdefault("invalid", 0)
    return Tally(entitled=entitled, present=present, yes=yes, **kwargs)  # type: ignore[arg-type]


# --- 细则第二十条 (N15): quorum -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entitled", "present", "expected"),
    [(9, 5, True), (10, 5, False), (10, 6, True), (1, 1, True), (1, 0, False), (2, 1, False), (3, 2, True)],
    ids=[
        "art20-quorum-9-5",
        "art20-quorum-10-5-exact-half-fails",
        "art20-quorum-10-6",
        "art20-quorum-1-1",
        "art20-quorum-1-0",
        "art20-quorum-2-1-exact-half-fails",
        "art20-quorum-3-2",
    ],
)
def test_art20_quorum_must_exceed_half_of_entitled(entitled: int, present: int, expected: bool) -> None:
    assert quorum_present(entitled, present) is expected
    assert decide(tally(entitled, present, 0)).quorum is expected


@pytest.mark.parametrize(
    ("entitled", "needed"),
    [(0, 1), (1, 1), (2, 2), (7, 4), (8, 5), (9, 5), (10, 6)],
    ids=[
        "art20-min-present-0",
        "art20-min-present-1",
        "art20-min-present-2",
        "art20-min-present-7",
        "art20-min-present-8",
        "art20-min-present-9",
        "art20-min-present-10",
    ],
)
def test_art20_minimum_present_needed(entitled: int, needed: int) -> None:
    assert minimum_present_needed(entitled) == needed
    assert quorum_present(entitled, needed)
    assert not quorum_present(entitled, needed - 1)


def test_art21_written_opinions_do_not_make_a_quorum() -> None:
    result = decide(tally(10, 5, 5, written_yes=3))
    assert result.quorum is False
    assert result.yes_total == 8
    assert result.carried is True  # the threshold alone would be met ...
    assert result.passed is False  # ... but without a quorum nothing is adopted
    assert result.problems == ()


# --- 细则第二十一条 (N16, N17): threshold against 应到 ---------------------------------------------------


def test_art21_threshold_counts_against_entitled_not_present() -> None:
    result = decide(tally(10, 6, 4))
    assert result.quorum is True
    assert 4 > 6 / 2  # a majority of those present ...
    assert result.carried is False  # ... is not more than half of 应到 10
    assert result.passed is False
    assert result.needed_yes == 6


def test_art21_written_yes_opinions_count_towards_the_threshold() -> None:
    t = tally(10, 6, 4, written_yes=2)
    assert yes_total(t) == 6
    result = decide(t)
    assert result == VoteResult(
        quorum=True, carried=True, yes_total=6, needed_yes=6, needed_present=6, problems=()
    )
    assert result.passed is True


@pytest.mark.parametrize(
    ("entitled", "needed"),
    [(1, 1), (2, 2), (7, 4), (8, 5), (9, 5), (10, 6)],
    ids=[
        "art21-min-yes-1",
        "art21-min-yes-2",
        "art21-min-yes-7-odd",
        "art21-min-yes-8-even",
        "art21-min-yes-9",
        "art21-min-yes-10",
    ],
)
def test_art21_minimum_yes_needed_at_odd_and_even_entitled(entitled: int, needed: int) -> None:
    assert minimum_yes_needed(entitled) == needed


@pytest.mark.parametrize(
    ("entitled", "yes", "expected"),
    [(7, 4, True), (7, 3, False), (8, 4, False), (8, 5, True), (10, 5, False), (10, 6, True)],
    ids=[
        "art21-carried-7-4",
        "art21-carried-7-3-fails",
        "art21-carried-8-4-exact-half-fails",
        "art21-carried-8-5",
        "art21-carried-10-5-exact-half-fails",
        "art21-carried-10-6",
    ],
)
def test_art21_motion_carried_strictly_above_half(entitled: int, yes: int, expected: bool) -> None:
    assert motion_carried(entitled, yes) is expected


@pytest.mark.parametrize(
    "field",
    ["no", "abstain", "invalid", "written_no", "written_abstain"],
    ids=[
        "art21-no-is-not-yes",
        "art21-abstain-is-not-yes",
        "art21-invalid-is-not-yes",
        "art21-written-no-is-not-yes",
        "art21-written-abstain-is-not-yes",
    ],
)
def test_art21_only_yes_counts(field: str) -> None:
    base = Tally(entitled=5, present=3, yes=2, no=0, abstain=0, invalid=0)
    t = dataclasses.replace(base, **{field: 1})
    assert yes_total(t) == 2
    assert decide(t).carried is False


def test_art21_fewer_ballots_than_voters_present_is_allowed() -> None:
    # Someone present did not hand in a ballot: recorded, and it simply is not 赞成.
    t = Tally(entitled=10, present=8, yes=6, no=0, abstain=0, invalid=1)
    assert tally_problems(t) == []
    assert decide(t).passed is True


@pytest.mark.parametrize(
    ("count", "of", "more", "at_least"),
    [(0, 0, False, True), (1, 2, False, True), (2, 3, True, True), (2, 4, False, True), (1, 3, False, False)],
    ids=["half-0-0", "half-1-2", "half-2-3", "half-2-4", "half-1-3"],
)
def test_art21_more_than_half_versus_at_least_half(count: int, of: int, more: bool, at_least: bool) -> None:
    assert more_than_half(count, of) is more
    assert at_least_half(count, of) is at_least


def test_art21_minimum_counts_refuse_negative_entitled() -> None:
    with pytest.raises(ValueError, match="不能为负数"):
        minimum_yes_needed(-1)
    with pytest.raises(ValueError, match="不能为负数"):
        minimum_present_needed(-3)


# --- 支部工作条例第十二条 (P3): committee quorum -----------------------------------------------------------


@pytest.mark.parametrize(
    ("members", "present", "half_is_enough", "expected"),
    [
        (5, 3, False, True),
        (5, 2, False, False),
        (4, 2, False, False),
        (4, 2, True, True),
        (4, 3, False, True),
        (3, 1, True, False),
    ],
    ids=[
        "tiaoli12-committee-5-3",
        "tiaoli12-committee-5-2",
        "tiaoli12-committee-4-2-strict",
        "tiaoli12-committee-4-2-half-is-enough",
        "tiaoli12-committee-4-3",
        "tiaoli12-committee-3-1-lenient",
    ],
)
def test_tiaoli12_committee_quorum(members: int, present: int, half_is_enough: bool, expected: bool) -> None:
    assert committee_quorum(members, present, half_is_enough=half_is_enough) is expected


# --- consistency of the tally (细则第二十、二十一条; §2.4) -------------------------------------------------


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (tally(9, 5, 5), []),
        (Tally(10, 10, yes=8, no=3, abstain=1, invalid=0), ["选票数（12）多于实到有表决权人数（10）。"]),
        (tally(10, 12, 6), ["实到有表决权人数（12）多于应到会有表决权人数（10）。"]),
        (tally(0, 0, 0), ["应到会有表决权人数为0，无法表决。"]),
        (
            tally(10, 8, 6, written_yes=2, written_no=1),
            [
                "书面意见数（3）多于未到会的有表决权人数（2）：书面意见只能由因故不能到会的有表决权的党员提出。"
            ],
        ),
        (
            Tally(10, 6, yes=-1, no=0, abstain=0, invalid=0, written_abstain=-2),
            ["赞成票数（-1）不能为负数。", "书面弃权意见数（-2）不能为负数。"],
        ),
        (tally(9, 5, 5, applicants_on_ballot=2), [ONE_BY_ONE_PROBLEM]),
        (tally(9, 5, 5, applicants_on_ballot=0), ["选票未涉及任何发展对象（0名），不能记录。"]),
        (tally(9, 5, 5, method=VotingMethod.SHOW_OF_HANDS), [SHOW_OF_HANDS_PROBLEM]),
    ],
    ids=[
        "art21-consistent",
        "art21-more-ballots-than-present",
        "art20-more-present-than-entitled",
        "art20-nobody-entitled",
        "art21-written-from-present-voters",
        "art21-negative-counts",
        "art21-one-by-one",
        "art21-ballot-without-applicant",
        "art21-show-of-hands",
    ],
)
def test_art21_tally_problems(t: Tally, expected: list[str]) -> None:
    assert tally_problems(t) == expected
    assert decide(t).problems == tuple(expected)


def test_art21_ballot_covering_two_applicants_is_refused() -> None:
    result = decide(tally(9, 9, 9, applicants_on_ballot=2))
    assert ONE_BY_ONE_PROBLEM == "一张选票涉及多名发展对象，不能记录：应当逐个讨论和表决。"  # the article: the verdict's
    assert result.problems == (ONE_BY_ONE_PROBLEM,)
    assert result.quorum and result.carried
    assert result.passed is False


def test_art21_show_of_hands_allowed_only_when_the_caller_says_so() -> None:
    # 1990 《细则（试行）》 allowed 举手; legacy imports pass secret_ballot_required=False.
    t = tally(9, 5, 5, method=VotingMethod.SHOW_OF_HANDS)
    assert decide(t).passed is False
    assert tally_problems(t, secret_ballot_required=False) == []
    assert decide(t, secret_ballot_required=False).passed is True


def test_art21_decide_never_raises_on_negative_entitled() -> None:
    result = decide(Tally(-2, 0, yes=0, no=0, abstain=0, invalid=0))
    assert result.problems == ("应到会有表决权人数（-2）不能为负数。",)
    assert (result.needed_yes, result.needed_present) == (1, 1)
    assert result.passed is False


# --- vocabulary -----------------------------------------------------------------------------------------


def test_art21_labels() -> None:
    assert [o.label for o in Opinion] == ["赞成", "反对", "弃权", "无效"]
    assert [m.label for m in VotingMethod] == ["无记名投票", "举手"]
    assert Opinion("abstain") is Opinion.ABSTAIN
    assert str(VotingMethod.SECRET_BALLOT) == "secret_ballot"


def test_art21_tally_of_counts_ballots_and_drops_invalid_written_opinions() -> None:
    y, n, a, x = Opinion.YES, Opinion.NO, Opinion.ABSTAIN, Opinion.INVALID
    t = tally_of([y, y, y, y, n, x], [y, y, a, x], entitled=10, present=6)
    assert t == Tally(10, 6, yes=4, no=1, abstain=0, invalid=1, written_yes=2, written_abstain=1)
    assert decide(t).passed is True


# --- properties -----------------------------------------------------------------------------------------


@given(st.integers(min_value=1, max_value=10_000))
def test_art21_minimum_yes_needed_is_the_exact_threshold(entitled: int) -> None:
    needed = minimum_yes_needed(entitled)
    assert motion_carried(entitled, needed) is True
    assert motion_carried(entitled, needed - 1) is False


@st.composite
def _entitled_total_and_two_present(draw: st.DrawFn) -> tuple[int, int, int, int]:
    entitled = draw(st.integers(min_value=1, max_value=500))
    total = draw(st.integers(min_value=0, max_value=entitled))
    first = draw(st.integers(min_value=0, max_value=entitled))
    second = draw(st.integers(min_value=0, max_value=entitled))
    return entitled, total, first, second


def _consistent_tally(entitled: int, total: int, present: int) -> Tally:
    """赞成 ``total`` split between ballots (at most ``present``) and written opinions of absent voters."""
    yes = min(total, present)
    return Tally(entitled, present, yes=yes, no=present - yes, abstain=0, invalid=0, written_yes=total - yes)


@given(_entitled_total_and_two_present())
def test_art21_carrying_never_depends_on_present(case: tuple[int, int, int, int]) -> None:
    entitled, total, first, second = case
    a, b = _consistent_tally(entitled, total, first), _consistent_tally(entitled, total, second)
    ra, rb = decide(a), decide(b)
    assert ra.problems == rb.problems == ()
    assert ra.yes_total == rb.yes_total == total
    assert ra.carried is rb.carried is (2 * total > entitled)
    assert ra.passed is (ra.carried and ra.quorum)
