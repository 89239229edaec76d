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
from sqlalchemy import Connection, Engine, insert, select, update

from interfaces.web.auth import end_sessions
from states import limits
from workflow import audit, roster
from workflow.clock import Clock
from workflow.errors import FazhanError
from workflow.services import Actor
from workflow.tables import User

USERS = User.__table__
HASHER = PasswordHasher()  # argon2id with the library's recommended cost
MIN_PASSWORD_LENGTH = 10
DEMO_PASSWORD = "fazhan-demo"  # the demo logins' password, published in the README
# Passwords anyone would try first; the demo password is here too: a real database never accepts it.
COMMON_PASSWORDS = frozenset({"password", "password1", "12345678", "123456789", "1234567890", "qwertyuiop",
                              "1qaz2wsx3edc", "11111111", "88888888", "fazhan-demo", "fazhan123", "admin12345"})


def password_problem(password: str, username: str, *, allow_demo: bool = False) -> str | None:
    """The minimum policy in one Chinese sentence, or None: 10–128 characters, two kinds, not guessable.

    >>> password_problem("short1", "li")
    '密码至少10个字符。'
    >>> password_problem("abcdefghijk", "li")
    '密码须包含字母、数字、符号中的至少两类。'
    >>> password_problem("long-enough-1", "li") is None
    True
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少{MIN_PASSWORD_LENGTH}个字符。"
    if len(password) > limits.PASSWORD.max_length:
        return f"密码最多{limits.PASSWORD.max_length}个字符。"
    kinds = sum((any(c.isalpha() for c in password), any(c.isdigit() for c in password),
                 any(not c.isalnum() for c in password)))
    if kinds < 2:
        return "密码须包含字母、数字、符号中的至少两类。"
    lowered = password.lower()
    if (lowered in COMMON_PASSWORDS and not (allow_demo and password == DEMO_PASSWORD)) or len(set(lowered)) < 4:
        return "这个密码太常见，容易被猜到，请换一个。"
    if username and username.lower() in lowered:
        return "密码不能包含用户名。"
    return None


def _clean(value: str, limit: limits.FieldLimit) -> str:
    try:
        return limits.clean(value, limit)
    except limits.InvalidInput as problem:
        raise FazhanError(str(problem)) from None


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
             hasher: PasswordHasher = HASHER, demo: bool = False) -> int:
    """Create a login in one transaction, with its audit event. The organisation is the root of its scope.

    ``demo``: the demo logins of ``make run`` may use the published demo password; nobody else may.
    """
    web_role = user_role(role)
    username = _clean(username, limits.USERNAME)
    if not username:
        raise FazhanError("用户名不能为空。")
    display_name = _clean(display_name, limits.DISPLAY_NAME) or None if display_name else None
    problem = password_problem(password, username, allow_demo=demo)
    if problem:
        raise FazhanError(problem)
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


@dataclass(frozen=True)
class Verified:
    user: WebUser
    demo_password: bool  # the published demo password: only good on this machine (interfaces/web/logins.py)


def authenticate_row(engine: Engine, username: str, password: str) -> Verified | None:
    """``authenticate``, also saying whether the password was the published demo one."""
    user = authenticate(engine, username, password)
    return Verified(user, password == DEMO_PASSWORD) if user is not None else None


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


# ---------------------------------------------------------------- password change, reset, disable


def _user_row(conn: Connection, user_id: int) -> Any:
    row = conn.execute(_SELECT_USER.where(USERS.c.id == user_id)).first()
    if row is None:
        raise FazhanError(f"找不到编号为{user_id}的用户。")
    return row


def change_password(engine: Engine, clock: Clock, user_id: int, current: str, new: str) -> None:
    """A user changes their own password; every session of theirs ends (the page logs in again afresh)."""
    with engine.begin() as conn:
        row = _user_row(conn, user_id)
        try:
            HASHER.verify(row.password_hash, current)
        except (VerificationError, InvalidHashError):
            raise FazhanError("当前密码不正确，密码未修改。") from None
        problem = password_problem(new, row.username)
        if problem:
            raise FazhanError(problem)
        if new == current:
            raise FazhanError("新密码不能与当前密码相同。")
        conn.execute(update(USERS).where(USERS.c.id == user_id).values(password_hash=HASHER.hash(new)))
        ended = end_sessions(conn, user_id, clock.now(), "password_changed")
        user = _web_user(row)
        audit.append(conn, kind="password_changed", actor=user.actor.name, actor_role=user.actor.role,
                     recorded_at=clock.now(), payload={"user_id": user_id, "username": row.username,
                                                       "sessions_ended": ended})


def reset_password(engine: Engine, clock: Clock, actor: Actor, user_id: int, new: str) -> None:
    """An administrator sets a new password (to hand over in person); the user's sessions end at once."""
    with engine.begin() as conn:
        row = _user_row(conn, user_id)
        problem = password_problem(new, row.username)
        if problem:
            raise FazhanError(problem)
        conn.execute(update(USERS).where(USERS.c.id == user_id).values(password_hash=HASHER.hash(new)))
        ended = end_sessions(conn, user_id, clock.now(), "password_reset")
        audit.append(conn, kind="password_reset", actor=actor.name, actor_role=actor.role, recorded_at=clock.now(),
                     payload={"user_id": user_id, "username": row.username, "sessions_ended": ended})


def set_active(engine: Engine, clock: Clock, actor: Actor, user_id: int, active: bool) -> None:
    """Disable a login (its sessions end at once, it cannot log in) or enable it again."""
    with engine.begin() as conn:
        row = _user_row(conn, user_id)
        if row.active == active:
            raise FazhanError(f"用户「{row.username}」已经{'是启用' if active else '停用'}状态。")
        conn.execute(update(USERS).where(USERS.c.id == user_id).values(active=active))
        ended = 0 if active else end_sessions(conn, user_id, clock.now(), "disabled")
        audit.append(conn, kind="user_enabled" if active else "user_disabled", actor=actor.name,
                     actor_role=actor.role, recorded_at=clock.now(),
                     payload={"user_id": user_id, "username": row.username, "sessions_ended": ended})


def all_users(engine: Engine) -> list[tuple[WebUser, bool]]:
    """Every login with whether it is active, for the administrator's page."""
    with engine.connect() as conn:
        return [(_web_user(row), bool(row.active)) for row in conn.execute(_SELECT_USER.order_by(USERS.c.id))]

