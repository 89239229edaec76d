"""Void and failed meeting results as verdicts: each names its rule and its article, like every other refusal.

``states.attendance`` and ``states.votes`` say *what* is wrong with a vote (plain sentences); this module says
*by which rule and article*, under the rule set of the meeting date. The article of a vote rule is the one the
step itself cites for the same rule (``states.procedure``: 接收 第二十条/第二十一条, 转正 第三十三条, 2026 第十九、
二十条; the committee's 支部工作条例第十一、十二条), so a meeting's refusal and the step's refusal never disagree.

Rule names (``Verdict.rule``): ``tally_adds_up``, ``meeting_quorate`` (党员大会) / ``decision_meeting_quorate``
(委员会), ``written_opinions_not_presence``, ``resolution_carried_by_majority_of_entitled``,
``voted_by_secret_ballot``, ``voted_one_by_one``, ``written_opinion_counted``, ``voter_entitled``,
``exclusion_recorded``.
"""

from __future__ import annotations

from datetime import date

from states.attendance import (
    PURPOSES,
    ItemPurpose,
    MeetingKind,
    Voter,
    attendance_problem,
    exclusion_problem,
    voting_method_problem,
    written_opinion_problem,
)
from states.procedure import SPECS, c14, c26, c90, cites, everywhere
from states.rulesets import DEFAULT_POLICY, RuleSetId
from states.specs import Citations
from states.steps import Severity, Tag
from states.verdicts import Citation, Outcome, Verdict
from states.votes import ONE_BY_ONE_PROBLEM, SHOW_OF_HANDS_PROBLEM, Tally, VoteResult, VotingMethod

# N17 [W]: "因故不能到会的有表决权的党员，在支部大会召开前正式向党支部提出书面意见的，应当统计在票数内。"
WRITTEN_OPINIONS: Citations = cites(c14("第二十一条（书面意见，条号为推定）", Tag.W),
                                    c26("第二十条（书面意见，未见转述，暂按2014年规定）"), c90())
# P1 [V]: 预备党员、留党察看期间、被中止权利的党员没有表决权.
VOTING_RIGHT: Citations = everywhere("《中国共产党章程》第七条；《中国共产党基层组织选举工作条例》第五条")
# P4 [G]: the five categories left out of 应到, with the higher organisation's consent and a 党员大会 resolution.
EXCLUSIONS = Citation("党务指导意见（共产党员网，2016）：可不计算在应到会人数之内的党员", Tag.G)

TITLES = {
    "tally_adds_up": "票数与到会人数相符",
    "meeting_quorate": "到会人数超过应到会有表决权人数的半数",
    "decision_meeting_quorate": "委员会到会人数达到法定人数",
    "written_opinions_not_presence": "书面意见统计在票数内，不计入到会人数",
    "resolution_carried_by_majority_of_entitled": "赞成人数超过应到会有表决权人数的半数",
    "committee_resolution_carried": "赞成人数超过应到委员的半数",
    "voted_by_secret_ballot": "采取无记名投票方式表决",
    "voted_one_by_one": "逐个讨论和表决",
    "written_opinion_counted": "书面意见在会前正式提出方可统计",
    "voter_entitled": "只有有表决权的党员计入应到和实到",
    "exclusion_recorded": "不计入应到会人数须属五类情形并经同意和决议",
}


def rule_set_of(on: date) -> RuleSetId:
    """The rule set of a meeting date under the default policy (callers with a policy pass their own)."""
    return DEFAULT_POLICY.rule_set_on(on)


def citation(purpose: ItemPurpose, rules: tuple[str, ...], rule_set: RuleSetId) -> Citation:
    """The article the step decided by ``purpose`` cites for the first of ``rules`` it has, else its own basis."""
    spec = SPECS[PURPOSES[purpose].step]
    for wanted in rules:
        for rule in spec.rules:
            if rule.id == wanted and rule_set in rule.citations:
                return rule.citations[rule_set]
    if rule_set in spec.basis:
        return spec.basis[rule_set]
    return next(iter(spec.basis.values()))


def _refused(rule: str, message: str, cited: Citation) -> Verdict:
    return Verdict(rule, TITLES[rule], Severity.HARD, Outcome.REFUSED, message, cited)


def _quorum_rules(kind: MeetingKind) -> tuple[str, ...]:
    if kind is MeetingKind.BRANCH_GENERAL_MEETING:
        return ("meeting_quorate", "decision_meeting_quorate")
    return ("decision_meeting_quorate",)


def _tally_rule(problem: str) -> str:
    return {ONE_BY_ONE_PROBLEM: "voted_one_by_one", SHOW_OF_HANDS_PROBLEM: "voted_by_secret_ballot"}.get(
        problem, "tally_adds_up")


def result_verdicts(t: Tally, r: VoteResult, kind: MeetingKind, purpose: ItemPurpose,
                    rule_set: RuleSetId) -> tuple[Verdict, ...]:
    """Why a vote cannot stand (void) or did not carry (failed), one verdict per reason; empty if it passed.

    >>> from states.attendance import item_result
    >>> t = Tally(entitled=10, present=5, yes=5, no=0, abstain=0, invalid=0, written_yes=3)
    >>> r = item_result(t, MeetingKind.BRANCH_GENERAL_MEETING)
    >>> [(v.rule, v.citation.text) for v in result_verdicts(t, r, MeetingKind.BRANCH_GENERAL_MEETING,
    ...                                                        ItemPurpose.ADMISSION, RuleSetId.R2014)]
    [('meeting_quorate', '《发展党员工作细则》第二十条'), ('written_opinions_not_presence', '《发展党员工作细则》第二十一条（书面意见，条号为推定）')]
    """
    general = kind is MeetingKind.BRANCH_GENERAL_MEETING
    who = "有表决权党员" if general else "委员"
    quorum = citation(purpose, _quorum_rules(kind), rule_set)
    found = list(tally_verdicts(list(r.problems), purpose, kind, rule_set))
    if not r.quorum:
        found.append(_refused(
            "meeting_quorate" if general else "decision_meeting_quorate",
            f"应到会{who}{t.entitled}名，实到{t.present}名，未达到法定人数（至少{r.needed_present}名），会议不能表决。",
            quorum))
        if t.written_total:
            found.append(_refused(
                "written_opinions_not_presence",
                f"会前提出的书面意见{t.written_total}份只统计在票数内，不计入到会人数。",
                WRITTEN_OPINIONS.get(rule_set, quorum)))
    if not r.carried and r.quorum and not r.problems:
        written = f"（含书面意见{t.written_yes}票）" if t.written_yes else ""
        rule = "resolution_carried_by_majority_of_entitled" if general else "committee_resolution_carried"
        found.append(_refused(
            rule, f"赞成{r.yes_total}票{written}，未超过应到会{who}{t.entitled}名的半数（至少需要{r.needed_yes}票；"
                  f"不按实到{t.present}名计算），决议未通过。",
            citation(purpose, ("resolution_carried_by_majority_of_entitled", *_quorum_rules(kind)), rule_set)))
    return tuple(found)


def opinion_verdict(voter: Voter | None, name: str, submitted_on: date, meeting_on: date, *, already_given: bool,
                    rule_set: RuleSetId | None = None) -> Verdict | None:
    """A written opinion that cannot be counted (late, duplicate, from someone present or without a vote).

    >>> from states.facts import Standing
    >>> v = opinion_verdict(Voter(1, "孙丽", Standing.FULL, True), "孙丽", date(2025, 12, 12), date(2025, 12, 12),
    ...                     already_given=False)
    >>> v.rule, v.citation.text
    ('written_opinion_counted', '《发展党员工作细则》第二十一条（书面意见，条号为推定）')
    """
    problem = written_opinion_problem(voter, name, submitted_on, meeting_on, already_given=already_given)
    if problem is None:
        return None
    rule_set = rule_set or rule_set_of(meeting_on)
    no_vote = voter is None or not voter.entitled
    cited = VOTING_RIGHT[rule_set] if no_vote else WRITTEN_OPINIONS[rule_set]
    return _refused("written_opinion_counted", problem, cited)


def attendance_verdict(voter: Voter | None, name: str, on: date) -> Verdict | None:
    """Someone who cannot be recorded as a voter present (not on the list, no vote, excluded from 应到)."""
    problem = attendance_problem(voter, name, on)
    if problem is None:
        return None
    excluded = voter is not None and voter.excluded_reason is not None and voter.standing.value == "full"
    return _refused("voter_entitled", problem, EXCLUSIONS if excluded else VOTING_RIGHT[rule_set_of(on)])


def method_verdict(purpose: ItemPurpose, method: VotingMethod, rule_set: RuleSetId) -> Verdict | None:
    """A show of hands where the 2014 and 2026 texts require 无记名投票."""
    problem = voting_method_problem(purpose, method, rule_set)
    if problem is None:
        return None
    return _refused("voted_by_secret_ballot", problem, citation(purpose, ("voted_by_secret_ballot",), rule_set))


def one_by_one_verdict(purpose: ItemPurpose, rule_set: RuleSetId) -> Verdict:
    """One agenda item for several applicants: each is discussed and voted on alone (N18)."""
    return _refused("voted_one_by_one", ONE_BY_ONE_PROBLEM, citation(purpose, ("voted_one_by_one",), rule_set))


def exclusion_verdict(category: str, consent: str, resolution: str) -> Verdict | None:
    """A P4 exclusion from 应到 that is not one of the five categories or lacks consent or resolution."""
    problem = exclusion_problem(category, consent, resolution)
    return None if problem is None else _refused("exclusion_recorded", problem, EXCLUSIONS)


def tally_verdicts(problems: list[str], purpose: ItemPurpose, kind: MeetingKind,
                   rule_set: RuleSetId) -> tuple[Verdict, ...]:
    """Counts that do not add up (more ballots than voters present …), each under its rule's article."""
    return tuple(_refused(_tally_rule(p), p, citation(purpose, (_tally_rule(p), *_quorum_rules(kind)), rule_set))
                 for p in problems)


def written_opinion_void_reason(meeting_on: date, rule_set: RuleSetId | None = None) -> str:
    """The reason kept on a written opinion whose author turned out present."""
    cited = WRITTEN_OPINIONS[rule_set or rule_set_of(meeting_on)]
    return f"本人已到会，书面意见作废：书面意见只统计因故不能到会的党员的意见（依据：{cited.text}）。"


def quorum_citation(kind: MeetingKind, on: date, rule_set: RuleSetId | None = None) -> Citation:
    """The article of a meeting's quorum, for the minutes' attendance line (接收 meeting for a 党员大会)."""
    purpose = {MeetingKind.BRANCH_GENERAL_MEETING: ItemPurpose.ADMISSION,
               MeetingKind.BRANCH_COMMITTEE: ItemPurpose.ACTIVIST,
               MeetingKind.PARTY_COMMITTEE: ItemPurpose.APPROVAL}[kind]
    return citation(purpose, _quorum_rules(kind), rule_set or rule_set_of(on))
