"""THE table: the 5 stages and 25 steps of 发展党员 in paper order, then the side and terminal outcomes.

Read it top to bottom like the 中组部 flowchart. Each row says who acts, from which status, what must be
recorded before, the evidence the act brings, and the rules that refuse or flag it, with their article in
each rule set. Everything else (the state machine, the planner, listings, forms) is derived from it.
"""

from __future__ import annotations

from states import paths as p
from states import probation as pr
from states import rules as r
from states.publicity import NAMES_2026
from states.rulesets import ONLY_2026, SINCE_2014, RuleSetId
from states.specs import Citations, Field, FieldKind, Rule, StepSpec
from states.steps import Role, Severity, Stage, Status, Step, Tag
from states.verdicts import Citation

HARD, SOFT, DUTY = Severity.HARD, Severity.SOFT, Severity.DUTY
V, W, M, G, R26 = Tag.V, Tag.W, Tag.M, Tag.G, Tag.R26



def c14(article: str, tag: Tag = V) -> Citations:
    return {RuleSetId.R2014: Citation(f"《发展党员工作细则》{article}", tag)}


def c26(article: str) -> Citations:
    return {RuleSetId.R2026: Citation(f"《发展党员工作细则》（2026年修订）{article}", R26)}


def c90(article: str = "（条号待核）", tag: Tag = M) -> Citations:
    return {RuleSetId.R1990: Citation(f"《发展党员工作细则（试行）》（1990）{article}", tag)}


def everywhere(text: str, tag: Tag = V) -> Citations:
    """A text that binds under every rule set (党章, 支部工作条例)."""
    return {rule_set: Citation(text, tag) for rule_set in RuleSetId}


def cites(*parts: Citations) -> Citations:
    merged: Citations = {}
    for part in parts:
        merged.update(part)
    return merged


# ------------------------------------------------------------------ evidence used by several steps

COMMITTEE_MEETING = (
    Field("members", "应到委员人数（不设支委会的：应到有表决权党员人数）", FieldKind.INT),
    Field("present", "实到人数", FieldKind.INT),
)
TALLY = (Field("tally", "表决情况（应到、实到、赞成、反对、弃权、无效、书面意见、表决方式）", FieldKind.TALLY),)


def vote_rules(quorum: Citations, majority: Citations, one_by_one: Citations) -> tuple[Rule, ...]:
    """The 支部党员大会 vote rules (§2.4), cited for the meeting they govern."""
    secret: Citations = {k: v for k, v in majority.items() if k is not RuleSetId.R1990}  # 1990 allowed 举手
    return (
        Rule(r.tally_adds_up, HARD, quorum, needs=("tally",)),
        Rule(r.meeting_quorate, HARD, quorum, needs=("tally",)),
        Rule(r.resolution_carried_by_majority_of_entitled, HARD, majority, needs=("tally",)),
        Rule(r.voted_by_secret_ballot, HARD, secret, needs=("tally",)),
        Rule(r.voted_one_by_one, HARD, one_by_one, needs=("tally",)),
    )


COMMITTEE_QUORUM = Rule(
    r.decision_meeting_quorate, HARD, everywhere("《中国共产党支部工作条例（试行）》第十一条、第十二条"), needs=("members", "present")
)
ADMISSION_QUORUM = cites(c14("第二十条"), c26("第十九条"), c90())
ADMISSION_MAJORITY = cites(c14("第二十一条", W), c26("第二十条"), c90())
ONE_BY_ONE = cites(c14("第二十一条（逐个讨论和表决）", W), c26("第二十条（逐个表决，未见转述，暂按2014年规定）"), c90())
CONFIRMATION_VOTE = cites(c14("第三十三条"), c26("第三十二条"), c90())
LEAVING_SOON = Rule(
    r.not_leaving_within_three_months, SOFT, cites(c14("第十九条"), c26("第十八条（未见转述，暂按2014年规定）"))
)
POLITICAL_REVIEW_BASIS = cites(c14("第十五条至第十七条", W), c26("第十六条"), c90())
TRANSFER_BASIS = cites(c14("第十二条"), c26("第十二条"))
REVIEW_RESULT = Field("result", "政治审查结果（合格或不合格）", FieldKind.CHOICE, choices=p.REVIEW_RESULTS)
REVIEW_VALIDITY = cites(c14("第十五条（一年内有效，党务指导意见）", G), c26("第十六条"))
CANDIDATE_BASIS = cites(c14("第十三条"), c26("第十三条"), c90())
CANDIDATE_ESTABLISHED = Rule(r.candidate_status_established, HARD, CANDIDATE_BASIS)
PROBATION_BASIS = cites(everywhere("《中国共产党章程》第七条"), c14("第三十二条"), c26("第三十一条"))
# N27: the text is quoted by 旗帜网 (2022) from 中组部 guidance; its number is not verified ([W] wording, [M] number).
TRANSFERRED_PROBATION = cites(
    c14("第三十二条（转入的预备党员可推迟讨论转正，不超过六个月；中组部答复，条号待核）", W),
    c26("第三十一条（转入的预备党员可推迟讨论转正，不超过六个月；条号待核）"),
)
IN_PROGRESS = (Status.APPLICANT, Status.ACTIVIST, Status.CANDIDATE)
OPTIONAL: frozenset[RuleSetId] = frozenset()  # side outcomes: recorded when they happen, required nowhere

# ------------------------------------------------------------------ the table

PROCEDURE: tuple[StepSpec, ...] = (
    # 一、申请入党
    StepSpec(  # 1 递交入党申请书
        Step.APPLICATION_SUBMITTED, 1, "递交入党申请书", Stage.APPLICATION, Role.APPLICANT,
        (Status.NEW,), Status.APPLICANT, cites(c14("第五条、第六条"), c26("第五条、第六条"), c90()),
        rules=(
            Rule(r.applicant_is_eighteen, HARD, cites(everywhere("《中国共产党章程》第一条"), c14("第五条"), c26("第五条"))),
            Rule(r.applied_to_competent_organisation, HARD, cites(c14("第六条"), c26("第六条")),
                 needs=("organisation_basis",)),
        ),
        evidence=(Field("organisation_basis", "受理的党组织", FieldKind.CHOICE, choices=r.COMPETENT_ORGANISATIONS),),
        produces=("入党申请书（登记收到日期）",),
    ),
    StepSpec(  # 2 党组织派人谈话
        Step.TALK_HELD, 2, "党组织派人谈话", Stage.APPLICATION, Role.BRANCH,
        (Status.APPLICANT,), None, cites(c14("第七条", W), c26("第七条")),
        after=(Step.APPLICATION_SUBMITTED,),
        rules=(Rule(r.talk_within_one_month_of_receipt, DUTY, cites(c14("第七条", W), c26("第七条"))),),
        evidence=(Field("talker", "谈话人", FieldKind.TEXT),),
        required_in=SINCE_2014, produces=("谈话记录",),
    ),
    # 二、入党积极分子的确定和培养教育
    StepSpec(  # 3 推荐和确定入党积极分子
        Step.ACTIVIST_DESIGNATED, 3, "推荐和确定入党积极分子", Stage.ACTIVIST, Role.BRANCH_COMMITTEE,
        (Status.APPLICANT,), Status.ACTIVIST, cites(c14("第八条"), c26("第八条"), c90()),
        after=(Step.TALK_HELD,),
        rules=(
            Rule(r.recommended_by_members_or_mass_organisation, HARD, cites(c14("第八条"), c26("第八条")),
                 needs=("recommendation",)),
            COMMITTEE_QUORUM,
        ),
        evidence=(
            Field("recommendation", "推荐方式", FieldKind.CHOICE, choices=r.RECOMMENDATION_METHODS),
            *COMMITTEE_MEETING,
        ),
        produces=("推荐、推优材料", "支委会会议记录"),
    ),
    StepSpec(  # 4 上级党委备案
        Step.ACTIVIST_FILED, 4, "上级党委备案", Stage.ACTIVIST, Role.HIGHER_COMMITTEE,
        (Status.ACTIVIST,), None, cites(c14("第八条"), c26("第八条")),
        after=(Step.ACTIVIST_DESIGNATED,), required_in=SINCE_2014, produces=("备案名单",),
    ),
    StepSpec(  # 5 指定培养联系人
        Step.LIAISONS_ASSIGNED, 5, "指定培养联系人", Stage.ACTIVIST, Role.BRANCH,
        (Status.ACTIVIST,), None, cites(c14("第九条", W), c26("第九条"), c90()),
        after=(Step.ACTIVIST_DESIGNATED,),
        rules=(Rule(r.one_or_two_full_member_liaisons, HARD, cites(c14("第九条", W), c26("第九条"), c90()),
                    needs=("liaisons",)),),
        evidence=(Field("liaisons", "培养联系人（一至两名正式党员）", FieldKind.PEOPLE),),
        produces=("培养联系人登记",),
    ),
    StepSpec(  # 6 培养教育考察（每半年一次，可多次记录）
        Step.ACTIVIST_ASSESSED, 6, "培养教育考察", Stage.ACTIVIST, Role.BRANCH,
        (Status.ACTIVIST,), None, cites(c14("第十一条"), c26("第十一条"), c90()),
        after=(Step.ACTIVIST_DESIGNATED,),
        rules=(Rule(r.assessed_within_half_year, DUTY, cites(c14("第十一条"), c26("第十一条"))),),
        evidence=(Field("summary", "考察意见", FieldKind.TEXT, required=False),),
        repeatable=True, produces=("考察登记",),
    ),
    # 三、发展对象的确定和考察
    StepSpec(  # 7 确定发展对象
        Step.CANDIDATE_DESIGNATED, 7, "确定发展对象", Stage.CANDIDATE, Role.BRANCH_COMMITTEE,
        (Status.ACTIVIST,), Status.CANDIDATE, CANDIDATE_BASIS,
        after=(Step.ACTIVIST_FILED, Step.LIAISONS_ASSIGNED),
        rules=(
            Rule(r.activist_trained_one_full_year, HARD, CANDIDATE_BASIS),
            Rule(r.assessed_every_half_year, HARD, cites(c14("第十一条（每半年考察推定）", G), c26("第十一条"))),
            Rule(r.opinions_heard_before_designation, HARD, cites(c14("第十三条"), c26("第十三条")),
                 needs=("opinions_heard",)),
            COMMITTEE_QUORUM,
        ),
        evidence=(Field("opinions_heard", "已听取党小组、培养联系人、党员和群众意见", FieldKind.BOOL), *COMMITTEE_MEETING),
        produces=("支委会会议记录", "意见征求记录"),
    ),
    StepSpec(  # 8 报上级党委备案（2026年修订：报上级党委同意）
        Step.CANDIDATE_FILED, 8, "报上级党委备案", Stage.CANDIDATE, Role.HIGHER_COMMITTEE,
        (Status.CANDIDATE,), None, cites(c14("第十三条"), c26("第十三条")),
        after=(Step.CANDIDATE_DESIGNATED,),
        rules=(Rule(r.higher_committee_consented, HARD, c26("第十三条"), needs=("consented",)),),
        evidence=(Field("consented", "上级党委同意（2026年修订后须同意）", FieldKind.BOOL, required=False),),
        required_in=SINCE_2014, produces=("备案表",),
    ),
    StepSpec(  # 公示（2026年修订：不少于五个工作日，期满后列为发展对象）
        Step.CANDIDATE_PUBLICISED, None, "发展对象公示", Stage.CANDIDATE, Role.BRANCH,
        (Status.CANDIDATE,), None, c26("第十三条"),
        after=(Step.CANDIDATE_FILED,),
        rules=(
            Rule(r.publicity_after_consent, HARD, c26("第十三条"), needs=("posted_on",)),
            Rule(r.publicity_lasts_five_workdays, HARD, c26("第十三条"), needs=("posted_on", "last_day")),
            Rule(r.publicity_over_before_listing, HARD, c26("第十三条"), needs=("last_day",)),
            Rule(r.publicity_result_allows_listing, HARD, c26("第十三条"), needs=("outcome",)),
        ),
        evidence=(
            Field("posted_on", "公示开始日期", FieldKind.DATE),
            Field("last_day", "公示截止日期", FieldKind.DATE),
            Field("outcome", "公示结果", FieldKind.CHOICE, choices=r.PUBLICITY_OUTCOMES),
        ),
        required_in=ONLY_2026, produces=("公示材料",),
    ),
    StepSpec(  # 9 确定入党介绍人
        Step.SPONSORS_ASSIGNED, 9, "确定入党介绍人", Stage.CANDIDATE, Role.BRANCH_COMMITTEE,
        (Status.CANDIDATE,), None, cites(everywhere("《中国共产党章程》第五条"), c14("第十四条", W), c26("第十四条")),
        after=(Step.CANDIDATE_DESIGNATED,),
        rules=(
            CANDIDATE_ESTABLISHED,
            Rule(r.two_full_members_sponsor, HARD,
                 cites(everywhere("《中国共产党章程》第五条"), c14("第十四条", W), c26("第十四条")), needs=("sponsors",)),
        ),
        evidence=(Field("sponsors", "入党介绍人（两名正式党员）", FieldKind.PEOPLE),),
        produces=("入党介绍人记录",),
    ),
    StepSpec(  # 10 进行政治审查
        Step.POLITICAL_REVIEW_PASSED, 10, "进行政治审查", Stage.CANDIDATE, Role.BRANCH,
        (Status.CANDIDATE,), None, POLITICAL_REVIEW_BASIS,
        after=(Step.CANDIDATE_DESIGNATED,),
        rules=(
            CANDIDATE_ESTABLISHED,
            Rule(r.review_concluded_in_writing, HARD, POLITICAL_REVIEW_BASIS, needs=("conclusion",)),
            Rule(p.political_review_qualified, HARD, POLITICAL_REVIEW_BASIS, needs=("result",)),
        ),
        evidence=(REVIEW_RESULT, Field("conclusion", "政治审查结论性材料（编号或摘要）", FieldKind.TEXT)),
        repeatable=True,  # a 政审 older than a year is done again (一年内有效)
        produces=("政治审查结论性材料",),
    ),
    StepSpec(  # 11 开展集中培训
        Step.TRAINING_COMPLETED, 11, "开展集中培训", Stage.CANDIDATE, Role.HIGHER_COMMITTEE,
        (Status.CANDIDATE,), None, cites(c14("第十八条", W), c26("第十七条"), c90()),
        after=(Step.CANDIDATE_DESIGNATED,),
        rules=(
            CANDIDATE_ESTABLISHED,
            Rule(r.trained_three_days_or_24_hours, SOFT, cites(c14("第十八条", W), c26("第十七条"))),
        ),
        evidence=(
            Field("days", "培训天数", FieldKind.NUMBER, required=False),
            Field("hours", "培训学时", FieldKind.NUMBER, required=False),
        ),
        produces=("结业证明",),
    ),
    # 四、预备党员的接收
    StepSpec(  # 12 支部委员会审查
        Step.COMMITTEE_REVIEWED, 12, "支部委员会审查", Stage.ADMISSION, Role.BRANCH_COMMITTEE,
        (Status.CANDIDATE,), None, cites(everywhere("《中国共产党章程》第五条"), c14("第十九条"), c26("第十八条")),
        after=(Step.SPONSORS_ASSIGNED, Step.POLITICAL_REVIEW_PASSED, Step.TRAINING_COMPLETED),
        rules=(COMMITTEE_QUORUM, Rule(p.political_review_valid_at_committee_review, DUTY, REVIEW_VALIDITY)),
        evidence=COMMITTEE_MEETING, produces=("审查意见", "支委会会议记录"),
    ),
    StepSpec(  # 13 上级党委预审
        Step.PRE_REVIEW_PASSED, 13, "上级党委预审", Stage.ADMISSION, Role.HIGHER_COMMITTEE,
        (Status.CANDIDATE,), None, cites(c14("第十九条"), c26("第十八条")),
        after=(Step.COMMITTEE_REVIEWED,),
        rules=(
            Rule(r.pre_review_result_in_writing, HARD, cites(c14("第十九条"), c26("第十八条")), needs=("written_notice",)),
            LEAVING_SOON,
        ),
        evidence=(
            Field("written_notice", "预审结果已书面通知党支部", FieldKind.BOOL),
            Field("leaving_on", "预计离开工作、学习单位的日期", FieldKind.DATE, required=False),
        ),
        required_in=SINCE_2014, produces=("预审书面结果", "发放入党志愿书"),
    ),
    StepSpec(  # 14 填写入党志愿书
        Step.APPLICATION_FORM_FILLED, 14, "填写入党志愿书", Stage.ADMISSION, Role.APPLICANT,
        (Status.CANDIDATE,), None, cites(everywhere("《中国共产党章程》第五条"), c14("第十九条"), c26("第十八条")),
        after=(Step.SPONSORS_ASSIGNED, Step.PRE_REVIEW_PASSED), produces=("中国共产党入党志愿书",),
    ),
    StepSpec(  # 15 支部大会讨论（接收预备党员）
        Step.ADMISSION_RESOLVED, 15, "支部大会讨论", Stage.ADMISSION, Role.BRANCH_GENERAL_MEETING,
        (Status.CANDIDATE,), None, ADMISSION_QUORUM,
        after=(Step.APPLICATION_FORM_FILLED, Step.COMMITTEE_REVIEWED),
        rules=(
            *vote_rules(ADMISSION_QUORUM, ADMISSION_MAJORITY, ONE_BY_ONE),
            Rule(r.meeting_within_one_month_of_pre_review, DUTY, c26("第十九条")),
            LEAVING_SOON,
            Rule(r.political_review_still_valid, SOFT, REVIEW_VALIDITY),
        ),
        evidence=(*TALLY, Field("leaving_on", "预计离开工作、学习单位的日期", FieldKind.DATE, required=False)),
        produces=("会议记录", "选票", "支部大会决议"),
    ),
    StepSpec(  # 16 上级党委派人谈话
        Step.HIGHER_TALK_HELD, 16, "上级党委派人谈话", Stage.ADMISSION, Role.HIGHER_COMMITTEE,
        (Status.CANDIDATE,), None, cites(everywhere("《中国共产党章程》第五条"), c14("第二十二条", M)),
        after=(Step.ADMISSION_RESOLVED,),
        rules=(Rule(r.talked_by_committee_member_or_organiser, HARD,
                    cites(everywhere("《中国共产党章程》第五条"), c14("第二十二条", M)), needs=("talker_role",)),),
        evidence=(
            Field("talker", "谈话人", FieldKind.TEXT),
            Field("talker_role", "谈话人身份", FieldKind.CHOICE,
                  choices={"committee_member": "党委委员", "organiser": "组织员", "other": "其他"}),
        ),
        produces=("谈话情况和意见（填入志愿书）",),
    ),
    StepSpec(  # 17 上级党委审批
        Step.ADMISSION_APPROVED, 17, "上级党委审批", Stage.ADMISSION, Role.HIGHER_COMMITTEE,
        (Status.CANDIDATE,), Status.PROBATIONARY, cites(c14("第二十四条", W), c26("第二十五条"), c90()),
        after=(Step.HIGHER_TALK_HELD,),
        rules=(
            Rule(r.approver_may_approve, HARD, cites(c14("第二十四条（审批权限，中组部答复）", V), c26("第二十五条")),
                 needs=("approver_level",)),
            Rule(r.approved_one_by_one, HARD, cites(c14("第二十四条", M), c26("第二十五条")), needs=("applicants_in_decision",)),
            Rule(r.resolution_received_after_meeting, HARD, cites(c14("第二十四条", W), c26("第二十五条"))),
            Rule(r.admission_approved_within_three_months, DUTY, cites(c14("第二十四条", W), c26("第二十五条"))),
            Rule(p.approval_extension_complete, HARD, cites(c14("第二十四条", W), c26("第二十五条"))),
            Rule(r.admission_approved_within_six_months, DUTY, cites(c14("第二十四条", W), c26("第二十五条")), grave=True),
        ),
        evidence=(
            Field("approver_level", "审批组织", FieldKind.CHOICE, choices=r.APPROVER_LEVELS),
            Field("applicants_in_decision", "本次表决涉及人数", FieldKind.INT),
            Field("received_on", "党委收到决议的日期", FieldKind.DATE, required=False),
            Field("extension_reason", p.EXTENSION_FIELDS["extension_reason"], FieldKind.TEXT, required=False),
            Field("extension_by", p.EXTENSION_FIELDS["extension_by"], FieldKind.TEXT, required=False),
            Field("extended_on", p.EXTENSION_FIELDS["extended_on"], FieldKind.DATE, required=False),
        ),
        produces=("审批意见（注明预备期起止时间）",),
    ),
    StepSpec(  # 18 再上一级党委组织部门备案
        Step.ADMISSION_FILED, 18, "再上一级党委组织部门备案", Stage.ADMISSION, Role.HIGHER_ORGANISATION_DEPARTMENT,
        (Status.PROBATIONARY,), None, cites(c14("第二十五条", W), c26("第二十五条")),
        after=(Step.ADMISSION_APPROVED,), required_in=SINCE_2014, produces=("备案",),
    ),
    # 五、预备党员的教育考察和转正
    StepSpec(  # 19 编入党支部和党小组
        Step.ASSIGNED_TO_GROUP, 19, "编入党支部和党小组", Stage.PROBATION, Role.BRANCH,
        (Status.PROBATIONARY,), None, cites(c14("第二十六条", M), c26("第二十六条")),
        after=(Step.ADMISSION_APPROVED,),
        evidence=(Field("group", "所编党小组", FieldKind.TEXT),),
    ),
    StepSpec(  # 20 入党宣誓
        Step.OATH_TAKEN, 20, "入党宣誓", Stage.PROBATION, Role.HIGHER_COMMITTEE,
        (Status.PROBATIONARY,), None, cites(everywhere("《中国共产党章程》第六条"), c26("第二十九条")),
        after=(Step.ADMISSION_APPROVED,),
        rules=(Rule(r.oath_within_one_month_of_approval, DUTY, c26("第二十九条（单一来源）")),),
        produces=("宣誓记录",),
    ),
    StepSpec(  # 21 继续教育考察
        Step.PROBATION_ASSESSED, 21, "继续教育考察", Stage.PROBATION, Role.BRANCH,
        (Status.PROBATIONARY,), None, cites(everywhere("《中国共产党章程》第七条"), c14("第二十八条", M)),
        after=(Step.ADMISSION_APPROVED,),
        evidence=(Field("summary", "考察意见", FieldKind.TEXT, required=False),),
        repeatable=True, produces=("考察记录",),
    ),
    StepSpec(  # 22 提出转正申请
        Step.CONFIRMATION_REQUESTED, 22, "提出转正申请", Stage.PROBATION, Role.APPLICANT,
        (Status.PROBATIONARY,), None, cites(c14("第三十三条"), c26("第三十二条")),
        after=(Step.ADMISSION_APPROVED,),
        rules=(Rule(r.confirmation_requested_in_writing, HARD, cites(c14("第三十三条"), c26("第三十二条"), c90()),
                    needs=("in_writing",)),),
        evidence=(Field("in_writing", "书面转正申请", FieldKind.BOOL),),
        produces=("书面转正申请书",),
    ),
    StepSpec(  # 23 支部大会讨论（转正）
        Step.CONFIRMATION_RESOLVED, 23, "支部大会讨论", Stage.PROBATION, Role.BRANCH_GENERAL_MEETING,
        (Status.PROBATIONARY,), None, CONFIRMATION_VOTE,
        after=(Step.CONFIRMATION_REQUESTED,),
        rules=(
            Rule(r.probation_period_complete, HARD, PROBATION_BASIS),
            Rule(r.confirmation_procedure_followed, HARD, cites(c14("第三十三条"), c26("第三十二条")),
                 needs=("group_opinion", "opinions_sought", "committee_reviewed")),
            *vote_rules(CONFIRMATION_VOTE, CONFIRMATION_VOTE, ONE_BY_ONE),
            Rule(pr.transferred_confirmation_within_six_months, DUTY, TRANSFERRED_PROBATION, grave=True),
        ),
        evidence=(
            Field("group_opinion", "党小组已提出意见（2026年修订：由党支部征求党小组意见）", FieldKind.BOOL),
            Field("opinions_sought", "已征求党员和群众意见", FieldKind.BOOL),
            Field("committee_reviewed", "支部委员会已审查", FieldKind.BOOL),
            *TALLY,
        ),
        produces=("会议记录", "选票", "转正决议"),
    ),
    StepSpec(  # 24 上级党委审批（转正）
        Step.CONFIRMATION_APPROVED, 24, "上级党委审批", Stage.PROBATION, Role.HIGHER_COMMITTEE,
        (Status.PROBATIONARY,), Status.FULL_MEMBER, cites(c14("第三十四条", M), c26("第三十三条")),
        after=(Step.CONFIRMATION_RESOLVED,),
        rules=(
            Rule(r.resolution_received_after_meeting, HARD, cites(c14("第三十四条", M), c26("第三十三条"))),
            Rule(r.confirmation_approved_within_three_months, DUTY, cites(c14("第三十四条", M), c26("第三十三条"))),
        ),
        evidence=(Field("received_on", "党委收到转正决议的日期", FieldKind.DATE, required=False),),
        produces=("审批意见", "书记谈话", "党员大会宣布"),
    ),
    StepSpec(  # 25 材料归档
        Step.RECORDS_ARCHIVED, 25, "材料归档", Stage.PROBATION, Role.BRANCH,
        (Status.FULL_MEMBER,), None, cites(c14("第三十七条"), c26("第三十六条")),
        after=(Step.CONFIRMATION_APPROVED,),
        rules=(Rule(r.archive_complete, HARD, cites(c14("第三十七条"), c26("第三十六条")), needs=("documents",)),),
        evidence=(Field("documents", "归档材料", FieldKind.DOCUMENTS, choices=r.ARCHIVE_DOCUMENTS),),
        produces=("人事档案（或党员档案）",),
    ),
    # ---------------------------------------------------------------- side and terminal outcomes
    StepSpec(  # 转出：积极分子、发展对象转往其他党组织（接收方审查前为“转接中”）
        Step.ACTIVIST_TRANSFERRED, None, "转出", Stage.ACTIVIST, Role.BRANCH,
        (Status.ACTIVIST, Status.CANDIDATE), None, TRANSFER_BASIS,
        after=(Step.ACTIVIST_DESIGNATED,),
        rules=(Rule(r.activist_transfer_materials_handed_over, HARD, TRANSFER_BASIS,
                    needs=("to_organisation", "materials_transferred")),),
        evidence=(
            Field("to_organisation", "接收党组织", FieldKind.TEXT),
            Field("materials_transferred", "培养教育材料已转交", FieldKind.BOOL),
        ),
        required_in=OPTIONAL, repeatable=True,
    ),
    StepSpec(  # 转入审查：接收党组织审查材料，选择培养教育时间连续计算或重新计算
        Step.TRANSFER_RECEIVED, None, "转入审查", Stage.ACTIVIST, Role.BRANCH,
        (Status.ACTIVIST, Status.CANDIDATE), None, TRANSFER_BASIS,
        after=(Step.ACTIVIST_TRANSFERRED,),
        rules=(
            Rule(p.transfer_is_pending, HARD, TRANSFER_BASIS),
            Rule(p.transfer_review_gives_reason, HARD, TRANSFER_BASIS, needs=("reviewed_by", "continuity", "reason")),
        ),
        evidence=(
            Field("reviewed_by", "审查人", FieldKind.TEXT),
            Field("continuity", "培养教育时间", FieldKind.CHOICE, choices=p.CONTINUITY),
            Field("reason", "理由", FieldKind.TEXT),
        ),
        required_in=OPTIONAL, repeatable=True, produces=("转入材料审查意见",),
    ),
    StepSpec(  # 转出：预备党员转往其他党组织（N27；接收方审查前为“转接中”，预备期照算）
        Step.PROBATIONARY_TRANSFERRED, None, "转出", Stage.PROBATION, Role.BRANCH,
        (Status.PROBATIONARY,), None, TRANSFERRED_PROBATION,
        after=(Step.ADMISSION_APPROVED,),
        rules=(Rule(pr.probationary_materials_handed_over, HARD, TRANSFERRED_PROBATION,
                    needs=("to_organisation", "materials_transferred")),),
        evidence=(
            Field("to_organisation", "接收党组织", FieldKind.TEXT),
            Field("materials_transferred", "入党志愿书和教育考察材料已转交", FieldKind.BOOL),
        ),
        required_in=OPTIONAL, repeatable=True,
    ),
    StepSpec(  # 转入审查：接收党组织审查预备党员的材料，继续教育考察（预备期不重新计算）
        Step.PROBATIONARY_TRANSFER_RECEIVED, None, "转入审查", Stage.PROBATION, Role.BRANCH,
        (Status.PROBATIONARY,), None, TRANSFERRED_PROBATION,
        after=(Step.PROBATIONARY_TRANSFERRED,),
        rules=(
            Rule(p.transfer_is_pending, HARD, TRANSFERRED_PROBATION),
            Rule(p.transfer_review_gives_reason, HARD, TRANSFERRED_PROBATION, needs=("reviewed_by", "reason")),
        ),
        evidence=(Field("reviewed_by", "审查人", FieldKind.TEXT), Field("reason", "审查意见", FieldKind.TEXT)),
        required_in=OPTIONAL, repeatable=True, produces=("转入材料审查意见",),
    ),
    StepSpec(  # 推迟讨论转正：只适用于转入的预备党员，预备期满时决定，不超过六个月
        Step.CONFIRMATION_POSTPONED, None, "推迟讨论转正", Stage.PROBATION, Role.BRANCH,
        (Status.PROBATIONARY,), None, TRANSFERRED_PROBATION,
        after=(Step.PROBATIONARY_TRANSFER_RECEIVED,),
        rules=(
            Rule(pr.postponement_for_transferred_member, HARD, TRANSFERRED_PROBATION),
            Rule(pr.postponement_at_probation_end, HARD, TRANSFERRED_PROBATION),
            Rule(pr.postponement_within_six_months, HARD, TRANSFERRED_PROBATION, needs=("until",)),
            Rule(pr.postponement_reason_given, HARD, TRANSFERRED_PROBATION, needs=("reason",)),
        ),
        evidence=(Field("until", "推迟到（不超过预备期满后六个月）", FieldKind.DATE),
                  Field("reason", "推迟理由", FieldKind.TEXT)),
        required_in=OPTIONAL, repeatable=True, produces=("推迟讨论转正的决定",),
    ),
    StepSpec(  # 政审不合格：不能发展入党
        Step.POLITICAL_REVIEW_FAILED, None, "政治审查不合格", Stage.CANDIDATE, Role.BRANCH,
        (Status.CANDIDATE,), Status.NOT_ADMITTED, POLITICAL_REVIEW_BASIS,
        after=(Step.CANDIDATE_DESIGNATED,),
        rules=(
            Rule(r.review_concluded_in_writing, HARD, POLITICAL_REVIEW_BASIS, needs=("conclusion",)),
            Rule(p.political_review_failed_is_unqualified, HARD, POLITICAL_REVIEW_BASIS),
        ),
        evidence=(Field("conclusion", "政治审查结论性材料（编号或摘要）", FieldKind.TEXT),
                  Field("result", "政治审查结果", FieldKind.CHOICE, required=False, choices=p.REVIEW_RESULTS)),
        required_in=OPTIONAL,
    ),
    StepSpec(  # 延长预备期：一次，半年至一年，从原预备期满起算
        Step.PROBATION_EXTENDED, None, "延长预备期", Stage.PROBATION, Role.BRANCH_GENERAL_MEETING,
        (Status.PROBATIONARY,), None, PROBATION_BASIS,
        after=(Step.ADMISSION_APPROVED,),
        rules=(
            Rule(r.extended_only_once, HARD, PROBATION_BASIS),
            Rule(r.extension_six_to_twelve_months, HARD, PROBATION_BASIS, needs=("months",)),
            *vote_rules(CONFIRMATION_VOTE, CONFIRMATION_VOTE, ONE_BY_ONE),
        ),
        evidence=(Field("months", "延长时间（月，6至12）", FieldKind.INT), *TALLY),
        required_in=OPTIONAL, produces=("延长预备期决议",),
    ),
    StepSpec(  # 取消预备党员资格
        Step.PROBATION_CANCELLED, None, "取消预备党员资格", Stage.PROBATION, Role.BRANCH_GENERAL_MEETING,
        (Status.PROBATIONARY,), Status.DISQUALIFIED, PROBATION_BASIS,
        after=(Step.ADMISSION_APPROVED,),
        rules=vote_rules(CONFIRMATION_VOTE, CONFIRMATION_VOTE, ONE_BY_ONE),
        evidence=(Field("reason", "取消原因", FieldKind.TEXT), *TALLY),
        required_in=OPTIONAL, produces=("取消预备党员资格决议",),
    ),
    StepSpec(  # 本人退出（任何阶段，历史保留）
        Step.WITHDRAWN, None, "本人退出", Stage.APPLICATION, Role.APPLICANT,
        IN_PROGRESS, Status.WITHDRAWN, cites(c14("第三条"), c26("第三条"), c90()),
        rules=(Rule(r.withdrawal_reason_recorded, HARD, cites(c14("第三条"), c26("第三条"), c90()), needs=("reason",)),),
        evidence=(Field("reason", "退出原因", FieldKind.TEXT),), required_in=OPTIONAL,
    ),
)

SPECS: dict[Step, StepSpec] = {spec.step: spec for spec in PROCEDURE}
MAIN_LINE: tuple[StepSpec, ...] = tuple(spec for spec in PROCEDURE if spec.number is not None)
SIDE_OUTCOMES: tuple[StepSpec, ...] = tuple(spec for spec in PROCEDURE if spec.number is None)


def spec_for(name: str, status: Status | None = None) -> StepSpec:
    """Find a step by slug, paper number or Chinese name; raises KeyError with a Chinese message.

    Two steps share a name (15/23 支部大会讨论, 17/24 上级党委审批): the case's ``status`` picks the one that
    fits; without it, or when both fit, the error lists both. Without a status the earlier step is the
    historical default for callers that never pass one (demo data, scripts in paper order).
    """
    name = next((SPECS[step].name for step, renamed in NAMES_2026.items() if renamed == name), name)  # 2026 words
    found = [spec for spec in PROCEDURE if name in {spec.step.value, spec.name, str(spec.number)}]
    if not found:
        raise KeyError(f"没有名为「{name}」的步骤。可用 fazhan steps 查看全部步骤。")
    if status is None:
        return found[0]
    return p.resolve_name(found, status)
