"""What one ``case_received`` event means to the audit replay: the case opened, then each received step.

A case imported from another database (workflow/case_import.py) is one event carrying the steps it stored;
the replay (workflow/replay.py) applies these parts before the event itself, whose payload then declares the
case's status and version. Imports nothing of ours, so the replay can use it without a cycle.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

RECEIVED = "case_received"


def expanded(event: dict[str, Any]) -> Iterator[dict[str, Any]]:
    payload = event["payload"]
    yield {**event, "kind": "case_opened", "payload": {"name": payload.get("name"),
                                                        "organisation": payload.get("organisation")}}
    for step in payload.get("steps") or ():
        yield {**event, "kind": "step_recorded", "payload": step}
