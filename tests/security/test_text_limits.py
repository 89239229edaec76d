"""Typed-in texts on the step path are bounded like names (states/limits.py): reasons at 500 characters, free
text at 5,000; a longer one, or one with control characters, is refused in Chinese and nothing is stored."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from sqlalchemy import Engine

from states import limits
from states.procedure import spec_for
from tests.paths.world import SECRETARY, build_world, request
from tests.workflow.records_world import dump
from workflow import services
from workflow.clock import FixedClock
from workflow.evidence import BadEvidence, parse_value

CONCLUSION = next(f for f in spec_for("political_review_passed").evidence if f.key == "conclusion")


def test_free_text_evidence_is_taken_up_to_its_limit_and_refused_beyond() -> None:
    assert parse_value(CONCLUSION, "合" * limits.DISCUSSION.max_length) == "合" * limits.DISCUSSION.max_length
    with pytest.raises(BadEvidence, match="讨论情况"):
        parse_value(CONCLUSION, "合" * (limits.DISCUSSION.max_length + 1))
    with pytest.raises(BadEvidence, match="控制字符"):
        parse_value(CONCLUSION, "合格\x00")


@pytest.mark.parametrize("typed, stored", [
    ("因工作调动，转往某党支部（外单位）：详见材料！", "因工作调动，转往某党支部（外单位）：详见材料！"),  # Chinese marks kept
    ("李明（小）", "李明（小）"),
    ("第１２期培训班", "第12期培训班"),  # full-width digits and letters still fold
    ("ＡＢＣ公司", "ABC公司"),
    ("\uf900", "\u8c48"),  # a compatibility ideograph becomes its usual form
])
def test_text_is_nfkc_except_chinese_punctuation(typed: str, stored: str) -> None:
    assert limits.clean(typed, limits.REASON) == stored


@pytest.mark.parametrize("reason, stored", [("据" * limits.REASON.max_length, True),
                                            ("据" * (limits.REASON.max_length + 1), False),
                                            ("据纸质档案\x07补录", False)])
def test_a_backfill_reason_is_bounded_and_a_refused_one_stores_nothing(engine: Engine, reason: str,
                                                                       stored: bool) -> None:
    clock = FixedClock.on(date(2026, 3, 1))
    case_id = build_world(engine, clock)
    step = dataclasses.replace(request("application_submitted", date(2024, 3, 4), {"organisation_basis": "work_unit"}),
                               backfill_reason=reason)
    before = dump(engine)
    if stored:
        services.advance(engine, clock, SECRETARY, case_id, step)
        assert dump(engine) != before
    else:
        with pytest.raises(BadEvidence, match="理由"):
            services.advance(engine, clock, SECRETARY, case_id, step)
        assert dump(engine) == before
