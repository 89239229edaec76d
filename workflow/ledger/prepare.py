"""One row of a 台账 taken all the way in the checking process: understood, checked, and made into table rows.

A large 台账 is handled by forked worker processes (``workflow/ledger/assess.py``); each sends back, per row, only
what the importing process needs: the verdict's ingredients (who it is, the findings, the final status) and the
person's table rows as driver values without their ids (ids are handed out in row order by the writer). The
person and their checked steps are not sent back — pickling them cost more than understanding the row again —
so ``ReturnedHistory`` works them out again, from the same row by the same pure code, only if a report asks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, NamedTuple

from states.rulesets import Policy, RuleSetId
from states.steps import Status, Step
from states.workdays import WorkdayCalendar
from workflow import personal
from workflow.errors import FazhanError
from workflow.evidence import to_json
from workflow.ledger.checking import CheckedHistory, CheckedStep, Finding, check_history
from workflow.ledger.reader import RawRow
from workflow.ledger.rows import LedgerPerson, Rejected, understand

_VALUES = {**{s: s.value for s in Step}, **{r: r.value for r in RuleSetId}}  # an enum's .value is a slow property


def _json(value: Any) -> str:
    return json.dumps(value)  # as the drivers are handed JSON columns (``workflow/fastsql.py``: json.dumps)


def _json_ready(evidence: Any) -> dict[str, Any]:
    return {k: v if type(v) is str else to_json(v) for k, v in evidence.items()}


def cleaned(person: LedgerPerson) -> LedgerPerson:
    try:
        name, unit, phone, id_number = personal.cleaned(person.name, person.unit, person.phone, person.id_number)
    except FazhanError as problem:
        raise Rejected("姓名、单位或联系电话", str(problem)) from None
    return replace(person, name=name, unit=unit, phone=phone, id_number=id_number)


def person_of(row: RawRow, organisation: str, today: date) -> LedgerPerson:
    """The row understood, placed in its organisation and cleaned (raises ``Rejected``)."""
    return cleaned(replace(understand(row, "", today), organisation=organisation))


class PersonRows(NamedTuple):
    """One person's rows in the driver's form, ids left out: the writer puts them in front."""

    applicant: tuple[Any, ...]  # name, sex, birth_date, unit, id_number, id_number_index, contact
    case: tuple[Any, ...]  # organisation_id, status, version, opened_on, closed_on
    steps: tuple[tuple[Any, ...], ...]  # from ``step`` on (STEP_COLUMNS less id and case_id)
    violations: tuple[tuple[tuple[Any, ...], ...], ...]  # per step: from ``rule`` on (less case_id, step_record_id)
    digested: tuple[str, ...]  # per step: the audit digest's JSON item after "[id,case," (``trail.digest``)
    entry: tuple[Any, ...]  # from ``sheet`` on (ENTRY_COLUMNS less case_id and import_id)


@dataclass(frozen=True)
class Prepare:
    """What turns a checked person into table rows; made in the importing process before the workers fork."""

    keys: personal.PersonalKeys
    day: Callable[[Any], Any]  # the driver's form of a date
    recorded_at: Any  # already in the driver's form
    actor: str
    actor_role: str
    filename: str
    today: date
    organisation_ids: dict[str, int]

    def rows(self, row: RawRow, history: CheckedHistory) -> PersonRows:
        person, day, text = history.person, self.day, _VALUES.__getitem__
        # sealed in the worker: each encryption draws its nonce from os.urandom, never from state copied by fork
        applicant = (person.name, person.sex, day(person.birth), person.unit,
                     *personal.sealed(self.keys, person.id_number, person.phone).values())
        status = history.status
        closed = history.steps[-1].step.on.on if status.is_terminal and status is not Status.FULL_MEMBER else None
        case = (self.organisation_ids[person.organisation], status.value, len(history.steps), day(self.today),
                day(closed) if closed else None)
        reason, no_documents, iso_days = f"据台账补录：{self.filename}，{row.where}", "[]", day is date.isoformat
        steps, violations, digested = [], [], []
        for checked in history.steps:
            dated, findings = checked.step, checked.findings
            step, on = text(dated.step), dated.on.on
            iso = on.isoformat()
            evidence = _json(_json_ready(dated.evidence)) if dated.evidence else "{}"
            steps.append((step, iso if iso_days else day(on), self.recorded_at, self.actor, self.actor_role,
                          text(checked.rule_set), evidence, no_documents, True, reason))
            if findings:  # few steps break a rule
                violations.append(tuple((f.rule, f.article, f.message, day(f.due_by) if f.due_by else None, f.grave)
                                        for f in findings))
                rules = json.dumps(sorted(f.rule for f in findings), ensure_ascii=False, separators=(",", ":"))
            else:
                violations.append(())
                rules = "[]"
            # step values and ISO dates are plain ASCII words: JSON-quoting them is wrapping them in quotes
            digested.append(f'"{step}","{iso}",true,{rules}]')
        entry = (row.sheet, row.number, person.ethnicity, person.education, person.remark,
                 _json(list(person.imprecise)), _json(list(person.notes)))
        return PersonRows(applicant, case, tuple(steps), tuple(violations), tuple(digested), entry)


class Returned(NamedTuple):
    """What became of one understood row, as a checking process sends it back."""

    key: tuple[str, ...]
    organisation: str
    findings: tuple[Finding, ...]
    status: Status
    known: bool  # already on record
    rows: PersonRows | None  # None in a dry run and for people already on record
    history: CheckedHistory | None  # kept only when checked in this process (nothing to send)


Handled = Returned | tuple[str, str]  # or the (column, reason) of a rejected row


@dataclass(frozen=True)
class Checking:
    """Everything a row needs to be handled; set up before the workers fork, so they inherit it unpickled."""

    has_committee: dict[str, bool]  # organisation name → has a 支委会
    organisation_of: Callable[[RawRow], str]  # raises ``Rejected``
    known: Callable[[LedgerPerson], bool]
    today: date
    policy: Policy
    calendar: WorkdayCalendar | None
    prepare: Prepare | None  # None: a dry run

    def handle(self, row: RawRow, keep: bool) -> Handled:
        try:  # the row's own problems first, then where it belongs
            person = understand(row, "", self.today)
            person = cleaned(replace(person, organisation=self.organisation_of(row)))
        except Rejected as rejected:
            return rejected.column, rejected.reason
        history = check_history(person, self.has_committee[person.organisation], self.policy, self.calendar)
        known = self.known(person)
        rows = self.prepare.rows(row, history) if self.prepare and not known else None
        return Returned(person.key, person.organisation, history.findings, history.status, known, rows,
                        history if keep else None)


class ReturnedHistory:
    """A history checked in a worker: findings and status as sent back; person and steps worked out on demand."""

    __slots__ = ("row", "organisation", "findings", "status", "_checking", "_person", "_history")

    def __init__(self, row: RawRow, returned: Returned, checking: Checking) -> None:
        self.row, self.organisation, self._checking = row, returned.organisation, checking
        self.findings, self.status = returned.findings, returned.status
        self._person: LedgerPerson | None = None
        self._history: CheckedHistory | None = None

    @property
    def person(self) -> LedgerPerson:
        if self._person is None:
            self._person = person_of(self.row, self.organisation, self._checking.today)
        return self._person

    @property
    def steps(self) -> tuple[CheckedStep, ...]:
        if self._history is None:
            c = self._checking
            self._history = check_history(self.person, c.has_committee[self.organisation], c.policy, c.calendar)
        return self._history.steps
