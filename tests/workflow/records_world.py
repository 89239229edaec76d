"""A small real organisation for service tests: a 基层党委, a branch with a committee, its roster, one applicant."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import SQLModel

from workflow import services
from workflow.clock import FixedClock
from workflow.services import Actor, StepRequest
from workflow.tables import AuditEvent, AuditHead

SECRETARY = Actor("王芳", "书记")
AUDIT_TABLES = {AuditEvent.__tablename__, AuditHead.__tablename__}


def build_world(engine: Engine, clock: FixedClock) -> int:
    """Organisations, members and one applicant 李明; returns his case number."""
    services.add_organisation(engine, clock, SECRETARY, name="某大学党委", kind="基层党委", may_approve=True)
    services.add_organisation(engine, clock, SECRETARY, name="计算机学院党支部", kind="党支部", parent="某大学党委")
    for name, standing, since in (("王芳", "正式", date(2010, 1, 1)), ("赵强", "正式", date(2012, 1, 1)),
                                  ("钱多", "预备", date(2024, 9, 1))):
        services.add_member(engine, clock, SECRETARY, name=name, organisation="计算机学院党支部",
                            standing=standing, since=since)
    return services.add_applicant(engine, clock, SECRETARY, name="李明", sex="男", birth_date=date(2001, 4, 12),
                                  organisation="计算机学院党支部", id_number="110105200104120015")


def step(slug: str, on: date, **evidence: Any) -> StepRequest:
    from states.procedure import spec_for
    from workflow.evidence import parse_evidence

    spec = spec_for(slug)
    return StepRequest(spec.step, on, parse_evidence(spec, {k: str(v) for k, v in evidence.items()}),
                       backfill_reason="据纸质档案补录")


def dump(engine: Engine, *, skip_audit: bool = True) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (but the audit trail): to compare the database before and after."""
    with engine.connect() as conn:
        return {
            name: [dict(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns)).mappings()]
            for name, table in SQLModel.metadata.tables.items()
            if not (skip_audit and name in AUDIT_TABLES)
        }
