"""Fixtures of the 台账 tests: a migrated database with a 基层党委 and one branch, and a fixed "today"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine

from tests.ledger.sheets import BRANCH
from workflow import services
from workflow.clock import FixedClock

TODAY = date(2026, 11, 30)
COMMITTEE = "某大学党委"
OTHER_BRANCH = "后勤服务中心党支部"


@pytest.fixture(autouse=True)
def personal_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """One personal-data key for the test (not a secret): no key file is made beside the test databases."""
    monkeypatch.setenv("FAZHAN_PERSONAL_KEY", "6b" * 32)
    yield


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock.on(TODAY)


@pytest.fixture
def world(engine: Engine) -> Engine:
    """A 基层党委 that may approve, the branch of the sample 台账, and a second branch elsewhere."""
    early = FixedClock.on(date(2010, 1, 1))
    services.add_organisation(engine, early, services.SYSTEM, name=COMMITTEE, kind="基层党委", may_approve=True)
    services.add_organisation(engine, early, services.SYSTEM, name=BRANCH, kind="党支部", parent=COMMITTEE)
    services.add_organisation(engine, early, services.SYSTEM, name=OTHER_BRANCH, kind="党支部")
    return engine
