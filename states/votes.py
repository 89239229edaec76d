"""Vote arithmetic for the 党员大会 that admits (接收) or confirms (转正) a member.

Specification: procedure.md §2.1 (N15–N18, N21), §2.2 (P1–P4), §2.4 and §3 items 7–9.

Pure integer arithmetic: no I/O, no database, no clock. "超过半数" is always computed exactly as
``2 * count > of``, never with floats.

Rules implemented (2014 《中国共产党发展党员工作细则》, "细则"):

* quorum, 细则第二十条 (N15): 有表决权的到会人数必须超过应到会有表决权人数的半数;
* threshold, 细则第二十一条 (N16, article number inferred [W]): 赞成人数超过应到会有表决权的正式党员的半数;
* written opinions (N17): counted in the tally, never in attendance;
* one applicant per ballot (N18): 应当逐个讨论和表决;
* secret ballot (N16): 采取无记名投票方式进行表决 (举手 was only allowed by the 1990 《细则（试行）》);
* 支委会 quorum, 《中国共产党支部工作条例（试行）》第十二条 (P3): 须有半数以上委员到会方可进行.

The 2026 revision, as reported [R26], keeps the same quorum and threshold (第十九、二十条), so nothing here
is versioned. Who counts in 应到 (正式党员 only, minus P4 exclusions) is decided by the caller:
``Tally.entitled`` is the number after those exclusions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class VotingMethod(StrEnum):
    """How the vote was taken.

    >>> VotingMethod.SECRET_BALLOT.label
    '无记名投票'
    >>> VotingMethod("show_of_hands").label
    '举手'
    """

    SECRET_BALLOT = "secret_ballot"
    SHOW_OF_HANDS = "show_of_hands"

    @property
    def label(self) -> str:
        return _METHOD_LABELS[self]


_METHOD_LABELS = {
    VotingMethod.SECRET_BALLOT: "无记名投票",
    VotingMethod.SHOW_OF_HANDS: "举手",
}


class Opinion(StrEnum):
    """The content of one ballot or of one written opinion (书面意见).

    Only ``YES`` counts towards the threshold: 反对, 弃权 and 无效 are all "not 赞成" (procedure.md §2.4).

    >>> [o.label for o in Opinion]
    ['赞成', '反对', '弃权', '无效']
    """

    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"
    INVALID = "invalid"

    @property
    def label(self) -> str:
        return _OPINION_LABELS[self]


_OPINION_LABELS = {
    Opinion.YES: "赞成",
    Opinion.NO: "反对",
    Opinion.ABSTAIN: "弃权",
    Opinion.INVALID: "无效",
}


@dataclass(frozen=True)
class Tally:
    """The per-applicant count of one agenda item.

    ``entitled`` is 应到会有表决权人数 after the P4 exclusions; ``present`` is 实到有表决权人数;
    ``yes`` … ``invalid`` are the ballots cast by those present; ``written_*`` are the valid written
    opinions of absent entitled voters. A Tally accepts any numbers: use :func:`tally_problems` to check them.

    >>> t = Tally(entitled=10, present=6, yes=4, no=1, abstain=1, invalid=0, written_yes=2)
    >>> t.ballots, t.written_total, t.absent
    (6, 2, 4)
    """

    entitled: int
    present: int
    yes: int
    no: int
    abstain: int
    invalid: int
    written_yes: int = 0
    written_no: int = 0
    written_abstain: int = 0
    method: VotingMethod = VotingMethod.SECRET_BALLOT
    applicants_on_ballot: int = 1

    @property
    def ballots(self) -> int:
        """Ballots cast by those present, 无效 included."""
        return self.yes + self.no + self.abstain + self.invalid

    @property
    def written_total(self) -> int:
        """Valid written opinions of absent voters."""
        return self.written_yes + self.written_no + self.written_abstain

    @property
    def absent(self) -> int:
        """Entitled voters not present (never below zero)."""
        return max(self.entitled - self.present, 0)


def tally_of(
    ballots: Iterable[Opinion],
    written: Iterable[Opinion] = (),
    *,
    entitled: int,
    present: int,
    method: VotingMethod = VotingMethod.SECRET_BALLOT,
    applicants_on_ballot: int = 1,
) -> Tally:
    """Count individual ballots and written opinions into a :class:`Tally`.

    细则第二十一条（条号为推定）："因故不能到会的有表决权的党员，在支部大会召开前正式向党支部提出书面意见的，
    应当统计在票数内。" A written opinion that does not say how the person votes (``Opinion.INVALID``) is
    "not 赞成" (procedure.md §3 item 9): it is left out of the tally, which has no field for it.

    >>> Y, N, A, X = Opinion.YES, Opinion.NO, Opinion.ABSTAIN, Opinion.INVALID
    >>> t = tally_of([Y, Y, Y, N, A, X], [Y, X], entitled=9, present=6)
    >>> (t.yes, t.no, t.abstain, t.invalid, t.written_yes, t.written_total)
    (3, 1, 1, 1, 1, 1)
    """
    cast = Counter(ballots)
    sent = Counter(written)
    return Tally(
        entitled=entitled,
        present=present,
        yes=cast[Opinion.YES],
        no=cast[Opinion.NO],
        abstain=cast[Opinion.ABSTAIN],
        invalid=cast[Opinion.INVALID],
        written_yes=sent[Opinion.YES],
        written_no=sent[Opinion.NO],
        written_abstain=sent[Opinion.ABSTAIN],
        method=method,
        applicants_on_ballot=applicants_on_ballot,
    )


def more_than_half(count: int, of: int) -> bool:
    """Strictly more than half ("超过……半数"), integer-exact (``2 * count > of``).

    细则第二十条："有表决权的到会人数必须超过应到会有表决权人数的半数。" Exactly half is not "超过半数".

    >>> more_than_half(5, 9), more_than_half(5, 10), more_than_half(6, 10)
    (True, False, True)
    """
    return 2 * count > of


def at_least_half(count: int, of: int) -> bool:
    """Half or more (``2 * count >= of``): "半数以上" read as including half (procedure.md §3 item 7).

    支部工作条例第十二条："须有半数以上委员到会方可进行。" Only used where a rule says "半数以上" and the
    configuration accepts exactly half; the 细则 itself always says "超过半数" (see :func:`more_than_half`).

    >>> at_least_half(2, 4), at_least_half(1, 4), at_least_half(2, 5)
    (True, False, False)
    """
    return 2 * count >= of


def quorum_present(entitled: int, present: int) -> bool:
    """Quorum of the 党员大会 that discusses 接收 or 转正 (N15, P2).

    细则第二十条："召开讨论接收预备党员的支部大会，有表决权的到会人数必须超过应到会有表决权人数的半数。"
    细则第三十三条 applies the same rule to 转正. 支部工作条例第十一条 says "半数以上有表决权的党员到会";
    for 发展党员 the 细则's stricter "超过" is used (procedure.md §3 item 7). Written opinions never count
    as presence.

    >>> quorum_present(9, 5), quorum_present(10, 5), quorum_present(10, 6)
    (True, False, True)
    """
    return more_than_half(present, entitled)


def motion_carried(entitled: int, yes_votes: int) -> bool:
    """Threshold for the resolution (N16): 赞成 must exceed half of 应到, never of 实到.

    细则第二十一条（条号为推定）："赞成人数超过应到会有表决权的正式党员的半数，才能通过接收预备党员的决议。"
    ``yes_votes`` is 赞成 ballots plus valid written 赞成 opinions (see :func:`yes_total`).

    >>> motion_carried(10, 4)  # 4 of 6 present is a majority of 实到, but not > 10 / 2
    False
    >>> motion_carried(10, 6), motion_carried(8, 4), motion_carried(7, 4)
    (True, False, True)
    """
    return more_than_half(yes_votes, entitled)


def committee_quorum(members: int, present: int, *, half_is_enough: bool = False) -> bool:
    """Quorum of a 支部委员会 meeting (P3).

    支部工作条例第十二条："党支部委员会会议……须有半数以上委员到会方可进行。" By default more than half
    is required (procedure.md §3 item 7); ``half_is_enough=True`` reads "半数以上" as including exactly half.

    >>> committee_quorum(5, 3), committee_quorum(4, 2), committee_quorum(4, 2, half_is_enough=True)
    (True, False, True)
    """
    if half_is_enough:
        return at_least_half(present, members)
    return more_than_half(present, members)


def minimum_yes_needed(entitled: int) -> int:
    """Smallest number of 赞成 that carries the resolution: ``entitled // 2 + 1``.

    细则第二十一条（条号为推定）："赞成人数超过应到会有表决权的正式党员的半数，才能通过接收预备党员的决议。"

    >>> minimum_yes_needed(7), minimum_yes_needed(8), minimum_yes_needed(1)
    (4, 5, 1)
    >>> minimum_yes_needed(-1)
    Traceback (most recent call last):
    ...
    ValueError: 应到会有表决权人数（-1）不能为负数。
    """
    _require_non_negative(entitled)
    return entitled // 2 + 1


def minimum_present_needed(entitled: int) -> int:
    """Smallest number of voters present that makes a quorum: ``entitled // 2 + 1``.

    细则第二十条："有表决权的到会人数必须超过应到会有表决权人数的半数。"

    >>> minimum_present_needed(9), minimum_present_needed(10)
    (5, 6)
    """
    _require_non_negative(entitled)
    return entitled // 2 + 1


def _require_non_negative(entitled: int) -> None:
    if entitled < 0:
        raise ValueError(f"应到会有表决权人数（{entitled}）不能为负数。")


# No article inside the sentence: the verdict that carries it cites the article of the meeting's rule set
# (states/meeting_verdicts.py, states/procedure.py).
ONE_BY_ONE_PROBLEM = "一张选票涉及多名发展对象，不能记录：应当逐个讨论和表决。"
SHOW_OF_HANDS_PROBLEM = "采用举手方式表决，不符合无记名投票的要求。"

_FIELD_LABELS = {
    "entitled": "应到会有表决权人数",
    "present": "实到有表决权人数",
    "yes": "赞成票数",
    "no": "反对票数",
    "abstain": "弃权票数",
    "invalid": "无效票数",
    "written_yes": "书面赞成意见数",
    "written_no": "书面反对意见数",
    "written_abstain": "书面弃权意见数",
    "applicants_on_ballot": "选票涉及的发展对象人数",
}


def _negative_problems(t: Tally) -> list[str]:
    return [
        f"{label}（{getattr(t, name)}）不能为负数。"
        for name, label in _FIELD_LABELS.items()
        if getattr(t, name) < 0
    ]


def _count_problems(t: Tally) -> list[str]:
    problems = []
    if t.entitled == 0:
        problems.append("应到会有表决权人数为0，无法表决。")
    if t.present > t.entitled:
        problems.append(f"实到有表决权人数（{t.present}）多于应到会有表决权人数（{t.entitled}）。")
    if t.ballots > t.present:
        problems.append(f"选票数（{t.ballots}）多于实到有表决权人数（{t.present}）。")
    if t.written_total > t.absent:
        problems.append(
            f"书面意见数（{t.written_total}）多于未到会的有表决权人数（{t.absent}）："
            "书面意见只能由因故不能到会的有表决权的党员提出。"
        )
    return problems


def _ballot_problems(t: Tally, *, secret_ballot_required: bool) -> list[str]:
    problems = []
    if t.applicants_on_ballot > 1:
        problems.append(ONE_BY_ONE_PROBLEM)
    elif t.applicants_on_ballot == 0:
        problems.append("选票未涉及任何发展对象（0名），不能记录。")
    if secret_ballot_required and t.method is not VotingMethod.SECRET_BALLOT:
        problems.append(SHOW_OF_HANDS_PROBLEM)
    return problems


def tally_problems(t: Tally, *, secret_ballot_required: bool = True) -> list[str]:
    """Consistency of a tally: Chinese sentences, one per problem; empty if the tally can be recorded.

    Checks: no number is negative (if one is, the comparisons that follow are skipped); 应到 ≥ 1;
    实到 ≤ 应到; ballots ≤ 实到 (fewer is allowed: a voter present may not hand in a ballot, which only
    lowers 赞成); written opinions ≤ 应到 − 实到, since
    细则第二十一条（条号为推定）："因故不能到会的有表决权的党员，在支部大会召开前正式向党支部提出书面意见的，
    应当统计在票数内。"; one applicant per ballot: "支部大会讨论两个以上的人入党时，应当逐个讨论和表决。";
    the method: "采取无记名投票方式进行表决" (pass ``secret_ballot_required=False`` only for votes held
    under the 1990 《细则（试行）》, which allowed 举手).

    >>> tally_problems(Tally(entitled=10, present=6, yes=4, no=1, abstain=1, invalid=0, written_yes=2))
    []
    >>> tally_problems(Tally(entitled=10, present=10, yes=8, no=3, abstain=1, invalid=0))
    ['选票数（12）多于实到有表决权人数（10）。']
    >>> tally_problems(Tally(9, 5, yes=5, no=0, abstain=0, invalid=0, applicants_on_ballot=2))
    ['一张选票涉及多名发展对象，不能记录：应当逐个讨论和表决。']
    """
    negative = _negative_problems(t)
    counts = [] if negative else _count_problems(t)  # comparisons with a negative number only add noise
    return negative + counts + _ballot_problems(t, secret_ballot_required=secret_ballot_required)


def yes_total(t: Tally) -> int:
    """赞成 ballots plus valid written 赞成 opinions: the number compared with the threshold.

    细则第二十一条（条号为推定）："因故不能到会的有表决权的党员，在支部大会召开前正式向党支部提出书面意见的，
    应当统计在票数内。"

    >>> yes_total(Tally(entitled=10, present=6, yes=4, no=2, abstain=0, invalid=0, written_yes=2))
    6
    """
    return t.yes + t.written_yes


@dataclass(frozen=True)
class VoteResult:
    """The outcome of one agenda item.

    ``quorum`` is 细则第二十条 alone and ``carried`` is the threshold of 细则第二十一条 alone (it never
    depends on ``present``). The resolution is adopted only if both hold and the tally has no problems:
    :attr:`passed`.
    """

    quorum: bool
    carried: bool
    yes_total: int
    needed_yes: int
    needed_present: int
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        """True only if the meeting had a quorum, the threshold was met and the tally is consistent."""
        return self.quorum and self.carried and not self.problems


def decide(t: Tally, *, secret_ballot_required: bool = True) -> VoteResult:
    """Apply the quorum, the threshold and the consistency checks to one applicant's tally.

    细则第二十条："有表决权的到会人数必须超过应到会有表决权人数的半数。" 细则第二十一条（条号为推定）：
    "赞成人数超过应到会有表决权的正式党员的半数，才能通过接收预备党员的决议。" 细则第三十三条: the 转正
    meeting "对到会人数、赞成人数等要求与讨论接收预备党员的支部大会相同". Never raises: bad counts are
    reported in ``problems`` (with a negative 应到 the needed counts are those for 0).

    应到 10, 实到 6, 4 赞成: a majority of those present, but not of 应到:

    >>> r = decide(Tally(entitled=10, present=6, yes=4, no=2, abstain=0, invalid=0))
    >>> r.quorum, r.carried, r.passed, r.needed_yes
    (True, False, False, 6)

    Two valid written 赞成 opinions make 6 > 5:

    >>> decide(Tally(entitled=10, present=6, yes=4, no=2, abstain=0, invalid=0, written_yes=2)).passed
    True

    Written opinions count in the tally but never make a quorum:

    >>> r = decide(Tally(entitled=10, present=5, yes=5, no=0, abstain=0, invalid=0, written_yes=3))
    >>> r.quorum, r.carried, r.passed, r.needed_present
    (False, True, False, 6)
    """
    entitled = max(t.entitled, 0)
    total = yes_total(t)
    return VoteResult(
        quorum=quorum_present(t.entitled, t.present),
        carried=motion_carried(t.entitled, total),
        yes_total=total,
        needed_yes=minimum_yes_needed(entitled),
        needed_present=minimum_present_needed(entitled),
        problems=tuple(tally_problems(t, secret_ballot_required=secret_ballot_required)),
    )
