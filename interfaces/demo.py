"""A realistic applicant, 李明, as a paper history: used by ``fazhan demo``, the README and the scenario tests."""

from __future__ import annotations

from datetime import date
from typing import Any

DEMO_BIRTH_DATE = date(2001, 4, 12)

# (step slug, date of the act, evidence as a secretary types it)
DEMO_HISTORY: list[tuple[str, date, dict[str, Any]]] = [
    ("application_submitted", date(2024, 3, 4), {"organisation_basis": "work_unit"}),
    ("talk_held", date(2024, 3, 20), {"talker": "支部书记 陈静"}),
    ("activist_designated", date(2024, 6, 14), {"recommendation": "party_members", "members": "5", "present": "4"}),
    ("activist_filed", date(2024, 6, 28), {}),
    ("liaisons_assigned", date(2024, 7, 1), {"liaisons": "王芳:正式,赵强:正式"}),
    ("activist_assessed", date(2024, 12, 10), {"summary": "学习认真，积极参加志愿服务"}),
    ("activist_assessed", date(2025, 6, 10), {"summary": "思想汇报按时，表现良好"}),
    ("candidate_designated", date(2025, 6, 16), {"opinions_heard": "是", "members": "5", "present": "5"}),
    ("candidate_filed", date(2025, 6, 27), {}),
    ("sponsors_assigned", date(2025, 7, 4), {"sponsors": "王芳:正式,赵强:正式"}),
    ("political_review_passed", date(2025, 9, 15), {"result": "合格", "conclusion": "政审〔2025〕12号：合格"}),
    ("training_completed", date(2025, 10, 20), {"days": "3"}),
    ("committee_reviewed", date(2025, 11, 5), {"members": "5", "present": "5"}),
    ("pre_review_passed", date(2025, 11, 20), {"written_notice": "是"}),
    ("application_form_filled", date(2025, 11, 28), {}),
    ("admission_resolved", date(2025, 12, 12),
     {"tally": "应到=23,实到=20,赞成=19,反对=0,弃权=1,书面赞成=2,方式=无记名"}),
    ("higher_talk_held", date(2025, 12, 26), {"talker": "党委组织员 刘洋", "talker_role": "organiser"}),
    ("admission_approved", date(2026, 1, 16),
     {"approver_level": "grassroots_committee", "applicants_in_decision": "1", "received_on": "2025-12-18"}),
    ("admission_filed", date(2026, 1, 30), {}),
    ("assigned_to_group", date(2026, 2, 2), {"group": "第二党小组"}),
    ("oath_taken", date(2026, 2, 10), {}),
    ("probation_assessed", date(2026, 6, 30), {"summary": "预备期表现良好"}),
    ("confirmation_requested", date(2026, 11, 20), {"in_writing": "是"}),
]

# The attempt the demo shows being refused before the real act: one year as 积极分子 not yet complete.
DEMO_TOO_EARLY = ("candidate_designated", date(2025, 6, 13),
                  {"opinions_heard": "是", "members": "5", "present": "5"})
