"""What ``show`` adds beside a case: the person's other cases and the 预备期 / 党龄 dates."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from states.paths import MembershipDates, membership_dates
from workflow.reapply import PersonCase, other_cases
from workflow.services import Settings, load_case

DEFAULT_SETTINGS = Settings()


@dataclass(frozen=True)
class CaseExtras:
    other_cases: list[PersonCase]
    membership: MembershipDates | None

    def lines(self) -> list[str]:
        found = self.membership.lines() if self.membership else []
        found += [f"同一人的其他案卷：{case.line()}" for case in self.other_cases]
        return found

    def as_dict(self) -> dict[str, object]:
        return {"other_cases": [c.as_dict() for c in self.other_cases],
                "membership": self.membership.as_dict() if self.membership else None}


def case_extras(engine: Engine, case_id: int, settings: Settings = DEFAULT_SETTINGS) -> CaseExtras:
    with engine.connect() as conn:
        facts = load_case(conn, case_id).facts
    return CaseExtras(other_cases(engine, case_id), membership_dates(facts, settings.policy))
