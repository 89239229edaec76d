"""Who may authorise an override or an extension: declared here, per rule; the roster is read in workflow.

procedure.md §3 item 10: "一般" and "除个别特殊情况外" mean an override is possible, with "a reason text, an
authoriser with the power to approve, and an audit event". The catalogue names the body for training (N12:
基层党委 or 县级党委组织部门 run the training, so the 基层党委 answers for its 个别特殊情况); for the other soft rules
and for the approval extension of step 17 (N20: "遇有特殊情况可适当延长审批时间") it names none, and the body that
answers for the step is taken: the 基层党委 above the branch — for the extension the one with the power to approve.

A power is held by that organisation itself (its name typed as the authoriser) or by a member who, on the act's
date, holds a committee post in it (书记、副书记、组织委员、委员; an 组织员 is staff, not a 委员). Nothing here reads
a database: ``workflow.authority`` resolves each typed name into a :class:`Holder` on the act's date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from states.facts import Override
from states.periods import cn_date
from states.specs import Act
from states.steps import Severity, Step
from states.verdicts import Citation, Finding, Outcome, Verdict, met, unmet

GRASSROOTS = "grassroots_committee"  # workflow.roster.OrganisationKind values
COMMITTEE_POSTS = {"secretary": "书记", "deputy_secretary": "副书记", "organisation_member": "组织委员",
                   "committee_member": "委员"}
KIND_LABELS = {"grassroots_committee": "基层党委", "general_branch": "党总支", "branch": "党支部", "group": "党小组"}
POST_LABELS = COMMITTEE_POSTS | {"organiser": "组织员"}
RULE_ID = "authoriser_has_power"
TITLE = "特批或延长由有权限的组织或负责人批准"


@dataclass(frozen=True)
class Power:
    """The level of organisation whose body, or whose committee members, may authorise."""

    kind: str = GRASSROOTS
    approval_right: bool = False  # only a 基层党委 with the power to approve 预备党员

    @property
    def label(self) -> str:
        body = ("有审批权的" if self.approval_right else "") + KIND_LABELS[self.kind]
        return f"{body}（或其{'、'.join(COMMITTEE_POSTS.values())}）"


@dataclass(frozen=True)
class Position:
    """One place a name holds on the act's date: an organisation itself (post None) or a post in it."""

    organisation: str
    kind: str
    post: str | None
    above_case: bool  # the case's own organisation or one above it
    may_approve: bool = False

    def describe(self) -> str:
        return self.organisation if self.post is None else f"{self.organisation}{POST_LABELS.get(self.post, self.post)}"


@dataclass(frozen=True)
class Holder:
    """A typed authoriser as the roster knows them on the act's date."""

    name: str
    on_roster: bool
    positions: tuple[Position, ...] = ()
    competent: tuple[str, ...] = ()  # organisations above the case at the power's level, to name in a refusal


OVERRIDE_POWERS: Mapping[str, tuple[Power, str]] = {  # each soft rule: who may authorise, what is authorised
    "trained_three_days_or_24_hours": (Power(), "未经培训或培训不足的特批"),  # N12: 除个别特殊情况外
    "not_leaving_within_three_months": (Power(), "三个月内将离开仍办理的特批"),  # §3 item 11: 一般不办理
    "political_review_still_valid": (Power(), "政治审查超过一年仍然采用的特批"),  # N11: 除特殊情况外
}
DEFAULT_POWER = Power()  # a rule a policy makes soft answers to the same body
EXTENSION_POWER = Power(approval_right=True)  # N20: the approving 党委 extends its own time limit
EXTENSION_RULE = "approval_extension_complete"


def power_for(rule: str, title: str = "") -> tuple[Power, str]:
    """The power a rule's override needs and the words for it; a rule made soft by a policy needs the 基层党委."""
    return OVERRIDE_POWERS.get(rule, (DEFAULT_POWER, f"「{title.rstrip('。')}」的特批"))


def holds(holder: Holder, power: Power) -> bool:
    """Whether one of the holder's positions carries the power.

    >>> party = Position("某大学党委", GRASSROOTS, "secretary", True, True)
    >>> holds(Holder("王建国", True, (party,)), Power()), holds(Holder("王建国", True, (party,)), EXTENSION_POWER)
    (True, True)
    >>> holds(Holder("王芳", True, (Position("某大学党委", GRASSROOTS, "organiser", True),)), Power())
    False
    """
    return any(p.above_case and p.kind == power.kind and (p.post is None or p.post in COMMITTEE_POSTS)
               and (p.may_approve or not power.approval_right) for p in holder.positions)


def authority_finding(holder: Holder | None, power: Power, what: str, act: Act) -> Finding:
    """Met when the holder has the power on the act's date; otherwise a sentence naming who may authorise.

    >>> from datetime import date
    >>> from states.rulesets import RuleSetId
    >>> act = Act(Step.TRAINING_COMPLETED, date(2025, 6, 3), {}, RuleSetId.R2014, None, None)  # type: ignore[arg-type]
    >>> authority_finding(Holder("张三", False, (), ("某大学党委",)), Power(), "培训不足的特批", act).message
    '「张三」不在党员名册和组织名册中。培训不足的特批须由某大学党委（或其书记、副书记、组织委员、委员）批准。'
    """
    if holder is not None and holds(holder, power):
        return met()
    if holder is None:
        return met()  # no roster to ask (a pure ``check`` without a database): nothing to judge
    who = ("、".join(holder.competent) + f"（或其{'、'.join(COMMITTEE_POSTS.values())}）") if holder.competent \
        else power.label
    if not holder.on_roster:
        found = f"「{holder.name}」不在党员名册和组织名册中。"
    else:
        places = "、".join(p.describe() for p in holder.positions) or "没有担任党内职务"
        found = f"「{holder.name}」在{cn_date(act.on)}的职务是：{places}，没有批准的权限。"
    return unmet(f"{found}{what}须由{who}批准。")


def authority_verdicts(verdicts: Iterable[Verdict], override: Override | None, act: Act,
                       holders: Mapping[str, Holder] | None, citations: Mapping[str, Citation]) -> list[Verdict]:
    """One verdict per override or extension whose authoriser lacks the power; nothing without ``holders``.

    ``citations`` gives each rule's article under the act's rule set (the extension cites its own rule).
    """
    if holders is None:
        return []
    found = []
    if override is not None:
        for overridden in (v for v in verdicts if v.outcome is Outcome.OVERRIDDEN):
            power, what = power_for(overridden.rule, overridden.title)
            finding = authority_finding(holders.get(override.authoriser.strip()), power, what, act)
            found.append(_verdict(finding, overridden.citation))
    by = act.evidence.get("extension_by")
    if act.step is Step.ADMISSION_APPROVED and isinstance(by, str) and by.strip() and EXTENSION_RULE in citations:
        finding = authority_finding(holders.get(by.strip()), EXTENSION_POWER, "延长审批时间", act)
        found.append(_verdict(finding, citations[EXTENSION_RULE]))
    return [v for v in found if v.outcome is not Outcome.PASSED]


def _verdict(finding: Finding, citation: Citation) -> Verdict:
    outcome = Outcome.PASSED if finding.met else Outcome.REFUSED
    return Verdict(RULE_ID, TITLE, Severity.HARD, outcome, finding.message, citation)
