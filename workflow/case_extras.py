"""What ``show`` adds beside a case: the person's other cases and the 预备期 / 党龄 dates."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from states.paths import MembershipDates, membership_dates
from states.probation import postponement_line
from workflow import policies
from workflow.case_import import exchange_line
from workflow.reapply import PersonCase, other_cases
from workflow.services import Settings, load_case

DEFAULT_SETTINGS = Settings()


@dataclass(frozen=True)
class CaseExtras:
    other_cases: list[PersonCase]
    membership: MembershipDates | None
    policy: list[policies.Resolved] = field(default_factory=list)  # the organisation's settings that differ
    postponed: str | None = None  # 推迟讨论转正 of a transferred 预备党员 (N27)
    exchanged: str | None = None  # received from or sent to an organisation outside this database

    def lines(self) -> list[str]:
        found = self.membership.lines() if self.membership else []
        found += [self.postponed] if self.postponed else []
        found += [self.exchanged] if self.exchanged else []
        found += [f"同一人的其他案卷：{case.line()}" for case in self.other_cases]
        found += [f"本组织执行的规定：{setting.line()}" for setting in self.policy]
        return found

    def as_dict(self) -> dict[str, object]:
        return {"other_cases": [c.as_dict() for c in self.other_cases],
                "membership": self.membership.as_dict() if self.membership else None,
                "policy": [setting.as_dict() for setting in self.policy], "postponed": self.postponed,
                "exchanged": self.exchanged}


def case_extras(engine: Engine, case_id: int, settings: Settings = DEFAULT_SETTINGS) -> CaseExtras:
    with engine.connect() as conn:
        loaded = load_case(conn, case_id)
        policy = policies.policy_for(conn, loaded.organisation_id, settings.policy)
        differing = policies.differing(conn, loaded.organisation_id, settings.policy)
    return CaseExtras(other_cases(engine, case_id), membership_dates(loaded.facts, policy), differing,
                      postponement_line(loaded.facts), exchange_line(engine, case_id))
