"""Builders for the rule tests: consistent histories of ``StepRecord`` and valid evidence for every step.

Every record is pinned to the rule set in force on its own date (or to the policy's pinned set), as the
service stores it. The canned stories (``applicant`` … ``full_member``) keep every deadline of the
procedure, so a test changes only the one fact its rule is about; ``test_rules_catalogue.py`` replays each
of them through ``workflow.machine.replay`` to prove it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from states.engine import check
from states.facts import ApplicantFacts, Override, Person, Standing, StepRecord
from states.periods import add_months
from states.procedure import SPECS
from states.rulesets import DEFAULT_POLICY, Policy, RuleSetId
from states.steps import Status, Step
from states.verdicts import Check, Outcome, Verdict
from states.votes import Tally
from states.workdays import WorkdayCalendar

ONE_DAY = timedelta(days=1)

# chinesecalendar alone: the official arrangements it ships (2004–2026), never an admin directory from the
# environment, so the working-day tests do not depend on the machine they run on.
CAL = WorkdayCalendar()

BIRTH = date(1986, 5, 4)
OVERRIDE = Override(reason="工作调动系组织安排，经党委研究同意按期办理", authoriser="基层党委书记 王建国")


def day_before(day: date) -> date:
    return day - ONE_DAY


def day_after(day: date) -> date:
    return day + ONE_DAY


# ------------------------------------------------------------------ people and tallies


def full(name: str) -> Person:
    return Person(name, Standing.FULL)


def probationary_member(name: str) -> Person:
    return Person(name, Standing.PROBATIONARY)


def sanctioned(name: str) -> Person:
    """A member under 留党察看, rights not yet restored."""
    return Person(name, Standing.ON_PROBATION_SANCTION)


def tally(entitled: int = 10, present: int = 8, yes: int = 7, **changes: Any) -> Tally:
    """A consistent tally: the ballots that are not 赞成 are 反对 unless given."""
    changes.setdefault("no", present - yes)
    changes.setdefault("abstain", 0)
    changes.setdefault("invalid", 0)
    return Tally(entitled=entitled, present=present, yes=yes, **changes)


# ------------------------------------------------------------------ valid evidence for each step

_EVIDENCE: dict[Step, dict[str, Any]] = {
    Step.APPLICATION_SUBMITTED: {"organisation_basis": "work_unit"},
    Step.TALK_HELD: {"talker": "支部书记 陈静"},
    Step.ACTIVIST_DESIGNATED: {"recommendation": "party_members", "members": 5, "present": 5},
    Step.LIAISONS_ASSIGNED: {"liaisons": (full("刘洋"),)},
    Step.ACTIVIST_ASSESSED: {"summary": "思想汇报按时，表现良好"},
    Step.CANDIDATE_DESIGNATED: {"opinions_heard": True, "members": 5, "present": 5},
    Step.CANDIDATE_FILED: {"consented": True},
    Step.CANDIDATE_PUBLICISED: {"outcome": "no_objection"},  # posted_on and last_day are given by the caller
    Step.SPONSORS_ASSIGNED: {"sponsors": (full("刘洋"), full("赵敏"))},
    Step.POLITICAL_REVIEW_PASSED: {"result": "qualified", "conclusion": "政审〔2025〕第7号：合格"},
    Step.TRAINING_COMPLETED: {"days": 3, "hours": 24},
    Step.COMMITTEE_REVIEWED: {"members": 5, "present": 4},
    Step.PRE_REVIEW_PASSED: {"written_notice": True},
    Step.ADMISSION_RESOLVED: {"tally": tally()},
    Step.HIGHER_TALK_HELD: {"talker": "组织员 孙立", "talker_role": "organiser"},
    Step.ADMISSION_APPROVED: {"approver_level": "grassroots_committee", "applicants_in_decision": 1},
    Step.ASSIGNED_TO_GROUP: {"group": "第一党小组"},
    Step.PROBATION_ASSESSED: {"summary": "预备期表现良好"},
    Step.CONFIRMATION_REQUESTED: {"in_writing": True},
    Step.CONFIRMATION_RESOLVED: {
        "group_opinion": True,
        "opinions_sought": True,
        "committee_reviewed": True,
        "tally": tally(),
    },
    Step.RECORDS_ARCHIVED: {
        "documents": ("application_form", "application_letter", "political_review", "confirmation_request",
                      "assessment_records"),
    },
    Step.ACTIVIST_TRANSFERRED: {"to_organisation": "某大学研究生第三党支部", "materials_transferred": True},
    Step.TRANSFER_RECEIVED: {"reviewed_by": "周敏", "continuity": "continuous", "reason": "培养教育材料齐全、连续"},
    Step.POLITICAL_REVIEW_FAILED: {"conclusion": "政审〔2025〕第9号：不合格"},
    Step.PROBATION_EXTENDED: {"months": 6, "tally": tally()},
    Step.PROBATION_CANCELLED: {"reason": "不履行党员义务", "tally": tally()},
    Step.WITHDRAWN: {"reason": "本人书面申请退出"},
}


def evidence_for(step: Step, *, drop: tuple[str, ...] = (), **changes: Any) -> dict[str, Any]:
    """Valid evidence for ``step``, with ``changes`` applied and the keys in ``drop`` removed."""
    evidence = {**_EVIDENCE.get(step, {}), **changes}
    for key in drop:
        evidence.pop(key, None)
    return evidence


# ------------------------------------------------------------------ a history, record by record


@dataclass(frozen=True)
class Story:
    """An applicant's history: records in date order, each pinned to the rule set of its date."""

    policy: Policy = DEFAULT_POLICY
    birth_date: date | None = BIRTH
    branch_has_committee: bool = True
    records: tuple[StepRecord, ...] = ()
    status: Status = Status.NEW

    def then(self, step: Step, on: date, **changes: Any) -> Story:
        """Record ``step`` on ``on`` with valid evidence (plus ``changes``); the status follows the table."""
        record = StepRecord(step, on, evidence_for(step, **changes), self.policy.rule_set_on(on))
        return replace(self, records=(*self.records, record), status=SPECS[step].dest or self.status)

    def without(self, *steps: Step) -> Story:
        """The same history with every record of ``steps`` removed (the status is kept)."""
        return replace(self, records=tuple(r for r in self.records if r.step not in steps))

    @property
    def facts(self) -> ApplicantFacts:
        return ApplicantFacts(
            status=self.status,
            birth_date=self.birth_date,
            branch_has_committee=self.branch_has_committee,
            records=tuple(sorted(self.records, key=lambda r: r.on)),
        )

    @property
    def last_on(self) -> date:
        return max(r.on for r in self.records)

    def on(self, step: Step) -> date:
        found = self.facts.date_of(step)
        assert found is not None, f"{step} not recorded"
        return found


def attempt(
    story: Story,
    step: Step,
    on: date,
    *,
    drop: tuple[str, ...] = (),
    override: Override | None = None,
    policy: Policy | None = None,
    calendar: WorkdayCalendar = CAL,
    **changes: Any,
) -> Check:
    """``states.engine.check`` for ``step`` on ``on`` with valid evidence, except ``changes`` and ``drop``."""
    return check(
        step,
        story.facts,
        on,
        evidence_for(step, drop=drop, **changes),
        override=override,
        policy=policy or story.policy,
        calendar=calendar,
    )


def verdict(result: Check, rule: str) -> Verdict:
    """The one verdict of ``rule`` (the guard's name) in ``result``."""
    found = [v for v in result.verdicts if v.rule == rule]
    assert len(found) == 1, f"{rule} gave {len(found)} verdicts; verdicts: {[v.rule for v in result.verdicts]}"
    return found[0]


def rules_in(result: Check) -> set[str]:
    return {v.rule for v in result.verdicts}


def blocking_rules(result: Check) -> set[str]:
    return {v.rule for v in result.blocking}


def assert_only_blocker(result: Check, rule: str, outcome: Outcome = Outcome.REFUSED) -> Verdict:
    """``rule`` is the single rule that blocks ``result``, with ``outcome``."""
    assert blocking_rules(result) == {rule}, [v.as_dict() for v in result.blocking]
    found = verdict(result, rule)
    assert found.outcome is outcome
    return found


# ------------------------------------------------------------------ canned stories, one per stage


def applicant(received: date, **story: Any) -> Story:
    """An 入党申请人 whose application the branch received on ``received``."""
    return Story(**story).then(Step.APPLICATION_SUBMITTED, received)


def activist(
    designated: date,
    *,
    filed: date | None = None,
    assessed: tuple[date, ...] | None = None,
    **story: Any,
) -> Story:
    """An 积极分子 designated on ``designated`` (支委会), filed a week later, liaisons assigned.

    By default assessed once in each half-year window of the first year (3 and 9 months in).
    """
    received = add_months(designated, -3)
    base = applicant(received, **story).then(Step.TALK_HELD, received + timedelta(days=7))
    base = base.then(Step.ACTIVIST_DESIGNATED, designated)
    base = base.then(Step.ACTIVIST_FILED, filed or designated + timedelta(days=7))
    base = base.then(Step.LIAISONS_ASSIGNED, designated + timedelta(days=7))
    for on in (add_months(designated, 3), add_months(designated, 9)) if assessed is None else assessed:
        base = base.then(Step.ACTIVIST_ASSESSED, on)
    return base


def publicity_evidence(posted: date, last: date | None = None, outcome: str = "no_objection") -> dict[str, Any]:
    """A 公示 posted on ``posted`` that runs for five working days unless ``last`` is given."""
    return {"posted_on": posted, "last_day": last or CAL.nth_workday(posted, 5), "outcome": outcome}


def candidate(
    designated: date,
    *,
    filed: date | None = None,
    publicise: bool | None = None,
    **story: Any,
) -> Story:
    """A 发展对象 designated on ``designated`` after 13 months as 积极分子, filed a week later.

    When the filing falls under the 2026 set, the 公示 follows (five working days, result recorded the
    next day) unless ``publicise=False``.
    """
    activist_on = add_months(designated, -13)
    base = activist(activist_on, **story).then(Step.CANDIDATE_DESIGNATED, designated)
    filed_on = filed or designated + timedelta(days=7)
    base = base.then(Step.CANDIDATE_FILED, filed_on)
    if publicise is None:
        publicise = base.policy.rule_set_on(filed_on) is RuleSetId.R2026
    if publicise:
        evidence = publicity_evidence(filed_on)
        base = base.then(Step.CANDIDATE_PUBLICISED, day_after(evidence["last_day"]), **evidence)
    return base


def reviewed(committee: date, **story: Any) -> Story:
    """Through step 12: sponsors, 政审 and training done; the 支委会 reviewed the 发展对象 on ``committee``."""
    base = candidate(add_months(committee, -3), **story)
    start = base.last_on
    base = base.then(Step.SPONSORS_ASSIGNED, start + timedelta(days=1))
    base = base.then(Step.POLITICAL_REVIEW_PASSED, start + timedelta(days=2))
    base = base.then(Step.TRAINING_COMPLETED, start + timedelta(days=3))
    return base.then(Step.COMMITTEE_REVIEWED, committee)


def prepared(pre_review: date, **story: Any) -> Story:
    """Through step 14: reviewed by the 支委会 a week before ``pre_review``, 预审 passed, 志愿书 filled."""
    base = reviewed(pre_review - timedelta(days=7), **story).then(Step.PRE_REVIEW_PASSED, pre_review)
    return base.then(Step.APPLICATION_FORM_FILLED, pre_review)


def resolved(meeting: date, **story: Any) -> Story:
    """Through step 16: admitted by the 支部大会 on ``meeting`` (预审 two weeks before), talked to by the 党委."""
    base = prepared(meeting - timedelta(days=14), **story).then(Step.ADMISSION_RESOLVED, meeting)
    return base.then(Step.HIGHER_TALK_HELD, meeting + timedelta(days=7))


def probationary(meeting: date, **story: Any) -> Story:
    """A 预备党员 admitted on ``meeting``, approved a month later, sworn in, who asked in writing to be confirmed."""
    approved = add_months(meeting, 1)
    base = resolved(meeting, **story).then(Step.ADMISSION_APPROVED, approved)
    base = base.then(Step.ADMISSION_FILED, approved + timedelta(days=7))
    base = base.then(Step.ASSIGNED_TO_GROUP, approved + timedelta(days=7))
    base = base.then(Step.OATH_TAKEN, approved + timedelta(days=14))
    base = base.then(Step.PROBATION_ASSESSED, add_months(meeting, 6))
    return base.then(Step.CONFIRMATION_REQUESTED, add_months(meeting, 11))


def confirmed_by_branch(resolution: date, **story: Any) -> Story:
    """A 预备党员 whose 转正 the 支部大会 resolved on ``resolution`` (admitted a year before)."""
    meeting = add_months(resolution, -12)
    return probationary(meeting, **story).then(Step.CONFIRMATION_RESOLVED, resolution)


def full_member(approved: date, **story: Any) -> Story:
    """A 正式党员 whose 转正 the 党委 approved on ``approved`` (resolved a month before)."""
    return confirmed_by_branch(add_months(approved, -1), **story).then(Step.CONFIRMATION_APPROVED, approved)
