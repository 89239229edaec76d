"""Under the 2026.05 set, simulated day by day from the 上级党委同意 to the 支部党员大会 (2026-09-24 … 2026-12-10):
the 公示 notice and its end, the one-month deadline from 预审 to the 党员大会, and the 会议通知.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from notices.outbox import refresh_case
from notices.sweep import sweep
from tests.notices.histories import CONSENTED_2026, PRE_REVIEWED_2026, TALLY
from tests.notices.world import BRANCH, World, build
from workflow.clock import FixedClock
from workflow.tables import AgendaItem, Meeting

START, END = date(2026, 9, 24), date(2026, 12, 10)
LEADERS = ["陈静", "王芳"]
EVERYONE = ["陈静", "王芳", "赵强", "孙丽"]
EXPECTED = [
    (date(2026, 9, 24), "publicity_notice", LEADERS),  # the 公示 text, 2026-09-28 … 2026-10-09 (5 working days)
    (date(2026, 10, 10), "publicity_ended", LEADERS),
    (date(2026, 11, 25), "admission_meeting_due@-7", LEADERS),  # 预审 on 11-02: the meeting by 12-02
    (date(2026, 11, 28), "meeting_notice", EVERYONE),  # the meeting is called for 12-01, three days ahead
]


def schedule_meeting(world: World) -> None:
    """On 11-20 the branch calls its 党员大会 for 12-01 with 李明 on the agenda."""
    with world.engine.begin() as conn:
        meeting = conn.execute(insert(Meeting.__table__).values(
            organisation_id=world.orgs[BRANCH], kind="branch_general_meeting", held_on=date(2026, 12, 1),
            title="讨论接收预备党员", chair="陈静", recorder="王芳", status="open", version=0)).inserted_primary_key[0]
        conn.execute(insert(AgendaItem.__table__).values(meeting_id=meeting, case_id=world.cases["李明"],
                                                         purpose="admission", discussion="", result="pending"))
    refresh_case(world.engine, world.cases["李明"], date(2026, 11, 20), world.config)


def test_publicity_and_the_one_month_meeting_deadline_day_by_day(engine: Engine) -> None:
    world = build(engine)
    world.applicant("李明", date(2025, 3, 3))
    for slug, on, evidence in CONSENTED_2026[:-1]:
        world.act("李明", slug, on, **evidence)
    assert not [r for r in world.rows() if r["status"] == "pending" and r["send_on"] < START]
    during: dict[date, list[tuple[str, dict[str, Any]]]] = {}
    for slug, on, evidence in [CONSENTED_2026[-1], *PRE_REVIEWED_2026[len(CONSENTED_2026):],
                               ("application_form_filled", date(2026, 11, 10), {}),
                               ("admission_resolved", date(2026, 12, 1), TALLY)]:
        during.setdefault(on, []).append((slug, evidence))

    sent: list[tuple[date, int]] = []
    day = START
    while day <= END:
        for slug, evidence in during.pop(day, []):
            world.act("李明", slug, day, **evidence)
        if day == date(2026, 11, 20):
            schedule_meeting(world)
        sent += [(day, i) for i in sweep(engine, day, FixedClock.on(day).now(), world.config).sent]
        day += timedelta(days=1)

    rows = {r["id"]: r for r in world.rows()}
    got = sorted((d, rows[i]["name"], world.who(rows[i]["recipient"])) for d, i in sent)
    assert got == sorted((d, kind, who) for d, kind, people in EXPECTED for who in people)
    publicity = next(rows[i] for d, i in sent if rows[i]["kind"] == "publicity_notice")
    assert "公示时间：2026年9月28日至2026年10月9日（5个工作日" in publicity["body"]
    meeting = next(rows[i] for d, i in sent if rows[i]["kind"] == "meeting_notice")
    assert meeting["subject"] == "【会议通知】计算机学院党支部定于2026年12月1日（星期二）召开支部党员大会"
    # The meeting was held on 12-01, within the month: the reminders of 12-02 and 12-03 were cancelled.
    assert {r["status"] for r in rows.values() if r["name"].startswith("admission_meeting_due@")
            and r["send_on"] > date(2026, 12, 1)} == {"cancelled"}
