"""Transfers of 积极分子, 发展对象 (细则第十二条, N7) and 预备党员 (N27) between organisations of this database.

The sending branch records 转出; until the receiving branch records its 转入审查 the case is 转接中 and the
rules refuse every other step (``states.paths.not_in_transfer``). The review moves the case to the receiving
organisation in the same transaction as the step and its audit events, so its meetings, data scope, worklist
and reminders follow. Whether the 培养 time counts on or restarts is the review's choice (``states.rules.activist_since``).
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, select, update

from states.paths import TRANSFERS_IN, TRANSFERS_OUT, pending_transfer
from workflow import after_write, audit, roster
from workflow.after_write import CaseChange
from workflow.clock import Clock
from workflow.errors import FazhanError, StepRefused
from workflow.evidence import BadEvidence
from workflow.services import (
    CASES,
    Actor,
    Advanced,
    Settings,
    StepRequest,
    advance,
    advance_in,
    load_case,
    log_refusal,
)
from workflow.transfer_sight import record_transfer

DEFAULT_SETTINGS = Settings()
TRANSFER_STEPS = TRANSFERS_OUT | TRANSFERS_IN


def record(engine: Engine, clock: Clock, actor: Actor, case_id: int, request: StepRequest,
           settings: Settings = DEFAULT_SETTINGS) -> Advanced:
    """Record 转出 or 转入审查 in one transaction; the review also moves the case to the receiving organisation.

    Any other step goes to ``services.advance`` unchanged, so interfaces can send every step here.
    """
    if request.step not in TRANSFER_STEPS:
        return advance(engine, clock, actor, case_id, request, settings)
    recorded_at = clock.now()
    try:
        with engine.begin() as conn:
            loaded = load_case(conn, case_id)
            if request.step in TRANSFERS_OUT:
                target = str(request.evidence.get("to_organisation") or "").strip()
                if target:
                    receiving = _receiving(conn, target)
                    if receiving == loaded.organisation_id:
                        raise BadEvidence(f"「{target}」就是本案卷现在所属的党组织，不需要转接。")
                return advance_in(conn, clock, actor, case_id, request, settings, recorded_at=recorded_at)
            pending = pending_transfer(loaded.facts)
            done = advance_in(conn, clock, actor, case_id, request, settings, recorded_at=recorded_at)
            if pending is not None:  # the rules refused the review otherwise
                target = str(pending.evidence["to_organisation"])
                receiving = _receiving(conn, target)
                conn.execute(update(CASES).where(CASES.c.id == case_id).values(organisation_id=receiving))
                record_transfer(conn, case_id, loaded.organisation_id, receiving, pending.on, request.on)
                sending = conn.execute(select(roster.ORGS.c.name).where(
                    roster.ORGS.c.id == loaded.organisation_id)).scalar_one()
                audit.append(conn, kind="case_transferred", case_id=case_id, actor=actor.name,
                             actor_role=actor.role, recorded_at=recorded_at, effective_on=request.on,
                             payload={"from": sending, "to": target, "transferred_on": pending.on.isoformat(),
                                      "continuity": request.evidence.get("continuity")})
                # Planned again now that the case has moved: the receiving branch's secretary gets the reminders.
                after_write.case_changed(conn, CaseChange(case_id, clock.today(), recorded_at, settings))
            return done
    except StepRefused as refused:
        log_refusal(engine, actor, case_id, request, refused.check, recorded_at)
        raise


def _receiving(conn: Connection, name: str) -> int:
    try:
        return roster.organisation_id(conn, name)
    except FazhanError as unknown:
        raise BadEvidence(f"接收党组织「{name}」不在本系统中。转往本系统以外的党组织，"
                          "请用「转往外单位」导出案卷（fazhan transfer export）。") from unknown


def incoming_organisation(conn: Connection, case_id: int) -> int | None:
    """The organisation a 转接中 case is on its way to: its branch may open the case to record the review."""
    try:
        pending = pending_transfer(load_case(conn, case_id).facts)
    except FazhanError:
        return None
    if pending is None:
        return None
    found = conn.execute(select(roster.ORGS.c.id).where(
        roster.ORGS.c.name == str(pending.evidence.get("to_organisation")))).scalar()
    return int(found) if found is not None else None
