"""Closing a meeting, and the audited corrections that are the only way a closed meeting changes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, select, update

from workflow import services
from workflow.clock import Clock
from workflow.evidence import BadEvidence
from workflow.meetings.base import (
    CORRECTABLE,
    CORRECTIONS,
    ITEMS,
    MEETINGS,
    MeetingRefused,
    UnknownMeeting,
    item_row,
    logged,
    meeting_event,
    meeting_row,
    new_id,
    open_meeting_row,
    require_held,
    touch,
)
from workflow.services import Actor

# ---------------------------------------------------------------- close and correct


def close_meeting(engine: Engine, clock: Clock, actor: Actor, meeting_id: int) -> None:
    """Close the meeting: from now on it changes only by audited corrections."""
    with logged(engine, clock, actor, "close_meeting", meeting_id=meeting_id), engine.begin() as conn:
        meeting = open_meeting_row(conn, meeting_id)
        require_held(meeting, clock, "结束会议")
        voted = conn.execute(select(ITEMS.c.id, services.APPLICANTS.c.name)
                             .join(services.CASES, services.CASES.c.id == ITEMS.c.case_id)
                             .join(services.APPLICANTS, services.APPLICANTS.c.id == services.CASES.c.applicant_id)
                             .where(ITEMS.c.meeting_id == meeting_id, ITEMS.c.result == "pending",
                                    ITEMS.c.yes.is_not(None))).all()
        if voted:
            names = "、".join(f"{name}（议题{i}）" for i, name in voted)
            raise MeetingRefused(f"{names}已记录表决票数但尚未作出决定，请先用 fazhan meeting decide 作出决定。")
        conn.execute(update(MEETINGS).where(MEETINGS.c.id == meeting_id)
                     .values(status="closed", closed_at=clock.now()))
        touch(conn, meeting)
        results = conn.execute(select(ITEMS.c.id, ITEMS.c.case_id, ITEMS.c.purpose, ITEMS.c.result)
                               .where(ITEMS.c.meeting_id == meeting_id).order_by(ITEMS.c.id)).all()
        meeting_event(conn, clock, actor, "meeting_closed", meeting, {"items": [
            {"agenda_item_id": i, "case_id": c, "purpose": p, "result": r} for i, c, p, r in results]})


def correct_meeting(engine: Engine, clock: Clock, actor: Actor, meeting_id: int, *, field_name: str, value: str,
                    reason: str, item_id: int | None = None) -> int:
    """A correction to a closed meeting: a new record saying what was wrong, what is right, why and who says so."""
    key = next((k for k, label in CORRECTABLE.items() if field_name.strip() in {k, label}), None)
    if key is None:
        raise BadEvidence(f"「{field_name}」不能更正；可更正：{'、'.join(CORRECTABLE.values())}。表决结果只能由上级党组织依规处理。")
    if not reason.strip():
        raise BadEvidence("更正须写明理由。")
    if (key == "discussion") != (item_id is not None):
        raise BadEvidence("更正讨论情况须用 --item 指明议题；会议名称、主持人、记录人不属于某一议题。")
    with (logged(engine, clock, actor, "correct_meeting", meeting_id=meeting_id, field=key),
          engine.begin() as conn):
        meeting = meeting_row(conn, meeting_id)
        if meeting.status != "closed":
            raise MeetingRefused(f"会议{meeting_id}尚未结束，可以直接修改，无须更正。")
        old = _current_value(conn, meeting, key, item_id)
        correction_id = new_id(conn.execute(insert(CORRECTIONS).values(
            meeting_id=meeting_id, agenda_item_id=item_id, field_name=key, old_value=old, new_value=value.strip(),
            reason=reason.strip(), corrected_by=actor.name, corrected_at=clock.now())))
        touch(conn, meeting)
        meeting_event(conn, clock, actor, "meeting_corrected", meeting, {
            "correction_id": correction_id, "agenda_item_id": item_id, "field": key, "old_value": old,
            "new_value": value.strip(), "reason": reason.strip()})
    return correction_id


def _current_value(conn: Connection, meeting: Row[Any], key: str, item_id: int | None) -> str:
    latest = conn.execute(select(CORRECTIONS.c.new_value).where(
        CORRECTIONS.c.meeting_id == meeting.id, CORRECTIONS.c.field_name == key,
        CORRECTIONS.c.agenda_item_id.is_(None) if item_id is None else CORRECTIONS.c.agenda_item_id == item_id,
    ).order_by(CORRECTIONS.c.id.desc())).first()
    if latest:
        return str(latest[0])
    if item_id is None:
        return str(getattr(meeting, key))
    item = item_row(conn, item_id)
    if item.meeting_id != meeting.id:
        raise UnknownMeeting("本次会议的议题", item_id)
    return str(item.discussion)
