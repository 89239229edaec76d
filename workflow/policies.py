"""Policy settings per organisation: stored, inherited down the tree, resolved for a case, changed with an audit event.

An organisation without its own value for a setting inherits the nearest ancestor's; at the root the deployment's
policy (``services.Settings.policy``) is the default. A step resolves its case's policy with one small query (the
organisation's ancestors joined to their settings, ``ANCESTOR_SETTINGS``); with no settings stored anywhere it
returns the deployment policy itself, so the engine's default path is untouched.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from states import limits
from states.policy_settings import SETTINGS, BadSetting, Setting, policy_with, setting
from states.rulesets import DEFAULT_POLICY, Policy
from workflow import audit, inputs, roster, roster_version
from workflow.clock import Clock
from workflow.errors import FazhanError
from workflow.fastsql import Raw, Sql
from workflow.policy_tables import OrganisationPolicy
from workflow.tables import table

POLICIES = table(OrganisationPolicy)
CHANGED = "policy_changed"

# Nearest first: depth 0 is the organisation itself. A recursive CTE runs on SQLite and PostgreSQL alike.
ANCESTOR_SETTINGS = Sql(
    "WITH RECURSIVE up(id, parent_id, depth) AS ("
    " SELECT id, parent_id, 0 FROM organisations WHERE id = :org"
    " UNION ALL SELECT o.id, o.parent_id, up.depth + 1 FROM organisations o JOIN up ON o.id = up.parent_id)"
    " SELECT p.key, p.value, up.depth FROM up JOIN organisation_policies p ON p.organisation_id = up.id"
    " ORDER BY up.depth DESC"
)
_MEMO: dict[tuple[int, tuple[tuple[str, str], ...]], tuple[Policy, Policy]] = {}


# engine → (roster version, organisation → its ancestors' settings): the tree and the settings change the version
# (migration 0018's triggers), so one plain read a step replaces the recursive query while nothing changed.
_SETTINGS: weakref.WeakKeyDictionary[Engine, tuple[int, dict[int, list[Any]]]] = weakref.WeakKeyDictionary()


def policy_for(conn: Connection, organisation_id: int, base: Policy = DEFAULT_POLICY, *,
               version: int | None = None) -> Policy:
    """The effective policy of an organisation: ``base`` with the settings of its ancestors, nearest winning.

    ``version``: the roster's version, when the caller has just read it in this transaction.
    """
    if version is None:
        version = roster_version.current(conn)
    known = _SETTINGS.get(conn.engine)
    if known is None or known[0] != version:
        known = _SETTINGS[conn.engine] = (version, {})
    rows = known[1].get(organisation_id)
    if rows is None:
        rows = known[1][organisation_id] = Raw(conn).execute(ANCESTOR_SETTINGS, {"org": organisation_id}).fetchall()
    if not rows:
        return base
    values = tuple({key: value for key, value, _ in rows}.items())  # deeper rows come last and win
    found = _MEMO.get((id(base), values))
    if found is None or found[0] is not base:
        found = _MEMO[(id(base), values)] = (base, policy_with(base, dict(values)))
    return found[1]


@dataclass(frozen=True)
class Resolved:
    """One setting as it applies to an organisation, and where the value comes from."""

    setting: Setting
    value: str
    source: str  # 本组织设定 / 继承自… / 系统默认
    origin_id: int | None  # the organisation that set it (None: the deployment default)
    set_by: str = ""
    set_on: date | None = None
    reason: str = ""

    @property
    def default(self) -> bool:
        return self.origin_id is None

    def line(self) -> str:
        return f"{self.setting.name}：{self.setting.label(self.value)}（{self.source}）"

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.setting.key, "name": self.setting.name, "value": self.value,
                "value_name": self.setting.label(self.value), "source": self.source,
                "organisation_id": self.origin_id, "set_by": self.set_by or None,
                "set_on": self.set_on.isoformat() if self.set_on else None, "reason": self.reason or None}


def _chain(conn: Connection, organisation_id: int) -> list[tuple[int, str]]:
    """The organisation and its ancestors, nearest first, as (id, name)."""
    rows = {r.id: r for r in conn.execute(select(roster.ORGS.c.id, roster.ORGS.c.name, roster.ORGS.c.parent_id))}
    chain: list[tuple[int, str]] = []
    current: int | None = organisation_id
    while current is not None and current in rows and len(chain) <= len(rows):
        chain.append((current, rows[current].name))
        current = rows[current].parent_id
    return chain


def resolve(conn: Connection, organisation_id: int, base: Policy = DEFAULT_POLICY) -> list[Resolved]:
    """Every setting with its effective value for the organisation and where it comes from."""
    chain = _chain(conn, organisation_id)
    ids = [org for org, _ in chain]
    stored = {(r.organisation_id, r.key): r for r in conn.execute(
        select(POLICIES).where(POLICIES.c.organisation_id.in_(ids)))}
    found = []
    for each in SETTINGS:
        for depth, (org, name) in enumerate(chain):
            row = stored.get((org, each.key))
            if row is not None:
                source = "本组织设定" if depth == 0 else f"继承自{name}"
                found.append(Resolved(each, row.value, source, org, row.set_by, row.set_on, row.reason))
                break
        else:
            found.append(Resolved(each, each.read(base), "系统默认", None))
    return found


def differing(conn: Connection, organisation_id: int, base: Policy = DEFAULT_POLICY) -> list[Resolved]:
    """The settings whose effective value differs from the deployment default (what ``show`` lists)."""
    return [r for r in resolve(conn, organisation_id, base) if r.value != r.setting.read(base)]


def _organisation(conn: Connection, organisation: str | int) -> tuple[int, str]:
    if isinstance(organisation, int):
        name = conn.execute(select(roster.ORGS.c.name).where(roster.ORGS.c.id == organisation)).scalar()
        if name is None:
            raise FazhanError(f"找不到党组织（编号{organisation}）。")
        return organisation, str(name)
    return roster.organisation_id(conn, organisation), organisation


def _reason(reason: str | None) -> str:
    return inputs.checked(reason, limits.REASON, required=False) if reason else ""


def change(engine: Engine, clock: Clock, *, organisation: str | int, key: str, value: str | None, by: str,
           role: str = "未指定", reason: str | None = None, base: Policy = DEFAULT_POLICY) -> dict[str, Any]:
    """Set (``value``) or clear (``None``) one setting of an organisation, with its audit event, in one transaction.

    Returns the audit payload: organisation, setting, old and new own value, old and new effective value.
    """
    try:
        chosen = setting(key)
        new_value = chosen.parse(value) if value is not None else None
    except BadSetting as bad:
        raise FazhanError(str(bad)) from None
    if not by.strip():
        raise FazhanError("请写明经办人。")
    by = inputs.checked(by, limits.NAME)
    why = _reason(reason)
    try:
        return _change(engine, clock, organisation, chosen, new_value, by, role, why, base)
    except IntegrityError:  # another change of the same setting committed first
        raise FazhanError(f"「{chosen.name}」刚被他人更改，请刷新后重试。") from None


def _change(engine: Engine, clock: Clock, organisation: str | int, chosen: Setting, new_value: str | None, by: str,
            role: str, why: str, base: Policy) -> dict[str, Any]:
    with engine.begin() as conn:
        org_id, org_name = _organisation(conn, organisation)
        before = {r.setting.key: r for r in resolve(conn, org_id, base)}[chosen.key]
        own = before.value if before.source == "本组织设定" else None
        if own == new_value:
            what = f"已设为「{chosen.label(own)}」" if own is not None else "没有本组织的设定"
            raise FazhanError(f"{org_name}的「{chosen.name}」{what}，无需更改。")
        where = (POLICIES.c.organisation_id == org_id) & (POLICIES.c.key == chosen.key)
        if new_value is None:
            conn.execute(delete(POLICIES).where(where))
        elif own is None:
            conn.execute(insert(POLICIES).values(organisation_id=org_id, key=chosen.key, value=new_value,
                                                 set_by=by, set_on=clock.today(), reason=why))
        else:
            conn.execute(update(POLICIES).where(where).values(value=new_value, set_by=by, set_on=clock.today(),
                                                              reason=why))
        after = {r.setting.key: r for r in resolve(conn, org_id, base)}[chosen.key]
        payload = {"organisation_id": org_id, "organisation": org_name, "key": chosen.key, "name": chosen.name,
                   "old": own, "new": new_value, "old_effective": before.value, "new_effective": after.value,
                   "new_source": after.source, "reason": why}
        audit.append(conn, kind=CHANGED, actor=by, actor_role=role, recorded_at=clock.now(),
                     effective_on=clock.today(), payload=payload)
    return payload


def changes(engine: Engine, organisation_id: int | None = None) -> list[dict[str, Any]]:
    """The audit events of policy changes (of one organisation, or all), oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(audit.EVENTS).where(audit.EVENTS.c.kind == CHANGED)
                            .order_by(audit.EVENTS.c.seq)).mappings().all()
    events = [dict(r) for r in rows]
    return [e for e in events if organisation_id is None or e["payload"]["organisation_id"] == organisation_id]
