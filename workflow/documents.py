"""Documents of a meeting from Jinja2 templates: the minutes and, per applicant, the resolution as written into the
入党志愿书, as printable HTML and as Word (.docx). The SHA-256 of every file goes into ``documents`` and the audit trail.

One ``Environment`` with ``StrictUndefined``: a missing variable fails loudly instead of printing an empty blank
on a document that goes into someone's file. HTML templates are autoescaped, so a name cannot inject markup.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import Engine, insert, select
from sqlmodel import SQLModel

from states.attendance import PURPOSES, ItemPurpose, MeetingKind
from states.facts import ApplicantFacts, Standing
from states.meeting_verdicts import quorum_citation
from states.periods import add_years, cn_date, cn_period
from states.rules import probation_ends_on
from states.steps import Step
from templates import TEMPLATES_DIR
from workflow import audit, roster, safe_text, services
from workflow.clock import BEIJING, Clock
from workflow.db import database_url
from workflow.meetings import (
    CORRECTABLE,
    DEFAULT_SETTINGS,
    ItemView,
    MeetingRefused,
    MeetingView,
    meeting_view,
)
from workflow.services import Actor, Settings
from workflow.tables import Document  # noqa: F401  (registers the table)

TEMPLATES = TEMPLATES_DIR
ENVIRONMENT = Environment(
    loader=FileSystemLoader(TEMPLATES),
    undefined=StrictUndefined,
    # The templates are named *.html.j2: select_autoescape matches the end of the name, so list that ending too.
    autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
    trim_blocks=False,
    keep_trailing_newline=True,
)
# Text versions (for Word): every interpolated value is marked plain, so input never becomes a heading.
TEXT_ENVIRONMENT = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, autoescape=False,
                               trim_blocks=False, keep_trailing_newline=True, finalize=safe_text.plain_value)
DOCUMENTS = SQLModel.metadata.tables["documents"]
RESOLUTION_TITLES = {
    MeetingKind.BRANCH_GENERAL_MEETING: "支部大会决议",
    MeetingKind.BRANCH_COMMITTEE: "支部委员会决定",
    MeetingKind.PARTY_COMMITTEE: "上级党委审批意见",
}


def with_wording(m: Mapping[str, Any], i: Mapping[str, Any]) -> dict[str, Any]:
    """The item's question, counts and resolution text from ``_wording.j2``, as plain text.

    Rendered here rather than imported by the HTML templates: a macro imported from a text template would be
    marked safe by an autoescaping caller and skip escaping, so names and discussions would reach the HTML raw.
    """
    wording = ENVIRONMENT.get_template("meetings/_wording.j2").module
    return {**i, "question": str(wording.question(m, i)), "counts": str(wording.counts(i)),  # type: ignore[attr-defined]
            "resolution": str(wording.resolution(m, i))}  # type: ignore[attr-defined]


def render(template: str, context: Mapping[str, Any]) -> str:
    """One template with its context; raises ``jinja2.UndefinedError`` if the context lacks a variable."""
    if template.endswith(".txt.j2"):
        return TEXT_ENVIRONMENT.get_template(template).render(context)
    return ENVIRONMENT.get_template(template).render(context)


# ---------------------------------------------------------------- contexts: plain data, every key present


def meeting_context(view: MeetingView, generated_at: datetime) -> dict[str, Any]:
    general = view.kind is MeetingKind.BRANCH_GENERAL_MEETING
    entitled = [v for v in view.voters if v.entitled]
    needed = view.entitled // 2 + 1
    who = "有表决权党员" if general else "委员"
    reached = "达到法定人数" if view.present >= needed else "未达到法定人数"
    return {
        "title": view.title, "organisation": view.organisation, "kind_name": view.kind.label,
        "kind_short": view.kind.short,
        "date": cn_date(view.held_on), "chair": view.chair or "　　　", "recorder": view.recorder or "　　　",
        "general": general, "voter_word": "有表决权的正式党员" if general else "委员",
        "signatory": "党支部书记" if view.kind is not MeetingKind.PARTY_COMMITTEE else "党委书记",
        "entitled": view.entitled, "present": view.present,
        "entitled_names": [v.name for v in entitled],
        "present_names": [v.name for v in entitled if v.present],
        "absent_names": [v.name for v in entitled if not v.present],
        "not_counted": [f"{v.name}（{v.standing.label}）" if v.standing is not Standing.FULL else
                        f"{v.name}：{v.excluded_reason}" for v in view.voters if not v.entitled],
        "quorum_sentence": f"应到会{who}{view.entitled}名，超过半数须至少{needed}名到会；实到{view.present}名，{reached}"
                           f"（依据：{quorum_citation(view.kind, view.held_on).text}）。",
        "corrections": [{"at": cn_date(c["corrected_at"].astimezone(BEIJING).date()), "by": c["corrected_by"],
                         "field": CORRECTABLE[c["field_name"]], "old": c["old_value"], "new": c["new_value"], "reason": c["reason"]}
                        for c in view.corrections],
        "generated_at": generated_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
        "agenda": [],
    }


def item_context(view: MeetingView, item: ItemView, facts: ApplicantFacts, branch: str) -> dict[str, Any]:
    """One item as its resolution speaks of it, with the applicant's facts as they stood after the meeting.

    A document regenerated years later still says what was resolved then: later acts (an extension, say) are
    left out of the 预备期 it states.
    """
    facts = replace(facts, records=tuple(r for r in facts.records if r.on <= view.held_on))
    tally, vote = item.tally, item.vote
    months = item.extension_months
    motion = PURPOSES[item.purpose].motion.format(name=item.applicant, months=cn_period(months) if months else "")
    start = facts.date_of(Step.ADMISSION_RESOLVED)
    end = probation_ends_on(facts, DEFAULT_SETTINGS.policy)
    context = {
        "applicant": item.applicant, "purpose": item.purpose.value, "purpose_name": item.purpose.label,
        "title": RESOLUTION_TITLES[view.kind], "branch": branch, "discussion": item.discussion, "motion": motion,
        "voted": tally is not None, "passed": item.result == "passed", "result_name": item.result_label,
        "method_name": item.ballots.method.label if item.ballots else "",
        "yes": 0, "no": 0, "abstain": 0, "invalid": 0, "written_yes": 0, "written_no": 0, "written_abstain": 0,
        "written_total": 0, "yes_total": 0, "no_total": 0, "abstain_total": 0, "needed_yes": 0,
        "probation_from": cn_date(start) if start else "", "probation_until": _day_before(end),
        # 党龄 starts when the 预备期 is complete, whatever the approval date (党章第七条).
        "party_age_from": cn_date(end) if end else "",
        "opinions": [{"name": o.name, "opinion": o.opinion.label, "date": cn_date(o.submitted_on),
                      "accepted": o.accepted, "reason": o.reason or ""} for o in item.opinions],
        "findings": [v.sentence() for v in item.verdicts],  # why void or failed, each with its article
    }
    if item.purpose is ItemPurpose.ADMISSION and start is None:
        context["probation_until"] = _day_before(add_years(view.held_on, 1))
    if tally is not None and vote is not None:
        context |= {"yes": tally.yes, "no": tally.no, "abstain": tally.abstain, "invalid": tally.invalid,
                    "written_yes": tally.written_yes, "written_no": tally.written_no,
                    "written_abstain": tally.written_abstain, "written_total": tally.written_total,
                    "yes_total": vote.yes_total, "no_total": tally.no + tally.written_no,
                    "abstain_total": tally.abstain + tally.written_abstain, "needed_yes": vote.needed_yes}
    return context


def _day_before(day: date | None) -> str:
    """预备期终结的时间要比起算的时间提前一天，这样是一整年 (志愿书 practice, procedure.md §3 item 2)."""
    return cn_date(day - timedelta(days=1)) if day else ""


# ---------------------------------------------------------------- files


def docx_bytes(text: str, author: str, created: datetime) -> bytes:
    """A Word file from the text version: ``# `` a title, ``## `` a heading, ``> `` a right-aligned line."""
    from docx import Document as WordDocument  # here, not at import: every ``fazhan`` command would load it
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = WordDocument()
    normal = document.styles["Normal"]
    normal.font.name = "宋体"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")  # Word otherwise picks a Latin font for Chinese
    for raw in text.split("\n"):
        line = safe_text.xml_text(raw)  # also drops the PLAIN marks (controls Word's XML cannot hold)
        if raw.startswith(safe_text.PLAIN) and line.strip():  # a line of input: plain text, whatever it starts with
            document.add_paragraph(line).paragraph_format.first_line_indent = Pt(24)
        elif line.startswith("# "):
            document.add_heading(line[2:], level=1)
        elif line.startswith("## "):
            document.add_heading(line[3:], level=2)
        elif line.startswith("> "):
            document.add_paragraph(line[2:]).alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif line.strip():
            document.add_paragraph(line).paragraph_format.first_line_indent = Pt(24)  # two characters
    properties = document.core_properties
    properties.author, properties.created, properties.modified = author, created, created
    buffer = io.BytesIO()
    document.save(buffer)
    return _stable_zip(buffer.getvalue(), created)


def _stable_zip(data: bytes, moment: datetime) -> bytes:
    """The same .docx bytes for the same content: entries dated ``moment``, not the wall clock of the save.

    So an inspector can regenerate a document and compare its hash with the one in the audit trail.
    """
    stamp = moment.astimezone(BEIJING).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            fixed = zipfile.ZipInfo(entry.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(entry.filename))
    return out.getvalue()


def default_directory(db: str | None) -> Path:
    """``documents/`` beside the SQLite file; for a server database, in the current folder."""
    url = database_url(db)
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).resolve().parent / "documents"
    return Path("documents").resolve()


@dataclass(frozen=True)
class Generated:
    kind: str
    format: str
    title: str
    path: Path
    sha256: str
    case_id: int | None
    agenda_item_id: int | None


def generate(engine: Engine, clock: Clock, actor: Actor, meeting_id: int, out: Path,
             settings: Settings = DEFAULT_SETTINGS) -> list[Generated]:
    """Write the minutes and one resolution per decided item (HTML and .docx); record each with its hash."""
    view = meeting_view(engine, meeting_id, settings)
    if view.status != "closed":
        raise MeetingRefused(f"会议{meeting_id}尚未结束：请先用 fazhan meeting close 结束会议，再生成会议记录和决议。")
    now = clock.now()
    minutes = meeting_context(view, now)
    folder = out / f"meeting-{meeting_id}"
    folder.mkdir(parents=True, exist_ok=True)
    made: list[Generated] = []
    with engine.connect() as conn:
        for item in view.items:
            loaded = services.load_case(conn, item.case_id)
            branch_name = conn.execute(select(roster.ORGS.c.name).where(
                roster.ORGS.c.id == loaded.organisation_id)).scalar_one()
            minutes["agenda"].append(with_wording(minutes, item_context(view, item, loaded.facts, branch_name)))
    items = {i.id: c for i, c in zip(view.items, minutes["agenda"], strict=True)}
    made += _write(folder, "会议记录", "minutes", minutes, {"m": minutes}, actor, now, None, None)
    for item in view.items:
        if item.result == "pending":
            continue  # nothing was resolved
        context = items[item.id]
        name = safe_text.safe_filename(f"{context['title']}-{item.id}-{item.applicant}")  # a name with "/" stays here
        made += _write(folder, name, "resolution", minutes, {"m": minutes, "i": context}, actor, now,
                       item.case_id, item.id)
    with engine.begin() as conn:
        for doc in made:
            doc_id = conn.execute(insert(DOCUMENTS).values(
                meeting_id=meeting_id, agenda_item_id=doc.agenda_item_id, case_id=doc.case_id, kind=doc.kind,
                format=doc.format, path=str(doc.path), sha256=doc.sha256, created_at=now)).inserted_primary_key
            audit.append(conn, kind="document_generated", actor=actor.name, actor_role=actor.role, recorded_at=now,
                         effective_on=view.held_on, case_id=doc.case_id, payload={
                             "document_id": int(doc_id[0]) if doc_id else None, "meeting_id": meeting_id,
                             "agenda_item_id": doc.agenda_item_id, "kind": doc.kind, "format": doc.format,
                             "path": str(doc.path), "sha256": doc.sha256})
    return made


def _write(folder: Path, name: str, kind: str, minutes: Mapping[str, Any], context: Mapping[str, Any], actor: Actor,
           now: datetime, case_id: int | None, item_id: int | None) -> list[Generated]:
    html = render(f"meetings/{kind}.html.j2", context).encode("utf-8")
    word = docx_bytes(render(f"meetings/{kind}.txt.j2", context), actor.name, now)
    title = f"{minutes['title']}会议记录" if kind == "minutes" else name.split("-", 1)[0] + f"（{name.rsplit('-', 1)[-1]}）"
    written = []
    for fmt, data in (("html", html), ("docx", word)):
        path = safe_text.inside(folder, folder / f"{name}.{fmt}")
        path.write_bytes(data)
        written.append(Generated(kind, fmt, title, path, hashlib.sha256(data).hexdigest(), case_id, item_id))
    return written
