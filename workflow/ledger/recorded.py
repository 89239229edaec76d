"""Every generated paper is written to a file and recorded with its SHA-256 in ``documents`` and the audit trail."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert

from workflow import audit
from workflow.clock import Clock
from workflow.services import Actor
from workflow.tables import Document, table

DOCUMENTS = table(Document)


@dataclass(frozen=True)
class Paper:
    kind: str  # "ledger", "record_sheet", "publicity", "filing_list", "approval_summary", "yearly_summary"
    title: str
    format: str  # "xlsx", "docx", "txt"
    data: bytes
    case_id: int | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Written:
    paper: Paper
    path: Path
    audit_seq: int


def record(engine: Engine, clock: Clock, actor: Actor, paper: Paper, path: Path,
           details: Mapping[str, Any] | None = None) -> Written:
    """Write the file, then its row and its audit event in one transaction (a failed write records nothing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(paper.data)
    now = clock.now()
    with engine.begin() as conn:
        key = conn.execute(insert(DOCUMENTS).values(case_id=paper.case_id, kind=paper.kind, format=paper.format,
                                                    path=str(path), sha256=paper.sha256, created_at=now)
                           ).inserted_primary_key
        seq = audit.append(conn, kind="document_generated", actor=actor.name, actor_role=actor.role, recorded_at=now,
                           case_id=paper.case_id, payload={
                               "document_id": int(key[0]) if key else None, "kind": paper.kind,
                               "title": paper.title, "format": paper.format, "path": str(path),
                               "sha256": paper.sha256, **(details or {})})
    return Written(paper, path, seq)
