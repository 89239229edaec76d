"""The data the server tests start from: the demo 党委 and logins, and many applicants whose talk reminder is due."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import Engine, func, select

from notices.outbox import NOTICES
from states.procedure import spec_for
from tests.web.browser import TODAY, demo_database
from workflow import services
from workflow.clock import FixedClock
from workflow.db import make_engine
from workflow.evidence import parse_evidence
from workflow.tables import InboxMessage

BRANCH = "计算机学院学生第一党支部"
SECRETARY = services.Actor("陈静", "书记")
# Applied 24 days ago: the talk is due within a month, so its reminder 7 days ahead falls due today.
APPLIED = TODAY - relativedelta(months=1) + timedelta(days=7)
INBOX = InboxMessage.__table__
SUBMITTED = spec_for("application_submitted")


def names(prefix: str = "王") -> Iterator[str]:
    """Distinct plausible Chinese names: 王甲乙, 王甲丙, …"""
    for a, b, c in itertools.product("甲乙丙丁戊己庚辛壬癸", repeat=3):
        yield f"{prefix}{a}{b}{c}"


def seed(url: str, applicants: int) -> list[int]:
    """The demo, then ``applicants`` people who applied on ``APPLIED`` (their reminders are due today)."""
    clock = FixedClock.on(TODAY)
    demo_database(url, clock)
    engine = make_engine(url)
    cases = []
    try:
        for name, _ in zip(names("赵"), range(applicants), strict=False):
            case_id = services.add_applicant(engine, clock, SECRETARY, name=name, sex="男", birth_date=date(2001, 4, 12),
                                             organisation=BRANCH)
            services.advance(engine, clock, SECRETARY, case_id, services.StepRequest(
                SUBMITTED.step, APPLIED, parse_evidence(SUBMITTED, {"organisation_basis": "work_unit"})))
            cases.append(case_id)
    finally:
        engine.dispose()
    return cases


def outbox_counts(engine: Engine) -> dict[str, int]:
    """Notices due by today, by status; and the inbox messages."""
    with engine.connect() as conn:
        rows = conn.execute(select(NOTICES.c.status, func.count()).where(NOTICES.c.send_on <= TODAY)
                            .group_by(NOTICES.c.status)).all()
        inbox = conn.scalar(select(func.count()).select_from(INBOX)) or 0
    return {**{str(s): int(n) for s, n in rows}, "inbox": int(inbox)}
