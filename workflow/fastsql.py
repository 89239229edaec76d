"""The few statements on every step's path, run on the DBAPI connection under a SQLAlchemy transaction.

Why: measured here, a Core statement costs ~15–50 µs of SQLAlchemy machinery per execution and the raw
driver ~1–3 µs; one step runs eight of them (``bench/advance.py``). The statements run inside the caller's
SQLAlchemy transaction on the same connection, and store values exactly as SQLAlchemy's types would, so
everything else keeps reading the tables through Core. Only SQLite (pysqlite) and PostgreSQL (psycopg 3).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection


class Sql:
    """One statement written with ``:name`` parameters, rendered for each driver's parameter style."""

    def __init__(self, text: str, *, postgresql_suffix: str = "") -> None:
        self.sqlite = text
        self.postgresql = re.sub(r":(\w+)", r"%(\1)s", text) + postgresql_suffix


class Raw:
    """The driver connection under ``conn``: same connection, same transaction."""

    def __init__(self, conn: Connection) -> None:
        self.sqlite = conn.dialect.name == "sqlite"
        self.driver: Any = conn.connection.driver_connection

    def _bind(self, value: Any) -> Any:
        if self.sqlite:
            if isinstance(value, datetime):  # SQLAlchemy's SQLite DATETIME format, in UTC (UtcDateTime)
                return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, dict | list):
                return json.dumps(value)
            return value
        if isinstance(value, dict | list):
            from psycopg.types.json import Json

            return Json(value)
        return value

    def execute(self, sql: Sql, params: Mapping[str, Any] | None = None) -> Any:
        bound = {key: self._bind(value) for key, value in (params or {}).items()}
        cursor = self.driver.cursor()
        cursor.execute(sql.sqlite if self.sqlite else sql.postgresql, bound)
        return cursor

    def insert_returning_id(self, sql: Sql, params: Mapping[str, Any]) -> int:
        """Run an INSERT and return the new row's id (``lastrowid`` on SQLite, ``RETURNING id`` elsewhere)."""
        if self.sqlite:
            return int(self.execute(sql, params).lastrowid)
        returning = Sql(sql.sqlite + " RETURNING id")
        row = self.execute(returning, params).fetchone()
        return int(row[0])

    def json(self, value: Any) -> Any:
        return json.loads(value) if self.sqlite and isinstance(value, str) else value

    def date(self, value: Any) -> date | None:
        if value is None or isinstance(value, date):
            return value
        return date.fromisoformat(value)


def columns(names: Sequence[str]) -> tuple[str, str]:
    """``(a, b, c)`` and ``(:a, :b, :c)`` for an INSERT over these columns."""
    return ", ".join(names), ", ".join(f":{n}" for n in names)
