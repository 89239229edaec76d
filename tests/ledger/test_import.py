"""Importing a 台账 on SQLite and PostgreSQL: findings with their articles, all-or-nothing, idempotence, one audit event."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from states.steps import Status
from tests.ledger.conftest import OTHER_BRANCH
from tests.ledger.sheets import clean_history, person, workbook, xlsx
from workflow import services
from workflow.clock import FixedClock
from workflow.ledger.assess import Verdict
from workflow.ledger.importer import ImportRefused, import_ledger
from workflow.ledger_tables import LedgerEntry, LedgerImport
from workflow.tables import AuditEvent, Case, StepRecord, Violation, table

ACTOR = services.Actor("王芳", "组织委员")
START = date(2020, 3, 2)


def _count(engine: Engine, model: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table(model))).scalar_one())


def _violations(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        v, s = table(Violation), table(StepRecord)
        return [tuple(r) for r in conn.execute(select(s.c.step, v.c.rule, v.c.article)
                                               .join(s, s.c.id == v.c.step_record_id).order_by(v.c.id))]


def broken_histories() -> list[dict[str, Any]]:
    """One clean history and four that each break one rule a 台账 can show."""
    clean = clean_history(START)
    early = {**clean, "确定发展对象时间": clean["确定积极分子时间"] + timedelta(days=364)}  # one day short of a year
    just_in_time = {**clean, "确定发展对象时间": clean["确定积极分子时间"] + timedelta(days=366)}
    late_approval = {**clean, "审批时间": clean["支部大会时间"] + timedelta(days=100),
                     "入党宣誓时间": clean["支部大会时间"] + timedelta(days=110)}
    no_pre_review = {k: v for k, v in clean.items() if k != "预审时间"}
    late_talk = {**clean, "谈话时间": START + timedelta(days=40)}
    return [person("李明", date(2000, 1, 5), 1, clean), person("王强", date(2000, 2, 5), 2, early),
            person("陈红", date(2000, 2, 6), 3, just_in_time), person("赵丽", date(2000, 3, 5), 4, late_approval),
            person("孙伟", date(2000, 4, 5), 5, no_pre_review), person("周敏", date(2000, 5, 5), 6, late_talk)]


def _import(engine: Engine, clock: FixedClock, data: bytes, **options: Any) -> Any:
    return import_ledger(engine, clock, ACTOR, "台账.xlsx", data, **options)


def test_findings_of_known_broken_histories_name_their_articles(world: Engine, clock: FixedClock) -> None:
    result = _import(world, clock, xlsx(workbook(broken_histories())))
    verdicts = {o.history.person.name: o for o in result.assessment.outcomes}
    assert verdicts["李明"].verdict is Verdict.ACCEPTED and not verdicts["李明"].history.findings
    assert verdicts["陈红"].verdict is Verdict.ACCEPTED  # a full year and a day: the boundary's other side

    def rules(name: str) -> list[tuple[str, str, str]]:
        return [(f.step.value, f.rule, f.article) for f in verdicts[name].history.findings]

    assert rules("王强") == [("candidate_designated", "activist_trained_one_full_year", "《发展党员工作细则》第十三条")]
    assert rules("赵丽") == [("admission_approved", "admission_approved_within_three_months", "《发展党员工作细则》第二十四条")]
    assert rules("孙伟") == [("admission_resolved", "preceding_steps_recorded", "《发展党员工作细则》第十九条")]
    assert "上级党委预审" in verdicts["孙伟"].history.findings[0].message
    assert rules("周敏") == [("talk_held", "talk_within_one_month_of_receipt", "《发展党员工作细则》第七条")]
    # what happened is recorded all the same, and the findings are violations on record with their articles
    assert _count(world, Case) == 6 and _count(world, StepRecord) == 16 * 5 + 15
    assert sorted(_violations(world)) == sorted([
        ("candidate_designated", "activist_trained_one_full_year", "《发展党员工作细则》第十三条"),
        ("admission_approved", "admission_approved_within_three_months", "《发展党员工作细则》第二十四条"),
        ("admission_resolved", "preceding_steps_recorded", "《发展党员工作细则》第十九条"),
        ("talk_held", "talk_within_one_month_of_receipt", "《发展党员工作细则》第七条")])


def test_an_import_is_one_audit_event_and_the_cases_are_backfilled_in_date_order(world: Engine,
                                                                                  clock: FixedClock) -> None:
    before = _count(world, AuditEvent)
    data = xlsx(workbook(broken_histories()[:2]))
    result = _import(world, clock, data)
    assert _count(world, AuditEvent) == before + 1
    with world.connect() as conn:
        event = conn.execute(select(table(AuditEvent)).order_by(table(AuditEvent).c.seq.desc())).mappings().first()
        steps = conn.execute(select(table(StepRecord)).where(table(StepRecord).c.case_id == result.case_ids[0])
                             .order_by(table(StepRecord).c.id)).mappings().all()
    assert event["kind"] == "ledger_imported" and event["payload"]["sha256"] == result.sha256
    assert event["payload"]["rows"] == 2 and event["payload"]["imported"] == 2
    assert [s["done_on"] for s in steps] == sorted(s["done_on"] for s in steps)
    assert all(s["backfilled"] and "台账.xlsx，台账第2行" in s["backfill_reason"] for s in steps)
    view = services.show(world, clock, result.case_ids[0])
    assert view.status is Status.FULL_MEMBER and view.applicant["name"] == "李明"
    assert services.verify_audit(world).intact


def test_a_dry_run_writes_nothing(world: Engine, clock: FixedClock) -> None:
    before = (_count(world, Case), _count(world, AuditEvent))
    result = _import(world, clock, xlsx(workbook(broken_histories())), dry_run=True)
    assert result.assessment.count(Verdict.FINDINGS) == 4 and not result.written
    assert (_count(world, Case), _count(world, AuditEvent)) == before and _count(world, LedgerImport) == 0


def test_importing_the_same_file_or_the_same_people_twice_changes_nothing(world: Engine, clock: FixedClock) -> None:
    rows = broken_histories()
    data = xlsx(workbook(rows))
    _import(world, clock, data)
    counts = (_count(world, Case), _count(world, StepRecord), _count(world, Violation), _count(world, AuditEvent))
    again = _import(world, clock, data)
    assert again.earlier_import and not again.written and "未作任何改动" in again.sentence()
    resaved = _import(world, clock, xlsx(workbook(list(reversed(rows)), title="重新保存的台账")))
    assert resaved.assessment.count(Verdict.UNCHANGED) == len(rows) and resaved.case_ids == []
    assert (_count(world, Case), _count(world, StepRecord), _count(world, Violation)) == counts[:3]
    assert _count(world, AuditEvent) == counts[3] + 1  # the second file's import is on record, with no cases


def test_rejected_rows_stop_the_whole_import_unless_partial(world: Engine, clock: FixedClock) -> None:
    rows = [*broken_histories()[:2], {"性别": "男", "出生年月": "2001.1.1"},
            person("钱多", date(2001, 1, 1), 9, {"递交申请书时间": "2024.2.30"}),
            person("吴敏", date(2001, 1, 2), 10, {}, 身份证号="110105200101020011")]
    data = xlsx(workbook(rows))
    with pytest.raises(ImportRefused, match="有3行无法识别") as refused:
        _import(world, clock, data)
    rejected = [o for o in refused.value.result.assessment.outcomes if o.verdict is Verdict.REJECTED]
    assert [(o.row.number, o.column) for o in rejected] == [(4, "姓名"), (5, "递交申请书时间"), (6, "身份证号")]
    assert _count(world, Case) == 0 and _count(world, LedgerImport) == 0
    result = _import(world, clock, data, partial=True)
    assert len(result.case_ids) == 2 and _count(world, Case) == 2
    with world.connect() as conn:
        imported = conn.execute(select(table(LedgerImport))).mappings().one()
    assert (imported["rows"], imported["imported"], imported["rejected"]) == (5, 2, 3)


def test_rows_go_to_the_branch_they_name_within_org(world: Engine, clock: FixedClock) -> None:
    rows = [person("李明", date(2000, 1, 5), 1, clean_history(START)),
            person("王强", date(2000, 2, 5), 2, clean_history(START), 所在支部=OTHER_BRANCH)]
    with pytest.raises(ImportRefused) as refused:
        _import(world, clock, xlsx(workbook(rows)), org="某大学党委")
    bad = refused.value.result.assessment.outcomes[1]
    assert bad.column == "所在支部" and OTHER_BRANCH in bad.reason and "某大学党委" in bad.reason
    result = _import(world, clock, xlsx(workbook(rows)))
    organisations = {services.show(world, clock, c).organisation for c in result.case_ids}
    assert organisations == {"计算机学院学生第一党支部", OTHER_BRANCH}


def test_entries_keep_what_the_procedure_tables_do_not(world: Engine, clock: FixedClock) -> None:
    history = {**clean_history(START), "确定发展对象时间": "2021-06", "备注": "2021年转入"}
    _import(world, clock, xlsx(workbook([person("李明", date(2000, 1, 5), 1, history)])))
    with world.connect() as conn:
        entry = conn.execute(select(table(LedgerEntry))).mappings().one()
    assert (entry["ethnicity"], entry["education"], entry["remark"]) == ("汉族", "本科", "2021年转入")
    assert entry["imprecise"] == ["candidate"] and any("只有年月" in n for n in entry["notes"])


def test_tables_agree_with_the_trail_after_an_import_and_a_changed_row_is_caught(world: Engine,
                                                                                 clock: FixedClock) -> None:
    from sqlalchemy import update

    from workflow import replay

    result = _import(world, clock, xlsx(workbook(broken_histories())))
    with world.connect() as conn:
        report = replay.compare(conn)
    assert report.intact, report.sentences()
    with world.begin() as conn:  # someone edits an imported date behind the program's back
        steps = table(StepRecord)
        first = conn.execute(select(func.min(steps.c.id)).where(steps.c.case_id == result.case_ids[0])).scalar_one()
        conn.execute(update(steps).where(steps.c.id == first).values(done_on=START - timedelta(days=1)))
    with world.connect() as conn:
        report = replay.compare(conn)
    assert not report.intact and any("没有开立事件" in line for line in report.sentences())


def test_a_large_ledger_is_handled_in_worker_processes_with_the_same_outcomes_and_rows(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing
    import os
    import threading

    from tests.ledger.sheets import BRANCH
    from workflow import personal
    from workflow.ledger import assess
    from workflow.ledger.prepare import PersonRows, Prepare
    from workflow.ledger.reader import read_ledger

    rows = broken_histories() * 3  # the copies are rejected as the same people, the originals checked
    rows.insert(4, {**rows[0], "姓名": None})  # and one row that cannot be understood
    ledger = read_ledger("t.xlsx", xlsx(workbook(rows)))
    orgs = assess.Organisations({BRANCH: (1, True)}, None)
    prepare = Prepare(personal.keys_for(engine), date.isoformat, "2026-11-30 01:00:00.000000", "王芳", "组织委员",
                      "t.xlsx", date(2026, 11, 30), {BRANCH: 1})

    class Collect:
        def __init__(self) -> None:
            self.people: list[PersonRows] = []
            self.rejections = 0

        def add(self, person: PersonRows) -> None:
            self.people.append(person._replace(applicant=person.applicant[:4] + person.applicant[5:6]))  # sealed: random

        def rejected(self) -> None:
            self.rejections += 1

    def handled() -> tuple[list[tuple[object, ...]], Collect]:
        sink = Collect()
        result = assess.assess_rows(ledger.rows, orgs, None, date(2026, 11, 30), prepare=prepare, sink=sink)
        return [(o.row, o.verdict, o.column, o.reason, o.history and (o.history.person, o.history.steps,
                 o.history.status, o.history.findings)) for o in result.outcomes], sink

    serial, serial_rows = handled()
    monkeypatch.setattr(assess, "POOL_FROM", 2)
    monkeypatch.setattr(assess, "POOL_CHUNK", 4)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert threading.active_count() == 1  # otherwise the pool is (rightly) not used and this test proves nothing
    pooled, pooled_rows = handled()
    assert pooled == serial and pooled_rows.people == serial_rows.people and len(serial_rows.people) == 6
    assert sum(len(o[4][3]) for o in pooled if o[4]) == 4 and serial_rows.rejections == pooled_rows.rejections == 13
    assert multiprocessing.active_children() == []  # the pool's workers are gone


def test_a_failure_while_writing_stops_the_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing
    import os

    from tests.ledger.sheets import BRANCH
    from workflow.ledger import assess
    from workflow.ledger.reader import read_ledger
    from workflow.personal import PersonalKeys

    class Broken:
        def add(self, _rows: object) -> None:
            raise RuntimeError("磁盘已满")

        def rejected(self) -> None: ...

    monkeypatch.setattr(assess, "POOL_FROM", 2)
    monkeypatch.setattr(assess, "POOL_CHUNK", 2)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    ledger = read_ledger("t.xlsx", xlsx(workbook(broken_histories() * 4)))
    prepare = assess.Prepare(PersonalKeys((("k1", bytes.fromhex("6b" * 32)),)), date.isoformat, "2026-11-30 01:00:00.000000", "王芳", "组织委员",
                             "t.xlsx", date(2026, 11, 30), {BRANCH: 1})
    try:
        assess.assess_rows(ledger.rows, assess.Organisations({BRANCH: (1, True)}, None), None, date(2026, 11, 30),
                           prepare=prepare, sink=Broken())
    except RuntimeError as error:  # its traceback still holds the assessment's frame: the pool must be gone already
        assert str(error) == "磁盘已满" and multiprocessing.active_children() == []
    else:
        pytest.fail("the error while writing was swallowed")
