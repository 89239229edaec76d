"""The web tests' fixtures (the demo database on both backends, the app, logged-in clients), reused here."""
from __future__ import annotations

from tests.web.conftest import (  # noqa: F401
    _secret,
    app,
    as_user,
    clock,
    database_url,
    pg_template,
    session_clock,
    sqlite_template,
    world,
)
