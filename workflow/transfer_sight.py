"""The sending organisation's read-only sight of a case after a transfer (细则第十二条, N27).

Once the receiving branch has reviewed a transfer, the case belongs to the receiving organisation; the branch
that sent it still sees what was recorded up to its 转出 (no later step, no step forms), with a line saying
where the case went and when. The common higher committee sees the whole case through its ordinary scope.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select

from states.periods import cn_date
from states.procedure import SPECS
from states.steps import Status, Step
from workflow import roster
from workflow.services import APPLICANTS, CASES, STEPS
from workflow.transfer_tables import CaseTransfer

TRANSFERS = CaseTransfer.__table__
OUT_STEPS = (Step.ACTIVIST_TRANSFERRED.value, Step.PROBATIONARY_TRANSFERRED.value)


def record_transfer(conn: Connection, case_id: int, sending: int, receiving: int, sent_on: date,
                    received_on: date) -> None:
    """Write the completed transfer in the review's transaction; the 转出 is the case's last one."""
    out_step = conn.execute(select(func.max(STEPS.c.id)).where(
        STEPS.c.case_id == case_id, STEPS.c.step.in_(OUT_STEPS))).scalar_one()
    conn.execute(insert(TRANSFERS).values(case_id=case_id, from_organisation_id=sending,
                                          to_organisation_id=receiving, out_step_id=out_step,
                                          transferred_on=sent_on, received_on=received_on))


@dataclass(frozen=True)
class PastSight:
    """What a sending organisation may still see of a case: the records up to its 转出."""

    case_id: int
    from_organisation: str
    to_organisation: str
    transferred_on: date
    received_on: date
    out_step_id: int

    def line(self) -> str:
        return (f"本案卷已于{cn_date(self.transferred_on)}由「{self.from_organisation}」转往「{self.to_organisation}」，"
                f"{cn_date(self.received_on)}接收党组织审查接收。原党组织只能查看转出前的记录，不能办理步骤。")


def past_sight(conn: Connection, case_id: int, organisation_ids: Collection[int]) -> PastSight | None:
    """The latest transfer of the case sent by one of ``organisation_ids``, or None if none of them sent it."""
    sender, receiver = roster.ORGS.alias("sender"), roster.ORGS.alias("receiver")
    row = conn.execute(
        select(TRANSFERS.c.transferred_on, TRANSFERS.c.received_on, TRANSFERS.c.out_step_id,
               sender.c.name.label("sender"), receiver.c.name.label("receiver"))
        .join(sender, sender.c.id == TRANSFERS.c.from_organisation_id)
        .join(receiver, receiver.c.id == TRANSFERS.c.to_organisation_id)
        .where(TRANSFERS.c.case_id == case_id, TRANSFERS.c.from_organisation_id.in_(list(organisation_ids)))
        .order_by(TRANSFERS.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    return PastSight(case_id, row.sender, row.receiver, row.transferred_on, row.received_on, row.out_step_id)


@dataclass(frozen=True)
class SentView:
    """The case as its sender last held it: the person, the status at the 转出, the records up to it."""

    sight: PastSight
    applicant: dict[str, Any]
    status: Status
    timeline: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"case_id": self.sight.case_id, "applicant": self.applicant, "read_only": True,
                "organisation": self.sight.from_organisation, "status": self.status.value,
                "status_name": self.status.label, "timeline": self.timeline,
                "transferred": {"to": self.sight.to_organisation, "on": self.sight.transferred_on,
                                "received_on": self.sight.received_on, "line": self.sight.line()}}


def sent_view(engine: Engine, sight: PastSight) -> SentView:
    """The records up to and including the 转出, never a later one (the receiving branch's work is its own)."""
    with engine.connect() as conn:
        person = conn.execute(select(APPLICANTS.c.name, APPLICANTS.c.sex, APPLICANTS.c.birth_date)
                              .join(CASES, CASES.c.applicant_id == APPLICANTS.c.id)
                              .where(CASES.c.id == sight.case_id)).mappings().one()
        rows = [dict(r) for r in conn.execute(
            select(STEPS.c.step, STEPS.c.done_on, STEPS.c.actor, STEPS.c.backfilled)
            .where(STEPS.c.case_id == sight.case_id, STEPS.c.id <= sight.out_step_id).order_by(STEPS.c.id)).mappings()]
    status = Status.NEW
    for row in rows:  # the status the steps led to, as the machine moved it
        status = SPECS[Step(row["step"])].dest or status
        row["name"] = SPECS[Step(row["step"])].label
    return SentView(sight, dict(person), status, rows)
