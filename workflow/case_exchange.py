"""A transfer to an organisation outside this database (细则第十二条, N7): the sending side exports the case.

The export records the 转出 step to the outside organisation, writes the case exchange file (JSON, sealed by
``workflow.exchange_file``) and the 发展党员工作全程纪实表 (.docx), and closes the case as 已转出（外单位）: all in
one transaction with one ``case_exported`` event. The file carries the applicant's ID number (the receiving side
opens its case by it); it is written readable by its owner only and never put into the trail or a log.
The receiving side is ``workflow.case_import``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from states import limits
from states.periods import cn_date
from states.procedure import SPECS
from states.steps import Status, Step
from workflow import audit, inputs, keys, personal, roster
from workflow.clock import Clock
from workflow.errors import FazhanError, StaleRecord, StepRefused
from workflow.evidence import BadEvidence
from workflow.exchange_file import plain, seal
from workflow.exchange_tables import CaseExchange
from workflow.ledger import papers
from workflow.ledger.export import ledger_cases
from workflow.services import (
    APPLICANTS,
    CASES,
    OVERRIDES,
    STEPS,
    VIOLATIONS,
    Actor,
    Settings,
    StepRequest,
    advance_in,
    log_refusal,
)
from workflow.tables import AgendaItem, Document, Meeting, Notice, table

DEFAULT_SETTINGS = Settings()
EXCHANGES, DOCUMENTS, NOTICES = table(CaseExchange), table(Document), table(Notice)
ITEMS, MEETINGS = table(AgendaItem), table(Meeting)
PERSONAL_NOTE = ("文件中含申请人的完整身份证号码（接收方凭此建立案卷），已设为仅本人可读（0600）。"
                 "请当面或经加密渠道交给接收党组织，不要通过普通邮件、群聊转发。")


@dataclass(frozen=True)
class Exported:
    case_id: int
    name: str
    sender: str
    receiver: str
    on: date
    path: Path
    record_path: Path | None
    sha256: str  # over the canonical content: the receiving side checks it
    file_sha256: str
    last_hash: str  # the case's last audit link before the export
    public_key: str
    audit_seq: int

    def as_dict(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "name": self.name, "from": self.sender, "to": self.receiver,
                "transferred_on": self.on.isoformat(), "file": str(self.path),
                "record": str(self.record_path) if self.record_path else None, "sha256": self.sha256,
                "file_sha256": self.file_sha256, "last_audit_hash": self.last_hash, "public_key": self.public_key,
                "audit_seq": self.audit_seq, "status": Status.TRANSFERRED_OUT.value,
                "status_name": Status.TRANSFERRED_OUT.label, "personal_data": PERSONAL_NOTE}


def signing_key(conn: Connection) -> keys.AuditKey:
    """The key the checkpoints are signed with (the chain head's), so ``fazhan audit public-key`` names it."""
    head = audit.read_head(conn)
    store = keys.store_for(conn.engine)
    key = store.get(head[2]) if head and head[2] else store.current()
    if key is None:
        raise FazhanError(f"找不到本数据库的审计密钥（{store.describe()}），不能为案卷交换文件签名。")
    return key


def export_case(engine: Engine, clock: Clock, actor: Actor, case_id: int, *, to: str, out: Path,
                record: Path | None = None, on: date | None = None, settings: Settings = DEFAULT_SETTINGS) -> Exported:
    """转出 to ``to`` (outside this database), the exchange file and the 纪实表, and the case closed: one transaction."""
    receiver = inputs.checked(to, limits.ORGANISATION)
    on = on or clock.today()
    now = clock.now()
    request = StepRequest(Step.ACTIVIST_TRANSFERRED, on, {"to_organisation": receiver, "materials_transferred": True},
                          backfill_reason="转往外单位时补录转出日期")
    try:
        with engine.begin() as conn:
            if conn.execute(select(roster.ORGS.c.id).where(roster.ORGS.c.name == receiver)).first():
                raise BadEvidence(f"「{receiver}」是本系统中的党组织，请用「转出」和对方的「转入审查」办理系统内转接，不需要导出。")
            done = advance_in(conn, clock, actor, case_id, request, settings, recorded_at=now)
            content = _content(conn, case_id, receiver, actor, now, on, done.status)
            sheet = _record_sheet(conn, case_id, receiver, on, content["audit"]["last_hash"], actor, now)
            content["record_sheet"] = {"sha256": hashlib.sha256(sheet).hexdigest(), "format": "docx"}
            key = signing_key(conn)
            data, digest = seal(plain(content), key)
            file_sha256 = hashlib.sha256(data).hexdigest()
            version = done.version + 1
            changed = conn.execute(update(CASES).where(CASES.c.id == case_id, CASES.c.version == done.version)
                                   .values(status=Status.TRANSFERRED_OUT.value, version=version, closed_on=on)).rowcount
            if changed != 1:
                raise StaleRecord()
            conn.execute(update(NOTICES).where(NOTICES.c.case_id == case_id, NOTICES.c.status.in_(("pending", "failed")))
                         .values(status="cancelled"))  # a case gone elsewhere gets no reminders here
            seq = audit.append(conn, kind="case_exported", case_id=case_id, actor=actor.name, actor_role=actor.role,
                               recorded_at=now, effective_on=on, payload={
                                   "from": content["from"]["organisation"], "to": receiver, "sha256": digest,
                                   "file_sha256": file_sha256, "last_hash": content["audit"]["last_hash"],
                                   "public_key": key.public_hex(), "record_sheet_sha256": content["record_sheet"]["sha256"],
                                   "personal_data": ["id_number"], "case_status": Status.TRANSFERRED_OUT.value,
                                   "case_version": version})
            conn.execute(insert(EXCHANGES).values(
                case_id=case_id, direction="export", counterpart=receiver, content_sha256=digest,
                file_sha256=file_sha256, source_hash=content["audit"]["last_hash"], public_key=key.public_hex(),
                exchanged_on=on, actor=actor.name, audit_seq=seq, recorded_at=now))
            if record is not None:
                conn.execute(insert(DOCUMENTS).values(case_id=case_id, kind="record_sheet", format="docx",
                                                      path=str(record), sha256=content["record_sheet"]["sha256"],
                                                      created_at=now))
                _write(record, sheet, private=False)
            _write(out, data, private=True)  # last: a failed write rolls the whole export back
    except StepRefused as refused:
        log_refusal(engine, actor, case_id, request, refused.check, now)
        raise
    return Exported(case_id, content["applicant"]["name"], content["from"]["organisation"], receiver, on, out, record,
                    digest, file_sha256, content["audit"]["last_hash"], key.public_hex(), seq)


def _write(path: Path, data: bytes, *, private: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    if private:
        path.chmod(0o600)  # an existing file keeps its mode through os.open


def _content(conn: Connection, case_id: int, receiver: str, actor: Actor, now: datetime, on: date,
             status: Status) -> dict[str, Any]:
    a = APPLICANTS.c
    person = conn.execute(select(a.name, a.sex, a.birth_date, a.unit, a.id_number, CASES.c.opened_on,
                                 roster.ORGS.c.name.label("organisation"))
                          .join(CASES, CASES.c.applicant_id == APPLICANTS.c.id)
                          .join(roster.ORGS, roster.ORGS.c.id == CASES.c.organisation_id)
                          .where(CASES.c.id == case_id)).mappings().one()
    id_number = personal.keys_for(conn).decrypt(personal.ID_FIELD, person["id_number"]) if person["id_number"] else ""
    if not id_number:
        raise BadEvidence(f"「{person['name']}」没有登记身份证号码，接收党组织需要凭身份证号码建立案卷。请先补登身份证号码再转出。")
    events = [{k: e[k] for k in ("seq", "kind", "actor", "actor_role", "effective_on", "recorded_at", "rule_set",
                                 "payload", "prev_hash", "hash", "key_id")} for e in audit.case_events(conn, case_id)]
    head = audit.read_head(conn)
    return {
        "exported_at": now, "transferred_on": on, "to": receiver, "exported_by": actor.name,
        "from": {"organisation": person["organisation"], "database": _roots(conn),
                 "case_id": case_id},
        "applicant": {"name": person["name"], "sex": person["sex"], "birth_date": person["birth_date"],
                      "unit": person["unit"], "id_number": id_number},
        "case": {"status": status.value, "status_name": status.label, "opened_on": person["opened_on"]},
        "steps": _steps(conn, case_id),
        "meeting_items": _items(conn, case_id),
        "audit": {"events": events, "last_hash": events[-1]["hash"] if events else "",
                  "chain_seq": head[0] if head else 0},
    }


def _roots(conn: Connection) -> str:
    """The top organisations of the sending database, to name where the file comes from."""
    roots = conn.execute(select(roster.ORGS.c.name).where(roster.ORGS.c.parent_id.is_(None))
                         .order_by(roster.ORGS.c.id)).scalars().all()
    return "、".join(roots)


def _steps(conn: Connection, case_id: int) -> list[dict[str, Any]]:
    s = STEPS.c
    rows = conn.execute(select(s.id, s.step, s.done_on, s.recorded_at, s.actor, s.actor_role, s.rule_set, s.evidence,
                               s.documents, s.backfilled, s.backfill_reason)
                        .where(s.case_id == case_id).order_by(s.id)).mappings().all()
    violations: dict[int, list[dict[str, Any]]] = {}
    for v in conn.execute(select(VIOLATIONS).where(VIOLATIONS.c.case_id == case_id).order_by(VIOLATIONS.c.id)).mappings():
        violations.setdefault(v["step_record_id"], []).append(
            {k: v[k] for k in ("rule", "article", "message", "due_by", "grave")})
    overrides: dict[int, list[dict[str, Any]]] = {}
    ids = [r["id"] for r in rows]
    for o in conn.execute(select(OVERRIDES).where(OVERRIDES.c.step_record_id.in_(ids)).order_by(OVERRIDES.c.id)).mappings():
        overrides.setdefault(o["step_record_id"], []).append(
            {k: o[k] for k in ("rule", "article", "reason", "authoriser")})
    return [{**{k: r[k] for k in r if k != "id"}, "label": SPECS[Step(r["step"])].label, "record_id": r["id"],
             "violations": violations.get(r["id"], []), "overrides": overrides.get(r["id"], [])} for r in rows]


def _items(conn: Connection, case_id: int) -> list[dict[str, Any]]:
    i, m = ITEMS.c, MEETINGS.c
    rows = conn.execute(select(m.kind.label("meeting_kind"), m.held_on, m.title, roster.ORGS.c.name.label("organisation"),
                               i.purpose, i.discussion, i.method, i.yes, i.no, i.abstain, i.invalid, i.result)
                        .join(MEETINGS, MEETINGS.c.id == i.meeting_id)
                        .join(roster.ORGS, roster.ORGS.c.id == m.organisation_id)
                        .where(i.case_id == case_id).order_by(i.id)).mappings().all()
    return [dict(r) for r in rows]


def _record_sheet(conn: Connection, case_id: int, receiver: str, on: date, last_hash: str, actor: Actor,
                  now: datetime) -> bytes:
    """The 纪实表 the branch already exports (workflow/ledger/papers.py), with the transfer written under it."""
    organisation = conn.execute(select(roster.ORGS.c.name).join(CASES, CASES.c.organisation_id == roster.ORGS.c.id)
                                .where(CASES.c.id == case_id)).scalar_one()
    case = next(c for c in ledger_cases(conn, organisation) if c.case_id == case_id)
    transfer = (f"{cn_date(on)}由{organisation}转往{receiver}（本系统以外的党组织），培养教育材料已随本表一并转交。",
                f"本案卷在转出方审计记录中的最后一条校验值：{last_hash}。接收方导入案卷交换文件时据此核对。")
    return papers.record_sheet(conn, case, actor.name, now, (("转出情况", list(transfer)),))
