"""Guards for the paths branches meet besides the straight line: a failed 政审, a stale 政审, ambiguous step names.

Same contract as ``states.rules``: pure functions of ``(facts, act)``; severity and citations live in the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from states.facts import ApplicantFacts, StepRecord
from states.periods import cn_date
from states.rules import political_review_expired, probation_ends_on
from states.rulesets import Policy
from states.specs import Act, StepSpec
from states.steps import Status, Step
from states.verdicts import Finding, met, unmet

# The 政审 result is a closed choice, never free text: "不合格" written as a conclusion once passed as 合格.
REVIEW_RESULTS = {"qualified": "合格", "unqualified": "不合格"}


def political_review_qualified(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """凡是未经政治审查或者政治审查不合格的，不能发展入党。"""
    if act.evidence["result"] == "qualified":
        return met()
    return unmet("政治审查结果为不合格，不能发展入党。请改为记录「政治审查不合格」，案卷即以「不能发展入党」结束。")


def political_review_failed_is_unqualified(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """政治审查不合格的，不能发展入党（记录的结果须为不合格）。"""
    if act.evidence.get("result", "unqualified") == "unqualified":
        return met()
    return unmet("政治审查结果为合格，不能记录为「政治审查不合格」；合格的请记录「10. 进行政治审查」。")


def political_review_valid_at_committee_review(facts: ApplicantFacts, act: Act) -> Finding:
    """除特殊情况外，政治审查结果在一年内有效；支部委员会审查时应核对。"""
    expired = political_review_expired(facts, act.on)
    if expired is None:
        return met()
    reviewed, valid_until = expired
    return unmet(f"政治审查结论（{cn_date(reviewed)}）到{cn_date(valid_until)}已满一年，"
                 "支部委员会审查时已失效，应重新进行政治审查。")


# ---------------------------------------------------------------- transfers (细则第十二条, N7)

CONTINUITY = {"continuous": "连续计算", "restart": "自审查之日重新计算"}
# 积极分子/发展对象 (第十二条) and 预备党员 (N27) transfer through their own steps, under one 转接中 guard.
TRANSFERS_OUT = frozenset({Step.ACTIVIST_TRANSFERRED, Step.PROBATIONARY_TRANSFERRED})
TRANSFERS_IN = frozenset({Step.TRANSFER_RECEIVED, Step.PROBATIONARY_TRANSFER_RECEIVED})


def pending_transfer(facts: ApplicantFacts) -> StepRecord | None:
    """The 转出 that the receiving branch has not yet reviewed: while it stands the case is 转接中."""
    if facts.by_step.keys().isdisjoint(TRANSFERS_OUT):  # the usual case, from the facts' index: no scan of records
        return None
    last_out = last_in = -1
    for index, record in enumerate(facts.records):
        if record.step in TRANSFERS_OUT:
            last_out = index
        elif record.step in TRANSFERS_IN:
            last_in = index
    return facts.records[last_out] if last_out > last_in else None


def not_in_transfer(facts: ApplicantFacts, act: Act) -> Finding:
    """转接中的案卷，接收党组织审查材料之前不能办理其他步骤。"""
    pending = pending_transfer(facts)
    if pending is None or act.step in TRANSFERS_IN:
        return met()
    return unmet(f"案卷正在转接中：{cn_date(pending.on)}已转往「{pending.evidence.get('to_organisation', '')}」，"
                 "接收党组织审查培养教育材料（记录「转入审查」）之前，不能办理其他步骤。")


def transfer_is_pending(facts: ApplicantFacts, act: Act) -> Finding:
    """现单位党组织应当对转来的有关材料进行认真审查，并接续做好培养教育工作。"""
    pending = pending_transfer(facts)
    if pending is None:
        return unmet("没有待审查的转出记录：须先由原党组织记录「转出」。")
    if act.on < pending.on:
        return unmet(f"审查日期{cn_date(act.on)}早于转出日期{cn_date(pending.on)}。")
    return met()


def transfer_review_gives_reason(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """接收党组织审查转来的材料，写明审查人、培养教育时间是否连续计算及理由。"""
    if str(act.evidence["reviewed_by"]).strip() and str(act.evidence["reason"]).strip():
        return met()
    return unmet("转入审查须写明审查人和理由。")


# ---------------------------------------------------------------- 审批 extension (细则第二十四条, N20)

EXTENSION_FIELDS = {"extension_reason": "延长审批的特殊情况", "extension_by": "批准延长的组织",
                    "extended_on": "决定延长的日期"}


def approval_extension_complete(facts: ApplicantFacts, act: Act) -> Finding:
    """遇有特殊情况可适当延长审批时间：写明特殊情况、批准延长的组织和日期。"""
    given = {key for key in EXTENSION_FIELDS if act.evidence.get(key) not in (None, "")}
    if not given:
        return met()
    missing = [f"「{label}」" for key, label in EXTENSION_FIELDS.items() if key not in given]
    if missing:
        return unmet(f"延长审批时间须同时写明{'、'.join(missing)}。")
    meeting = facts.date_of(Step.ADMISSION_RESOLVED)
    extended_on = act.evidence["extended_on"]
    if extended_on > act.on or (meeting is not None and extended_on < meeting):
        return unmet(f"决定延长的日期（{cn_date(extended_on)}）应在支部大会之后、审批之前。")
    return met()


# ---------------------------------------------------------------- names shared by two steps (15/23, 17/24)


def resolve_name(candidates: list[StepSpec], status: Status | None) -> StepSpec:
    """Pick the one step a shared name means for a case in ``status``; raise KeyError listing both otherwise.

    "支部大会讨论" is step 15 for a 发展对象 and step 23 for a 预备党员; "上级党委审批" is 17 or 24 likewise.
    """
    if len(candidates) == 1:
        return candidates[0]
    fitting = [spec for spec in candidates if status is not None and status in spec.sources]
    if len(fitting) == 1:
        return fitting[0]
    listed = "、".join(f"「{spec.label}」（{'、'.join(s.label for s in spec.sources)}时办理）" for spec in candidates)
    raise KeyError(f"「{candidates[0].name}」可以指{listed}，请用步骤编号指明。")


# ---------------------------------------------------------------- 预备期起止 and 党龄起算日 (党章第七条, §3 items 5 and 14)


@dataclass(frozen=True)
class MembershipDates:
    """预备期 from the 接收 meeting to the day before 预备期满; 党龄 from 预备期满 once the 转正 is approved."""

    probation_from: date
    probation_until: date  # inclusive: 志愿书 practice writes the day before the anniversary
    party_age_from: date | None  # None until the 党委 has approved the 转正

    def lines(self) -> list[str]:
        found = [f"预备期：{cn_date(self.probation_from)}至{cn_date(self.probation_until)}"]
        if self.party_age_from:
            found.append(f"党龄起算日：{cn_date(self.party_age_from)}（预备期满之日）")
        else:
            found.append(f"党龄起算日：按期转正的，自{cn_date(self.probation_until + timedelta(days=1))}（预备期满之日）起算")
        return found

    def as_dict(self) -> dict[str, str | None]:
        return {"probation_from": self.probation_from.isoformat(),
                "probation_until": self.probation_until.isoformat(),
                "party_age_from": self.party_age_from.isoformat() if self.party_age_from else None}


def membership_dates(facts: ApplicantFacts, policy: Policy) -> MembershipDates | None:
    """The dates a 预备党员 or 正式党员 is told, or None before the 支部大会 has admitted the person."""
    ends = probation_ends_on(facts, policy)
    start = facts.date_of(Step.ADMISSION_RESOLVED)
    if ends is None or start is None or not facts.done(Step.ADMISSION_APPROVED):
        return None
    confirmed = facts.done(Step.CONFIRMATION_APPROVED)
    return MembershipDates(start, ends - timedelta(days=1), ends if confirmed else None)
