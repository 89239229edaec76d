"""The receiving side of a transfer from outside this database: a case exchange file opens the case here.

The sender's steps are not done again: they are stored as they were recorded there (marked 转入材料 and
back-filled, with the sender's violations and overrides) and count for the rules like any step, so the 培养
time follows the 转入审查's choice exactly as inside one database (``states.rules.activist_since``). The import
is one ``case_received`` event carrying the file's SHA-256 and the sender's last audit link; the audit replay
learns the received history from it (``workflow.exchange_trail``). The same file imported twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from states.periods import cn_date
from states.procedure import SPECS
from states.steps import Status, Step
from workflow import audit, personal, reapply, roster
from workflow.clock import Clock
from workflow.evidence import parse_evidence
from workflow.exchange_file import BadExchangeFile, Received, read
from workflow.exchange_tables import CaseExchange
from workflow.exchange_trail import RECEIVED
from workflow.fastsql import Raw
from workflow.idcard import id_number_problem
from workflow.machine import MOVES
from workflow.services import (
    APPLICANTS,
    CASES,
    INSERT_STEP,
    OVERRIDES,
    VIOLATIONS,
    Actor,
    Settings,
    StepRequest,
    advance_in,
)
from workflow.tables import table

DEFAULT_SETTINGS = Settings()
EXCHANGES = table(CaseExchange)


@dataclass(frozen=True)
class Review:
    """The receiving branch's 转入审查, recorded with the import (细则第十二条): when, and whether time counts on."""

    continuity: str  # 连续计算 / 自审查之日重新计算 (or their codes)
    reason: str
    on: date | None = None  # the import day when not given


@dataclass(frozen=True)
class Imported:
    case_id: int
    name: str
    organisation: str
    sender: str
    sha256: str
    file_sha256: str
    source_hash: str
    steps: int
    status: Status
    reviewed: bool
    already: bool  # the same file had been imported before: nothing was changed
    audit_seq: int | None

    def sentence(self) -> str:
        if self.already:
            return (f"该文件已于此前导入（案卷{self.case_id}，{self.name}），本次未作任何改动。")
        return (f"已从{self.sender}（外单位）转入{self.name}的案卷（案卷{self.case_id}，现属{self.organisation}），"
                f"带来转入材料{self.steps}项，并记录了转入审查。文件校验值 SHA-256：{self.sha256}。")

    def as_dict(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "name": self.name, "organisation": self.organisation, "from": self.sender,
                "sha256": self.sha256, "file_sha256": self.file_sha256, "sender_last_hash": self.source_hash,
                "received_steps": self.steps, "status": self.status.value, "status_name": self.status.label,
                "reviewed": self.reviewed, "already_imported": self.already, "audit_seq": self.audit_seq,
                "summary": self.sentence()}


def preview(data: bytes, trusted_public_key: str | None = None) -> Received:
    """The checks of an import without writing: for the upload page's preview."""
    return read(data, trusted_public_key)


def import_case(engine: Engine, clock: Clock, actor: Actor, data: bytes, *, org: str, review: Review,
                trusted_public_key: str | None = None, settings: Settings = DEFAULT_SETTINGS) -> Imported:
    """Open the case in ``org`` with its history received and record the branch's 转入审查: one transaction.

    The review is part of the import (not left for later): the 转出 names an organisation outside this database,
    so a later review could not say where the case moves; and until it is recorded the case could do nothing.
    """
    received = read(data, trusted_public_key)
    sender = str(received.content["from"]["organisation"])
    now = clock.now()
    with engine.begin() as conn:
        earlier = conn.execute(select(EXCHANGES.c.case_id).where(
            EXCHANGES.c.direction == "import", EXCHANGES.c.content_sha256 == received.sha256)).scalar()
        if earlier is not None:
            found = conn.execute(select(CASES.c.status, roster.ORGS.c.name).join(
                roster.ORGS, roster.ORGS.c.id == CASES.c.organisation_id).where(CASES.c.id == earlier)).one()
            return Imported(int(earlier), str(received.applicant["name"]), str(found[1]), sender, received.sha256,
                            received.file_sha256, str(received.content["audit"]["last_hash"]), len(received.steps),
                            Status(found[0]), False, True, None)
        org_id = roster.organisation_id(conn, org)
        applicant_id, earlier_cases = _person(conn, received)
        status = _status_after(received)
        version = len(received.steps)
        case_id = int(conn.execute(insert(CASES).values(
            applicant_id=applicant_id, organisation_id=org_id, status=status.value, version=version,
            opened_on=clock.today())).inserted_primary_key[0])  # type: ignore[index]
        steps = _store_steps(conn, case_id, received, sender, now)
        has_committee = conn.execute(select(roster.ORGS.c.has_committee).where(roster.ORGS.c.id == org_id)).scalar()
        person = received.applicant
        seq = audit.append(conn, kind=RECEIVED, case_id=case_id, actor=actor.name, actor_role=actor.role,
                           recorded_at=now, effective_on=clock.today(), payload={
                               "applicant_id": applicant_id, "name": person["name"], "sex": person["sex"],
                               "birth_date": person["birth_date"], "organisation": org,
                               "branch_has_committee": bool(has_committee), "earlier_cases": earlier_cases,
                               "from": sender, "from_database": received.content["from"].get("database"),
                               "sha256": received.sha256, "file_sha256": received.file_sha256,
                               "source_hash": received.content["audit"]["last_hash"],
                               "public_key": received.public_key, "steps": steps,
                               "case_status": status.value, "case_version": version})
        conn.execute(insert(EXCHANGES).values(
            case_id=case_id, direction="import", counterpart=sender, content_sha256=received.sha256,
            file_sha256=received.file_sha256, source_hash=str(received.content["audit"]["last_hash"]),
            public_key=received.public_key, exchanged_on=clock.today(), actor=actor.name, audit_seq=seq,
            recorded_at=now))
        status = _review(conn, clock, actor, case_id, review, settings).status
    return Imported(case_id, str(person["name"]), org, sender, received.sha256, received.file_sha256,
                    str(received.content["audit"]["last_hash"]), len(steps), status, True, False, seq)


def _person(conn: Connection, received: Received) -> tuple[int, list[int]]:
    """The person by ID number: a new applicant, or one whose earlier cases here have all ended."""
    person = received.applicant
    birth = date.fromisoformat(person["birth_date"])
    name, unit, _, id_number = personal.cleaned(str(person["name"]), str(person.get("unit") or ""), "",
                                                str(person["id_number"]))
    if id_number is None or (problem := id_number_problem(id_number, birth)):
        raise BadExchangeFile(f"文件中的身份证号码不能使用：{problem if id_number else '为空'}")
    id_number = id_number.strip().upper()
    known = personal.applicant_by_id_number(conn, id_number)
    if known is not None:
        return known, reapply.may_open_new_case(conn, known, name)  # an open case here refuses, saying what to do
    applicant_id = conn.execute(insert(APPLICANTS).values(
        name=name, sex=str(person["sex"]), birth_date=birth, unit=unit,
        **personal.sealed(conn, id_number, ""))).inserted_primary_key[0]  # type: ignore[index]
    return int(applicant_id), []


def _status_after(received: Received) -> Status:
    """The status the sender's steps lead to, through the machine's moves; it must be the one the file states."""
    status = Status.NEW
    for index, step in enumerate(received.steps, start=1):
        after = MOVES.get((Step(step["step"]), status))
        if after is None:
            raise BadExchangeFile(f"文件中的第{index}项步骤「{SPECS[Step(step['step'])].label}」"
                                  f"不能接在「{status.label}」之后，案卷记录不连贯，不能导入。")
        status = after
    stated = Status(received.content["case"]["status"])
    if status is not stated or not received.steps or received.steps[-1]["step"] != Step.ACTIVIST_TRANSFERRED.value:
        raise BadExchangeFile("文件中的步骤与其记载的案卷状态不符，或最后一项不是「转出」，不能导入。")
    return status


def _store_steps(conn: Connection, case_id: int, received: Received, sender: str, now: Any) -> list[dict[str, Any]]:
    """The sender's steps as 转入材料: the same dates, evidence and findings, marked as received, not re-done."""
    raw, stored = Raw(conn), []
    for step in received.steps:
        note = f"转入材料：来自{sender}（外单位），原经办人{step.get('actor') or '未署名'}"
        record_id = raw.insert_returning_id(INSERT_STEP, {
            "case_id": case_id, "step": step["step"], "done_on": date.fromisoformat(step["done_on"]),
            "recorded_at": now, "actor": str(step.get("actor") or "未署名"),
            "actor_role": str(step.get("actor_role") or "未指定"), "rule_set": str(step["rule_set"]),
            "evidence": step["evidence"], "documents": list(step.get("documents") or []), "backfilled": True,
            "backfill_reason": note})
        if step["violations"]:
            conn.execute(insert(VIOLATIONS), [{
                "case_id": case_id, "step_record_id": record_id, "rule": v["rule"], "article": v["article"],
                "message": v["message"], "due_by": date.fromisoformat(v["due_by"]) if v.get("due_by") else None,
                "grave": bool(v.get("grave"))} for v in step["violations"]])
        if step["overrides"]:
            conn.execute(insert(OVERRIDES), [{
                "step_record_id": record_id, "rule": o["rule"], "article": o["article"], "reason": o["reason"],
                "authoriser": o["authoriser"]} for o in step["overrides"]])
        first = step["overrides"][0] if step["overrides"] else None
        stored.append({"step_record_id": int(record_id), "step": step["step"], "done_on": step["done_on"],
                       "backfilled": True, "violations": [v["rule"] for v in step["violations"]],
                       "override": {"reason": first["reason"], "authoriser": first["authoriser"]} if first else None,
                       "received_from": sender})
    return stored


def _review(conn: Connection, clock: Clock, actor: Actor, case_id: int, review: Review, settings: Settings) -> Any:
    spec = SPECS[Step.TRANSFER_RECEIVED]
    evidence = parse_evidence(spec, {"reviewed_by": actor.name, "continuity": review.continuity,
                                     "reason": review.reason})
    request = StepRequest(spec.step, review.on or clock.today(), evidence,
                          backfill_reason=f"据外单位转来的材料补录转入审查：{review.reason}")
    return advance_in(conn, clock, actor, case_id, request, settings)  # refused: the whole import rolls back


def exchange_line(engine: Engine, case_id: int) -> str | None:
    """One sentence for the case page: where a received case came from, or where an exported one went."""
    with engine.connect() as conn:
        row = conn.execute(select(EXCHANGES).where(EXCHANGES.c.case_id == case_id)
                           .order_by(EXCHANGES.c.id.desc())).mappings().first()
    if row is None:
        return None
    if row["direction"] == "import":
        return (f"本案卷{cn_date(row['exchanged_on'])}从{row['counterpart']}（外单位）转入，此前的记录为转入材料，"
                f"未重新办理；转出方最后一条审计校验值 {row['source_hash'][:16]}…")
    return (f"本案卷{cn_date(row['exchanged_on'])}已转往{row['counterpart']}（外单位），"
            f"案卷交换文件校验值 {row['content_sha256'][:16]}…")
