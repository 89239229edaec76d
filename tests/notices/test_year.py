"""A simulated year, 2024-09-01 to 2025-08-31, with an injected clock and a sweep every morning.

Four applicants at different stages. Every deadline produces exactly the expected notices, to exactly the
expected people, on exactly the expected days; acts done in time cancel the rest; nothing is sent twice.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from notices.sweep import sweep
from tests.notices.world import BRANCH, COMMITTEE_MEETING, TALLY, Recorder, World, build, to_activist
from workflow.clock import FixedClock
from workflow.tables import InboxMessage

START, END = date(2024, 9, 1), date(2025, 8, 31)
B = [("陈静", "inbox"), ("陈静", "email"), ("王芳", "inbox"), (BRANCH, "webhook")]  # 书记, 组织委员, the robot
L = [("赵强", "inbox"), ("孙丽", "inbox")]  # 培养联系人
HO = [("刘洋", "inbox"), ("刘洋", "email")]  # the committee's 组织员

# (day, kind, applicant, audience): every notice of the year, and nothing else.
EXPECTED = [
    (date(2024, 9, 25), "talk_reminder@-7", "张三", B),
    (date(2024, 10, 2), "talk_reminder@+0", "张三", B),
    (date(2024, 10, 3), "talk_reminder@+1", "张三", B),  # the talk is held late, on 10-05: no escalation on 10-09
    (date(2024, 11, 3), "assessment_reminder@-7", "李四", B + L),  # assessed on 11-06
    (date(2024, 11, 8), "candidate_eligible@-7", "李四", B + L),
    (date(2024, 11, 15), "candidate_eligible@+0", "李四", B + L),  # one year after 2023-11-15
    (date(2025, 4, 13), "assessment_reminder@-7", "张三", B + L),  # assessed on 04-16
    (date(2025, 5, 3), "approval_warning@-7", "李四", HO),  # 支部大会 2025-02-10: three months to 05-10
    (date(2025, 5, 10), "approval_warning@+0", "李四", HO),
    (date(2025, 5, 11), "approval_warning@+1", "李四", HO),  # approved late on 05-12: no escalation on 05-17
    (date(2025, 5, 21), "probation_ending@-30", "王五", B),  # 预备期 from 2024-06-20
    (date(2025, 6, 13), "probation_ending@-7", "王五", B),
    (date(2025, 6, 20), "probation_ending@+0", "王五", B),  # discussed on 06-25: no escalation on 07-20
]


def acts() -> dict[date, list[tuple[str, str, dict[str, Any]]]]:
    """What the secretaries record during the year, by day (recorded before that morning's sweep)."""
    plan: list[tuple[date, str, str, dict[str, Any]]] = [
        (date(2024, 9, 2), "张三", "application_submitted", {"organisation_basis": "work_unit"}),
        (date(2024, 10, 5), "张三", "talk_held", {"talker": "陈静"}),
        (date(2024, 10, 20), "张三", "activist_designated", {"recommendation": "party_members", **COMMITTEE_MEETING}),
        (date(2024, 10, 25), "张三", "activist_filed", {}),
        (date(2024, 10, 28), "张三", "liaisons_assigned", {"liaisons": "赵强,孙丽"}),
        (date(2025, 4, 16), "张三", "activist_assessed", {}),
        (date(2024, 11, 6), "李四", "activist_assessed", {}),
        (date(2024, 11, 25), "李四", "candidate_designated", {"opinions_heard": "是", **COMMITTEE_MEETING}),
        (date(2024, 11, 28), "李四", "candidate_filed", {}),
        (date(2024, 12, 2), "李四", "sponsors_assigned", {"sponsors": "赵强,孙丽"}),
        (date(2024, 12, 10), "李四", "political_review_passed", {"result": "合格", "conclusion": "政审合格"}),
        (date(2024, 12, 20), "李四", "training_completed", {"days": 3}),
        (date(2025, 1, 6), "李四", "committee_reviewed", COMMITTEE_MEETING),
        (date(2025, 1, 15), "李四", "pre_review_passed", {"written_notice": "是"}),
        (date(2025, 1, 20), "李四", "application_form_filled", {}),
        (date(2025, 2, 10), "李四", "admission_resolved", {"tally": TALLY}),
        (date(2025, 3, 1), "李四", "higher_talk_held", {"talker": "刘洋", "talker_role": "organiser"}),
        (date(2025, 5, 12), "李四", "admission_approved",
         {"approver_level": "grassroots_committee", "applicants_in_decision": 1}),
        (date(2025, 6, 1), "王五", "confirmation_requested", {"in_writing": "是"}),
        (date(2025, 6, 25), "王五", "confirmation_resolved",
         {"group_opinion": "是", "opinions_sought": "是", "committee_reviewed": "是", "tally": TALLY}),
        (date(2025, 7, 10), "王五", "confirmation_approved", {}),
        (date(2025, 3, 3), "赵六", "application_submitted", {"organisation_basis": "work_unit"}),
        (date(2025, 3, 20), "赵六", "withdrawn", {"reason": "本人申请退出"}),
    ]
    by_day: dict[date, list[tuple[str, str, dict[str, Any]]]] = {}
    for day, name, slug, evidence in plan:
        by_day.setdefault(day, []).append((name, slug, evidence))
    return by_day


def before_the_year(world: World) -> None:
    """李四 is an 积极分子 since 2023-11-15; 王五 a 预备党员 since 2024-06-20. Planned as they happened."""
    world.applicant("李四", date(2023, 9, 4))
    to_activist(world, "李四", date(2023, 9, 4), date(2023, 9, 20), date(2023, 11, 15), date(2023, 11, 20),
                date(2023, 11, 22))
    world.act("李四", "activist_assessed", date(2024, 5, 10))
    world.applicant("王五", date(2022, 3, 1))
    to_activist(world, "王五", date(2022, 3, 1), date(2022, 3, 15), date(2022, 5, 10), date(2022, 5, 15),
                date(2022, 5, 20))
    for slug, on, evidence in (
        ("activist_assessed", date(2022, 11, 1), {}), ("activist_assessed", date(2023, 5, 1), {}),
        ("candidate_designated", date(2023, 5, 20), {"opinions_heard": "是", **COMMITTEE_MEETING}),
        ("candidate_filed", date(2023, 5, 25), {}), ("sponsors_assigned", date(2023, 6, 1), {"sponsors": "赵强,孙丽"}),
        ("political_review_passed", date(2024, 1, 10), {"result": "合格", "conclusion": "政审合格"}),
        ("training_completed", date(2024, 1, 20), {"days": 3}), ("committee_reviewed", date(2024, 3, 1), COMMITTEE_MEETING),
        ("pre_review_passed", date(2024, 3, 10), {"written_notice": "是"}),
        ("application_form_filled", date(2024, 3, 15), {}), ("admission_resolved", date(2024, 6, 20), {"tally": TALLY}),
        ("higher_talk_held", date(2024, 7, 1), {"talker": "刘洋", "talker_role": "organiser"}),
        ("admission_approved", date(2024, 8, 15), {"approver_level": "grassroots_committee", "applicants_in_decision": 1}),
        ("admission_filed", date(2024, 8, 20), {}), ("assigned_to_group", date(2024, 8, 22), {"group": "第一党小组"}),
        ("oath_taken", date(2024, 8, 25), {}),
    ):
        world.act("王五", slug, on, **evidence)
    world.applicant("张三", date(2024, 9, 2))
    world.applicant("赵六", date(2025, 3, 3))


def test_a_year_of_deadlines_gives_exactly_the_expected_notices(engine: Engine) -> None:
    world = build(engine, emails=True)
    world.set_webhook(BRANCH, "http://robot.invalid/send")
    before_the_year(world)
    assert not [r for r in world.rows() if r["status"] == "pending" and r["send_on"] < START]
    channels, todo, sent = Recorder(world.config), acts(), []
    day = START
    while day <= END:
        for name, slug, evidence in todo.pop(day, []):
            world.act(name, slug, day, **evidence)
        now = FixedClock.on(day).now()
        report = sweep(engine, day, now, world.config, channels)
        sent += [(day, row_id) for row_id in report.sent]
        assert not report.failed and not report.late
        assert not sweep(engine, day, now, world.config, channels).sent, "a second sweep the same day sends nothing"
        day += timedelta(days=1)
    assert not todo

    rows = {r["id"]: r for r in world.rows()}
    names = {case: name for name, case in world.cases.items()}
    got = sorted((day, rows[i]["name"], names[rows[i]["case_id"]], world.who(rows[i]["recipient"]), rows[i]["channel"])
                 for day, i in sent)
    expected = sorted((day, kind, name, who, channel) for day, kind, name, audience in EXPECTED
                      for who, channel in audience)
    assert got == expected

    # Never twice: one row per sending, one inbox message per inbox row, one email and one robot post per row.
    assert len({i for _, i in sent}) == len(sent)
    with engine.connect() as conn:
        inbox = conn.execute(select(func.count()).select_from(InboxMessage.__table__)).scalar_one()
    assert inbox == sum(1 for *_, channel in got if channel == "inbox")
    assert Counter(o.notice_id for _, o in channels.sent).most_common(1)[0][1] == 1
    assert {channel for channel, _ in channels.sent} == {"email", "webhook"}
    # Everything else that was planned was cancelled when its reason went, or still lies ahead.
    statuses = Counter((r["status"], r["send_on"] > END) for r in rows.values())
    assert set(statuses) <= {("sent", False), ("cancelled", False), ("cancelled", True), ("pending", True)}
    assert statuses[("sent", False)] == len(expected)
