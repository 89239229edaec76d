"""Issue 12, item 1: the audit key lives outside the database; rotation is audited; old chains are sealed."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from states.steps import Step
from workflow import audit, keys, services
from workflow.clock import FixedClock
from workflow.db import alembic_config, make_engine, upgrade
from workflow.errors import FazhanError
from workflow.services import Actor
from workflow.tables import AuditEvent, table

EVENTS = table(AuditEvent)
CLOCK = FixedClock.on(date(2025, 7, 1))
ADMIN = Actor("管理员", "管理员")


@pytest.fixture
def no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Key files instead of the test run's FAZHAN_AUDIT_KEY."""
    monkeypatch.delenv(keys.KEY_ENV, raising=False)
    monkeypatch.delenv(keys.KEY_FILE_ENV, raising=False)


def _org(engine: Engine, name: str = "某大学党委") -> None:
    services.add_organisation(engine, CLOCK, ADMIN, name=name, kind="基层党委")


def _kinds(engine: Engine) -> list[tuple[str, str | None]]:
    with engine.connect() as conn:
        return [(r.kind, r.key_id) for r in conn.execute(select(EVENTS.c.kind, EVENTS.c.key_id).order_by(EVENTS.c.seq))]


@pytest.mark.usefixtures("no_env_key")
def test_init_creates_an_owner_only_key_file_beside_the_sqlite_database(tmp_path: Path) -> None:
    db = tmp_path / "支部.db"
    result = subprocess.run([sys.executable, "-m", "interfaces", "init", "--db", str(db)], capture_output=True,
                            text=True, timeout=60, env={k: v for k, v in __import__("os").environ.items()
                                                        if k != keys.KEY_ENV})
    assert result.returncode == 0, result.stderr
    key_file = tmp_path / "支部.db.audit-key"
    assert f"审计密钥：密钥文件 {key_file}" in result.stdout
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    stored = json.loads(key_file.read_text(encoding="utf-8"))
    assert stored["format"] == keys.LOCATION.file_format and len(bytes.fromhex(stored["keys"][0]["secret"])) == 32
    engine = make_engine(str(db))
    _org(engine)
    assert _kinds(engine) == [("organisation_added", stored["keys"][0]["id"])]
    assert services.verify_audit(engine).intact
    engine.dispose()


@pytest.mark.usefixtures("no_env_key")
def test_without_its_key_file_the_chain_neither_verifies_nor_grows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    upgrade(url)
    engine = make_engine(url)
    _org(engine)
    (tmp_path / "a.db.audit-key").rename(tmp_path / "elsewhere.key")
    keys._STORES.clear()  # a new process: nothing cached  # noqa: SLF001
    keys._BY_ENGINE.clear()  # noqa: SLF001
    report = services.verify_audit(engine)
    assert report.first_bad_seq == 1 and "不在密钥文件" in report.sentence()
    with pytest.raises(FazhanError, match="审计链使用的密钥「k[0-9a-f]{16}」不在密钥文件"):
        _org(engine, "第二个党委")
    assert len(_kinds(engine)) == 1  # the refused write left nothing
    engine.dispose()


def test_key_file_env_var_points_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(keys.KEY_ENV, raising=False)
    monkeypatch.setenv(keys.KEY_FILE_ENV, str(tmp_path / "vault" / "fazhan.key"))
    url = f"sqlite:///{tmp_path / 'b.db'}"
    upgrade(url)
    engine = make_engine(url)
    _org(engine)
    assert (tmp_path / "vault" / "fazhan.key").exists() and not (tmp_path / "b.db.audit-key").exists()
    engine.dispose()


def test_env_key_must_be_hex_of_sufficient_length(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(FazhanError, match="64位十六进制"):
        keys.EnvKeyStore("not-hex")
    with pytest.raises(FazhanError, match="64位十六进制"):
        keys.EnvKeyStore("ab" * 8 + "c")  # odd length is not hex either
    with pytest.raises(FazhanError, match="太短"):
        keys.EnvKeyStore("ab" * 15)
    assert keys.EnvKeyStore("ab" * 16).current().id.startswith("k")
    monkeypatch.setenv(keys.KEY_ENV, "cd" * 32)
    with pytest.raises(FazhanError, match="不能自动生成新密钥"):
        keys.store_for_url("sqlite:///x.db").create()


@pytest.mark.usefixtures("no_env_key")
def test_rotation_is_an_audited_event_and_old_events_still_verify(engine: Engine) -> None:
    _org(engine)
    with engine.begin() as conn:
        old, new = audit.rotate_key(conn, actor="管理员", actor_role="管理员", recorded_at=CLOCK.now())
    _org(engine, "第二个党委")
    assert old != new
    assert _kinds(engine) == [("organisation_added", old), (audit.ROTATED, old), ("organisation_added", new)]
    report = services.verify_audit(engine)
    assert report.intact and report.checked == 3
    # Signing a later event with the old key is a forgery, even though the old key is still in the store.
    with engine.begin() as conn:
        row = dict(conn.execute(select(EVENTS).where(EVENTS.c.seq == 3)).mappings().one())
        store = keys.store_for(engine)
        row["key_id"] = old
        conn.execute(EVENTS.update().where(EVENTS.c.seq == 3).values(
            key_id=old, hash=audit.event_mac(row, store.get(old))))  # type: ignore[arg-type]
    report = services.verify_audit(engine)
    assert report.first_bad_seq == 3 and "不是链上当时的密钥" in report.sentence()


def test_rotation_with_env_keys_adopts_the_newest(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = "11" * 32, "22" * 32
    monkeypatch.setenv(keys.KEY_ENV, first)
    _org(engine)
    monkeypatch.setenv(keys.KEY_ENV, f"{second},{first}")
    _org(engine, "第二个党委")  # a new key in the variable does not switch the chain by itself
    with engine.begin() as conn:
        old, new = audit.rotate_key(conn, actor="管理员", actor_role="管理员", recorded_at=CLOCK.now())
    assert (old, new) == (keys.AuditKey(bytes.fromhex(first)).id, keys.AuditKey(bytes.fromhex(second)).id)
    _org(engine, "第三个党委")
    assert [k for _, k in _kinds(engine)] == [old, old, old, new]
    assert services.verify_audit(engine).intact
    monkeypatch.setenv(keys.KEY_ENV, second)  # the old key dropped: its events can no longer be checked
    assert "无法核验" in services.verify_audit(engine).sentence()


def _legacy_event(conn: object, seq: int, prev: str, actor: str = "旧系统") -> str:
    """An event as the code before keys wrote it: plain SHA-256, no key id."""
    row = {"seq": seq, "kind": "organisation_added", "case_id": None, "actor": actor, "actor_role": "管理员",
           "effective_on": None, "recorded_at": datetime(2025, 1, seq, tzinfo=UTC), "rule_set": None,
           "payload": {"version": 1, "name": f"党委{seq}"}, "prev_hash": prev}
    row["hash"] = audit.event_hash(row)
    conn.execute(EVENTS.insert().values(**row))  # type: ignore[attr-defined]
    return str(row["hash"])


def test_migration_seals_the_unkeyed_chain_with_a_keyed_event(database_url: str) -> None:
    config = alembic_config(database_url)
    command.upgrade(config, "0004")
    engine = make_engine(database_url)
    with engine.begin() as conn:
        prev = audit.GENESIS
        for seq in (1, 2, 3):
            prev = _legacy_event(conn, seq, prev)
        conn.exec_driver_sql(f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 3, '{prev}')")
    command.upgrade(config, "head")
    kinds = _kinds(engine)
    assert [k for k, _ in kinds] == ["organisation_added"] * 3 + [audit.SEALED]
    assert [k for _, k in kinds][:3] == [None] * 3 and kinds[3][1] == keys.store_for(engine).current().id
    report = services.verify_audit(engine)
    assert report.intact and report.unkeyed == 3 and "前3条为启用密钥前的旧事件，已由密钥事件封存" in report.sentence()
    # Rewriting the old part with its plain hashes recomputed no longer joins the seal.
    with engine.begin() as conn:
        conn.execute(EVENTS.delete().where(EVENTS.c.seq <= 3))
        prev = audit.GENESIS
        for seq in (1, 2, 3):
            prev = _legacy_event(conn, seq, prev, actor="改过" if seq == 2 else "旧系统")
    report = services.verify_audit(engine)
    assert report.first_bad_seq == 4 and "不衔接" in report.sentence()
    engine.dispose()


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)  # any text: quotes, backslashes, NUL
_JSON = st.recursive(st.none() | st.booleans() | st.integers() | _TEXT,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3), max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(actor=_TEXT, kind=_TEXT | st.sampled_from(Step), rule_set=st.none() | _TEXT,
       case_id=st.none() | st.integers(), effective_on=st.none() | st.dates(),
       payload=st.dictionaries(_TEXT, _JSON, max_size=4))
def test_the_appended_link_is_the_mac_of_the_one_canonical_form(actor: str, kind: str, rule_set: str | None,
                                                                case_id: int | None, effective_on: date | None,
                                                                payload: dict[str, object]) -> None:
    """``append`` encodes the payload once and writes the envelope around it field by field: byte for byte what
    ``verify`` rebuilds with the JSON encoder, whatever the fields hold (quotes, NULs, an enum member, nulls)."""
    event = {"seq": 7, "kind": kind, "case_id": case_id, "actor": actor + '"payload":0,"prev_hash":',
             "actor_role": "书记", "effective_on": effective_on,
             "recorded_at": datetime(2025, 4, 3, 1, 2, 3, 4, tzinfo=UTC), "rule_set": rule_set,
             "prev_hash": "ab" * 32, "key_id": "k0123"}
    payload_text = audit.encode_payload(payload)
    assert audit._canonical_with(event, payload_text) == audit._canonical({**event, "payload": payload}, keyed=True)


def test_a_sqlite_event_stores_the_payload_as_it_was_maced(tmp_path: Path) -> None:
    """On SQLite the payload column holds the canonical text the link was computed over (one encoding, no second)."""
    url = f"sqlite:///{tmp_path / 'f.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        audit.append(conn, kind="note", actor="王芳", actor_role="书记", recorded_at=datetime(2025, 1, 2, tzinfo=UTC),
                     payload={"说明": "「引号\"」", "n": [1, None]})
    with engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT payload FROM audit_events WHERE kind = 'note'").scalar_one()
        assert audit.verify(conn).intact
    engine.dispose()
    assert stored == '{"n":[1,null],"version":1,"说明":"「引号\\"」"}'


def test_the_key_variables_are_read_afresh_at_every_append(engine: Engine, monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path) -> None:
    """The store an append uses follows ``os.environ`` as it is now: set, changed, emptied and removed."""
    monkeypatch.delenv(keys.KEY_DIR_ENV, raising=False)
    monkeypatch.setenv(keys.KEY_ENV, "33" * 32)
    monkeypatch.setenv(keys.KEY_FILE_ENV, str(tmp_path / "unused.key"))
    assert keys._environment() == ("33" * 32, None, None)  # the first rule wins
    _org(engine)
    monkeypatch.setenv(keys.KEY_ENV, "")  # empty counts as unset: the key file's rule applies
    assert keys._environment() == ("", str(tmp_path / "unused.key"), None)
    monkeypatch.delenv(keys.KEY_ENV)
    monkeypatch.setenv(keys.KEY_DIR_ENV, "目录")
    assert keys._environment() == (None, str(tmp_path / "unused.key"), "目录")
    assert isinstance(keys.store_for(engine), keys.FileKeyStore)
    assert keys.store_for(engine).describe().endswith("unused.key")
