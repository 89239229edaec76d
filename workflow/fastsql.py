"""The hot path's plumbing: statements on the DBAPI connection, and write transactions without the pool's toll.

Why: measured here, a Core statement costs ~15–50 µs of SQLAlchemy machinery per execution and the raw
driver ~1–3 µs; one step runs eight of them (``bench/advance.py``). The statements run inside the caller's
SQLAlchemy transaction on the same connection, and store values exactly as SQLAlchemy's types would, so
everything else keeps reading the tables through Core. Only SQLite (pysqlite) and PostgreSQL (psycopg 3).

``write_transaction`` is ``engine.begin()`` less the pool checkout, checkin and reset (~45 µs of a ~60 µs
toll per transaction): a connection just used is kept for the next transaction of any thread, for a moment.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.pool import QueuePool


class Sql:
    """One statement written with ``:name`` parameters, rendered for each driver's parameter style."""

    def __init__(self, text: str, *, postgresql_suffix: str = "", postgresql_text: str | None = None) -> None:
        self.sqlite = text
        # ``:name`` → ``%(name)s``, but not the ``::`` of a cast
        self.postgresql = re.sub(r"(?<!:):(\w+)", r"%(\1)s", postgresql_text or text) + postgresql_suffix


_LAST_MOMENT: list[tuple[datetime, str]] = [(datetime.min, "")]  # a step stores its moment twice


def sqlite_moment(value: datetime) -> str:
    """SQLAlchemy's SQLite DATETIME text ("2025-10-01 01:00:00.000000"), in UTC as ``UtcDateTime`` stores it."""
    last = _LAST_MOMENT[0]
    if last[0] == value:  # the same instant (zones may differ): the same UTC text
        return last[1]
    text = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    _LAST_MOMENT[0] = (value, text)
    return text


def _postgresql_json(value: Any) -> Any:
    from psycopg.types.json import Json

    return Json(value)


_PLAIN = frozenset({str, int, float, bool, type(None)})  # passed to either driver as they are
_SQLITE: dict[type, Callable[[Any], Any]] = {datetime: sqlite_moment, date: date.isoformat, dict: json.dumps,
                                             list: json.dumps}
_POSTGRESQL: dict[type, Callable[[Any], Any]] = {dict: _postgresql_json, list: _postgresql_json}


# SQLite is handed the values of ``Raw.execute`` as they are: the driver converts the non-plain ones through
# these adapters, in C, with no per-statement dictionary built in Python (a step runs eleven statements). They
# are the converters above, so a value is stored exactly as ``bind`` would store it. Registered for the process:
# SQLAlchemy's own types convert dates before the driver sees them, so only driver-level statements use them.
for _kind, _adapt in _SQLITE.items():
    sqlite3.register_adapter(_kind, _adapt)


def _convert(converters: dict[type, Callable[[Any], Any]], value: Any) -> Any:
    kind = type(value)
    convert = converters.get(kind)
    if convert is None:  # a subclass (an enum of str, a datetime subclass): find its base's converter
        convert = next((c for base, c in converters.items() if isinstance(value, base)), None)
        if convert is None:
            return value
    return convert(value)


def _unchanged(value: Any) -> Any:
    return value


_LAST_RAW: list[Raw | None] = [None]  # the ``Raw`` made last (see its docstring)


class Raw:
    """The driver connection under ``conn``: same connection, same transaction.

    A step asks for it about ten times on one connection: the last one made is handed out again while ``conn``
    still holds the same pooled connection (an invalidated or checked-in one is never handed on to a new
    connection object, so the same object means the same driver connection).
    """

    __slots__ = ("sqlite", "driver", "_converters", "_pooled")

    sqlite: bool
    driver: Any
    _converters: dict[type, Callable[[Any], Any]]
    _pooled: Any

    def __new__(cls, conn: Connection) -> Raw:
        pooled = conn.connection
        last = _LAST_RAW[0]
        if last is not None and last._pooled is pooled:
            return last
        made = object.__new__(cls)
        made._pooled = pooled
        made.sqlite = conn.dialect.name == "sqlite"
        made.driver = pooled.driver_connection
        made._converters = _SQLITE if made.sqlite else _POSTGRESQL
        _LAST_RAW[0] = made
        return made

    def bind(self, params: Mapping[str, Any]) -> dict[str, Any]:
        converters = self._converters
        return {key: value if type(value) in _PLAIN else _convert(converters, value) for key, value in params.items()}

    def converter(self, kind: type) -> Callable[[Any], Any]:
        """How this driver is handed values of ``kind`` (as ``bind`` would), for rows built as tuples in bulk."""
        found = self._converters.get(kind)
        return found if found is not None else _unchanged

    def execute(self, sql: Sql, params: Mapping[str, Any] | None = None) -> Any:
        cursor = self.driver.cursor()
        if self.sqlite:  # the adapters registered above convert dates, moments and JSON values in the driver
            cursor.execute(sql.sqlite, params or {})
        else:
            cursor.execute(sql.postgresql, self.bind(params) if params else {})
        return cursor

    def executemany(self, sql: Sql, rows: Sequence[Mapping[str, Any]]) -> Any:
        """One statement for many rows; the cursor's ``rowcount`` is the sum over them on both drivers."""
        cursor = self.driver.cursor()
        if self.sqlite:
            cursor.executemany(sql.sqlite, rows)
        else:
            cursor.executemany(sql.postgresql, [self.bind(row) for row in rows])
        return cursor

    def insert_returning_id(self, sql: Sql, params: Mapping[str, Any]) -> int:
        """Run an INSERT and return the new row's id (``lastrowid`` on SQLite, ``RETURNING id`` elsewhere)."""
        if self.sqlite:
            return int(self.execute(sql, params).lastrowid)
        row = self.execute(_returning(sql), params).fetchone()
        return int(row[0])

    def json(self, value: Any) -> Any:
        return json.loads(value) if self.sqlite and isinstance(value, str) else value

    def date(self, value: Any) -> date | None:
        if value is None or isinstance(value, date):
            return value
        return _iso_date(value)


@lru_cache(maxsize=65536)  # SQLite hands dates back as text: a case's outbox rows repeat a few dates many times
def _iso_date(text: str) -> date:
    return date.fromisoformat(text)


_RETURNING: dict[int, Sql] = {}


def _returning(sql: Sql) -> Sql:
    found = _RETURNING.get(id(sql))
    if found is None:
        found = _RETURNING[id(sql)] = Sql(sql.sqlite + " RETURNING id")
    return found


def columns(names: Sequence[str]) -> tuple[str, str]:
    """``(a, b, c)`` and ``(:a, :b, :c)`` for an INSERT over these columns."""
    return ", ".join(names), ", ".join(f":{n}" for n in names)


# ---------------------------------------------------------------- write transactions

KEEP_SECONDS = 2.0  # an idle connection older than this goes back to the pool (which pings it: pool_pre_ping)
KEEP_AT_MOST = 2  # idle connections held per engine: the rest of the pool stays free for everyone else
# engine → (its pool, idle connections): a disposed engine has a new pool, and so a new list.
_IDLE: weakref.WeakKeyDictionary[Engine, tuple[Any, list[tuple[float, Connection]]]] = weakref.WeakKeyDictionary()
_LISTENING: weakref.WeakSet[Engine] = weakref.WeakSet()


def _idle_list(engine: Engine) -> list[tuple[float, Connection]] | None:
    """The engine's idle connections; None where connections cannot move between threads (SingletonThreadPool)."""
    found = _IDLE.get(engine)
    if found is not None and found[0] is engine.pool:
        return found[1]
    if not isinstance(engine.pool, QueuePool):
        return None
    if engine not in _LISTENING:
        event.listen(engine, "engine_disposed", _on_dispose)
        _LISTENING.add(engine)
    idle: list[tuple[float, Connection]] = []
    _IDLE[engine] = (engine.pool, idle)
    return idle


def _on_dispose(engine: Engine) -> None:
    """``engine.dispose()`` closes the pool; the connections held here must go with it."""
    found = _IDLE.pop(engine, None)
    for _, conn in found[1] if found else ():
        conn.invalidate()  # closes the DBAPI connection now, not whenever the old pool is collected
        conn.close()


class write_transaction:  # noqa: N801  used like engine.begin(): ``with write_transaction(engine) as conn``
    """A transaction on a connection another transaction has just finished with, or a new one from the pool.

    On SQLite the transaction is begun and ended on the driver (``BEGIN IMMEDIATE`` … ``COMMIT``), as
    ``workflow.db``'s begin listener would begin it, without SQLAlchemy's transaction object around it (≈ 4% of a
    step, ``bench/advance.py``). A Core statement inside still works: SQLAlchemy then begins its own transaction
    object, the listener sees the driver's transaction already open, and that object is committed here instead.
    """

    __slots__ = ("engine", "conn", "transaction", "driver", "idle")

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __enter__(self) -> Connection:
        self.idle = idle = _idle_list(self.engine)
        conn = None
        now = time.monotonic()
        while idle:
            try:
                since, candidate = idle.pop()
            except IndexError:  # another thread took the last one
                break
            if now - since < KEEP_SECONDS and not candidate.closed and not candidate.invalidated:
                conn = candidate
                break
            candidate.close()
        self.conn = conn = conn or self.engine.connect()
        try:
            if conn.dialect.name == "sqlite":
                self.transaction = None
                self.driver = conn.connection.driver_connection
                self.driver.execute("BEGIN IMMEDIATE")
            else:
                self.transaction = conn.begin()
        except BaseException:
            conn.close()
            raise
        return conn

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        conn = self.conn
        try:
            ending: Any  # what holds the transaction: SQLAlchemy's object, the connection, or the driver
            if self.transaction is not None:
                ending = self.transaction if self.transaction.is_active else None
            elif conn.in_transaction():  # SQLite, and a Core statement began SQLAlchemy's own on the driver's
                ending = conn
            else:  # SQLite: the driver's own (gone with an invalidated connection)
                ending = None if conn.invalidated else self.driver
            if ending is not None:
                if kind is None:
                    ending.commit()
                else:
                    ending.rollback()
        except BaseException:
            conn.close()
            raise
        if self.idle is None or conn.invalidated or conn.in_transaction() or len(self.idle) >= KEEP_AT_MOST:
            conn.close()
        else:
            self.idle.append((time.monotonic(), conn))
