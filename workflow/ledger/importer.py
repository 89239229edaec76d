"""Import a 台账: read, assess every row, and write all of it in one transaction, or nothing.

* ``dry_run``: assess and report, write nothing;
* a rejected row stops the whole import unless ``partial`` is asked for (then only the understood rows go in);
* the same file twice (by SHA-256) changes nothing, and a row already on record is left as it is.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select

from workflow import roster
from workflow.clock import Clock
from workflow.errors import FazhanError
from workflow.ledger.assess import Assessment, Verdict, assess
from workflow.ledger.columns import Column, read_mapping
from workflow.ledger.reader import Ledger, read_ledger
from workflow.ledger.store import Source, Writer, bulk_cache
from workflow.ledger_tables import LedgerImport
from workflow.services import Actor, Settings
from workflow.tables import table

IMPORTS = table(LedgerImport)
DEFAULT_SETTINGS = Settings()


class ImportRefused(FazhanError):
    """Nothing was written because rows were rejected; carries the assessment so every row can be reported."""

    def __init__(self, message: str, result: ImportResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass
class ImportResult:
    filename: str
    sha256: str
    ledger: Ledger
    assessment: Assessment
    dry_run: bool
    written: bool = False
    import_id: int | None = None
    audit_seq: int | None = None
    case_ids: list[int] = field(default_factory=list)
    earlier_import: str | None = None  # when this file was imported before

    def sentence(self) -> str:
        if self.earlier_import:
            return f"此文件（SHA-256 {self.sha256[:12]}…）已于{self.earlier_import}导入过，本次未作任何改动。"
        summary = self.assessment.summary()
        if self.dry_run:
            return f"试导入（未写入任何记录）：{summary}"
        if self.written:
            return f"已导入{len(self.case_ids)}人：{summary}审计事件第{self.audit_seq}条记录了本次导入。"
        return f"未导入任何记录：{summary}"


def load_mapping(path: Path | None) -> dict[str, Column] | None:
    return read_mapping(path) if path else None


def _earlier(engine: Engine, sha256: str) -> str | None:
    with engine.connect() as conn:
        found = conn.execute(select(IMPORTS.c.imported_at).where(IMPORTS.c.sha256 == sha256)).first()
    return found[0].strftime("%Y-%m-%d %H:%M") + "（UTC）" if found else None


def import_ledger(engine: Engine, clock: Clock, actor: Actor, filename: str, data: bytes, *, org: str | None = None,
                  mapping: dict[str, Column] | None = None, dry_run: bool = False, partial: bool = False,
                  settings: Settings = DEFAULT_SETTINGS) -> ImportResult:
    """Read and check a 台账 and, unless ``dry_run``, write it; raises ``ImportRefused`` if rows were rejected."""
    sha256 = hashlib.sha256(data).hexdigest()
    name = Path(filename).name
    ledger = read_ledger(name, data, mapping)
    result = ImportResult(name, sha256, ledger, Assessment(), dry_run)
    if (earlier := _earlier(engine, sha256)) is not None:
        result.earlier_import = earlier
        return result
    today, policy, calendar = clock.today(), settings.policy, settings.calendar
    if dry_run:
        with engine.connect() as conn:
            result.assessment = assess(conn, ledger, org, today, policy, calendar)
        return result
    with engine.begin() as conn, bulk_cache(conn):
        org_id = roster.organisation_id(conn, org) if org else None
        source = Source(name, sha256, len(ledger.rows), actor.name, actor.role, clock.now(), today, org_id)
        writer = Writer(conn, source, partial)  # the people are written while the next ones are checked
        result.assessment = assess(conn, ledger, org, today, policy, calendar, prepare=writer.prepare, sink=writer)
        rejected = result.assessment.count(Verdict.REJECTED)
        if rejected and not partial:
            raise ImportRefused(f"有{rejected}行无法识别，整个台账未导入（改正后重新导入，或加 --partial 只导入可识别的行）。"
                                f"{result.assessment.summary()}", result)
        result.import_id, result.audit_seq, result.case_ids = writer.finish(result.assessment)
        result.written = True
    return result
