"""Demo organisation for ``make run``: a 基层党委, two branches (one without a 支委会), members, and applicants
at different stages, with dates placed relative to today so the dashboard has real deadlines to show.

Every act goes through the same services as a secretary's, so the demo data obeys every rule.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, select

from states.periods import add_months
from states.procedure import spec_for
from workflow import services
from workflow.clock import Clock
from workflow.evidence import parse_evidence
from workflow.roster import ORGS
from workflow.services import Actor, StepRequest

ORGANISER = Actor("刘洋", "组织员")
COMMITTEE = "某大学党委"
BRANCH = "计算机学院学生第一党支部"
SMALL_BRANCH = "后勤服务中心党支部"  # fewer than 7 正式党员: no 支委会

MEMBERS = [
    (BRANCH, "陈静", "书记"), (BRANCH, "王芳", "组织委员"), (BRANCH, "赵强", "委员"), (BRANCH, "孙丽", None),
    (BRANCH, "周伟", None), (BRANCH, "吴敏", None), (BRANCH, "郑浩", None), (BRANCH, "冯雪", None),
    (SMALL_BRANCH, "何军", "书记"), (SMALL_BRANCH, "许娜", None), (SMALL_BRANCH, "韩磊", None),
    (COMMITTEE, "刘洋", "组织员"),
]


def is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(ORGS.c.id).limit(1)).first() is None


def seed(engine: Engine, clock: Clock) -> None:
    """Create the demo organisation and applicants (call on an empty database)."""
    today = clock.today()
    services.add_organisation(engine, clock, ORGANISER, name=COMMITTEE, kind="基层党委", may_approve=True)
    services.add_organisation(engine, clock, ORGANISER, name=BRANCH, kind="党支部", parent=COMMITTEE)
    services.add_organisation(engine, clock, ORGANISER, name=SMALL_BRANCH, kind="党支部", parent=COMMITTEE,
                              has_committee=False)
    for organisation, name, post in MEMBERS:
        services.add_member(engine, clock, ORGANISER, name=name, organisation=organisation,
                            since=date(2015, 9, 1), post=post)
    for name, sex, birth, organisation, history in _applicants(today):
        case_id = services.add_applicant(engine, clock, ORGANISER, name=name, sex=sex, birth_date=birth,
                                         organisation=organisation, unit="某大学")
        for slug, on, raw in history:
            spec = spec_for(slug)
            request = StepRequest(spec.step, on, parse_evidence(spec, raw), backfill_reason="演示数据")
            services.advance(engine, clock, Actor("陈静", "书记"), case_id, request)


def _applicants(today: date) -> list[tuple[str, str, date, str, list[tuple[str, date, dict[str, Any]]]]]:
    def ago(days: int = 0, months: int = 0) -> date:
        return add_months(today, -months) - timedelta(days=days)

    committee = {"members": "5", "present": "4"}
    activist = [
        ("application_submitted", ago(months=14), {"organisation_basis": "study_unit"}),
        ("talk_held", ago(months=14) + timedelta(days=12), {"talker": "陈静"}),
        ("activist_designated", ago(months=11, days=20), {"recommendation": "mass_organisation", **committee}),
        ("activist_filed", ago(months=11, days=10), {}),
        ("liaisons_assigned", ago(months=11, days=5), {"liaisons": "王芳,赵强"}),
        ("activist_assessed", ago(months=6, days=1), {"summary": "表现良好"}),
    ]
    return [
        ("张晓雨", "女", date(2004, 5, 18), BRANCH,
         [("application_submitted", ago(days=20), {"organisation_basis": "study_unit"})]),
        ("李明", "男", date(2003, 11, 2), BRANCH, activist),
        ("王浩然", "男", date(2002, 3, 9), BRANCH, [
            ("application_submitted", ago(months=19), {"organisation_basis": "study_unit"}),
            ("talk_held", ago(months=19) + timedelta(days=10), {"talker": "陈静"}),
            ("activist_designated", ago(months=16), {"recommendation": "party_members", **committee}),
            ("activist_filed", ago(months=15, days=20), {}),
            ("liaisons_assigned", ago(months=15, days=15), {"liaisons": "王芳,孙丽"}),
            ("activist_assessed", ago(months=11), {"summary": "表现良好"}),
            ("activist_assessed", ago(months=5), {"summary": "思想汇报按时"}),
            ("candidate_designated", ago(days=45), {"opinions_heard": "是", **committee}),
            ("candidate_filed", ago(days=40), {"consented": "是"}),
            ("candidate_publicised", ago(days=25),
             {"posted_on": str(ago(days=38)), "last_day": str(ago(days=26)), "outcome": "no_objection"}),
            ("sponsors_assigned", ago(days=20), {"sponsors": "王芳,孙丽"}),
        ]),
        ("赵一鸣", "男", date(1996, 8, 30), SMALL_BRANCH,
         [("application_submitted", ago(days=50), {"organisation_basis": "work_unit"})]),
    ]
