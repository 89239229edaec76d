"""Logins of the web interface: add a user, verify a password, load a user by id.

Passwords are hashed with argon2id; the hash is the only thing stored. Adding a user is one transaction
with its ``user_added`` audit event (without the hash).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, insert, select

from workflow import audit, roster
from workflow.clock import Clock
from workflow.errors import FazhanError
from workflow.services import Actor
from workflow.tables import User

USERS = User.__table__
HASHER = PasswordHasher()  # argon2id with the library's recommended cost
MIN_PASSWORD_LENGTH = 8


class UserRole(StrEnum):
    """What a login may do; the stored values are permanent."""

    SECRETARY = "secretary"
    ORGANISATION_MEMBER = "organisation_member"
    ORGANISER = "organiser"
    INSPECTOR = "inspector"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    UserRole.SECRETARY: "支部书记",
    UserRole.ORGANISATION_MEMBER: "组织委员",
    UserRole.ORGANISER: "上级党委组织员",
    UserRole.INSPECTOR: "巡察",
    UserRole.ADMIN: "管理员",
}
_ROLE_WORDS = {role.label: role for role in UserRole} | {role.value: role for role in UserRole} | {
    "书记": UserRole.SECRETARY, "组织员": UserRole.ORGANISER, "巡察组": UserRole.INSPECTOR,
}


def user_role(text: str) -> UserRole:
    """A role from its Chinese name (支部书记、组织委员、组织员、巡察、管理员) or its code."""
    role = _ROLE_WORDS.get(text.strip())
    if role is None:
        raise FazhanError(f"「{text}」不是可识别的角色，可选：支部书记、组织委员、组织员、巡察、管理员。")
    return role


@dataclass(frozen=True)
class WebUser:
    """A logged-in person as the pages see them."""

    id: int
    username: str
    display_name: str
    role: UserRole
    organisation_id: int | None
    organisation: str | None
    member_id: int | None
    member: str | None = None  # the member's name on the roster, whose inbox this login reads

    @property
    def actor(self) -> Actor:
        """How this user appears in the audit trail: the name, the role and the login."""
        return Actor(self.display_name, f"{self.role.label}（{self.username}）")


_SELECT_USER = (
    select(USERS.c.id, USERS.c.username, USERS.c.display_name, USERS.c.role, USERS.c.organisation_id,
           USERS.c.member_id, USERS.c.password_hash, USERS.c.active, roster.ORGS.c.name.label("organisation"),
           roster.MEMBERS.c.name.label("member"))
    .select_from(USERS.outerjoin(roster.ORGS, roster.ORGS.c.id == USERS.c.organisation_id)
                 .outerjoin(roster.MEMBERS, roster.MEMBERS.c.id == USERS.c.member_id))
)


def _web_user(row: Any) -> WebUser:  # a result row of _SELECT_USER
    return WebUser(row.id, row.username, row.display_name, UserRole(row.role), row.organisation_id,
                   row.organisation, row.member_id, row.member)


def add_user(engine: Engine, clock: Clock, actor: Actor, *, username: str, password: str, role: str,
             organisation: str | None = None, member: str | None = None, display_name: str | None = None,
             hasher: PasswordHasher = HASHER) -> int:
    """Create a login in one transaction, with its audit event. The organisation is the root of its scope."""
    web_role = user_role(role)
    username = username.strip()
    if not username:
        raise FazhanError("用户名不能为空。")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise FazhanError(f"密码至少{MIN_PASSWORD_LENGTH}个字符。")
    if organisation is None and web_role is not UserRole.ADMIN:
        raise FazhanError(f"{web_role.label}须指定所属党组织（--org），其数据范围是该组织及其下级。")
    with engine.begin() as conn:
        if conn.execute(select(USERS.c.id).where(USERS.c.username == username)).first():
            raise FazhanError(f"用户名「{username}」已存在。")
        org_id = roster.organisation_id(conn, organisation) if organisation else None
        member_id = roster.member_id(conn, member, org_id) if member else None
        name = display_name or member or username
        inserted = conn.execute(insert(USERS).values(
            username=username, password_hash=hasher.hash(password), display_name=name, role=web_role.value,
            organisation_id=org_id, member_id=member_id, active=True, created_at=clock.now(),
        )).inserted_primary_key
        user_id = int(inserted[0]) if inserted else 0
        audit.append(conn, kind="user_added", actor=actor.name, actor_role=actor.role, recorded_at=clock.now(),
                     payload={"user_id": user_id, "username": username, "display_name": name,
                              "role": web_role.value, "organisation": organisation, "member": member})
        return int(user_id)


def authenticate(engine: Engine, username: str, password: str) -> WebUser | None:
    """The active user with this name and password, or None (the same answer for every kind of failure)."""
    with engine.connect() as conn:
        row = conn.execute(_SELECT_USER.where(USERS.c.username == username.strip())).first()
    if row is None:
        HASHER.hash(password)  # spend the same time whether or not the name exists
        return None
    try:
        HASHER.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return _web_user(row) if row.active else None


def get_user(engine: Engine, user_id: int) -> WebUser | None:
    """An active user by id (each request reloads it, so a deactivated login stops working at once)."""
    with engine.connect() as conn:
        row = conn.execute(_SELECT_USER.where(USERS.c.id == user_id)).first()
    return _web_user(row) if row is not None and row.active else None


def has_users(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(USERS.c.id).limit(1)).first() is not None


def list_users(engine: Engine) -> list[WebUser]:
    with engine.connect() as conn:
        return [_web_user(row) for row in conn.execute(_SELECT_USER.order_by(USERS.c.id))]
