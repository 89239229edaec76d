"""A sweep in a child process that is killed (SIGKILL) around an SMTP delivery: the crash the outbox must survive.

    python -m tests.notices.crash_child DB_URL SMTP_PORT 2025-03-27 after|before
"""

from __future__ import annotations

import os
import signal
import sys
from dataclasses import replace
from datetime import date, datetime

from notices.delivery import Channels, Outgoing
from notices.sweep import sweep
from tests.notices.world import QUIET_CONFIG
from workflow.clock import FixedClock
from workflow.db import make_engine


class Dying(Channels):
    """Delivers (or not) and dies before the outbox can write down that it did."""

    def __init__(self, config: object, when: str) -> None:
        super().__init__(config)  # type: ignore[arg-type]
        self.when = when

    def send_email(self, outgoing: Outgoing, now: datetime) -> None:
        if self.when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        super().send_email(outgoing, now)
        os.kill(os.getpid(), signal.SIGKILL)


def main(argv: list[str]) -> None:
    url, port, day, when = argv
    config = replace(QUIET_CONFIG, smtp_port=int(port))
    today = date.fromisoformat(day)
    sweep(make_engine(url), today, FixedClock.on(today).now(), config, Dying(config, when))


if __name__ == "__main__":
    main(sys.argv[1:])
