"""Typed authorisers resolved against the roster on the act's date, for ``states.authority`` to judge.

An authoriser is typed as free text ("基层党委书记 王建国", "某大学党委", "王建国（党委书记）"): the name is the
whole text, or its last word, or the text before a bracket — whichever the roster knows. Only runs when a step
brings an override or an extension, so an ordinary step costs no query.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from states.authority import GRASSROOTS, Holder, Position
from states.facts import Override
from workflow import roster


def typed_names(override: Override | None, evidence: Mapping[str, Any]) -> list[str]:
    """The authorisers a step brings: the override's and the approval extension's (step 17)."""
    names = [override.authoriser if override else None, evidence.get("extension_by")]
    return [n.strip() for n in names if isinstance(n, str) and n.strip()]


def _candidates(text: str) -> list[str]:
    words = [text, text.split()[-1], re.split(r"[（(]", text)[0].strip()]
    return list(dict.fromkeys(w for w in words if w))


def resolve(conn: Connection, override: Override | None, evidence: Mapping[str, Any], on: date,
            case_organisation: int) -> dict[str, Holder] | None:
    """Each typed authoriser as a ``Holder`` on ``on``; None when the step brings none (nothing to judge)."""
    names = typed_names(override, evidence)
    if not names:
        return None
    orgs = {row.id: row for row in conn.execute(
        select(roster.ORGS.c.id, roster.ORGS.c.name, roster.ORGS.c.kind, roster.ORGS.c.parent_id,
               roster.ORGS.c.may_approve))}
    above, current = set(), orgs.get(case_organisation)
    while current is not None and current.id not in above:  # the case's organisation and every one above it
        above.add(current.id)
        current = orgs.get(current.parent_id)
    competent = tuple(orgs[i].name for i in sorted(above) if orgs[i].kind == GRASSROOTS)
    return {name: _holder(conn, name, on, orgs, above, competent) for name in names}


def _holder(conn: Connection, text: str, on: date, orgs: Mapping[int, Any], above: set[int],
            competent: tuple[str, ...]) -> Holder:
    for name in _candidates(text):
        positions = [Position(o.name, o.kind, None, o.id in above, bool(o.may_approve))
                     for o in orgs.values() if o.name == name]
        members = conn.execute(select(roster.MEMBERS.c.id).where(roster.MEMBERS.c.name == name)).scalars().all()
        for member in members:
            positions += [Position(orgs[org].name, orgs[org].kind, post.value, org in above, bool(orgs[org].may_approve))
                          for org, post in roster.posts_of(conn, member, on) if org in orgs]
        if positions or members:
            return Holder(name, True, tuple(positions), competent)
    return Holder(text, False, (), competent)
