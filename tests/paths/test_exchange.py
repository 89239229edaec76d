"""A transfer to an organisation outside this database (细则第十二条): export from one real database, import
into another (SQLite → SQLite and SQLite → PostgreSQL), the received case advanced by its new 支委会."""

from __future__ import annotations

import hashlib
import json
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from docx import Document as WordDocument
from sqlalchemy import Engine, select, update

from states.steps import Status, Step
from tests.paths.world import ID_NUMBER, SECRETARY, UP_TO_SPONSORS, build_world, request, run
from tests.workflow.records_world import dump
from workflow import replay, services
from workflow.case_exchange import Exported, export_case
from workflow.case_import import Review, import_case
from workflow.clock import FixedClock
from workflow.db import make_engine, upgrade
from workflow.errors import FazhanError, StepRefused
from workflow.evidence import BadEvidence
from workflow.exchange_file import BadExchangeFile, canonical, read
from workflow.tables import AuditEvent, StepRecord

OUTSIDE = "物理学院党支部（外单位）"
OUTSIDE_STORED = "物理学院党支部（外单位）"  # Chinese punctuation is kept as typed (states/limits.py)
HOME = "物理学院党支部"
RECEIVER = "周敏"
CONTINUOUS = Review("连续计算", "材料齐全，培养考察连续", date(2025, 1, 20))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock.on(date(2026, 3, 1))


@pytest.fixture
def sender(tmp_path: Path) -> Iterator[Engine]:
    """The sending branch's own database: always SQLite, beside the receiving one of the test."""
    url = f"sqlite:///{tmp_path / 'sender.db'}"
    upgrade(url)
    found = make_engine(url)
    yield found
    found.dispose()


def receiving_world(engine: Engine, clock: FixedClock) -> None:
    services.add_organisation(engine, clock, SECRETARY, name="某理工大学党委", kind="基层党委", may_approve=True)
    services.add_organisation(engine, clock, SECRETARY, name=HOME, kind="党支部", parent="某理工大学党委")
    for name in (RECEIVER, "吴刚"):
        services.add_member(engine, clock, SECRETARY, name=name, organisation=HOME, since=date(2010, 1, 1))


def exported(sender: Engine, clock: FixedClock, folder: Path, on: date = date(2025, 1, 10)) -> tuple[int, Exported]:
    case_id = build_world(sender, clock)
    run(sender, clock, case_id, UP_TO_SPONSORS[:6])  # 积极分子 since 2024-06-14, assessed 2024-12-10
    done = export_case(sender, clock, SECRETARY, case_id, to=OUTSIDE, out=folder / "李明.json",
                       record=folder / "李明.docx", on=on)
    return case_id, done


def designate(on: date) -> object:
    return request("candidate_designated", on, {"opinions_heard": "是", "members": "2", "present": "2"})


def test_art12_round_trip_received_case_made_candidate_on_the_continuous_anniversary_not_a_day_before(
        sender: Engine, engine: Engine, clock: FixedClock, tmp_path: Path) -> None:
    sent_id, sent = exported(sender, clock, tmp_path)
    receiving_world(engine, clock)

    received = import_case(engine, clock, services.Actor(RECEIVER, "书记"), sent.path.read_bytes(), org=HOME,
                           review=CONTINUOUS)

    assert (received.status, received.organisation, received.steps) == (Status.ACTIVIST, HOME, 7)
    run(engine, clock, received.case_id, [("activist_assessed", date(2025, 6, 1), {})])
    with pytest.raises(StepRefused) as early:
        services.advance(engine, clock, SECRETARY, received.case_id, designate(date(2025, 6, 13)))
    assert early.value.check.allowed_from == date(2025, 6, 14)
    assert {v.rule for v in early.value.check.blocking} == {"activist_trained_one_full_year"}
    done = services.advance(engine, clock, SECRETARY, received.case_id, designate(date(2025, 6, 14)))
    assert done.status is Status.CANDIDATE

    view = services.show(engine, clock, received.case_id)
    received_rows = [t for t in view.timeline if (t["backfill_reason"] or "").startswith("转入材料")]
    assert [t["step"] for t in received_rows][:2] == [Step.APPLICATION_SUBMITTED.value, Step.TALK_HELD.value]
    assert received_rows[-1]["step"] == Step.ACTIVIST_TRANSFERRED.value
    assert services.show(sender, clock, sent_id).status is Status.TRANSFERRED_OUT
    for side in (sender, engine):  # the trail and the tables agree on both sides (fazhan audit verify)
        with side.connect() as conn:
            report = replay.compare(conn)
        assert report.intact, report.sentences()


def test_art12_restart_counts_from_the_review_in_the_receiving_database(
        sender: Engine, engine: Engine, clock: FixedClock, tmp_path: Path) -> None:
    _, sent = exported(sender, clock, tmp_path)
    receiving_world(engine, clock)
    received = import_case(engine, clock, services.Actor(RECEIVER, "书记"), sent.path.read_bytes(), org=HOME,
                           review=Review("自审查之日重新计算", "原培养记录不全", date(2025, 1, 20)))
    run(engine, clock, received.case_id, [("activist_assessed", date(2025, 6, 1), {}),
                                          ("activist_assessed", date(2025, 12, 1), {})])

    with pytest.raises(StepRefused) as early:
        services.advance(engine, clock, SECRETARY, received.case_id, designate(date(2026, 1, 19)))
    assert early.value.check.allowed_from == date(2026, 1, 20)


def test_export_closes_the_sending_case_read_only_and_writes_a_private_file(
        sender: Engine, clock: FixedClock, tmp_path: Path) -> None:
    case_id, sent = exported(sender, clock, tmp_path)

    assert stat.S_IMODE(sent.path.stat().st_mode) == 0o600
    content = json.loads(sent.path.read_text(encoding="utf-8"))["content"]
    assert content["applicant"]["id_number"] == ID_NUMBER  # the receiving side opens its case by it
    assert content["audit"]["last_hash"] == sent.last_hash
    assert [s["step"] for s in content["steps"]][-1] == Step.ACTIVIST_TRANSFERRED.value
    with sender.connect() as conn:
        events = conn.execute(select(AuditEvent.__table__.c.kind, AuditEvent.__table__.c.payload)
                              .where(AuditEvent.__table__.c.case_id == case_id)).all()
    assert "case_exported" in [kind for kind, _ in events]
    assert ID_NUMBER not in json.dumps([payload for _, payload in events], ensure_ascii=False)
    with pytest.raises(StepRefused):  # closed: nothing more can be recorded on the sending side
        services.advance(sender, clock, SECRETARY, case_id, request("activist_assessed", date(2025, 2, 1)))

    paper = WordDocument(str(sent.record_path))
    text = "\n".join(p.text for p in paper.paragraphs)
    cells = [c.text for t in paper.tables for row in t.rows for c in row.cells]
    assert "发展党员工作全程纪实表" in text and OUTSIDE_STORED in text and sent.last_hash in text
    assert "李明" in cells and "2024年6月14日" in cells
    assert ID_NUMBER not in text + "".join(cells)


def tampered(path: Path) -> bytes:
    document = json.loads(path.read_text(encoding="utf-8"))
    document["content"]["steps"][2]["done_on"] = "2024-05-14"  # 积极分子 a month earlier
    return json.dumps(document, ensure_ascii=False).encode()


@pytest.mark.parametrize(("data", "message"), [
    (tampered, "被改动过"),
    (lambda _: b"not json at all", "不是案卷交换文件"),
    (lambda _: json.dumps({"format": "fazhan-case-exchange/1"}).encode(), "不完整"),
])
def test_art12_tampered_or_malformed_file_is_refused_and_changes_nothing(
        sender: Engine, engine: Engine, clock: FixedClock, tmp_path: Path, data: object, message: str) -> None:
    _, sent = exported(sender, clock, tmp_path)
    receiving_world(engine, clock)
    before = dump(engine, skip_audit=False)

    with pytest.raises(BadExchangeFile, match=message):
        import_case(engine, clock, SECRETARY, data(sent.path), org=HOME, review=CONTINUOUS)  # type: ignore[operator]

    assert dump(engine, skip_audit=False) == before


def test_same_file_twice_changes_nothing_and_an_open_case_refuses(
        sender: Engine, engine: Engine, clock: FixedClock, tmp_path: Path) -> None:
    _, sent = exported(sender, clock, tmp_path)
    receiving_world(engine, clock)
    first = import_case(engine, clock, SECRETARY, sent.path.read_bytes(), org=HOME, review=CONTINUOUS)
    assert first.status is Status.ACTIVIST and first.reviewed
    before = dump(engine, skip_audit=False)

    again = import_case(engine, clock, SECRETARY, sent.path.read_bytes(), org=HOME, review=CONTINUOUS)

    assert (again.already, again.case_id) == (True, first.case_id)
    assert dump(engine, skip_audit=False) == before
    with pytest.raises(FazhanError, match="同一人不能同时有两个案卷"):  # the same person, another export
        import_case(engine, clock, SECRETARY, second_export(clock, tmp_path), org=HOME, review=CONTINUOUS)


def second_export(clock: FixedClock, folder: Path) -> bytes:
    """A second, genuine file for the same person (exported from another database a day later)."""
    second = folder / "second"
    second.mkdir()
    url = f"sqlite:///{second / 'other.db'}"
    upgrade(url)
    other = make_engine(url)
    try:
        _, sent = exported(other, clock, second, on=date(2025, 1, 11))
    finally:
        other.dispose()
    return sent.path.read_bytes()


def test_a_received_step_edited_in_the_table_is_named_by_the_audit_replay(
        sender: Engine, engine: Engine, clock: FixedClock, tmp_path: Path) -> None:
    _, sent = exported(sender, clock, tmp_path)
    receiving_world(engine, clock)
    received = import_case(engine, clock, SECRETARY, sent.path.read_bytes(), org=HOME, review=CONTINUOUS)
    steps = StepRecord.__table__
    with engine.begin() as conn:  # 积极分子 a month earlier, written past the program
        conn.execute(update(steps).where(steps.c.case_id == received.case_id,
                                         steps.c.step == Step.ACTIVIST_DESIGNATED.value).values(done_on=date(2024, 5, 14)))

    with engine.connect() as conn:
        report = replay.compare(conn)

    assert not report.intact
    assert report.differences[0].sentence() == (f"申请人李明（案卷{received.case_id}）的「3. 推荐和确定入党积极分子」的办理日期："
                                                "审计链记为2024-06-14，表中为2024-05-14。")


@pytest.mark.parametrize(("history", "to", "refusal"), [
    (UP_TO_SPONSORS[:6], "数学学院党支部", BadEvidence),  # in this database: an ordinary 转出
    (UP_TO_SPONSORS[:2], OUTSIDE, StepRefused),  # not yet a 积极分子: 转出 is not a step for an applicant
])
def test_art12_export_refused_changes_nothing_but_the_trail(sender: Engine, clock: FixedClock, tmp_path: Path,
                                                            history: list, to: str, refusal: type) -> None:  # type: ignore[type-arg]
    case_id = build_world(sender, clock)
    run(sender, clock, case_id, history)
    before = dump(sender)

    with pytest.raises(refusal):
        export_case(sender, clock, SECRETARY, case_id, to=to, out=tmp_path / "x.json", on=date(2025, 1, 10))

    assert dump(sender) == before and not (tmp_path / "x.json").exists()


def test_an_edit_with_its_digest_recomputed_fails_the_signature_and_a_foreign_key_is_named(
        sender: Engine, clock: FixedClock, tmp_path: Path) -> None:
    _, sent = exported(sender, clock, tmp_path)
    document = json.loads(sent.path.read_text(encoding="utf-8"))
    document["content"]["steps"][2]["done_on"] = "2024-05-14"
    document["sha256"] = hashlib.sha256(canonical(document["content"])).hexdigest()

    with pytest.raises(BadExchangeFile, match="签名无效"):
        read(json.dumps(document, ensure_ascii=False).encode())
    with pytest.raises(BadExchangeFile, match="公钥与您掌握的转出方公钥不符"):
        read(sent.path.read_bytes(), trusted_public_key="00" * 32)
    assert read(sent.path.read_bytes(), trusted_public_key=sent.public_key).sha256 == sent.sha256
