"""Loading a year's 节假日安排 (``fazhan calendar load``, the /calendar page): one audited act.

Working-day deadlines (公示 and the like) are computed from these files, so a load is recorded like a step: one
``calendar_loaded`` event carrying the file's SHA-256 and its year, in the same transaction as the file's
placement. A year already on file — shipped with the software (``chinesecalendar`` or ``states/holidays``) or
loaded earlier — was published by the 国务院办公厅 and deadlines were counted by it: it is never replaced silently.
Replacing it needs a reason; the event then carries the old and the new digest. A refused load leaves only a
``calendar_load_refused`` event.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import chinese_calendar
from sqlalchemy import Engine

from states import limits
from states.workdays import PACKAGE_HOLIDAYS_DIR, YearArrangement, load_arrangement, user_holidays_dir
from workflow import audit, inputs
from workflow.clock import Clock
from workflow.errors import FazhanError
from workflow.services import Actor


class CalendarRefused(FazhanError):
    """A year already on file, loaded again with other content and no reason to replace it."""


@dataclass(frozen=True)
class OnFile:
    """The arrangement a year is computed by today, and where it comes from."""

    origin: str  # 内置数据 / 随软件附带的文件 / 管理员导入的文件
    sha256: str
    source: str


@dataclass(frozen=True)
class Loaded:
    arrangement: YearArrangement
    sha256: str
    replaced: OnFile | None
    unchanged: bool  # the very same file was on file already: nothing to do
    audit_seq: int | None

    def sentence(self) -> str:
        a = self.arrangement
        if self.unchanged:
            return f"{a.year}年节假日安排已是这份文件（SHA-256 {self.sha256[:12]}…），无需重复导入。"
        what = f"已更正{a.year}年节假日安排" if self.replaced else f"已导入{a.year}年节假日安排"
        return (f"{what}：放假{len(a.holidays)}天，调休上班{len(a.workdays)}天（{a.source}）。"
                f"已记入审计链第{self.audit_seq}条（文件 SHA-256 {self.sha256[:12]}…）。")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_for(folder: Path, year: int) -> Path | None:
    if not folder.is_dir():
        return None
    for path in sorted(folder.glob("*.toml")):
        try:
            if load_arrangement(path).year == year:
                return path
        except (OSError, ValueError):
            continue  # a broken file is reported by the calendar itself, not here
    return None


def on_file(year: int, folder: Path | None = None) -> OnFile | None:
    """What the calendar holds for ``year`` now (the administrator's folder wins, as in ``WorkdayCalendar``)."""
    for directory, origin in ((folder or user_holidays_dir(), "管理员导入的文件"),
                              (PACKAGE_HOLIDAYS_DIR, "随软件附带的文件")):
        path = _file_for(directory, year)
        if path is not None:
            return OnFile(origin, _sha256(path.read_bytes()), load_arrangement(path).source)
    days = sorted(d.isoformat() for d in chinese_calendar.holidays if d.year == year)
    if not days:
        return None
    made_up = sorted(d.isoformat() for d in chinese_calendar.workdays if d.year == year)
    canonical = json.dumps({"year": year, "holidays": days, "workdays": made_up}, separators=(",", ":"))
    return OnFile("内置数据", _sha256(canonical.encode()), f"chinesecalendar {chinese_calendar.__version__}")


def _parsed(data: bytes, filename: str) -> YearArrangement:
    """The arrangement in the uploaded bytes; errors name the file the administrator chose, not a temp path."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / (Path(filename).name or "节假日安排.toml")
        path.write_bytes(data)
        try:
            return load_arrangement(path)
        except UnicodeDecodeError:
            raise FazhanError(f"节假日数据有误：{path.name}：文件不是 UTF-8 文本。") from None
        except ValueError as error:
            raise FazhanError(str(error).replace(scratch + "/", "")) from None


def load_year(engine: Engine, clock: Clock, actor: Actor, data: bytes, filename: str, *,
              replace_reason: str | None = None, folder: Path | None = None) -> Loaded:
    """Validate, audit and place one year's file; refuse (audited) to replace a year on file without a reason."""
    arrangement = _parsed(data, filename)
    digest = _sha256(data)
    target_dir = folder or user_holidays_dir()
    old = on_file(arrangement.year, target_dir)
    if old is not None and old.sha256 == digest:
        return Loaded(arrangement, digest, None, True, None)
    reason = inputs.checked(replace_reason, limits.REASON) if replace_reason and replace_reason.strip() else None
    payload: dict[str, object] = {"years": [arrangement.year], "file": Path(filename).name, "sha256": digest,
                                  "source": arrangement.source, "holidays": len(arrangement.holidays),
                                  "workdays": len(arrangement.workdays)}
    if old is not None:
        payload["replaces"] = {"origin": old.origin, "sha256": old.sha256, "source": old.source}
    if old is not None and reason is None:
        with engine.begin() as conn:
            audit.append(conn, kind="calendar_load_refused", actor=actor.name, actor_role=actor.role,
                         recorded_at=clock.now(), payload=payload)
        raise CalendarRefused(
            f"{arrangement.year}年的节假日安排已在系统中（{old.origin}：{old.source}），已按它计算过期限，"
            "不能直接覆盖。确需更正时，请写明更正原因（命令行用 --replace-reason）。")
    if reason:
        payload["reason"] = reason
    target_dir.mkdir(parents=True, exist_ok=True)
    target = _file_for(target_dir, arrangement.year) or target_dir / f"{arrangement.year}.toml"
    previous = target.read_bytes() if target.exists() else None
    staged = target.with_name(f".{target.name}.new")
    staged.write_bytes(data)
    try:
        with engine.begin() as conn:
            seq = audit.append(conn, kind="calendar_loaded", actor=actor.name, actor_role=actor.role,
                               recorded_at=clock.now(), payload=payload)
            os.replace(staged, target)  # last act inside the transaction: a failed write leaves no event
    except BaseException:
        staged.unlink(missing_ok=True)
        if previous is not None and target.exists() and target.read_bytes() != previous:
            target.write_bytes(previous)  # the commit failed after the file was placed: put the old one back
        elif previous is None and target.exists() and _sha256(target.read_bytes()) == digest:
            target.unlink()
        raise
    return Loaded(arrangement, digest, old, False, seq)
