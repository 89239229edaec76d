"""Database engines and schema: SQLite file by default, any SQLAlchemy URL (PostgreSQL via psycopg 3)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from workflow import locks

if TYPE_CHECKING:
    from alembic.config import Config

DEFAULT_URL = "sqlite:///fazhan.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def database_url(explicit: str | None = None) -> str:
    """``--db`` first, then ``FAZHAN_DB``, then ``fazhan.db`` in the current folder. A bare path means SQLite."""
    url = explicit or os.environ.get("FAZHAN_DB") or DEFAULT_URL
    if "://" not in url:
        url = f"sqlite:///{url}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine whose transactions serialise writes to one applicant on every backend."""
    url = database_url(url)
    if url.startswith("sqlite"):
        _owner_only(url)
        engine = create_engine(url, **kwargs)
        _sqlite_write_transactions(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_write_transactions(engine: Engine) -> None:
    """SQLite: take the write lock at BEGIN (IMMEDIATE), wait for it, and enforce foreign keys.

    Deferred transactions would let two writers read the same version and then fail on upgrade with
    "database is locked" instead of a clean version conflict.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver must not BEGIN on its own
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA secure_delete=ON")  # overwritten personal data leaves no old bytes in free pages
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        driver = connection.connection.driver_connection
        if not driver.in_transaction:  # fastsql.write_transaction begins on the driver itself
            driver.execute("BEGIN IMMEDIATE")  # the driver: no statement overhead


def _owner_only(url: str, tighten: bool = False) -> None:
    """An SQLite file is created readable by its owner only (its -wal and -shm files inherit the mode)."""
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        if tighten:
            with contextlib.suppress(OSError):  # not our file: leave it to its owner
                os.chmod(path, 0o600)
    except OSError:
        return  # a missing folder: let SQLite report it in its own words


def alembic_config(url: str) -> Config:
    from alembic.config import Config  # Alembic only when migrating: every CLI command starts ~0.4 s faster

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str | None = None) -> None:
    """Create or migrate the schema to the newest revision (idempotent).

    Under a lock (advisory on PostgreSQL, a file beside SQLite): workers starting together migrate once,
    the others wait and then find the schema current.
    """
    url = database_url(url)
    if url.startswith("sqlite"):
        _owner_only(url, tighten=True)  # `fazhan init` also closes up a file an older version made 0644
    from alembic import command

    with locks.held(url, locks.MIGRATION_LOCK, "migrate"):
        command.upgrade(alembic_config(url), "head")
