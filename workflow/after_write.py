"""After-write planners: work a higher floor wants done inside the transaction that changed a case.

``workflow`` may not import ``notices`` (import-linter), yet a step, a withdrawal or a transfer must re-plan the
case's reminders in its own transaction (issue 12 item 4): a crash then leaves both the change and its notices,
or neither. So ``notices`` registers a planner here at start-up (``notices.planning.install``), and every write
that changes a case calls ``case_changed`` once, after its own rows and before its commit.

A planner may raise: the caller's transaction then rolls back and the change is not recorded, as with any other
failed write (a planner that wants to swallow its own failures does so itself).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from states.facts import ApplicantFacts


@dataclass(frozen=True)
class CaseChange:
    """What a planner learns about one changed case, so it need not read again what the writer just read."""

    case_id: int
    today: date  # from the caller's clock: no planner reads the wall clock
    now: datetime
    settings: Any = None  # services.Settings of the write (policy, calendar); None: the planner's defaults
    facts: ApplicantFacts | None = None  # the facts after the change, when the writer has them at hand
    organisation_id: int | None = None  # the case's organisation after the change, with ``facts``
    # The roster's version (workflow/roster_version.py) as the writer read it in this transaction, after its
    # last roster write: a planner may use it instead of reading it again.
    roster_version: int | None = None


Planner = Callable[[Connection, CaseChange], None]
_PLANNERS: dict[str, Planner] = {}


def register(name: str, planner: Planner) -> None:
    """Install (or replace) the planner called ``name``; idempotent, so every process may call it at start-up."""
    _PLANNERS[name] = planner


def unregister(name: str) -> None:
    _PLANNERS.pop(name, None)


def registered() -> tuple[str, ...]:
    """The names of the installed planners (the tests check that every kind of process installs its own)."""
    return tuple(_PLANNERS)


def case_changed(conn: Connection, change: CaseChange) -> None:
    """Call every installed planner inside the caller's transaction; nothing at all when none is installed."""
    for planner in tuple(_PLANNERS.values()):
        planner(conn, change)
