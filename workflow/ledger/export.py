"""The 台账 of an organisation subtree as Excel, in the columns the import reads: an export imports back as it was.

ID-card and phone numbers are personal data kept encrypted: they are written only when asked for
(``personal=True``), and the audit event of the export says so. Without them a re-import recognises each person by
name, birth date and branch. Steps a 台账 has no column for (培养教育考察, 志愿书 …) are not in it.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from states.facts import Person
from states.steps import Status, Step
from workflow import personal, roster
from workflow.ledger.columns import COLUMNS, STEP_COLUMNS
from workflow.ledger_tables import LedgerEntry
from workflow.tables import Applicant, Case, StepRecord, table

APPLICANTS, CASES, STEPS, ENTRIES = table(Applicant), table(Case), table(StepRecord), table(LedgerEntry)
PERSONAL_COLUMNS = {"id_number", "phone"}
COLUMN_OF_STEP = {c.step: c for c in STEP_COLUMNS}
COLUMN_OF_STEP[Step.POLITICAL_REVIEW_FAILED] = COLUMN_OF_STEP[Step.POLITICAL_REVIEW_PASSED]


@dataclass(frozen=True)
class LedgerCase:
    """One case as a 台账 row: column key → value, with the case's number and status."""

    case_id: int
    status: Status
    organisation: str
    cells: dict[str, Any]
    steps: dict[Step, date]


def _names(value: Any) -> str:
    return "、".join(p["name"] if isinstance(p, dict) else p.name if isinstance(p, Person) else str(p)
                    for p in value or ())


def _evidence_cells(step: Step, evidence: dict[str, Any]) -> dict[str, Any]:
    if step is Step.TALK_HELD and evidence.get("talker"):
        return {"talker": evidence["talker"]}
    if step is Step.LIAISONS_ASSIGNED:
        return {"liaisons": _names(evidence.get("liaisons"))}
    if step is Step.SPONSORS_ASSIGNED:
        return {"sponsors": _names(evidence.get("sponsors"))}
    if step in {Step.POLITICAL_REVIEW_PASSED, Step.POLITICAL_REVIEW_FAILED}:
        conclusion = str(evidence.get("conclusion") or "")
        if step is Step.POLITICAL_REVIEW_FAILED and "不合格" not in conclusion:
            conclusion = f"不合格（{conclusion}）" if conclusion else "不合格"
        return {"review_conclusion": conclusion} if conclusion else {}
    if step is Step.TRAINING_COMPLETED:
        hours, days = evidence.get("hours"), evidence.get("days")
        return {"hours": f"{hours:g}学时" if hours else f"{days:g}天"} if hours or days else {}
    return {}


def _json(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def ledger_cases(conn: Connection, organisation: str, *, personal_data: bool = False) -> list[LedgerCase]:
    """Every case of the subtree in case order, as 台账 rows."""
    orgs = roster.subtree(conn, roster.organisation_id(conn, organisation))
    names = dict(conn.execute(select(roster.ORGS.c.id, roster.ORGS.c.name)).all())
    keys = personal.keys_for(conn) if personal_data else None
    a = APPLICANTS.c
    cases = conn.execute(select(CASES.c.id, CASES.c.status, CASES.c.organisation_id, a.name, a.sex, a.birth_date,
                                a.unit, a.id_number, a.contact)
                         .join(APPLICANTS, APPLICANTS.c.id == CASES.c.applicant_id)
                         .where(CASES.c.organisation_id.in_(orgs)).order_by(CASES.c.id)).mappings().all()
    ids = [c["id"] for c in cases]
    entries = {e["case_id"]: e for e in conn.execute(select(ENTRIES).where(ENTRIES.c.case_id.in_(ids))).mappings()}
    steps: dict[int, list[Any]] = {}
    for row in conn.execute(select(STEPS.c.case_id, STEPS.c.step, STEPS.c.done_on, STEPS.c.evidence)
                            .where(STEPS.c.case_id.in_(ids)).order_by(STEPS.c.id)):
        steps.setdefault(row.case_id, []).append(row)
    found = []
    for case in cases:
        entry = entries.get(case["id"]) or {}
        imprecise = set(entry.get("imprecise") or ())
        cells: dict[str, Any] = {
            "name": case["name"], "sex": case["sex"], "ethnicity": entry.get("ethnicity", ""),
            "birth": case["birth_date"], "education": entry.get("education", ""), "unit": case["unit"],
            "branch": names[case["organisation_id"]], "remark": entry.get("remark", ""),
        }
        if keys is not None:
            cells["id_number"] = keys.decrypt(personal.ID_FIELD, case["id_number"]) if case["id_number"] else ""
            cells["phone"] = keys.decrypt(personal.CONTACT_FIELD, case["contact"]) if case["contact"] else ""
        dates: dict[Step, date] = {}
        for record in steps.get(case["id"], ()):
            step = Step(record.step)
            on = record.done_on if isinstance(record.done_on, date) else date.fromisoformat(record.done_on)
            dates[step] = on
            cells.update(_evidence_cells(step, _json(record.evidence)))
            if (column := COLUMN_OF_STEP.get(step)) is not None:
                cells[column.key] = on.strftime("%Y-%m") if column.key in imprecise else on
        found.append(LedgerCase(case["id"], Status(case["status"]), names[case["organisation_id"]], cells, dates))
    return found


def ledger_xlsx(cases: list[LedgerCase], title: str, *, personal_data: bool = False) -> bytes:
    """One sheet: a title row, the canonical headers, one row per case; dates as Excel dates (yyyy.m.d)."""
    from openpyxl import Workbook  # here, not at import: every ``fazhan`` command would load it
    from openpyxl.styles import Font

    columns = [c for c in COLUMNS if personal_data or c.key not in PERSONAL_COLUMNS]
    book = Workbook()
    sheet = book.active
    sheet.title = "发展党员工作台账"
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([c.title for c in columns])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for case in cases:
        sheet.append([case.cells.get(c.key, "") for c in columns])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy.m.d"
    for index, column in enumerate(columns, 1):
        sheet.column_dimensions[sheet.cell(2, index).column_letter].width = max(10, len(column.title) * 2 + 2)
    sheet.freeze_panes = "B3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
