"""The planner that ``workflow`` calls inside every write that changes a case (``workflow.after_write``).

A step, a withdrawal, a transfer or a new agenda item re-plans the case's outbox rows in the same transaction:
a withdrawn applicant's reminders are cancelled, the next deadline's reminders are written, both or neither
(issue 12 item 4). The sweep then trusts these rows instead of planning every case again.

Every process that writes installs the planner at start-up: the CLI (``interfaces.cli.app``), the web
(``interfaces.web.app.create_app``) and the scheduler (``notices.scheduler``). Installing it twice is harmless.

Cheap on purpose: the step hands over the facts it has just built, so planning reads no case and no steps
again; it computes the case's notices (pure, only the duty rules checked), reads the case's outbox rows and the
roster (its look-ups shared across transactions while the roster's version is unchanged: a post changed by any
process between two steps is seen by the next, ``workflow/roster_version.py``), and writes only what changed.
"""

from __future__ import annotations

import logging
import weakref

from sqlalchemy import Connection, Engine

from notices.config import NoticeConfig
from notices.outbox import DEFAULT_SETTINGS, apply_plan, current_config, plan_case, plan_facts
from workflow import after_write
from workflow.after_write import CaseChange
from workflow.errors import UnknownApplicant

NAME = "notices"
log = logging.getLogger(__name__)
# A test world or a server may plan with its own configuration for its database; others use the process's.
_CONFIGS: weakref.WeakKeyDictionary[Engine, NoticeConfig] = weakref.WeakKeyDictionary()


def install() -> None:
    """Register the planner with ``workflow.after_write`` (idempotent)."""
    after_write.register(NAME, plan_changed_case)


def use_config(engine: Engine, config: NoticeConfig) -> None:
    """Plan the cases of ``engine``'s database with ``config`` instead of the process's configuration."""
    _CONFIGS[engine] = config


def plan_changed_case(conn: Connection, change: CaseChange) -> None:
    """Bring the case's outbox rows in line with its facts, in the caller's transaction.

    Computing the plan only reads; a failure there is logged and leaves the rows as they were (the scheduler
    plans the case again from the audit trail before its next sweep), so a notice never stops a step.
    Writing the plan is part of the caller's transaction like any other write.
    """
    config = _CONFIGS.get(conn.engine) or current_config()
    settings = change.settings or DEFAULT_SETTINGS
    try:
        if change.facts is not None and change.organisation_id is not None:
            plan = plan_facts(conn, change.case_id, change.facts, change.organisation_id, change.today, config,
                              settings, roster_version=change.roster_version)
        else:
            plan = plan_case(conn, change.case_id, change.today, config, settings)
    except UnknownApplicant:
        return
    except Exception:  # noqa: BLE001  a notice must never stop a step from being recorded
        log.exception("案卷%s的通知计划失败，将由定时任务补做。", change.case_id)
        return
    apply_plan(conn, plan, change.today, change.now)
