"""Rule sets versioned by the date of each act (procedure.md §0.3, §3 item 1), and the deployment policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from states.steps import Severity


class RuleSetId(StrEnum):
    """A version of the 细则. The value is stored with every act and audit event."""

    R1990 = "1990"
    R2014 = "2014.06"
    R2026 = "2026.05"


@dataclass(frozen=True)
class RuleSet:
    id: RuleSetId
    effective_from: date
    title: str
    note: str


RULE_SETS: tuple[RuleSet, ...] = (
    RuleSet(
        RuleSetId.R1990,
        date(1990, 6, 1),
        "中国共产党发展党员工作细则（试行）（1990）",
        "仅用于导入2014年6月10日以前的纸质记录；允许举手表决。",
    ),
    RuleSet(
        RuleSetId.R2014,
        date(2014, 6, 10),
        "中国共产党发展党员工作细则（2014年6月10日发布）",
        "现行全国性规定的主要依据。",
    ),
    RuleSet(
        RuleSetId.R2026,
        date(2026, 5, 18),
        "中国共产党发展党员工作细则（2026年修订，据报道2026年5月18日发布）",
        "修订内容来自第三方转述，尚待与官方文本核对（[R26]）。",
    ),
)

ALL_SETS = frozenset(RuleSetId)
SINCE_2014 = frozenset({RuleSetId.R2014, RuleSetId.R2026})
ONLY_2026 = frozenset({RuleSetId.R2026})


def rule_set_in_force(on: date) -> RuleSetId:
    """The rule set in force on the date of an act; acts before 1990 fall under the earliest set.

    >>> rule_set_in_force(date(2026, 5, 17)), rule_set_in_force(date(2026, 5, 18))
    (<RuleSetId.R2014: '2014.06'>, <RuleSetId.R2026: '2026.05'>)
    >>> rule_set_in_force(date(2014, 6, 9))
    <RuleSetId.R1990: '1990'>
    """
    for effective_from, rule_set in _LATEST_FIRST:
        if on >= effective_from:
            return rule_set
    return RULE_SETS[0].id


# (effective from, id), latest first: an act of today stops at the first or second. Asked by every check.
_LATEST_FIRST = tuple((rs.effective_from, rs.id) for rs in reversed(RULE_SETS))
if [rs.effective_from for rs in RULE_SETS] != sorted(rs.effective_from for rs in RULE_SETS):
    raise ValueError("RULE_SETS must be listed in the order they took effect")


class ActivistAnchor(StrEnum):
    """What the one-year 积极分子 period is counted from (procedure.md §3 item 4)."""

    DECISION = "decision"  # the 支委会 decision (default)
    FILING = "filing"  # the 上级党委备案 date, as some local rules do


@dataclass(frozen=True)
class Policy:
    """Deployment choices where the rules leave room (procedure.md §3). Stored with each decision."""

    pinned_rule_set: RuleSetId | None = None
    strict_minimums: bool = False  # §3.2: minimum durations met the day after the anniversary
    strict_age: bool = False  # §3.6: 年满十八岁 from the day after the 18th birthday
    activist_anchor: ActivistAnchor = ActivistAnchor.DECISION
    committee_half_is_enough: bool = False  # §3.7: 支委会 "半数以上" accepts exactly half
    enforce_r26: bool = True  # §0.3: rules reported for the 2026 revision, pending confirmation
    severity_overrides: dict[str, Severity] = field(default_factory=dict)  # e.g. §3.12 half-yearly 考察
    # Local stricter rules (§3 item 22), 0 = off; set per organisation (states/policy_settings.py).
    activist_wait_months: int = 0
    publicity_min_days: int = 0

    def rule_set_on(self, on: date) -> RuleSetId:
        """The rule set applied to an act on ``on``: the pinned one if any, else the one in force."""
        return self.pinned_rule_set or rule_set_in_force(on)


DEFAULT_POLICY = Policy()
