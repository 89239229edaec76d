"""``fazhan import`` and ``fazhan export ledger`` as a secretary runs them, and the export → import round trip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, select

from tests.ledger.conftest import COMMITTEE, TODAY
from tests.ledger.sheets import BRANCH, clean_history, person, workbook, xlsx
from tests.ledger.test_import import broken_histories
from workflow import services
from workflow.clock import FixedClock
from workflow.db import make_engine, upgrade
from workflow.ledger.export import ledger_cases
from workflow.ledger.importer import import_ledger
from workflow.tables import AuditEvent, Document, table


def fazhan(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FAZHAN_DB": db, "FAZHAN_TODAY": TODAY.isoformat(), "FAZHAN_USER": "王芳"}
    return subprocess.run([sys.executable, "-m", "interfaces", *args], capture_output=True, text=True, timeout=120,
                          env=env)


def _histories(engine: Engine) -> list[tuple[str, str, list[tuple[str, date]]]]:
    """Each case as the rules see it: name, status, and the steps with their dates, in order."""
    found = []
    with engine.connect() as conn:
        for case in ledger_cases(conn, COMMITTEE):
            loaded = services.load_case(conn, case.case_id)
            found.append((case.cells["name"], case.status.value, [(r.step.value, r.on) for r in loaded.facts.records]))
    return sorted(found)


def test_export_then_import_gives_back_the_same_cases(world: Engine, clock: FixedClock, tmp_path: Path,
                                                      database_url: str) -> None:
    rows = broken_histories()
    rows[1] = {**rows[1], "确定发展对象时间": "2021-06"}  # month-only stays month-only
    import_ledger(world, clock, services.SYSTEM, "台账.xlsx", xlsx(workbook(rows)))
    out = tmp_path / "导出.xlsx"
    result = fazhan("export", "ledger", "--org", COMMITTEE, "--out", str(out), "--json", db=database_url)
    assert result.returncode == 0, result.stderr + result.stdout
    exported = json.loads(result.stdout)
    book = load_workbook(out)
    sheet = book.active
    assert sheet["A1"].value.startswith(COMMITTEE) and sheet.max_row == 2 + len(rows)
    assert "身份证号" not in [c.value for c in sheet[2]]  # personal data only when asked for
    assert [c.value for c in sheet[4]][[c.value for c in sheet[2]].index("确定发展对象时间")] == "2021-06"
    with world.connect() as conn:
        event = conn.execute(select(table(AuditEvent)).where(table(AuditEvent).c.kind == "document_generated")
                             ).mappings().one()
        document = conn.execute(select(table(Document))).mappings().one()
    assert event["payload"]["sha256"] == exported["sha256"] == document["sha256"]
    # a fresh database with the same organisations receives the same cases (a new SQLite file for either backend)
    fresh_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(fresh_url)
    fresh = make_engine(fresh_url)
    try:
        early = FixedClock.on(date(2010, 1, 1))
        services.add_organisation(fresh, early, services.SYSTEM, name=COMMITTEE, kind="基层党委", may_approve=True)
        services.add_organisation(fresh, early, services.SYSTEM, name=BRANCH, kind="党支部", parent=COMMITTEE)
        again = import_ledger(fresh, clock, services.SYSTEM, out.name, out.read_bytes())
        assert len(again.case_ids) == len(rows)
        assert _histories(fresh) == _histories(world)
    finally:
        fresh.dispose()


@pytest.mark.usefixtures("world")
def test_cli_import_dry_run_report_and_exit_codes(tmp_path: Path, database_url: str) -> None:
    rows = [*broken_histories()[:2], person("钱多", date(2001, 1, 1), 9, {"递交申请书时间": "2024.2.30"})]
    ledger = tmp_path / "台账.xlsx"
    ledger.write_bytes(xlsx(workbook(rows, title="2024年台账")))
    report = tmp_path / "检查结果.xlsx"
    dry = fazhan("import", str(ledger), "--dry-run", "--report", str(report), db=database_url)
    assert dry.returncode == 0, dry.stderr
    assert "第3行 李明：可导入" in dry.stdout and "第4行 王强：可导入（有违规记录）" in dry.stdout
    assert "第5行 钱多：拒收。「递交申请书时间」「2024.2.30」不是存在的日期。" in dry.stdout
    assert "第十三条" in dry.stdout and "试导入（未写入任何记录）" in dry.stdout
    sheet = load_workbook(report)["逐行检查结果"]
    by_row = {r[1]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert by_row[4][2] == "可导入（有违规记录）" and "第十三条" in by_row[4][4]
    assert by_row[5][2] == "拒收" and "递交申请书时间" in by_row[5][3]
    refused = fazhan("import", str(ledger), db=database_url)
    assert refused.returncode == 2 and "整个台账未导入" in refused.stdout and "Traceback" not in refused.stderr
    partial = fazhan("import", str(ledger), "--partial", "--json", db=database_url)
    assert partial.returncode == 0, partial.stderr
    answer = json.loads(partial.stdout)
    assert answer["written"] and answer["counts"] == {"accepted": 1, "findings": 1, "unchanged": 0, "rejected": 1}
    twice = fazhan("import", str(ledger), "--partial", db=database_url)
    assert twice.returncode == 0 and "未作任何改动" in twice.stdout


@pytest.mark.usefixtures("world")
def test_cli_bad_input_is_a_chinese_sentence_and_exit_2(tmp_path: Path, database_url: str) -> None:
    missing = fazhan("import", str(tmp_path / "没有.xlsx"), db=database_url)
    assert missing.returncode == 2 and "找不到文件" in missing.stdout
    not_ledger = tmp_path / "x.xlsx"
    not_ledger.write_bytes(b"plain text")
    unreadable = fazhan("import", str(not_ledger), db=database_url)
    assert unreadable.returncode == 2 and "无法读取" in unreadable.stdout and "Traceback" not in unreadable.stderr
    ledger = tmp_path / "台账.xlsx"
    ledger.write_bytes(xlsx(workbook([person("李明", date(2000, 1, 5), 1, clean_history(date(2020, 3, 2)))])))
    unknown_org = fazhan("import", str(ledger), "--org", "没有这个党委", db=database_url)
    assert unknown_org.returncode == 2 and "没有这个党委" in unknown_org.stdout
