"""Guards for a transferred 预备党员 (N27): 转出, 转入审查, postponing the 转正 discussion, and its six-month cap.

Same contract as ``states.rules``: pure functions of ``(facts, act)``; severity and citations live in the table
(``states.procedure``). The 预备期 itself is untouched by a transfer or a postponement: it still runs from the
支部大会 and 党龄 still counts from 预备期满之日 (``states.rules.probation_ends_on``).
"""

from __future__ import annotations

from datetime import date

from states.facts import ApplicantFacts
from states.periods import cn_date, last_day_within
from states.rules import probation_ends_on
from states.specs import Act
from states.steps import Step
from states.verdicts import Finding, met, unmet

POSTPONEMENT_MONTHS = 6  # N27: 推迟时间不超过6个月, counted from 预备期满


def transferred_in(facts: ApplicantFacts) -> bool:
    """Whether the case came to its present branch as a 预备党员 through a reviewed transfer."""
    return facts.done(Step.PROBATIONARY_TRANSFER_RECEIVED)


def postponement_limit(facts: ApplicantFacts, act: Act) -> tuple[date, date] | None:
    """预备期满 and the last day the 转正 discussion may be postponed to, or None before the 支部大会 record."""
    end = probation_ends_on(facts, act.policy)
    return None if end is None else (end, last_day_within(end, months=POSTPONEMENT_MONTHS))


def probationary_materials_handed_over(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """预备党员组织关系转出，原党组织应写明接收党组织，并将入党志愿书和教育考察材料一并转交。"""
    if str(act.evidence["to_organisation"]).strip() and act.evidence["materials_transferred"]:
        return met()
    return unmet("预备党员转出须写明接收党组织，并确认入党志愿书和教育考察材料已转交。")


def postponement_for_transferred_member(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """基层党组织对转入的预备党员，如认为有必要，可推迟讨论其转正问题（只适用于转入的预备党员）。"""
    if transferred_in(facts):
        return met()
    return unmet("只有转入的预备党员才能推迟讨论转正；本党支部接收的预备党员，预备期满应当及时讨论其转正。")


def postponement_at_probation_end(facts: ApplicantFacts, act: Act) -> Finding:
    """在其预备期满时推迟讨论转正问题：预备期满之前不作推迟决定，已讨论转正的不能再推迟。"""
    limit = postponement_limit(facts, act)
    if limit is None:
        return unmet("没有支部大会通过接收为预备党员的记录。")
    discussed = facts.date_of(Step.CONFIRMATION_RESOLVED)
    if discussed is not None:
        return unmet(f"支部大会已于{cn_date(discussed)}讨论转正，不能再推迟。")
    end = limit[0]
    if act.on >= end:
        return met()
    return unmet(f"预备期{cn_date(end)}期满，期满时方可决定推迟讨论转正。", allowed_from=end)


def postponement_within_six_months(facts: ApplicantFacts, act: Act) -> Finding:
    """推迟讨论转正的时间不超过六个月，从预备期满之日算起。"""
    limit = postponement_limit(facts, act)
    if limit is None:
        return unmet("没有支部大会通过接收为预备党员的记录。")
    end, last = limit
    until: date = act.evidence["until"]
    if until < act.on:
        return unmet(f"推迟到的日期（{cn_date(until)}）早于作出推迟决定的日期（{cn_date(act.on)}）。")
    if until <= last:
        return met()
    return unmet(f"推迟讨论转正最长不超过六个月：预备期{cn_date(end)}期满，最迟推迟到{cn_date(last)}，"
                 f"不能推迟到{cn_date(until)}。")


def postponement_reason_given(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """推迟讨论转正须写明理由（认为有必要的情况）。"""
    if str(act.evidence["reason"]).strip():
        return met()
    return unmet("推迟讨论转正须写明理由。")


def transferred_confirmation_within_six_months(facts: ApplicantFacts, act: Act) -> Finding:
    """转入的预备党员推迟讨论转正不超过六个月：预备期满六个月后才讨论转正的，违反规定（照实记录）。"""
    limit = postponement_limit(facts, act) if transferred_in(facts) else None
    if limit is None:
        return met()
    end, last = limit
    if act.on <= last or act.planning:
        return met(due_by=last)
    return unmet(f"预备期{cn_date(end)}期满，转入的预备党员推迟讨论转正最迟到{cn_date(last)}，"
                 f"{cn_date(act.on)}才讨论转正，已超过六个月。", due_by=last)


def postponement_line(facts: ApplicantFacts) -> str | None:
    """The line ``show`` prints while the last 推迟讨论转正 stands (until the 支部大会 has discussed the 转正)."""
    postponed = facts.last(Step.CONFIRMATION_POSTPONED)
    if postponed is None:
        return None
    until, reason = postponed.evidence.get("until"), str(postponed.evidence.get("reason", ""))
    shown = cn_date(until) if isinstance(until, date) else str(until)
    return f"转正讨论推迟到{shown}（理由：{reason}）"
