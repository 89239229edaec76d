"""Paper histories that reach each deadline, as ``(step, date, evidence)`` lists for ``tests.builders.run_history``."""

from __future__ import annotations

from datetime import date
from typing import Any

History = list[tuple[str, date, dict[str, Any]]]
MEETING = {"members": "5", "present": "4"}
TALLY = {"tally": "应到=5,实到=5,赞成=5,方式=无记名"}

APPLIED: History = [("application_submitted", date(2025, 1, 31), {"organisation_basis": "work_unit"})]

ACTIVIST: History = [
    ("application_submitted", date(2024, 3, 4), {"organisation_basis": "work_unit"}),
    ("talk_held", date(2024, 3, 20), {"talker": "陈静"}),
    ("activist_designated", date(2024, 6, 14), {"recommendation": "party_members", **MEETING}),
    ("activist_filed", date(2024, 6, 28), {}),
    ("liaisons_assigned", date(2024, 7, 1), {"liaisons": "赵强,孙丽"}),
]

CANDIDATE_2014: History = [
    *ACTIVIST,
    ("activist_assessed", date(2024, 12, 10), {}),
    ("activist_assessed", date(2025, 6, 10), {}),
    ("candidate_designated", date(2025, 6, 16), {"opinions_heard": "是", **MEETING}),
    ("candidate_filed", date(2025, 6, 27), {}),
    ("sponsors_assigned", date(2025, 7, 4), {"sponsors": "赵强,孙丽"}),
    ("political_review_passed", date(2025, 9, 15), {"result": "合格", "conclusion": "合格"}),
    ("training_completed", date(2025, 10, 20), {"days": "3"}),
    ("committee_reviewed", date(2025, 11, 5), MEETING),
    ("pre_review_passed", date(2025, 11, 20), {"written_notice": "是"}),
    ("application_form_filled", date(2025, 11, 28), {}),
]
RESOLVED_2014: History = [*CANDIDATE_2014, ("admission_resolved", date(2025, 12, 12), TALLY),
                          ("higher_talk_held", date(2025, 12, 26), {"talker": "刘洋", "talker_role": "organiser"})]
PROBATIONARY: History = [
    *RESOLVED_2014,
    ("admission_approved", date(2026, 1, 16), {"approver_level": "grassroots_committee", "applicants_in_decision": "1"}),
]

# Under the 2026.05 set: 上级党委同意 on Thursday 2026-09-24, the eve of 中秋 and a week before 国庆.
CONSENTED_2026: History = [
    ("application_submitted", date(2025, 3, 3), {"organisation_basis": "work_unit"}),
    ("talk_held", date(2025, 3, 20), {"talker": "陈静"}),
    ("activist_designated", date(2025, 6, 10), {"recommendation": "party_members", **MEETING}),
    ("activist_filed", date(2025, 6, 15), {}),
    ("liaisons_assigned", date(2025, 6, 20), {"liaisons": "赵强,孙丽"}),
    ("activist_assessed", date(2025, 12, 5), {}),
    ("activist_assessed", date(2026, 6, 1), {}),
    ("candidate_designated", date(2026, 6, 15), {"opinions_heard": "是", **MEETING}),
    ("candidate_filed", date(2026, 9, 24), {"consented": "是"}),
]
PRE_REVIEWED_2026: History = [
    *CONSENTED_2026,
    ("candidate_publicised", date(2026, 10, 12),
     {"posted_on": "2026-09-28", "last_day": "2026-10-09", "outcome": "no_objection"}),
    ("sponsors_assigned", date(2026, 10, 13), {"sponsors": "赵强,孙丽"}),
    ("political_review_passed", date(2026, 10, 14), {"result": "合格", "conclusion": "合格"}),
    ("training_completed", date(2026, 10, 20), {"days": "3"}),
    ("committee_reviewed", date(2026, 10, 26), MEETING),
    ("pre_review_passed", date(2026, 11, 2), {"written_notice": "是"}),
]
