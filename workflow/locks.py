"""Locks between processes on one database: a PostgreSQL advisory lock, or a file lock beside an SQLite file.

Used for two things: migrations run once however many workers start together (``workflow.db.upgrade``), and
one scheduler leader sweeps the outbox (``notices.scheduler.Leadership``). Both kinds are released by the
operating system or the server when their holder dies, even by ``kill -9``: a PostgreSQL session lock ends
with its connection, an ``flock`` with its file descriptor. Nothing has to expire.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    import psycopg

# Advisory lock keys: one 64-bit number per purpose, the same in every process of every version.
MIGRATION_LOCK = 0x66617A68616E0001  # "fazhan" + 1
LEADER_LOCK = 0x66617A68616E0002


class ProcessLock(Protocol):
    def acquire(self, *, wait: bool) -> bool: ...

    def held(self) -> bool: ...

    def release(self) -> None: ...


def driver_url(url: str) -> str:
    """A libpq connection string for psycopg from a SQLAlchemy URL (``postgresql+psycopg://`` → ``postgresql://``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class AdvisoryLock:
    """A session-level ``pg_advisory_lock`` on a connection of its own (never one from a pool)."""

    def __init__(self, url: str, key: int, application_name: str = "fazhan") -> None:
        import psycopg  # here, not at import: a SQLite deployment's commands need not load it

        self._psycopg = psycopg
        self._url, self._key, self._name = driver_url(url), key, application_name
        self._conn: psycopg.Connection | None = None

    def acquire(self, *, wait: bool) -> bool:
        if self._conn is None or self._conn.closed:
            self._conn = self._psycopg.connect(self._url, autocommit=True, application_name=self._name,
                                         connect_timeout=10)
        if wait:
            self._conn.execute("SELECT pg_advisory_lock(%s)", (self._key,))
            return True
        row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self._key,)).fetchone()
        return bool(row and row[0])

    def held(self) -> bool:
        """Still held: the connection answers and the server lists the lock as this session's."""
        if self._conn is None or self._conn.closed:
            return False
        try:
            row = self._conn.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted "
                "AND objid = (%s::bigint & 4294967295)::oid", (self._key,)).fetchone()
        except self._psycopg.Error:
            return False
        return bool(row and row[0])

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            if not self._conn.closed:
                self._conn.execute("SELECT pg_advisory_unlock(%s)", (self._key,))
        except self._psycopg.Error:
            pass  # the connection is gone, and with it the lock
        finally:
            self._conn.close()
            self._conn = None


class FileLock:
    """``flock`` on a file beside the SQLite database (released by the kernel when the process dies)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None

    def acquire(self, *, wait: bool) -> bool:
        if self._fd is None:
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None


class NoLock:
    """An in-memory SQLite database lives in one process: there is nobody to wait for."""

    def acquire(self, *, wait: bool) -> bool:  # noqa: ARG002
        return True

    def held(self) -> bool:
        return True

    def release(self) -> None:
        return None


def process_lock(url: str, key: int, purpose: str) -> ProcessLock:
    """The lock for ``purpose`` (``migrate``, ``leader``) on the database at ``url``."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return AdvisoryLock(url, key, f"fazhan-{purpose}-{os.getpid()}")
    if parsed.database and parsed.database != ":memory:":
        return FileLock(Path(parsed.database).with_name(f"{Path(parsed.database).name}.{purpose}.lock"))
    return NoLock()


@contextmanager
def held(url: str, key: int, purpose: str) -> Iterator[None]:
    """Hold the lock for the block, waiting for it if another process has it."""
    lock = process_lock(url, key, purpose)
    lock.acquire(wait=True)
    try:
        yield
    finally:
        lock.release()
