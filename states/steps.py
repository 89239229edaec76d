"""Closed vocabularies of the procedure: stages, statuses, steps, roles, severities, source tags.

The string values are stored in databases and audit events: they are permanent.
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """The five stages of the 中组部 flowchart."""

    APPLICATION = "application"
    ACTIVIST = "activist"
    CANDIDATE = "candidate"
    ADMISSION = "admission"
    PROBATION = "probation"

    @property
    def label(self) -> str:
        return _STAGE_LABELS[self]

    @property
    def number(self) -> str:
        return "一二三四五"[list(Stage).index(self)]


_STAGE_LABELS = {
    Stage.APPLICATION: "申请入党",
    Stage.ACTIVIST: "入党积极分子的确定和培养教育",
    Stage.CANDIDATE: "发展对象的确定和考察",
    Stage.ADMISSION: "预备党员的接收",
    Stage.PROBATION: "预备党员的教育考察和转正",
}


class Status(StrEnum):
    """Where an applicant stands: the states of the shared machine."""

    NEW = "new"
    APPLICANT = "applicant"
    ACTIVIST = "activist"
    CANDIDATE = "candidate"
    PROBATIONARY = "probationary"
    FULL_MEMBER = "full_member"
    WITHDRAWN = "withdrawn"
    NOT_ADMITTED = "not_admitted"
    DISQUALIFIED = "disqualified"
    TRANSFERRED_OUT = "transferred_out"  # exported to an organisation outside this database (workflow/case_exchange.py)

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL


_TERMINAL = frozenset({Status.FULL_MEMBER, Status.WITHDRAWN, Status.NOT_ADMITTED, Status.DISQUALIFIED,
                       Status.TRANSFERRED_OUT})  # built once: asked several times in every step


_STATUS_LABELS = {
    Status.NEW: "尚未递交申请",
    Status.APPLICANT: "入党申请人",
    Status.ACTIVIST: "入党积极分子",
    Status.CANDIDATE: "发展对象",
    Status.PROBATIONARY: "预备党员",
    Status.FULL_MEMBER: "正式党员",
    Status.WITHDRAWN: "已退出",
    Status.NOT_ADMITTED: "不能发展入党",
    Status.DISQUALIFIED: "已取消预备党员资格",
    Status.TRANSFERRED_OUT: "已转出（外单位）",
}


class Step(StrEnum):
    """The 25 steps in paper order, then the side and terminal outcomes.

    Values are participles of what has happened; the trigger is the same slug.
    """

    APPLICATION_SUBMITTED = "application_submitted"  # 1
    TALK_HELD = "talk_held"  # 2
    ACTIVIST_DESIGNATED = "activist_designated"  # 3
    ACTIVIST_FILED = "activist_filed"  # 4
    LIAISONS_ASSIGNED = "liaisons_assigned"  # 5
    ACTIVIST_ASSESSED = "activist_assessed"  # 6
    CANDIDATE_DESIGNATED = "candidate_designated"  # 7
    CANDIDATE_FILED = "candidate_filed"  # 8
    SPONSORS_ASSIGNED = "sponsors_assigned"  # 9
    POLITICAL_REVIEW_PASSED = "political_review_passed"  # 10
    TRAINING_COMPLETED = "training_completed"  # 11
    COMMITTEE_REVIEWED = "committee_reviewed"  # 12
    PRE_REVIEW_PASSED = "pre_review_passed"  # 13
    APPLICATION_FORM_FILLED = "application_form_filled"  # 14
    ADMISSION_RESOLVED = "admission_resolved"  # 15
    HIGHER_TALK_HELD = "higher_talk_held"  # 16
    ADMISSION_APPROVED = "admission_approved"  # 17
    ADMISSION_FILED = "admission_filed"  # 18
    ASSIGNED_TO_GROUP = "assigned_to_group"  # 19
    OATH_TAKEN = "oath_taken"  # 20
    PROBATION_ASSESSED = "probation_assessed"  # 21
    CONFIRMATION_REQUESTED = "confirmation_requested"  # 22
    CONFIRMATION_RESOLVED = "confirmation_resolved"  # 23
    CONFIRMATION_APPROVED = "confirmation_approved"  # 24
    RECORDS_ARCHIVED = "records_archived"  # 25
    # Side and terminal outcomes (not numbered on the flowchart).
    CANDIDATE_PUBLICISED = "candidate_publicised"
    ACTIVIST_TRANSFERRED = "activist_transferred"  # 转出 (积极分子 or 发展对象)
    TRANSFER_RECEIVED = "transfer_received"  # 转入审查 by the receiving branch (细则第十二条)
    PROBATIONARY_TRANSFERRED = "probationary_transferred"  # 转出 of a 预备党员 (N27)
    PROBATIONARY_TRANSFER_RECEIVED = "probationary_transfer_received"  # its 转入审查
    CONFIRMATION_POSTPONED = "confirmation_postponed"  # 推迟讨论转正, transferred 预备党员 only (N27)
    PROBATION_EXTENDED = "probation_extended"
    PROBATION_CANCELLED = "probation_cancelled"
    POLITICAL_REVIEW_FAILED = "political_review_failed"
    WITHDRAWN = "withdrawn"


class Role(StrEnum):
    """Who performs a step."""

    APPLICANT = "applicant"
    BRANCH = "branch"
    BRANCH_COMMITTEE = "branch_committee"
    BRANCH_GENERAL_MEETING = "branch_general_meeting"
    HIGHER_COMMITTEE = "higher_committee"
    HIGHER_ORGANISATION_DEPARTMENT = "higher_organisation_department"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.APPLICANT: "本人",
    Role.BRANCH: "党支部",
    Role.BRANCH_COMMITTEE: "支部委员会（不设支委会的由支部党员大会）",
    Role.BRANCH_GENERAL_MEETING: "支部党员大会",
    Role.HIGHER_COMMITTEE: "上级党委（基层党委）",
    Role.HIGHER_ORGANISATION_DEPARTMENT: "再上一级党委组织部门",
}


class Severity(StrEnum):
    """How a failing rule acts (procedure.md §1, 'How the engine should read the table')."""

    HARD = "hard"  # refuses the step
    SOFT = "soft"  # refuses unless overridden with a reason and an authoriser ("一般…", "除个别特殊情况外")
    DUTY = "duty"  # allows the step, records a violation ("应当…内")

    @property
    def label(self) -> str:
        return {"hard": "硬性", "soft": "一般性（可特批）", "duty": "时限义务（违反留痕）"}[self.value]


class Tag(StrEnum):
    """How well a rule's source is verified (procedure.md §0.1)."""

    V = "V"
    W = "W"
    M = "M"
    G = "G"
    R26 = "R26"

    @property
    def awaits_confirmation(self) -> bool:
        return self in {Tag.W, Tag.M, Tag.R26}
