"""Guards: one small pure function per rule, named after the rule, its wording and article in the docstring.

Every guard takes ``(facts, act)``: the applicant's recorded facts and the act being attempted (its date
``act.on``, its evidence, the rule set in force on that date, the deployment policy). Guards never read a
clock, a database or a global. The severity and the citation of each rule per rule set are declared with
the step table in ``states/procedure.py``.

Why one module past 500 lines: the guards of the 25 steps read in the table's order, so an inspector can hold
this file against the 细则 article by article; the guards of the irregular paths (transfers, 政审 results,
extensions) live in ``states/paths.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

from states.facts import ApplicantFacts, Person, Standing
from states.periods import add_months, add_years, cn_date, cn_period, last_day_within, minimum_met_on
from states.rulesets import ActivistAnchor, Policy, RuleSetId
from states.specs import Act
from states.steps import Step
from states.verdicts import Finding, met, unmet
from states.votes import Tally, VotingMethod, committee_quorum, decide, quorum_present, tally_problems

# ---------------------------------------------------------------- derived dates (pure helpers)


def activist_since(facts: ApplicantFacts, policy: Policy) -> date | None:
    """Start of the 积极分子 period: the 支委会 decision, or the 备案 date if the deployment chose so (§3.4)."""
    received = facts.last(Step.TRANSFER_RECEIVED)
    if received is not None and received.evidence.get("continuity") == "restart":
        return received.on  # 细则第十二条 lets time count on; the receiving branch chose to restart it
    if policy.activist_anchor is ActivistAnchor.FILING and facts.done(Step.ACTIVIST_FILED):
        return facts.date_of(Step.ACTIVIST_FILED)
    return facts.date_of(Step.ACTIVIST_DESIGNATED)


def probation_ends_on(facts: ApplicantFacts, policy: Policy) -> date | None:
    """预备期满: one year from the 接收 meeting, plus any extension counted from the original end (§3.5, §3.14).

    This is the first day the 转正 meeting may be held and the day 党龄 starts on an on-time 转正.
    """
    start = facts.date_of(Step.ADMISSION_RESOLVED)
    if start is None:
        return None
    extension = facts.last(Step.PROBATION_EXTENDED)
    months = int(extension.evidence["months"]) if extension is not None else 0
    # One step from the meeting date, so a 29 February start keeps its day: 2024-02-29 + 1年6个月 = 2025-08-29.
    return minimum_met_on(start, years=1, months=months, strict=policy.strict_minimums)


def _duty_until(act: Act, due: date, late: Callable[[], str]) -> Finding:
    """A duty ("应当在…内"): met up to and including ``due`` (§3 item 3); the planner only wants the date.

    ``late`` makes the sentence of a missed duty: only then, not on every met duty of every plan.
    """
    if act.on <= due or act.planning:
        return met(due_by=due)
    return unmet(late(), due_by=due)


def _people(act: Act, key: str) -> list[Person]:
    return list(act.evidence[key])


def _names(people: list[Person]) -> str:
    return "、".join(p.name for p in people)


# ---------------------------------------------------------------- 一、申请入党


def applicant_is_eighteen(facts: ApplicantFacts, act: Act) -> Finding:
    """年满十八岁的，可以申请加入中国共产党。"""
    if facts.birth_date is None:
        return unmet("未登记出生日期，无法核对是否年满十八岁。")
    eighteen = minimum_met_on(facts.birth_date, years=18, strict=act.policy.strict_age)
    if act.on >= eighteen:
        return met()
    return unmet(f"申请人{cn_date(act.on)}尚未年满十八岁，{cn_date(eighteen)}起方可递交入党申请书。", allowed_from=eighteen)


COMPETENT_ORGANISATIONS = {
    "work_unit": "工作单位党组织",
    "study_unit": "学习单位党组织",
    "residence": "居住地党组织（无工作、学习单位或单位未建立党组织）",
    "mobile_unit_location": "单位所在地党组织（流动人员）",
    "mobile_unit_authority": "单位主管部门党组织（流动人员）",
    "mobile_party_organisation": "流动党员党组织（流动人员）",
}


def applied_to_competent_organisation(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """入党申请人应当向工作、学习所在单位党组织提出申请；没有的，向居住地党组织；流动人员另有三处可选。"""
    basis = act.evidence["organisation_basis"]
    if basis in COMPETENT_ORGANISATIONS:
        return met()
    return unmet("受理组织不明：须说明是向工作或学习单位、居住地，或流动人员可选的党组织递交的申请。")


def talk_within_one_month_of_receipt(facts: ApplicantFacts, act: Act) -> Finding:
    """党组织收到入党申请书后，应当在一个月内派人同入党申请人谈话。"""
    received = facts.date_of(Step.APPLICATION_SUBMITTED)
    if received is None:
        return met()
    due = last_day_within(received, months=1)
    return _duty_until(act, due, lambda: f"谈话应在{cn_date(due)}前进行（收到申请书之日{cn_date(received)}起一个月内），已逾期。")


# ---------------------------------------------------------------- 二、入党积极分子


RECOMMENDATION_METHODS = {"party_members": "党员推荐", "mass_organisation": "群团组织推优", "both": "党员推荐和群团组织推优"}


def recommended_by_members_or_mass_organisation(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """确定入党积极分子，应当采取党员推荐、群团组织推优等方式产生人选。"""
    if act.evidence["recommendation"] in RECOMMENDATION_METHODS:
        return met()
    return unmet("人选须经党员推荐或群团组织推优产生，请注明推荐方式。")


def decision_meeting_quorate(facts: ApplicantFacts, act: Act) -> Finding:
    """支部委员会会议须有半数以上委员到会；不设支委会的，由支部党员大会决定，须超过半数有表决权的党员到会。"""
    members, present = int(act.evidence["members"]), int(act.evidence["present"])
    if present > members or members < 1 or present < 0:
        return unmet(f"到会人数（{present}）与应到人数（{members}）不符，请核对。")
    if facts.branch_has_committee:
        if committee_quorum(members, present, half_is_enough=act.policy.committee_half_is_enough):
            return met()
        return unmet(f"支部委员会应到委员{members}人、实到{present}人，未达到半数以上委员到会，会议不能作出决定。")
    if quorum_present(members, present):
        return met()
    return unmet(f"支部党员大会应到有表决权党员{members}人、实到{present}人，未超过半数，会议不能作出决定。")


def one_or_two_full_member_liaisons(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """党组织应当指定一至两名正式党员作入党积极分子的培养联系人。"""
    liaisons = _people(act, "liaisons")
    if not 1 <= len(liaisons) <= 2:
        return unmet(f"培养联系人应为一至两名，现为{len(liaisons)}名。")
    not_full = [p for p in liaisons if p.standing is not Standing.FULL]
    if not_full:
        who = "；".join(f"{p.name}是{p.standing.label}" for p in not_full)
        return unmet(f"培养联系人须为正式党员：{who}。")
    return met()


def assessed_within_half_year(facts: ApplicantFacts, act: Act) -> Finding:
    """党支部每半年对入党积极分子进行一次考察。"""
    since = activist_since(facts, act.policy)
    if since is None:
        return met()
    previous = [r.on for r in facts.all(Step.ACTIVIST_ASSESSED) if r.on <= act.on]
    due = add_months(max([since, *previous]), 6)
    return _duty_until(act, due, lambda: f"上次考察（或确定为积极分子）后半年内应考察一次，应于{cn_date(due)}前完成，已逾期。")


def activist_transfer_materials_handed_over(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """积极分子单位或居住地变动的，原党组织应及时转交培养教育材料，培养教育时间可连续计算。"""
    if act.evidence["to_organisation"] and act.evidence["materials_transferred"]:
        return met()
    return unmet("转接须写明接收党组织，并确认培养教育材料已转交。")


# ---------------------------------------------------------------- 三、发展对象


def activist_trained_one_full_year(facts: ApplicantFacts, act: Act) -> Finding:
    """经过一年以上培养教育和考察的入党积极分子，方可列为发展对象。"""
    since = activist_since(facts, act.policy)
    if since is None:
        return unmet("没有确定为入党积极分子的记录。")
    earliest = minimum_met_on(since, years=1, strict=act.policy.strict_minimums)
    if act.on >= earliest:
        return met()
    return unmet(
        f"入党积极分子培养教育期（自{cn_date(since)}起算）未满一年，{cn_date(earliest)}起方可列为发展对象。",
        allowed_from=earliest,
    )


def assessed_every_half_year(facts: ApplicantFacts, act: Act) -> Finding:
    """积极分子期间每个完整的半年都应有一次考察记录，方可列为发展对象（据“每半年考察一次”推定）。"""
    since = activist_since(facts, act.policy)
    if since is None:
        return met()
    assessed = sorted(r.on for r in facts.all(Step.ACTIVIST_ASSESSED))
    missing: list[str] = []
    window_start, k = since, 1
    while (window_end := add_months(since, 6 * k)) <= act.on:
        if not any(window_start <= d < window_end for d in assessed):
            missing.append(f"{cn_date(window_start)}至{cn_date(window_end - timedelta(days=1))}")
        window_start, k = window_end, k + 1
    if not missing:
        return met()
    return unmet(f"以下半年期间没有考察记录：{'；'.join(missing)}。请先补录考察情况。")


def opinions_heard_before_designation(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """列为发展对象前，应当听取党小组、培养联系人、党员和群众意见。"""
    if act.evidence["opinions_heard"]:
        return met()
    return unmet("尚未听取党小组、培养联系人、党员和群众的意见。")


def higher_committee_consented(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """支委会研究讨论后，须报上级党委同意，方可公示并列为发展对象。"""
    if act.evidence["consented"]:
        return met()
    return unmet("上级党委尚未同意拟列为发展对象。")


def publicity_after_consent(facts: ApplicantFacts, act: Act) -> Finding:
    """公示在上级党委同意拟列为发展对象之后进行。"""
    consented = facts.date_of(Step.CANDIDATE_FILED)
    posted = act.evidence["posted_on"]
    if consented is None or posted >= consented:
        return met()
    return unmet(f"公示开始日期（{cn_date(posted)}）早于上级党委同意的日期（{cn_date(consented)}）。")


def publicity_lasts_five_workdays(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """在工作、学习单位或者居住地进行公示，公示期不少于五个工作日（含法定节假日调休）。"""
    posted, last = act.evidence["posted_on"], act.evidence["last_day"]
    fifth = act.calendar.nth_workday(posted, 5)  # only the days up to the fifth need a loaded calendar
    if fifth <= last:
        return met()
    count = act.calendar.workdays_between(posted, last)
    return unmet(
        f"公示期{cn_date(posted)}至{cn_date(last)}只有{count}个工作日，不少于五个工作日应至少到{cn_date(fifth)}。"
    )


def publicity_over_before_listing(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """公示期满、公示结果不影响发展入党的，方可列为发展对象（公示最后一日不作决定）。"""
    last = act.evidence["last_day"]
    if act.on > last:
        return met()
    after = last + timedelta(days=1)
    return unmet(f"公示期至{cn_date(last)}才结束，{cn_date(after)}起方可确认公示结果。", allowed_from=after)


PUBLICITY_OUTCOMES = {"no_objection": "无异议", "not_affecting": "有反映，经核实不影响发展", "affecting": "影响发展入党"}


def publicity_result_allows_listing(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """公示结果不影响发展入党的，可以列为发展对象。"""
    if act.evidence["outcome"] in {"no_objection", "not_affecting"}:
        return met()
    return unmet("公示结果影响发展入党，不能列为发展对象。")


def candidate_status_established(facts: ApplicantFacts, act: Act) -> Finding:
    """列为发展对象须已报上级党委备案（2026年修订：上级党委同意并公示期满），方可开展发展对象阶段的工作。"""
    filed = facts.last(Step.CANDIDATE_FILED)
    if filed is None:
        if act.rule_set is RuleSetId.R1990:
            return met()
        if act.rule_set is RuleSetId.R2026 and act.policy.enforce_r26:
            return unmet("拟列为发展对象后尚未报上级党委同意；同意后还须公示不少于五个工作日，方可列为发展对象。")
        return unmet("确定发展对象后尚未报上级党委备案。")
    if filed.rule_set is RuleSetId.R2026 and act.policy.enforce_r26:
        publicity = facts.last(Step.CANDIDATE_PUBLICISED)
        if publicity is None:
            return unmet("上级党委同意后尚未完成不少于五个工作日的公示（「发展对象公示」），目前仍为拟列为发展对象；"
                         "公示期满且结果不影响发展入党的，方可列为发展对象。")
    return met()


def two_full_members_sponsor(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """发展对象应当有两名正式党员作入党介绍人；受留党察看处分、尚未恢复党员权利的党员不能作入党介绍人。"""
    sponsors = _people(act, "sponsors")
    problems: list[str] = []
    if len(sponsors) != 2:
        problems.append(f"入党介绍人应为两名，现为{len(sponsors)}名")
    if len({p.name for p in sponsors}) != len(sponsors):
        problems.append("同一人不能重复作入党介绍人")
    problems += [f"{p.name}是{p.standing.label}，不能作入党介绍人" for p in sponsors if p.standing is not Standing.FULL]
    return unmet("；".join(problems) + "。") if problems else met()


def review_concluded_in_writing(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """政治审查应当形成结论性材料；未经政治审查或者政治审查不合格的，不能发展入党。"""
    if str(act.evidence["conclusion"]).strip():
        return met()
    return unmet("政治审查未形成结论性材料。")


def trained_three_days_or_24_hours(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """对发展对象进行短期集中培训，时间一般不少于三天（或者不少于二十四个学时）；未经培训的，除个别特殊情况外，不能发展入党。"""
    if act.planning:
        return met()  # the planner has no training record to judge yet
    days, hours = float(act.evidence.get("days") or 0), float(act.evidence.get("hours") or 0)
    if days >= 3 or hours >= 24:
        return met()
    return unmet(f"集中培训{days:g}天、{hours:g}学时，不足三天且不足二十四学时。")


# ---------------------------------------------------------------- 四、预备党员的接收


def not_leaving_within_three_months(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """发展对象未来三个月内将离开工作、学习单位的，一般不办理接收预备党员的手续。"""
    leaving = act.evidence.get("leaving_on")
    pre_review = facts.last(Step.PRE_REVIEW_PASSED)
    if not leaving and act.step is Step.ADMISSION_RESOLVED and pre_review is not None:
        leaving = pre_review.evidence.get("leaving_on")  # §3.11: the date given at 预审 is checked again here
    if not leaving:
        return met()
    limit = last_day_within(act.on, months=3)
    if leaving > limit:
        return met()
    return unmet(f"发展对象将于{cn_date(leaving)}离开工作、学习单位，在三个月内，一般不办理接收手续。")


def pre_review_result_in_writing(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """基层党委预审的结果以书面形式通知党支部，并向审查合格的发展对象发放入党志愿书。"""
    if act.evidence["written_notice"]:
        return met()
    return unmet("预审结果须以书面形式通知党支部。")


def political_review_expired(facts: ApplicantFacts, on: date) -> tuple[date, date] | None:
    """(政审之日, 有效期最后一日) when the 政审 is more than a year old on ``on``; None while it is valid or absent."""
    reviewed = facts.date_of(Step.POLITICAL_REVIEW_PASSED)
    if reviewed is None:
        return None
    valid_until = add_years(reviewed, 1)
    return None if on <= valid_until else (reviewed, valid_until)


def political_review_still_valid(facts: ApplicantFacts, act: Act) -> Finding:
    """除特殊情况外，政治审查结果在一年内有效。"""
    expired = political_review_expired(facts, act.on)
    if expired is None:
        return met()
    return unmet(f"政治审查结论（{cn_date(expired[0])}）已超过一年，应重新审查。")


def meeting_within_one_month_of_pre_review(facts: ApplicantFacts, act: Act) -> Finding:
    """经基层党委预审合格的发展对象，应当在一个月内提交党支部党员大会讨论。"""
    passed = facts.date_of(Step.PRE_REVIEW_PASSED)
    if passed is None:
        return met()
    due = last_day_within(passed, months=1)
    return _duty_until(act, due, lambda: f"预审合格（{cn_date(passed)}）后应于{cn_date(due)}前召开党员大会讨论，已逾期。")


def _tally(act: Act) -> Tally:
    return act.evidence["tally"]


def meeting_quorate(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """有表决权的到会人数必须超过应到会有表决权人数的半数（书面意见不计入到会人数）。"""
    t = _tally(act)
    if quorum_present(t.entitled, t.present):
        return met()
    return unmet(f"应到有表决权党员{t.entitled}人、实到{t.present}人，未超过半数，会议不能表决。")


def resolution_carried_by_majority_of_entitled(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """赞成人数超过应到会有表决权的正式党员的半数，才能通过决议（按应到人数计算，不按实到人数）。"""
    result = decide(_tally(act))
    if result.carried:
        return met()
    return unmet(
        f"赞成{result.yes_total}票（含书面意见），未超过应到有表决权党员{_tally(act).entitled}人的半数"
        f"（至少需要{result.needed_yes}票），决议未通过。"
    )


def voted_by_secret_ballot(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """采取无记名投票方式进行表决（举手表决仅为1990年试行细则所允许）。"""
    if _tally(act).method is VotingMethod.SECRET_BALLOT:
        return met()
    return unmet("表决采用了举手方式；2014年细则施行后必须采取无记名投票。")


def voted_one_by_one(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """讨论两个以上的人入党时，应当逐个讨论和表决。"""
    count = _tally(act).applicants_on_ballot
    if count == 1:
        return met()
    return unmet(f"一次表决涉及{count}名对象，不能记录：应当逐个讨论和表决。")


def tally_adds_up(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """计票须相符：选票不多于实到人数，书面意见只来自因故未到会的有表决权党员。"""
    problems = tally_problems(replace(_tally(act), applicants_on_ballot=1), secret_ballot_required=False)
    return unmet("".join(problems)) if problems else met()


def talked_by_committee_member_or_organiser(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """上级党委在审批前，应当指派党委委员或组织员同发展对象谈话。"""
    if act.evidence["talker_role"] in {"committee_member", "organiser"}:
        return met()
    return unmet("谈话人须为上级党委指派的党委委员或组织员。")


APPROVER_LEVELS = {
    "grassroots_committee": "具有审批权限的基层党委",
    "general_branch": "党总支",
    "subordinate_committee": "乡镇（街道）党委所属的基层党委",
}


def approver_may_approve(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """党总支和乡镇（街道）党委所属的基层党委没有审批预备党员的权限。"""
    level = act.evidence["approver_level"]
    if level == "grassroots_committee":
        return met()
    return unmet(f"{APPROVER_LEVELS.get(level, str(level))}没有审批权限，应报具有审批权限的基层党委审批。")


def approved_one_by_one(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """党委审批两个以上的发展对象入党时，应当逐个审议和表决。"""
    count = int(act.evidence["applicants_in_decision"])
    if count == 1:
        return met()
    return unmet(f"一次审批表决涉及{count}人，应当逐个审议和表决。")


def resolution_received_after_meeting(facts: ApplicantFacts, act: Act) -> Finding:
    """党委收到支部大会决议的日期不能早于支部大会召开的日期。"""
    received = act.evidence.get("received_on")
    resolution = Step.CONFIRMATION_RESOLVED if act.step is Step.CONFIRMATION_APPROVED else Step.ADMISSION_RESOLVED
    meeting = facts.date_of(resolution)
    if received is None or meeting is None or received >= meeting:
        return met()
    return unmet(f"党委收到决议的日期（{cn_date(received)}）早于支部大会日期（{cn_date(meeting)}），请核对。")


def _approval_anchor(facts: ApplicantFacts, act: Act, resolution: Step) -> date | None:
    """审批期限从党委收到决议之日起算；未登记收到日期的，按支部大会日期（较早、较严）。"""
    received = act.evidence.get("received_on")
    return received or facts.date_of(resolution)


def _approved_within(facts: ApplicantFacts, act: Act, resolution: Step, months: int, what: str) -> Finding:
    anchor = _approval_anchor(facts, act, resolution)
    if anchor is None:
        return met()
    due = last_day_within(anchor, months=months)
    return _duty_until(act, due, lambda: f"{what}应于{cn_date(due)}前审批（自{cn_date(anchor)}起{cn_period(months)}），已逾期。")


def admission_approved_within_three_months(facts: ApplicantFacts, act: Act) -> Finding:
    """上级党委对党支部上报的接收预备党员的决议，应当在三个月内审批。"""
    found = _approved_within(facts, act, Step.ADMISSION_RESOLVED, 3, "接收预备党员的决议")
    extended_on = act.evidence.get("extended_on")
    if found.met or not (extended_on and act.evidence.get("extension_reason") and act.evidence.get("extension_by")):
        return found
    if found.due_by is None or extended_on <= found.due_by:
        return met()  # 特殊情况延长: the six-month limit (a separate rule) now governs
    return unmet(f"{found.message}延长审批时间的决定（{cn_date(extended_on)}）晚于三个月期满，不能补作延长。",
                 due_by=found.due_by)


def admission_approved_within_six_months(facts: ApplicantFacts, act: Act) -> Finding:
    """遇有特殊情况可适当延长审批时间，但不得超过六个月。"""
    return _approved_within(facts, act, Step.ADMISSION_RESOLVED, 6, "接收预备党员的决议即使延长也")


def oath_within_one_month_of_approval(facts: ApplicantFacts, act: Act) -> Finding:
    """上级党委批准接收后，一般应在一个月内组织入党宣誓。"""
    approved = facts.date_of(Step.ADMISSION_APPROVED)
    if approved is None:
        return met()
    due = last_day_within(approved, months=1)
    return _duty_until(act, due, lambda: f"批准接收（{cn_date(approved)}）后应于{cn_date(due)}前组织入党宣誓，已逾期。")


# ---------------------------------------------------------------- 五、预备党员的教育考察和转正


def confirmation_requested_in_writing(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """预备党员转正，本人向党支部提出书面转正申请。"""
    if act.evidence["in_writing"]:
        return met()
    return unmet("转正申请须以书面形式提出。")


def probation_period_complete(facts: ApplicantFacts, act: Act) -> Finding:
    """预备党员的预备期为一年，从支部大会通过之日算起；预备期满方可讨论转正，不得提前。"""
    end = probation_ends_on(facts, act.policy)
    if end is None:
        return unmet("没有支部大会通过接收为预备党员的记录。")
    if act.on >= end:
        return met()
    return unmet(f"预备期至{cn_date(end - timedelta(days=1))}，{cn_date(end)}起方可讨论转正。", allowed_from=end)


def confirmation_procedure_followed(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """转正须经党小组提出意见、党支部征求党员和群众意见、支部委员会审查，再提交支部大会讨论。"""
    missing = [
        label
        for key, label in (
            ("group_opinion", "党小组意见"),
            ("opinions_sought", "征求党员和群众意见"),
            ("committee_reviewed", "支部委员会审查"),
        )
        if not act.evidence[key]
    ]
    if not missing:
        return met()
    return unmet(f"转正讨论前缺少：{'、'.join(missing)}。")


def confirmation_approved_within_three_months(facts: ApplicantFacts, act: Act) -> Finding:
    """上级党委对党支部上报的预备党员转正的决议，应当在三个月内审批。"""
    return _approved_within(facts, act, Step.CONFIRMATION_RESOLVED, 3, "转正决议")


def extension_six_to_twelve_months(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """延长预备期，延长时间不能少于半年，最长不超过一年。"""
    months = int(act.evidence["months"])
    if 6 <= months <= 12:
        return met()
    return unmet(f"延长预备期{months}个月不符合规定：不能少于半年，最长不超过一年。")


def extended_only_once(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """预备期只能延长一次；延长期满后只能转正或取消预备党员资格。"""
    previous = facts.last(Step.PROBATION_EXTENDED)
    if previous is None:
        return met()
    return unmet(f"预备期已于{cn_date(previous.on)}延长过一次，不能再次延长。")


ARCHIVE_DOCUMENTS = {
    "application_form": "入党志愿书",
    "application_letter": "入党申请书",
    "political_review": "政治审查材料",
    "confirmation_request": "转正申请书",
    "assessment_records": "培养教育考察材料",
}


def archive_complete(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """转正后，入党志愿书、入党申请书、政治审查材料、转正申请书和培养教育考察材料存入本人档案。"""
    given = set(act.evidence["documents"])
    missing = [label for key, label in ARCHIVE_DOCUMENTS.items() if key not in given]
    if not missing:
        return met()
    return unmet(f"归档材料不全，缺少：{'、'.join(missing)}。")


def withdrawal_reason_recorded(facts: ApplicantFacts, act: Act) -> Finding:  # noqa: ARG001
    """入党自愿：本人退出的，记录原因后结束，历史记录保留。"""
    if str(act.evidence["reason"]).strip():
        return met()
    return unmet("请写明退出的原因。")
