"""What planning knew about a notice, kept on its outbox row (``notices.detail``), so the sweep need not plan again.

The row already holds the kind, topic, deadline, send day and offset; ``detail`` adds the step the notice is about,
its audience (so the sweep can check that the recipient still holds the post) and the template's own details (the date the deadline counts from, the article, a meeting's agenda …). With
it the sweep rebuilds the ``DueNotice`` from the row alone: planning happens in the transaction that changed
the case (``notices.planning``), and the sweep trusts the rows it wrote.

>>> from datetime import date
>>> from notices.deadlines import NoticeKind
>>> text = encode(DueNotice(NoticeKind.TALK_REMINDER, Step.TALK_HELD, date(2025, 4, 2), date(2025, 3, 26), (),
...                         -7, None, {"anchor_on": date(2025, 3, 2), "article": "细则第九条"}))
>>> text
'{"step":"talk_held","audience":[],"detail":{"anchor_on":{"$date":"2025-03-02"},"article":"细则第九条"}}'
>>> decode(text, "talk_reminder", date(2025, 4, 2), date(2025, 3, 26), -7).detail["anchor_on"]
datetime.date(2025, 3, 2)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from notices.deadlines import Audience, DueNotice, parse_key
from states.steps import Step


def _default(value: Any) -> Any:
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, tuple | frozenset | set):
        return list(value)
    raise TypeError(f"通知内容无法保存：{value!r}")


def _hook(found: dict[str, Any]) -> Any:
    if len(found) == 1 and "$date" in found:
        return date.fromisoformat(found["$date"])
    return found


# Planning encodes every waiting row's notice on every step of its case to compare it with the stored text, and the
# notices rarely change: the text is remembered under everything it is made of. Only values whose equality means
# equal JSON enter a key (not 1.0 == 1 == True, not a datetime for a date): any other detail is encoded each time.
_ENCODED: dict[tuple[Any, ...], str] = {}
ENCODED_AT_MOST = 4096
_KEYED = frozenset({str, int, bool, date, type(None)})


def encode(notice: DueNotice, liaisons: Sequence[str] = ()) -> str:
    """The row's details; with the audience (and the 培养联系人 it named) so the sweep can check the recipient."""
    key = _key(notice, liaisons)
    found = _ENCODED.get(key) if key is not None else None
    if found is None:
        found = _encode(notice, liaisons)
        if key is not None:
            if len(_ENCODED) >= ENCODED_AT_MOST:
                _ENCODED.clear()
            _ENCODED[key] = found
    return found


def _key(notice: DueNotice, liaisons: Sequence[str]) -> tuple[Any, ...] | None:
    named = tuple(liaisons) if Audience.LIAISONS in notice.audience else ()
    if any(name.__class__ is not str for name in named):
        return None
    parts: list[Any] = [notice.step, notice.audience, named]
    for name, value in notice.detail.items():
        if name.__class__ is not str or value.__class__ not in _KEYED:
            return None
        parts += (name, value.__class__, value)
    return tuple(parts)


def _encode(notice: DueNotice, liaisons: Sequence[str]) -> str:
    found: dict[str, Any] = {"step": notice.step.value, "audience": [a.value for a in notice.audience]}
    if Audience.LIAISONS in notice.audience:
        found["liaisons"] = list(liaisons)
    return json.dumps({**found, "detail": dict(notice.detail)}, ensure_ascii=False, separators=(",", ":"),
                      default=_default)


def decode(text: str, kind: str, due_on: date, send_on: date, reminder_offset: int) -> DueNotice:
    """The notice a row stands for; ``audience`` is left empty (the row has its recipient already)."""
    found = json.loads(text, object_hook=_hook)
    notice_kind, _, topic = parse_key(kind)
    audience = tuple(Audience(a) for a in found.get("audience", ()))
    return DueNotice(notice_kind, Step(found["step"]), due_on, send_on, audience, reminder_offset or None, topic,
                     found["detail"])


def liaisons_of(text: str) -> tuple[str, ...]:
    """The 培养联系人 a row planned for its ``LIAISONS`` audience."""
    return tuple(json.loads(text).get("liaisons", ()))
