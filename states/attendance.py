"""Meetings as data, and the pure rules of who may vote (应到), who attended (实到) and which written opinions count.

Specification: procedure.md §2.1 (N15–N18, N21), §2.2 (P1–P4), §2.4, §3 items 7–9 and 17.

* who votes, P1 (党章第七条; 选举工作条例第五条): 正式党员 only; not under 留党察看, not with suspended rights;
* the denominator, P4 (党务指导意见 [G]): the five categories that may be left out of 应到, each only with the
  higher organisation's consent **and** a resolution of the 党员大会, recorded per meeting;
* written opinions, N17: only from entitled members who could not attend, given formally **before** the meeting;
* one by one, N18/N21: one agenda item per applicant per purpose, each with its own discussion and ballot;
* the method, N16: 无记名投票 at the 党员大会 (举手 only under the 1990 《细则（试行）》);
* the committee, P3 (支部工作条例第十二条) and 细则第八条: "不设支部委员会的由支部大会".

Nothing here reads a database or a clock: the service hands in the roster of the meeting date.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from states.facts import Standing
from states.periods import cn_date
from states.rulesets import RuleSetId
from states.steps import Step
from states.votes import (
    SHOW_OF_HANDS_PROBLEM,
    Opinion,
    Tally,
    VoteResult,
    VotingMethod,
    committee_quorum,
    decide,
    minimum_present_needed,
    minimum_yes_needed,
    motion_carried,
    tally_of,
    tally_problems,
)

# ---------------------------------------------------------------- meetings and their agenda, as data


class MeetingKind(StrEnum):
    """The three bodies that decide on an applicant."""

    BRANCH_COMMITTEE = "branch_committee"
    BRANCH_GENERAL_MEETING = "branch_general_meeting"
    PARTY_COMMITTEE = "party_committee"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]

    @property
    def short(self) -> str:
        """As a sentence names it after the organisation: "计算机学院党支部召开党员大会"."""
        return {"branch_committee": "支部委员会会议", "branch_general_meeting": "党员大会",
                "party_committee": "党委会议"}[self.value]


_KIND_LABELS = {
    MeetingKind.BRANCH_COMMITTEE: "支部委员会会议",
    MeetingKind.BRANCH_GENERAL_MEETING: "党支部党员大会",
    MeetingKind.PARTY_COMMITTEE: "基层党委会议",
}
KIND_WORDS = {
    "支委会": MeetingKind.BRANCH_COMMITTEE, "支部委员会": MeetingKind.BRANCH_COMMITTEE,
    "支部委员会会议": MeetingKind.BRANCH_COMMITTEE, "党支部委员会会议": MeetingKind.BRANCH_COMMITTEE,
    "党员大会": MeetingKind.BRANCH_GENERAL_MEETING, "支部大会": MeetingKind.BRANCH_GENERAL_MEETING,
    "党支部党员大会": MeetingKind.BRANCH_GENERAL_MEETING, "支部党员大会": MeetingKind.BRANCH_GENERAL_MEETING,
    "党委会": MeetingKind.PARTY_COMMITTEE, "党委会议": MeetingKind.PARTY_COMMITTEE,
    "基层党委会议": MeetingKind.PARTY_COMMITTEE,
} | {k.value: k for k in MeetingKind}


class ItemPurpose(StrEnum):
    """What one agenda item decides about one applicant. The stored values are permanent."""

    ACTIVIST = "activist"
    CANDIDATE = "candidate"
    REVIEW = "review"
    ADMISSION = "admission"
    APPROVAL = "approval"
    CONFIRMATION = "confirmation"
    EXTENSION = "extension"
    CANCELLATION = "cancellation"

    @property
    def label(self) -> str:
        return PURPOSES[self].label


@dataclass(frozen=True)
class PurposeSpec:
    """One row of the agenda table: the step a passed item records and the body that decides it."""

    purpose: ItemPurpose
    label: str
    step: Step
    body: MeetingKind
    motion: str  # the resolution as the 决议 words it, with {name} for the applicant

    @property
    def by_general_meeting(self) -> bool:
        """The §2.4 vote (secret ballot, written opinions) governs it."""
        return self.body is MeetingKind.BRANCH_GENERAL_MEETING


G, C, P = MeetingKind.BRANCH_GENERAL_MEETING, MeetingKind.BRANCH_COMMITTEE, MeetingKind.PARTY_COMMITTEE
PURPOSES: dict[ItemPurpose, PurposeSpec] = {spec.purpose: spec for spec in (
    PurposeSpec(ItemPurpose.ACTIVIST, "确定入党积极分子", Step.ACTIVIST_DESIGNATED, C, "确定{name}同志为入党积极分子"),  # 3
    PurposeSpec(ItemPurpose.CANDIDATE, "确定发展对象", Step.CANDIDATE_DESIGNATED, C, "将{name}同志列为发展对象"),  # 7
    PurposeSpec(ItemPurpose.REVIEW, "审查", Step.COMMITTEE_REVIEWED, C, "{name}同志经审查合格，报上级党委预审"),  # 12
    PurposeSpec(ItemPurpose.ADMISSION, "接收预备党员", Step.ADMISSION_RESOLVED, G, "接收{name}同志为中共预备党员"),  # 15
    PurposeSpec(ItemPurpose.APPROVAL, "审批", Step.ADMISSION_APPROVED, P, "接收{name}同志为中共预备党员"),  # 17
    PurposeSpec(ItemPurpose.CONFIRMATION, "转正", Step.CONFIRMATION_RESOLVED, G, "{name}同志按期转为中共正式党员"),  # 23
    PurposeSpec(ItemPurpose.EXTENSION, "延长预备期", Step.PROBATION_EXTENDED, G, "延长{name}同志的预备期{months}"),
    PurposeSpec(ItemPurpose.CANCELLATION, "取消预备党员资格", Step.PROBATION_CANCELLED, G, "取消{name}同志的预备党员资格"),
)}
# A 转正 discussion ends in one of three resolutions (细则第三十二条): the item's motion may move among them.
PROBATION_OUTCOMES = (ItemPurpose.CONFIRMATION, ItemPurpose.EXTENSION, ItemPurpose.CANCELLATION)
PURPOSE_WORDS = {spec.label: p for p, spec in PURPOSES.items()} | {
    "接收": ItemPurpose.ADMISSION, "按期转正": ItemPurpose.CONFIRMATION, "延长": ItemPurpose.EXTENSION,
    "取消资格": ItemPurpose.CANCELLATION, "取消": ItemPurpose.CANCELLATION, "积极分子": ItemPurpose.ACTIVIST,
    "发展对象": ItemPurpose.CANDIDATE, "支部委员会审查": ItemPurpose.REVIEW, "上级党委审批": ItemPurpose.APPROVAL,
} | {p.value: p for p in ItemPurpose}

# Posts that make a member of a 委员会 (roster.Post values); an 组织员 is staff, not a 委员.
COMMITTEE_POSTS = frozenset({"secretary", "deputy_secretary", "organisation_member", "committee_member"})


def deciding_body(purpose: ItemPurpose, branch_has_committee: bool) -> MeetingKind:
    """The meeting that decides an item: "由支部委员会研究决定（不设支部委员会的由支部大会，下同）"。

    细则第八条; procedure.md §3 item 17.

    >>> deciding_body(ItemPurpose.ACTIVIST, True).label, deciding_body(ItemPurpose.ACTIVIST, False).label
    ('支部委员会会议', '党支部党员大会')
    >>> deciding_body(ItemPurpose.ADMISSION, True).label
    '党支部党员大会'
    """
    body = PURPOSES[purpose].body
    if body is MeetingKind.BRANCH_COMMITTEE and not branch_has_committee:
        return MeetingKind.BRANCH_GENERAL_MEETING
    return body


def purpose_problem(purpose: ItemPurpose, kind: MeetingKind, branch_has_committee: bool) -> str | None:
    """Why an item cannot be put on this meeting's agenda, or None.

    细则第八条、第二十条、第二十四条（审批）: each decision belongs to one body; a branch without a 支委会 takes
    the committee's decisions at its 党员大会.

    >>> purpose_problem(ItemPurpose.ADMISSION, MeetingKind.BRANCH_COMMITTEE, True)
    '「接收预备党员」应由党支部党员大会讨论表决，不能列入支部委员会会议的议程。'
    >>> purpose_problem(ItemPurpose.REVIEW, MeetingKind.BRANCH_GENERAL_MEETING, False) is None
    True
    """
    body = deciding_body(purpose, branch_has_committee)
    if body is kind:
        return None
    return f"「{PURPOSES[purpose].label}」应由{body.label}讨论表决，不能列入{kind.label}的议程。"


# ---------------------------------------------------------------- who may vote: P1 and P4


@dataclass(frozen=True)
class RosterEntry:
    """One member on the roster of the meeting date, with the standing on that date."""

    member_id: int
    name: str
    standing: Standing


class ExclusionCategory(StrEnum):
    """The five P4 categories that may be left out of 应到会人数."""

    ILLNESS = "illness"
    ABROAD = "abroad"
    IMPRISONED = "imprisoned"
    INFIRM = "infirm"
    AWAY = "away"

    @property
    def label(self) -> str:
        return _CATEGORY_LABELS[self]


_CATEGORY_LABELS = {
    ExclusionCategory.ILLNESS: "患有精神病或其他疾病、不能表达本人意志",
    ExclusionCategory.ABROAD: "自费出国半年以上",
    ExclusionCategory.IMPRISONED: "受刑事处分正在服刑、未受到留党察看以上处分",
    ExclusionCategory.INFIRM: "年老体弱卧床不起、生活不能自理",
    ExclusionCategory.AWAY: "工作调动、下派锻炼、外出学习或工作半年以上，应转走组织关系而没有转走",
}
CATEGORY_WORDS = {
    "因病": ExclusionCategory.ILLNESS, "疾病": ExclusionCategory.ILLNESS, "出国": ExclusionCategory.ABROAD,
    "自费出国": ExclusionCategory.ABROAD, "服刑": ExclusionCategory.IMPRISONED, "卧床": ExclusionCategory.INFIRM,
    "年老体弱": ExclusionCategory.INFIRM, "外出": ExclusionCategory.AWAY, "应转未转": ExclusionCategory.AWAY,
} | {c.label: c for c in ExclusionCategory} | {c.value: c for c in ExclusionCategory}


@dataclass(frozen=True)
class Exclusion:
    """A P4 exclusion for one meeting: the category, the higher organisation's consent, the 党员大会 resolution."""

    member_id: int
    category: ExclusionCategory
    consent: str
    resolution: str

    def reason(self) -> str:
        return f"{self.category.label}（上级党组织同意：{self.consent}；党员大会决议：{self.resolution}）"


def exclusion_problem(category: str, consent: str, resolution: str) -> str | None:
    """Why a P4 exclusion cannot be recorded, or None.

    党务指导意见（共产党员网2016）[G]: 经上级党组织同意并经支部党员大会通过，下列党员可不计算在应到会人数之内：
    患有精神病或其他疾病、不能表达本人意志的；自费出国半年以上的；虽未受到留党察看以上处分、但正在服刑的；
    年老体弱卧床不起、生活不能自理的；工作调动、下派锻炼、外出学习或工作半年以上等，应转走组织关系而没有转走的。

    >>> exclusion_problem("出国", "某大学党委组织部同意（2025年11月30日）", "2025年12月1日党员大会决议") is None
    True
    >>> exclusion_problem("出差", "有", "有")
    '「出差」不属于可不计入应到会人数的五类情形（疾病不能表达意志、自费出国半年以上、正在服刑、卧床不能自理、外出半年以上应转未转）。'
    >>> exclusion_problem("出国", "", "2025年12月1日党员大会决议")
    '不计入应到会人数须经上级党组织同意，请写明同意的文件或记录。'
    """
    if category.strip() not in CATEGORY_WORDS:
        return (f"「{category}」不属于可不计入应到会人数的五类情形（疾病不能表达意志、自费出国半年以上、正在服刑、"
                "卧床不能自理、外出半年以上应转未转）。")
    if not consent.strip():
        return "不计入应到会人数须经上级党组织同意，请写明同意的文件或记录。"
    if not resolution.strip():
        return "不计入应到会人数须经支部党员大会决议通过，请写明决议。"
    return None


def voting_right_problem(name: str, standing: Standing, on: date) -> str | None:
    """Why a member has no vote on the meeting date, or None if the member is a 正式党员 with full rights.

    党章第七条："预备党员的权利，除了没有表决权、选举权和被选举权以外，也同正式党员一样。" 选举工作条例第五条：
    "受留党察看处分的党员在留党察看期间没有表决权……党员被依法留置、逮捕的，党组织应当按照管理权限中止其表决权"。

    >>> voting_right_problem("钱多", Standing.PROBATIONARY, date(2025, 12, 12))
    '钱多在2025年12月12日是预备党员，没有表决权，不计入应到和实到人数（可以列席会议、发表意见）。'
    >>> voting_right_problem("王芳", Standing.FULL, date(2025, 12, 12)) is None
    True
    """
    if standing is Standing.FULL:
        return None
    if standing is Standing.PROBATIONARY:
        return f"{name}在{cn_date(on)}是预备党员，没有表决权，不计入应到和实到人数（可以列席会议、发表意见）。"
    if standing is Standing.NOT_A_MEMBER:
        return f"{name}在{cn_date(on)}不在本组织的党员名册中，没有表决权。"
    return f"{name}在{cn_date(on)}是{standing.label}，没有表决权，不计入应到人数。"


@dataclass(frozen=True)
class Voter:
    """One line of the meeting's voter list: entitled or not (and why), present or not."""

    member_id: int
    name: str
    standing: Standing
    entitled: bool
    excluded_reason: str | None = None
    present: bool = False

    @property
    def not_counted_note(self) -> str:
        """Why this person is not in 应到, in a few words: "钱多（预备党员）" or the P4 exclusion.

        >>> Voter(2, "钱多", Standing.PROBATIONARY, False, "…").not_counted_note
        '钱多（预备党员）'
        """
        if self.standing is not Standing.FULL:
            return f"{self.name}（{self.standing.label}）"
        return f"{self.name}：{self.excluded_reason}"


def entitled_voters(roster: Iterable[RosterEntry], exclusions: Iterable[Exclusion] = (), *,
                    on: date) -> tuple[Voter, ...]:
    """The voter list of a meeting: everyone on the roster of the date, entitled (应到) or with the reason not.

    P1: only 正式党员 vote; 预备党员, members under 留党察看 and members whose rights are suspended are listed
    but not entitled. P4: an exclusion (consent + resolution) takes an entitled member out of 应到.

    >>> roster = [RosterEntry(1, "王芳", Standing.FULL), RosterEntry(2, "钱多", Standing.PROBATIONARY),
    ...           RosterEntry(3, "孙丽", Standing.ON_PROBATION_SANCTION), RosterEntry(4, "周伟", Standing.FULL)]
    >>> away = Exclusion(4, ExclusionCategory.ABROAD, "党委组织部同意", "党员大会决议")
    >>> [(v.name, v.entitled) for v in entitled_voters(roster, [away], on=date(2025, 12, 12))]
    [('王芳', True), ('钱多', False), ('孙丽', False), ('周伟', False)]
    >>> entitled_voters(roster, [away], on=date(2025, 12, 12))[3].excluded_reason
    '自费出国半年以上（上级党组织同意：党委组织部同意；党员大会决议：党员大会决议）'
    """
    excluded = {e.member_id: e for e in exclusions}
    voters = []
    for entry in roster:
        problem = voting_right_problem(entry.name, entry.standing, on)
        exclusion = excluded.get(entry.member_id)
        if problem is None and exclusion is not None:
            problem = exclusion.reason()
        voters.append(Voter(entry.member_id, entry.name, entry.standing, problem is None, problem))
    return tuple(voters)


def entitled_and_present(voters: Sequence[Voter]) -> tuple[int, int]:
    """应到 and 实到: entitled voters, and those of them present. Nobody else counts.

    细则第二十条："有表决权的到会人数必须超过应到会有表决权人数的半数。"

    >>> entitled_and_present([Voter(1, "甲", Standing.FULL, True, present=True),
    ...                       Voter(2, "乙", Standing.PROBATIONARY, False, present=True),
    ...                       Voter(3, "丙", Standing.FULL, True)])
    (2, 1)
    """
    entitled = [v for v in voters if v.entitled]
    return len(entitled), sum(1 for v in entitled if v.present)


def attendance_problem(voter: Voter | None, name: str, on: date) -> str | None:
    """Why someone cannot be recorded as a voter present at the meeting, or None.

    党章第七条 (P1): 预备党员没有表决权; P4: an excluded member is not counted in 应到, so not in 实到 either.

    >>> attendance_problem(None, "张三", date(2025, 12, 12))
    '张三不在本次会议的党员名单中（按2025年12月12日的党员名册），不能登记为有表决权的到会人员。'
    >>> attendance_problem(Voter(2, "钱多", Standing.PROBATIONARY, False, "预备党员"), "钱多", date(2025, 12, 12))
    '钱多在2025年12月12日是预备党员，没有表决权，不计入应到和实到人数（可以列席会议、发表意见）。'
    """
    if voter is None:
        return f"{name}不在本次会议的党员名单中（按{cn_date(on)}的党员名册），不能登记为有表决权的到会人员。"
    if voter.entitled:
        return None
    problem = voting_right_problem(voter.name, voter.standing, on)
    return problem or f"{voter.name}已不计入应到会人数：{voter.excluded_reason}，不能登记为有表决权的到会人员。"


# ---------------------------------------------------------------- written opinions: N17


def written_opinion_problem(voter: Voter | None, name: str, submitted_on: date, meeting_on: date,
                            *, already_given: bool) -> str | None:
    """Why a written opinion (书面意见) cannot be counted, or None.

    细则第二十一条（条号为推定）："因故不能到会的有表决权的党员，在支部大会召开前正式向党支部提出书面意见的，
    应当统计在票数内。" So it must come from an entitled member (P1, P4), who is absent, dated strictly before
    the meeting date, and be the only one of that member on that item.

    >>> full = Voter(1, "孙丽", Standing.FULL, True)
    >>> written_opinion_problem(full, "孙丽", date(2025, 12, 11), date(2025, 12, 12), already_given=False) is None
    True
    >>> written_opinion_problem(full, "孙丽", date(2025, 12, 12), date(2025, 12, 12), already_given=False)
    '孙丽的书面意见注明2025年12月12日提出，不是在会前（2025年12月12日之前）提出，不能统计在票数内。'
    >>> written_opinion_problem(full, "孙丽", date(2025, 12, 10), date(2025, 12, 12), already_given=True)
    '孙丽对本议题已提出过书面意见，每人每个议题只计一份，重复的意见不能统计在票数内。'
    >>> written_opinion_problem(Voter(1, "孙丽", Standing.FULL, True, present=True), "孙丽", date(2025, 12, 10),
    ...                         date(2025, 12, 12), already_given=False)
    '孙丽已到会，应当当场投票；书面意见只统计因故不能到会的党员的意见。'
    """
    if voter is None:
        return f"{name}不在本次会议的党员名单中（按{cn_date(meeting_on)}的党员名册），书面意见不能统计在票数内。"
    if not voter.entitled:
        reason = voting_right_problem(voter.name, voter.standing, meeting_on) or f"已不计入应到会人数（{voter.excluded_reason}）"
        return f"{reason.removesuffix('。')}，书面意见不能统计在票数内。"
    if voter.present:
        return f"{name}已到会，应当当场投票；书面意见只统计因故不能到会的党员的意见。"
    if submitted_on >= meeting_on:
        return (f"{name}的书面意见注明{cn_date(submitted_on)}提出，不是在会前（{cn_date(meeting_on)}之前）提出，"
                "不能统计在票数内。")
    if already_given:
        return f"{name}对本议题已提出过书面意见，每人每个议题只计一份，重复的意见不能统计在票数内。"
    return None


# ---------------------------------------------------------------- the ballot and its arithmetic


@dataclass(frozen=True)
class Ballots:
    """The secret-ballot count of one item: 赞成, 反对, 弃权 and invalid ballots, and how the vote was taken."""

    yes: int
    no: int
    abstain: int
    invalid: int
    method: VotingMethod = VotingMethod.SECRET_BALLOT

    @property
    def total(self) -> int:
        return self.yes + self.no + self.abstain + self.invalid


def secret_ballot_required(purpose: ItemPurpose, rule_set: RuleSetId) -> bool:
    """Whether the item must be voted by 无记名投票.

    细则第二十一条（条号为推定）："与会党员对发展对象能否入党进行充分讨论，并采取无记名投票方式进行表决"; the
    1990 《细则（试行）》 allowed "举手或无记名投票". Applies to the 党员大会's 接收, 转正, 延长 and 取消 votes
    (细则第三十三条: the same requirements); the 支委会 and 党委 decide by any method.

    >>> secret_ballot_required(ItemPurpose.ADMISSION, RuleSetId.R2014)
    True
    >>> secret_ballot_required(ItemPurpose.ADMISSION, RuleSetId.R1990), secret_ballot_required(ItemPurpose.ACTIVIST, RuleSetId.R2026)
    (False, False)
    """
    return PURPOSES[purpose].by_general_meeting and rule_set is not RuleSetId.R1990


def voting_method_problem(purpose: ItemPurpose, method: VotingMethod, rule_set: RuleSetId) -> str | None:
    """Why the voting method cannot be recorded for this item, or None (see :func:`secret_ballot_required`).

    >>> voting_method_problem(ItemPurpose.ADMISSION, VotingMethod.SHOW_OF_HANDS, RuleSetId.R2014)
    '采用举手方式表决，不符合无记名投票的要求。'
    >>> voting_method_problem(ItemPurpose.ADMISSION, VotingMethod.SHOW_OF_HANDS, RuleSetId.R1990) is None
    True
    """
    if method is VotingMethod.SECRET_BALLOT or not secret_ballot_required(purpose, rule_set):
        return None
    return SHOW_OF_HANDS_PROBLEM


def item_tally(voters: Sequence[Voter], ballots: Ballots, opinions: Iterable[Opinion] = ()) -> Tally:
    """The tally of one item from the meeting's own voter list, never from typed 应到/实到 numbers.

    细则第二十条、第二十一条: 应到 and 实到 count entitled voters only; accepted written opinions go into the
    tally, not into attendance. One item is one applicant, so ``applicants_on_ballot`` is always 1.

    >>> voters = [Voter(i, f"党员{i}", Standing.FULL, True, present=i <= 6) for i in range(1, 11)]
    >>> t = item_tally(voters, Ballots(4, 2, 0, 0), [Opinion.YES, Opinion.YES])
    >>> (t.entitled, t.present, t.yes, t.written_yes, t.applicants_on_ballot)
    (10, 6, 4, 2, 1)
    """
    entitled, present = entitled_and_present(voters)
    counted = tally_of([], opinions, entitled=entitled, present=present, method=ballots.method)
    return Tally(entitled=entitled, present=present, yes=ballots.yes, no=ballots.no, abstain=ballots.abstain,
                 invalid=ballots.invalid, written_yes=counted.written_yes, written_no=counted.written_no,
                 written_abstain=counted.written_abstain, method=ballots.method, applicants_on_ballot=1)


def item_result(t: Tally, kind: MeetingKind, *, half_is_enough: bool = False,
                secret_ballot: bool = True) -> VoteResult:
    """Quorum, threshold and consistency of one item at its meeting.

    党员大会: 细则第二十条 "有表决权的到会人数必须超过应到会有表决权人数的半数" and 第二十一条 "赞成人数超过应到会有
    表决权的正式党员的半数" (see :func:`states.votes.decide`). 支委会 and 党委: 支部工作条例第十二条 "须有半数以上
    委员到会方可进行" (more than half by default, §3 item 7) and a resolution carried by more than half of the
    members (应到委员), never of those present. ``secret_ballot`` is :func:`secret_ballot_required` for the item.

    >>> five = Tally(entitled=5, present=3, yes=3, no=0, abstain=0, invalid=0)
    >>> item_result(five, MeetingKind.BRANCH_COMMITTEE).passed
    True
    >>> r = item_result(Tally(entitled=4, present=2, yes=2, no=0, abstain=0, invalid=0), MeetingKind.BRANCH_COMMITTEE)
    >>> r.quorum, r.carried
    (False, False)
    >>> item_result(Tally(entitled=10, present=6, yes=4, no=2, abstain=0, invalid=0),
    ...             MeetingKind.BRANCH_GENERAL_MEETING).carried
    False
    """
    if kind is MeetingKind.BRANCH_GENERAL_MEETING:
        return decide(t, secret_ballot_required=secret_ballot)
    entitled = max(t.entitled, 0)
    total = t.yes  # committees take no written opinions
    needed_present = (entitled + 1) // 2 if half_is_enough else minimum_present_needed(entitled)
    return VoteResult(
        quorum=committee_quorum(t.entitled, t.present, half_is_enough=half_is_enough),
        carried=motion_carried(t.entitled, total),
        yes_total=total,
        needed_yes=minimum_yes_needed(entitled),
        needed_present=needed_present,
        problems=tuple(tally_problems(t, secret_ballot_required=False)),
    )
