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
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, RootTransaction, event
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


class Raw:
    """The driver connection under ``conn``: same connection, same transaction."""

    __slots__ = ("sqlite", "driver", "_converters")

    def __init__(self, conn: Connection) -> None:
        self.sqlite = conn.dialect.name == "sqlite"
        self.driver: Any = conn.connection.driver_connection
        self._converters = _SQLITE if self.sqlite else _POSTGRESQL

    def bind(self, params: Mapping[str, Any]) -> dict[str, Any]:
        converters = self._converters
        return {key: value if type(value) in _PLAIN else _convert(converters, value) for key, value in params.items()}

    def converter(self, kind: type) -> Callable[[Any], Any]:
        """How this driver is handed values of ``kind`` (as ``bind`` would), for rows built as tuples in bulk."""
        found = self._converters.get(kind)
        return found if found is not None else _unchanged

    def execute(self, sql: Sql, params: Mapping[str, Any] | None = None) -> Any:
        cursor = self.driver.cursor()
        cursor.execute(sql.sqlite if self.sqlite else sql.postgresql, self.bind(params) if params else {})
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
    """A transaction on a connection another transaction has just finished with, or a new one from the pool."""

    __slots__ = ("engine", "conn", "transaction", "idle")

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
        self.conn = conn or self.engine.connect()
        try:
            self.transaction: RootTransaction = self.conn.begin()
        except BaseException:
            self.conn.close()
            raise
        return self.conn

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        conn = self.conn
        try:
            if self.transaction.is_active:
                if kind is None:
                    self.transaction.commit()
                else:
                    self.transaction.rollback()
        except BaseException:
            conn.close()
            raise
        if self.idle is None or conn.invalidated or conn.in_transaction() or len(self.idle) >= KEEP_AT_MOST:
            conn.close()
        else:
            self.idle.append((time.monotonic(), conn))
