"""Demo logins for the demo organisation of ``workflow.demo_data`` (``make run``, the browser tests, screenshots).

Every demo user has the same password, printed when they are created; a real deployment adds its own
users with ``fazhan user add`` and never runs this.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import Engine, select

from interfaces.web.users import HASHER, add_user, has_users
from workflow import demo_data, roster
from workflow.clock import Clock
from workflow.services import SYSTEM

DEMO_PASSWORD = "fazhan-demo"
# username, role, organisation (the root of the scope), member on the roster, display name
DEMO_USERS: tuple[tuple[str, str, str, str | None, str | None], ...] = (
    ("chenjing", "支部书记", demo_data.BRANCH, "陈静", None),
    ("wangfang", "组织委员", demo_data.BRANCH, "王芳", None),
    ("hejun", "支部书记", demo_data.SMALL_BRANCH, "何军", None),
    ("liuyang", "组织员", demo_data.COMMITTEE, "刘洋", None),
    ("xuncha", "巡察", demo_data.COMMITTEE, None, "巡察组"),
    ("admin", "管理员", demo_data.COMMITTEE, None, "系统管理员"),
)


def ensure_demo_users(engine: Engine, clock: Clock, *, password: str = DEMO_PASSWORD,
                      hasher: PasswordHasher = HASHER) -> list[tuple[str, str, str]]:
    """Add the demo logins if there are no users yet and the demo organisation exists; returns who was added."""
    if has_users(engine):
        return []
    with engine.connect() as conn:
        if conn.execute(select(roster.ORGS.c.id).where(roster.ORGS.c.name == demo_data.COMMITTEE)).first() is None:
            return []
    added = []
    for username, role, organisation, member, name in DEMO_USERS:
        add_user(engine, clock, SYSTEM, username=username, password=password, role=role, organisation=organisation,
                 member=member, display_name=name, hasher=hasher, demo=True)
        added.append((username, role, organisation))
    return added
