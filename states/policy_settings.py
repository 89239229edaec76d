"""The settings a 党组织 may switch on, each named and explained once, and the local stricter rules they enable.

Where the rules leave a choice (procedure.md §3 items 2, 6, 12) or a local 实施细则 is stricter than the national
text (§3 item 22: 3–6 months before 积极分子, a 7-day 公示), a branch or its 党委 chooses. The local rules are added on
top of the national set (never changing it), so a local refusal cites the organisation's own rule with tag [G].
Storage and inheritance down the organisation tree live in ``workflow.policies``; here is only what exists and
what each value does to a ``Policy``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta

from states.facts import ApplicantFacts
from states.periods import cn_date, minimum_met_on
from states.procedure import PROCEDURE
from states.rulesets import Policy, RuleSetId
from states.specs import Act, Rule
from states.steps import Severity, Step, Tag
from states.verdicts import Citation, Finding, met, unmet

SEVERITY_LABELS = {Severity.HARD: "硬性：不满足不能办理", Severity.SOFT: "一般性：不满足须特批",
                   Severity.DUTY: "时限义务：允许办理、记违规"}
TRUE_WORDS, FALSE_WORDS = ("是", "开", "开启", "true", "yes", "on", "1"), ("否", "关", "关闭", "false", "no", "off", "0")


class BadSetting(ValueError):
    """A value or a setting name that does not exist; the message is a Chinese sentence for the user."""


@dataclass(frozen=True)
class Setting:
    """One switchable choice: its key (for the CLI and storage), Chinese name, meaning, source and values."""

    key: str
    name: str
    meaning: str
    source: str  # where in the catalogue the choice is left open
    choices: Mapping[str, str]  # stored value → Chinese label
    read: Callable[[Policy], str]  # the value a policy holds (the deployment default is read from its policy)
    apply: Callable[[Policy, str], Policy]

    def parse(self, text: str) -> str:
        """The stored value for what a user typed: the value itself, its Chinese label, or 是/否 for a switch."""
        typed = text.strip()
        for value, label in self.choices.items():
            if typed.lower() == value or typed == label or typed == label.split("：")[0]:
                return value
        if set(self.choices) == {"true", "false"}:
            if typed.lower() in TRUE_WORDS:
                return "true"
            if typed.lower() in FALSE_WORDS:
                return "false"
        allowed = "、".join(f"{v}（{label}）" for v, label in self.choices.items())
        raise BadSetting(f"「{self.name}」不能设为「{typed}」，可选：{allowed}。")

    def label(self, value: str) -> str:
        return self.choices.get(value, value)


def _switch(on: str, off: str) -> dict[str, str]:
    return {"true": on, "false": off}


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _severity_read(rule_id: str) -> Callable[[Policy], str]:
    """The rule's severity under a policy; without an override, the one the procedure table gives it."""
    default = next(rule.severity for spec in PROCEDURE for rule in spec.rules if rule.id == rule_id)
    return lambda policy: policy.severity_overrides.get(rule_id, default).value


def _severity_of(rule_id: str) -> Callable[[Policy, str], Policy]:
    def apply(policy: Policy, value: str) -> Policy:
        return replace(policy, severity_overrides={**policy.severity_overrides, rule_id: Severity(value)})
    return apply


SEVERITIES = {s.value: SEVERITY_LABELS[s] for s in Severity}

SETTINGS: tuple[Setting, ...] = (
    Setting("strict_age", "年满十八岁的算法",
            "默认生日当天即年满十八岁；开启后从十八周岁生日的次日起才算年满十八岁（司法实践“周岁”算法）。",
            "党章第一条、细则第五条“年满十八岁”", _switch("生日次日起算", "生日当天起算"),
            lambda p: _flag(p.strict_age),
            lambda p, v: replace(p, strict_age=v == "true")),
    Setting("strict_minimums", "“满一年”“满半年”的算法",
            "默认起算日算作第一天，到周年（对应日）当天即满期；开启后到对应日的次日才满期（民法典第二百零一条读法）。"
            "影响积极分子满一年、预备期满等所有最短期限。",
            "“一年以上”“满一年”的两种读法（民法典第二百零一条）", _switch("对应日次日满期", "对应日当天满期"),
            lambda p: _flag(p.strict_minimums),
            lambda p, v: replace(p, strict_minimums=v == "true")),
    Setting("half_year_assessment_severity", "每半年考察一次（确定发展对象时）的严格程度",
            "积极分子期间每个完整的半年都应有考察记录。这是据“每半年考察一次”推定的规定，默认不满足不能确定为发展对象。",
            "细则第十一条“每半年考察一次”（推定）", SEVERITIES,
            _severity_read("assessed_every_half_year"),
            _severity_of("assessed_every_half_year")),
    Setting("political_review_age_severity", "支委会审查时政审已超过一年的严格程度",
            "政审结论一年内有效。支委会审查发展对象（第12步）时政审已超过一年，默认允许办理并记违规。",
            "细则第十五条（政审一年内有效，党务指导意见）", SEVERITIES,
            _severity_read("political_review_valid_at_committee_review"),
            _severity_of("political_review_valid_at_committee_review")),
    Setting("activist_wait_months", "递交入党申请书后多久方可确定为入党积极分子（地方规定）",
            "全国细则没有最短等待期。一些地方规定递交申请书满三至六个月后方可确定为入党积极分子；"
            "设为 3 至 6 即按该月数执行，自收到入党申请书之日起算。",
            "地方实施细则（全国细则没有规定）",
            {"0": "不设等待期（全国细则）", **{str(n): f"满{'三四五六'[n - 3]}个月" for n in range(3, 7)}},
            lambda p: str(p.activist_wait_months),
            lambda p, v: replace(p, activist_wait_months=int(v))),
    Setting("publicity_seven_days", "发展对象公示期不少于七天（地方规定）",
            "2026年修订要求公示不少于五个工作日；一些地方规定公示期不少于七天（自然日，公示首日算第一天）。"
            "开启后两项都须满足。",
            "地方实施细则；2026年修订第十三条（不少于五个工作日）", _switch("不少于七天", "按全国细则"),
            lambda p: _flag(p.publicity_min_days >= 7),
            lambda p, v: replace(p, publicity_min_days=7 if v == "true" else 0)),
)
BY_KEY = {s.key: s for s in SETTINGS}


def setting(key: str) -> Setting:
    """A setting by its key or its Chinese name."""
    found = BY_KEY.get(key.strip()) or next((s for s in SETTINGS if s.name == key.strip()), None)
    if found is None:
        raise BadSetting(f"没有名为「{key}」的设定，可设定：{'、'.join(s.key for s in SETTINGS)}。")
    return found


def policy_with(base: Policy, values: Mapping[str, str]) -> Policy:
    """The base policy with the given settings applied (unknown keys are ignored: a setting may be retired)."""
    policy = base
    for key, value in values.items():
        if key in BY_KEY:
            policy = BY_KEY[key].apply(policy, value)
    return policy


# ---------------------------------------------------------------- local stricter rules (§3 item 22)

LOCAL = Citation("本组织规定（地方实施细则）", Tag.G)
LOCAL_CITES = {RuleSetId.R2014: LOCAL, RuleSetId.R2026: LOCAL}


def activist_after_waiting_months(facts: ApplicantFacts, act: Act) -> Finding:
    """本组织规定：递交入党申请书满规定月数后，方可确定为入党积极分子。"""
    received = facts.date_of(Step.APPLICATION_SUBMITTED)
    months = act.policy.activist_wait_months
    if received is None or not months:
        return met()
    earliest = minimum_met_on(received, months=months, strict=act.policy.strict_minimums)
    if act.on >= earliest:
        return met()
    return unmet(f"本组织规定递交入党申请书满{months}个月方可确定为入党积极分子（收到申请书之日{cn_date(received)}），"
                 f"{cn_date(earliest)}起方可确定。", allowed_from=earliest)


def publicity_lasts_min_days(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """本组织规定：公示期不少于七天（公示首日算第一天）。"""
    days = act.policy.publicity_min_days
    posted, last = act.evidence.get("posted_on"), act.evidence.get("last_day")
    if not days or posted is None or last is None:
        return met()
    shortest = posted + timedelta(days=days - 1)
    if last >= shortest:
        return met()
    return unmet(f"公示期{cn_date(posted)}至{cn_date(last)}只有{(last - posted).days + 1}天，本组织规定不少于{days}天，"
                 f"应至少到{cn_date(shortest)}。")


LOCAL_RULES: dict[Step, tuple[Rule, ...]] = {
    Step.ACTIVIST_DESIGNATED: (Rule(activist_after_waiting_months, Severity.HARD, LOCAL_CITES),),
    Step.CANDIDATE_PUBLICISED: (Rule(publicity_lasts_min_days, Severity.HARD, LOCAL_CITES,
                                     needs=("posted_on", "last_day")),),
}


def local_rules_on(policy: Policy) -> bool:
    """Whether this policy switches on the local rules (not under the default policy)."""
    return bool(policy.activist_wait_months or policy.publicity_min_days)


def local_rules(step: Step, policy: Policy) -> tuple[Rule, ...]:
    """The local rules this policy switches on for the step (none under the default policy)."""
    if not local_rules_on(policy):
        return ()
    return LOCAL_RULES.get(step, ())
