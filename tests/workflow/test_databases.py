"""The schema on real databases: every test runs on SQLite and on PostgreSQL (fixtures in tests/conftest.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from workflow.db import alembic_config, make_engine, upgrade
from workflow.tables import Applicant, Case, Organisation, StepRecord  # registers every table on the metadata

ORGS, APPLICANTS, CASES, STEPS = (Organisation.__table__, Applicant.__table__, Case.__table__,
                                  StepRecord.__table__)


def schema_diff(engine: Engine) -> list[Any]:
    """What autogenerate would write to make the database match the models: nothing, if the migrations are right."""
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)


def revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def as_utc(moment: datetime) -> datetime:
    """Stored moments are UTC (workflow/audit.py): PostgreSQL returns them with a zone, SQLite without."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def add_case(conn: Connection) -> int:
    """Organisation → applicant → case, with the Core tables; returns the case id."""
    org = conn.execute(insert(ORGS).values(name="计算机学院党支部", kind="党支部", has_committee=True,
                                           may_approve=False)).inserted_primary_key[0]
    person = conn.execute(insert(APPLICANTS).values(name="李明", sex="男", birth_date=date(2001, 4, 12),
                                                    id_number="110105200104120015", unit="", contact="")
                          ).inserted_primary_key[0]
    return conn.execute(insert(CASES).values(applicant_id=person, organisation_id=org, status="applicant",
                                             version=0, opened_on=date(2025, 6, 2))).inserted_primary_key[0]


def test_database_url_is_an_empty_database(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_migrations_create_exactly_the_models_schema(engine: Engine) -> None:
    assert set(inspect(engine).get_table_names()) == set(SQLModel.metadata.tables) | {"alembic_version"}
    assert schema_diff(engine) == []


def test_schema_comparison_notices_a_missing_index(engine: Engine) -> None:
    """The check above has teeth: a database that lost an index no longer matches the models."""
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_cases_org_status"))
    assert [(d[0], d[1].name) for d in schema_diff(engine)] == [("add_index", "ix_cases_org_status")]


def test_upgrade_is_idempotent_and_keeps_the_data(engine: Engine, database_url: str) -> None:
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    assert revision(engine) == head
    with engine.begin() as conn:
        case_id = add_case(conn)
    upgrade(database_url)
    upgrade(database_url)
    assert revision(engine) == head
    assert schema_diff(engine) == []
    with engine.connect() as conn:
        assert conn.execute(select(CASES.c.id)).scalars().all() == [case_id]


def test_json_and_aware_datetime_round_trip(engine: Engine) -> None:
    moment = datetime(2025, 8, 1, 1, 2, 3, 456789, tzinfo=UTC)
    evidence = {"talker": "王芳", "members": 5, "present": 4, "ratio": 0.8, "unanimous": False, "note": None,
                "people": [{"name": "赵强", "standing": "正式"}, {"name": "钱多", "standing": "预备"}]}
    documents = ["入党申请书.pdf", "谈话记录.docx"]
    with engine.begin() as conn:
        case_id = add_case(conn)
        step_id = conn.execute(insert(STEPS).values(
            case_id=case_id, step="talk_held", done_on=date(2025, 7, 22), recorded_at=moment, actor="王芳",
            actor_role="书记", rule_set="2014", evidence=evidence, documents=documents, backfilled=False,
        )).inserted_primary_key[0]
    with engine.connect() as conn:
        row = conn.execute(select(STEPS).where(STEPS.c.id == step_id)).mappings().one()
        talker = conn.execute(select(STEPS.c.evidence["talker"].as_string())).scalar_one()
        present = conn.execute(select(STEPS.c.evidence["present"].as_integer())).scalar_one()
    assert row["evidence"] == evidence and row["documents"] == documents
    assert (talker, present) == ("王芳", 4)  # JSON paths work in SQL on both backends
    assert as_utc(row["recorded_at"]) == moment  # the same instant, to the microsecond
    assert row["done_on"] == date(2025, 7, 22) and row["actor"] == "王芳" and row["backfilled"] is False


def test_foreign_key_violation_is_rejected(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(CASES).values(applicant_id=999, organisation_id=999, status="applicant",
                                          version=0, opened_on=date(2025, 6, 2)))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        case_id = add_case(conn)
        conn.execute(insert(STEPS).values(
            case_id=case_id + 1, step="talk_held", done_on=date(2025, 7, 22), recorded_at=datetime.now(UTC),
            actor="王芳", actor_role="书记", rule_set="2014", evidence={}, documents=[], backfilled=False))
    with engine.connect() as conn:  # the failed transactions left nothing behind
        assert conn.execute(select(CASES.c.id)).all() == []
        assert conn.execute(select(ORGS.c.id)).all() == []
