"""Issue 12, item 6: each attack by someone with write access to the database is caught and located.

Real databases (SQLite and PostgreSQL), the attacks done with plain SQL as an intruder would; the key stays
outside the database (``FAZHAN_AUDIT_KEY`` of the test run, or a key file).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from tests.audit import world
from tests.audit.world import sql, tables_report
from workflow import audit, checkpoints, keys, services
from workflow.clock import FixedClock
from workflow.tables import AuditEvent, AuditHead, table

EVENTS, HEAD = table(AuditEvent), table(AuditHead)


@pytest.fixture
def clock() -> FixedClock:
    return world.clock()


@pytest.fixture
def ids(engine: Engine, clock: FixedClock) -> dict[str, int]:
    made = world.admitted(engine, clock)
    report = tables_report(engine)
    assert report.intact, report.sentences()
    return made


def _rewrite(engine: Engine, edit: Callable[[dict[str, Any]], None], link: Callable[[dict[str, Any]], str],
             key_id: str | None) -> None:
    """The intruder's rewrite: edit events, then recompute every link from the first and move the head."""
    with engine.begin() as conn:
        rows = [dict(r) for r in conn.execute(select(EVENTS).order_by(EVENTS.c.seq)).mappings()]
        prev = audit.GENESIS
        for row in rows:
            edit(row)
            row["prev_hash"], row["key_id"] = prev, key_id
            row["hash"] = prev = link(row)
            conn.execute(update(EVENTS).where(EVENTS.c.id == row["id"]).values(
                payload=row["payload"], prev_hash=row["prev_hash"], key_id=key_id, hash=row["hash"]))
        conn.execute(update(HEAD).values(seq=len(rows), hash=prev, key_id=key_id))


def _backdate_talk(row: dict[str, Any]) -> None:
    if row["kind"] == "step_recorded" and row["payload"]["step"] == "talk_held":
        row["payload"] = {**row["payload"], "done_on": "2024-01-01"}


@pytest.mark.usefixtures("ids")
def test_rewritten_chain_with_recomputed_plain_hashes_is_caught(engine: Engine) -> None:
    # Recomputed SHA-256 links claiming to be pre-key events: nothing seals them.
    _rewrite(engine, _backdate_talk, audit.event_hash, None)
    report = services.verify_audit(engine)
    assert not report.intact and "没有密钥封存" in report.sentence()
    # The same with the key ids left in place: the first event's MAC does not match.
    _rewrite(engine, _backdate_talk, audit.event_hash, keys.store_for(engine).current().id)
    report = services.verify_audit(engine)
    assert report.first_bad_seq == 1 and "密钥签名不符" in report.sentence()


@pytest.mark.usefixtures("ids")
def test_rewritten_chain_under_a_key_of_the_intruders_own_is_caught(engine: Engine) -> None:
    own = keys.new_key()
    _rewrite(engine, _backdate_talk, lambda row: audit.event_mac(row, own), own.id)
    report = services.verify_audit(engine)
    assert report.first_bad_seq == 1 and f"所用密钥「{own.id}」不在" in report.sentence()


@pytest.mark.usefixtures("ids")
def test_one_edited_event_is_named_by_its_number(engine: Engine) -> None:
    with engine.connect() as conn:
        seq = conn.execute(select(EVENTS.c.seq).where(EVENTS.c.kind == "meeting_ballot_recorded")).scalar_one()
    sql(engine, "UPDATE audit_events SET actor = '他人' WHERE seq = :seq", seq=seq)
    report = services.verify_audit(engine)
    assert report.first_bad_seq == seq and report.checked == seq - 1 and "被修改" in report.sentence()


@pytest.mark.usefixtures("ids")
def test_all_events_deleted_is_caught_by_the_tables_and_by_a_checkpoint(engine: Engine,
                                                                        clock: FixedClock) -> None:
    with engine.connect() as conn:
        signed = checkpoints.make(conn, clock.now())
    sql(engine, "DELETE FROM audit_events")
    sql(engine, "UPDATE audit_head SET seq = 0, hash = :genesis, key_id = NULL", genesis=audit.GENESIS)
    report = tables_report(engine)
    assert report.chain.intact and report.chain.checked == 0  # the chain alone cannot tell
    assert not report.intact and report.differences[0].case_id == 1
    assert "申请人" in report.sentences()[1] and "没有开立事件" in report.sentences()[1]
    with engine.connect() as conn:
        problem = checkpoints.check(conn, signed, report.chain, None)
    assert problem == f"审计链已被清空：检查点时共有{signed.events}条事件，现在一条也没有。"


@pytest.mark.usefixtures("ids")
def test_last_events_deleted_is_caught_by_a_checkpoint_and_by_the_tables(engine: Engine,
                                                                        clock: FixedClock) -> None:
    with engine.connect() as conn:
        signed = checkpoints.make(conn, clock.now())
        kept = signed.events - 3
        link = conn.execute(select(EVENTS.c.hash).where(EVENTS.c.seq == kept)).scalar_one()
    sql(engine, "DELETE FROM audit_events WHERE seq > :kept", kept=kept)
    sql(engine, "UPDATE audit_head SET seq = :kept, hash = :link", kept=kept, link=link)  # the head made to fit
    report = tables_report(engine)
    assert report.chain.intact and not report.intact
    assert any(d.field == "表决结果" and d.trail == "pending" and d.table == "passed" for d in report.differences)
    with engine.connect() as conn:
        assert checkpoints.check(conn, signed, report.chain, None) == (
            f"审计链被截断：检查点时共有{signed.events}条事件，现在只有{kept}条。")
        assert checkpoints.check_code(conn, signed.code(), report.chain) == (
            f"审计链被截断：检查点时共有{signed.events}条事件，现在只有{kept}条。")


@pytest.mark.usefixtures("ids")
def test_key_holder_rewriting_history_before_a_checkpoint_is_caught(engine: Engine,
                                                                   clock: FixedClock) -> None:
    with engine.connect() as conn:
        signed = checkpoints.make(conn, clock.now())
    key = keys.store_for(engine).current()
    _rewrite(engine, _backdate_talk, lambda row: audit.event_mac(row, key), key.id)
    sql(engine, "UPDATE step_records SET done_on = '2024-01-01' WHERE step = 'talk_held'")
    report = tables_report(engine)
    assert report.intact  # with the key and the database together, a rewrite verifies: only the checkpoint holds
    with engine.connect() as conn:
        assert checkpoints.check(conn, signed, report.chain, None) == (
            f"第{signed.events}条事件与检查点不符：检查点之前的事件被改动、删除、插入或调换了顺序。")
        assert "与检查码不符" in (checkpoints.check_code(conn, signed.code(), report.chain) or "")


@pytest.mark.parametrize(("statement", "field", "trail", "held"), [
    ("UPDATE cases SET status = 'probationary' WHERE id = :zhang", "状态", "「发展对象」", "「预备党员」"),
    ("UPDATE step_records SET done_on = '2024-03-01' WHERE case_id = :zhang AND step = 'talk_held'",
     "「2. 党组织派人谈话」的办理日期", None, "2024-03-01"),
    ("UPDATE cases SET version = version + 1 WHERE id = :zhang", "版本号", None, None),
    ("INSERT INTO violations (case_id, step_record_id, rule, article, message, grave) SELECT case_id, id, 'forged',"
     " '第十条', '伪造的违规', false FROM step_records WHERE case_id = :zhang AND step = 'talk_held'",
     "「2. 党组织派人谈话」的违规记录", "无", "forged"),
])
def test_a_case_table_edited_by_sql_is_named(engine: Engine, ids: dict[str, int], statement: str,
                                             field: str | None, trail: str | None, held: str | None) -> None:
    sql(engine, statement, zhang=ids["zhang"])
    report = tables_report(engine)
    assert report.chain.intact and report.total == 1
    first = report.differences[0]
    assert first.subject == f"申请人张华（案卷{ids['zhang']}）" and first.case_id == ids["zhang"]
    assert field is None or first.field == field
    assert trail is None or first.trail == trail
    assert held is None or first.table == held
    assert report.sentences()[1].startswith("各表与审计链不符，共1处。第一处：申请人张华")


@pytest.mark.parametrize(("column", "value", "label"), [("yes", 9, "赞成票数"), ("no", 0, "反对票数"),
                                                       ("method", "show_of_hands", "表决方式"),
                                                       ("result", "failed", "表决结果")])
def test_a_vote_edited_by_sql_is_named(engine: Engine, ids: dict[str, int], column: str, value: Any,
                                       label: str) -> None:
    sql(engine, f"UPDATE agenda_items SET {column} = :value WHERE id = :item", value=value, item=ids["item"])
    report = tables_report(engine)
    assert report.total == 1
    first = report.differences[0]
    assert (first.subject, first.field, first.case_id) == (f"会议{ids['meeting']}的议题{ids['item']}", label, ids["li"])
    assert first.table == str(value)


def test_attendance_and_meeting_status_edited_by_sql_are_named(engine: Engine, ids: dict[str, int]) -> None:
    sql(engine, "UPDATE meeting_voters SET present = NOT present WHERE meeting_id = :m", m=ids["meeting"])
    sql(engine, "UPDATE meetings SET status = 'closed' WHERE id = :m", m=ids["meeting"])
    report = tables_report(engine)
    fields = {d.field for d in report.differences}
    assert "状态" in fields and any(f.endswith("的到会情况") for f in fields)


def test_a_step_row_deleted_or_added_by_sql_is_named(engine: Engine, ids: dict[str, int]) -> None:
    sql(engine, "DELETE FROM violations WHERE step_record_id IN (SELECT id FROM step_records WHERE case_id = :z AND step = 'talk_held')", z=ids["zhang"])
    sql(engine, "DELETE FROM rule_overrides WHERE step_record_id IN (SELECT id FROM step_records WHERE case_id = :z AND step = 'talk_held')", z=ids["zhang"])
    sql(engine, "DELETE FROM step_records WHERE case_id = :z AND step = 'talk_held'", z=ids["zhang"])
    report = tables_report(engine)
    assert report.differences[0].table == "没有这一步（记录被删除）" and report.differences[0].case_id == ids["zhang"]


@pytest.mark.usefixtures("ids")
def test_a_checkpoint_from_another_database_is_refused(engine: Engine, clock: FixedClock,
                                                       tmp_path: Path) -> None:
    other = services_engine(tmp_path / "other.db")
    services.add_organisation(other, clock, world.SECRETARY, name="另一个党委", kind="基层党委")
    with other.connect() as conn:
        foreign = checkpoints.make(conn, clock.now())
    other.dispose()
    with engine.connect() as conn:
        chain = audit.verify(conn)
        problem = checkpoints.check(conn, foreign, chain, None)
    assert problem is not None and "另一个数据库" in problem


@pytest.mark.usefixtures("ids")
def test_a_checkpoint_edited_after_signing_fails_its_signature(engine: Engine,
                                                               clock: FixedClock) -> None:
    with engine.connect() as conn:
        signed = checkpoints.make(conn, clock.now() + timedelta(hours=1))
        forged = checkpoints.Checkpoint(**{**signed.__dict__, "events": signed.events - 1})
        chain = audit.verify(conn)
        assert checkpoints.check(conn, signed, chain, None) is None
        assert checkpoints.check(conn, signed, chain, signed.public_key) is None
        assert checkpoints.check(conn, forged, chain, None) == "检查点的签名无效（检查点文件被改动过）。"
        wrong = keys.new_key().public_hex()
        assert "与上级党委保存的公钥不符" in (checkpoints.check(conn, signed, chain, wrong) or "")


def services_engine(path: Path) -> Engine:
    from workflow.db import make_engine, upgrade

    upgrade(f"sqlite:///{path}")
    return make_engine(f"sqlite:///{path}")


@pytest.mark.usefixtures("ids")
def test_plain_hash_is_what_an_intruder_can_compute(engine: Engine) -> None:
    """The reason for the key: the stored link is not the SHA-256 anyone could recompute."""
    with engine.connect() as conn:
        row = dict(conn.execute(select(EVENTS).where(EVENTS.c.seq == 1)).mappings().one())
    assert row["hash"] != audit.event_hash(row) and len(row["hash"]) == len(hashlib.sha256().hexdigest())
    assert row["key_id"] == keys.store_for(engine).current().id
