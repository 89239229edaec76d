"""Documents generated for a meeting, as the meeting page lists them: name, hash, and whether the file is intact."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, select

from workflow.tables import Document, table

DOCUMENTS = table(Document)
KINDS = {"minutes": "会议记录", "resolution": "决议"}


@dataclass(frozen=True)
class StoredDocument:
    id: int
    kind: str
    format: str
    name: str
    sha256: str
    created_at: datetime
    intact: bool  # the file on disk still has the hash recorded (and audited) when it was generated


def digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def stored(engine: Engine, meeting_id: int) -> list[StoredDocument]:
    with engine.connect() as conn:
        rows = conn.execute(select(DOCUMENTS).where(DOCUMENTS.c.meeting_id == meeting_id)
                            .order_by(DOCUMENTS.c.id)).all()
    return [StoredDocument(row.id, KINDS.get(row.kind, row.kind), row.format, Path(row.path).name, row.sha256,
                           row.created_at, digest(Path(row.path)) == row.sha256) for row in rows]
