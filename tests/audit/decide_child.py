"""Decides one meeting item in a child process and stops inside the transaction, to be killed (SIGKILL) there.

    python -m tests.audit.decide_child DB_URL ITEM_ID READY_FILE

When the decision has written its step (row and audit event) and is about to mark the item passed, the child
writes READY_FILE and waits: the parent kills it at that point, with the transaction open.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

from tests.audit.world import clock
from tests.meetings.world import SECRETARY
from workflow import meetings
from workflow.db import make_engine


def main(argv: list[str]) -> None:
    url, item_id, ready = argv
    engine = make_engine(url)

    @event.listens_for(engine, "before_cursor_execute")
    def _pause(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE AGENDA_ITEMS"):  # the step is written, the item not yet
            Path(ready).write_text("inside the transaction", encoding="utf-8")
            time.sleep(600)  # killed long before this ends

    meetings.decide_item(engine, clock(), SECRETARY, int(item_id))
    sys.exit("the decision finished: the parent should have killed this process")


if __name__ == "__main__":
    main(sys.argv[1:])
