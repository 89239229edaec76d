"""ID-card and phone numbers at rest and on the way out (issue 13, item 1).

Real databases (SQLite file and PostgreSQL), the real CLI in a subprocess, the file's bytes read back.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, insert, select, text

from workflow import personal, services
from workflow.clock import FixedClock
from workflow.db import alembic_config, make_engine, upgrade
from workflow.errors import FazhanError
from workflow.services import Actor
from workflow.tables import Applicant, AuditEvent, table

ID = "110105200104120015"
FULL_WIDTH_ID = "１１０１０５２００１０４１２００１５"
SUPERSCRIPT_ID = "11010520010412001⁵"
PHONE = "13812345678"
CLOCK = FixedClock.on(date(2025, 7, 1))
CLERK = Actor("王芳", "支部书记")


def _world(engine: Engine) -> None:
    services.add_organisation(engine, CLOCK, CLERK, name="某大学党委", kind="基层党委", may_approve=True)
    services.add_organisation(engine, CLOCK, CLERK, name="计算机学院党支部", kind="党支部", parent="某大学党委")


def _register(engine: Engine, id_number: str | None = ID, contact: str = PHONE, name: str = "李明") -> int:
    return services.add_applicant(engine, CLOCK, CLERK, name=name, sex="男", birth_date=date(2001, 4, 12),
                                  organisation="计算机学院党支部", id_number=id_number, contact=contact)


def _bytes_of(database: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (database, Path(f"{database}-wal")) if p.exists())


def test_the_database_file_and_its_wal_hold_no_id_or_phone_in_clear(tmp_path: Path) -> None:
    database = tmp_path / "fazhan.db"
    upgrade(str(database))
    engine = make_engine(str(database))
    _world(engine)
    _register(engine)
    with engine.connect() as conn:  # the WAL still holds the pages: read before any checkpoint
        stored = conn.execute(select(table(Applicant).c.id_number, table(Applicant).c.contact)).one()
        raw = _bytes_of(database)
    assert Path(f"{database}-wal").exists()
    assert ID.encode() not in raw and PHONE.encode() not in raw
    assert ID[:17].encode() not in raw and PHONE[3:].encode() not in raw
    assert stored.id_number.startswith("enc1:") and stored.contact.startswith("enc1:")
    engine.dispose()
    assert ID.encode() not in database.read_bytes()  # after the checkpoint too


def test_database_wal_and_key_files_are_owner_only(tmp_path: Path) -> None:
    os.umask(0o022)  # what a secretary's shell has: files would be 0644
    database = tmp_path / "fazhan.db"
    upgrade(str(database))
    engine = make_engine(str(database))
    _world(engine)
    _register(engine)
    with engine.connect():
        for path in (database, Path(f"{database}-wal"), Path(f"{database}.personal-key")):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    engine.dispose()


def test_an_older_0644_file_is_closed_up_by_init(tmp_path: Path) -> None:
    database = tmp_path / "old.db"
    database.touch(mode=0o644)
    os.chmod(database, 0o644)
    upgrade(str(database))
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


def test_the_migration_encrypts_rows_entered_in_clear(tmp_path: Path) -> None:
    database = tmp_path / "fazhan.db"
    url = f"sqlite:///{database}"
    command.upgrade(alembic_config(url), "0005")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organisations (name, kind, has_committee, may_approve) "
                          "VALUES ('计算机学院党支部', '党支部', 1, 0)"))
        conn.execute(text("INSERT INTO applicants (name, sex, birth_date, id_number, unit, contact) "
                          f"VALUES ('李明', '男', '2001-04-12', '{ID}', '', '{PHONE}')"))
    engine.dispose()
    assert ID.encode() in database.read_bytes()  # the test's premise: the old schema kept it in clear
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        row = conn.execute(select(table(Applicant))).one()
        assert personal.applicant_by_id_number(conn, ID) == row.id
    keys = personal.keys_for(engine)
    assert keys.decrypt(personal.ID_FIELD, row.id_number) == ID
    assert keys.decrypt(personal.CONTACT_FIELD, row.contact) == PHONE
    engine.dispose()
    assert ID.encode() not in _bytes_of(database) and PHONE.encode() not in _bytes_of(database)


def test_full_width_digits_are_the_same_person_who_cannot_register_twice(engine: Engine) -> None:
    _world(engine)
    case = _register(engine)
    with pytest.raises(FazhanError):
        _register(engine, FULL_WIDTH_ID)
    assert services.find_case(engine, FULL_WIDTH_ID) == case  # and a search by ID finds them either way
    assert services.find_case(engine, ID) == case
    with engine.connect() as conn:
        assert conn.execute(select(table(Applicant).c.id)).all() == [(1,)]


def test_superscript_digits_are_refused_in_chinese_and_nothing_is_stored(engine: Engine) -> None:
    _world(engine)
    with pytest.raises(FazhanError, match="身份证号码只能写阿拉伯数字"):
        _register(engine, SUPERSCRIPT_ID)
    with engine.connect() as conn:
        assert conn.execute(select(table(Applicant).c.id)).all() == []


def test_show_masks_and_reveal_is_an_audit_event(engine: Engine) -> None:
    _world(engine)
    case = _register(engine)
    view = services.show(engine, CLOCK, case)
    assert view.applicant["id_number"] == "1101**********0015"
    assert view.applicant["contact"] == "138****5678"
    full = personal.reveal(engine, CLOCK, "陈静", "支部书记（chenjing）", case)
    assert full == {"id_number": ID, "contact": PHONE}
    with engine.connect() as conn:
        events = conn.execute(select(table(AuditEvent)).where(table(AuditEvent).c.kind == "personal_data_viewed")).all()
    assert len(events) == 1
    assert events[0].actor == "陈静" and events[0].case_id == case and events[0].payload["name"] == "李明"
    assert ID not in json.dumps(events[0].payload, ensure_ascii=False)


def test_rotation_re_encrypts_and_the_index_still_finds_duplicates(engine: Engine) -> None:
    _world(engine)
    case = _register(engine)
    before = personal.keys_for(engine).current
    new, count = personal.rotate(engine, CLOCK, "管理员", "管理员")
    assert new != before and count == 1
    with engine.connect() as conn:
        stored = conn.execute(select(table(Applicant).c.id_number)).scalar_one()
    assert stored.startswith(f"enc1:{new}:")
    assert services.find_case(engine, ID) == case
    with pytest.raises(FazhanError):
        _register(engine, ID, name="李明")
    assert services.show(engine, CLOCK, case).applicant["contact"] == "138****5678"


def test_a_value_moved_to_another_column_does_not_open(engine: Engine) -> None:
    _world(engine)
    _register(engine)
    with engine.begin() as conn:
        sealed_contact = conn.execute(select(table(Applicant).c.contact)).scalar_one()
    with pytest.raises(personal.KeyProblem):
        personal.keys_for(engine).decrypt(personal.ID_FIELD, sealed_contact)


# ---------------------------------------------------------------- the command line


def _cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FAZHAN_DB": str(db), "FAZHAN_TODAY": "2025-07-01"}
    return subprocess.run([sys.executable, "-m", "interfaces", *args], capture_output=True, text=True, timeout=60,
                          env=env)


def test_cli_json_shows_masked_values_and_superscripts_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "fazhan.db"
    for args in (("init",), ("org", "add", "某大学党委", "--kind", "基层党委", "--may-approve"),
                 ("org", "add", "计算机学院党支部", "--kind", "党支部", "--parent", "某大学党委"),
                 ("applicant", "add", "李明", "--org", "计算机学院党支部", "--sex", "男", "--birth", "2001-04-12",
                  "--id-number", FULL_WIDTH_ID, "--contact", PHONE)):
        assert _cli(db, *args).returncode == 0
    shown = _cli(db, "show", ID, "--json")
    assert shown.returncode == 0, shown.stderr
    applicant = json.loads(shown.stdout)["applicant"]
    assert applicant["id_number"] == "1101**********0015" and applicant["contact"] == "138****5678"
    assert ID not in shown.stdout and PHONE not in shown.stdout
    again = _cli(db, "applicant", "add", "李明", "--org", "计算机学院党支部", "--sex", "男", "--birth", "2001-04-12",
                 "--id-number", ID)
    assert again.returncode == 2 and "Traceback" not in again.stderr
    odd = _cli(db, "applicant", "add", "张三", "--org", "计算机学院党支部", "--sex", "男", "--birth", "2001-04-12",
               "--id-number", SUPERSCRIPT_ID)
    assert odd.returncode == 2, odd.stdout + odd.stderr
    assert "身份证号码只能写阿拉伯数字" in odd.stdout + odd.stderr and "Traceback" not in odd.stderr


def test_engine_fixture_inserts_are_sealed_on_postgresql_too(engine: Engine) -> None:
    _world(engine)
    _register(engine)
    with engine.connect() as conn:
        raw = conn.execute(select(table(Applicant).c.id_number, table(Applicant).c.contact,
                                  table(Applicant).c.id_number_index)).one()
    assert ID not in "".join(raw) and PHONE not in "".join(raw)
    # the unique blind index refuses a second row even past the service
    with engine.begin() as conn, pytest.raises(Exception, match="(?i)unique"):
        conn.execute(insert(table(Applicant)).values(name="x", sex="男", birth_date=date(2001, 4, 12),
                                                     id_number="enc1:x:y", id_number_index=raw[2]))


def test_cli_personal_show_gives_the_full_number_and_leaves_an_audit_event(tmp_path: Path) -> None:
    db = tmp_path / "fazhan.db"
    for args in (("init",), ("org", "add", "某大学党委", "--kind", "基层党委", "--may-approve"),
                 ("org", "add", "计算机学院党支部", "--kind", "党支部", "--parent", "某大学党委"),
                 ("applicant", "add", "李明", "--org", "计算机学院党支部", "--sex", "男", "--birth", "2001-04-12",
                  "--id-number", ID, "--contact", PHONE)):
        assert _cli(db, *args).returncode == 0
    shown = _cli(db, "personal", "show", "李明", "--by", "王芳", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == {"case_id": 1, "id_number": ID, "contact": PHONE}
    history = _cli(db, "history", "李明", "--json")
    assert "personal_data_viewed" in history.stdout and ID not in history.stdout
    rotated = _cli(db, "personal", "rotate-key", "--json")
    assert rotated.returncode == 0 and json.loads(rotated.stdout)["rows"] == 1
    assert json.loads(_cli(db, "personal", "show", ID, "--json").stdout)["id_number"] == ID


@pytest.mark.parametrize(("name", "message"), [("李" * 10_000_000, "最多40个字符"), ("李\r明", "换行或控制字符"),
                                               ("李\x00明", "换行或控制字符"), ("  ", "不能为空")])
def test_names_are_bounded_and_single_line_everywhere(engine: Engine, name: str, message: str) -> None:
    _world(engine)
    with pytest.raises(FazhanError, match=message):
        _register(engine, None, "", name=name)
    with pytest.raises(FazhanError, match=message):
        services.add_member(engine, CLOCK, CLERK, name=name, organisation="计算机学院党支部", since=date(2010, 1, 1))
    with engine.connect() as conn:
        assert conn.execute(select(table(Applicant).c.id)).all() == []


def test_full_width_names_are_stored_in_their_usual_form(engine: Engine) -> None:
    _world(engine)
    case = _register(engine, None, "", name="李明ＡＢＣ")
    assert services.show(engine, CLOCK, case).applicant["name"] == "李明ABC"


def test_cli_disables_and_resets_a_user_with_audit_events(tmp_path: Path) -> None:
    db = tmp_path / "fazhan.db"
    assert _cli(db, "init").returncode == 0
    weak = _cli(db, "user", "add", "boss", "--role", "管理员", "--password", "fazhan-demo")
    assert weak.returncode == 2 and "太常见" in weak.stdout + weak.stderr
    assert _cli(db, "user", "add", "boss", "--role", "管理员", "--password", "long-enough-1").returncode == 0
    assert _cli(db, "user", "disable", "boss").returncode == 0
    assert _cli(db, "user", "disable", "boss").returncode == 2  # already disabled: said, not crashed
    assert _cli(db, "user", "reset-password", "boss", "--password", "another-long-2").returncode == 0
    assert _cli(db, "user", "disable", "nobody").returncode == 2
    engine = make_engine(str(db))
    with engine.connect() as conn:
        kinds = list(conn.execute(select(table(AuditEvent).c.kind)).scalars())
    engine.dispose()
    assert {"user_added", "user_disabled", "password_reset"} <= set(kinds)
