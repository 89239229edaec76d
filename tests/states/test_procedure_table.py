"""Structure of THE table (states/procedure.py): the things transitions itself does not check."""

from __future__ import annotations

import inspect
from collections import deque

import pytest

from states import rules
from states.procedure import MAIN_LINE, PROCEDURE, SIDE_OUTCOMES, SPECS, spec_for
from states.rulesets import RuleSetId
from states.steps import Severity, Stage, Status, Step


def test_table_has_the_25_steps_in_paper_order() -> None:
    assert [spec.number for spec in MAIN_LINE] == list(range(1, 26))
    assert len({spec.step for spec in PROCEDURE}) == len(PROCEDURE) == len(Step)


def test_steps_fall_in_the_five_stages_of_the_flowchart() -> None:
    by_stage = {stage: [s.number for s in MAIN_LINE if s.stage is stage] for stage in Stage}
    assert by_stage == {
        Stage.APPLICATION: [1, 2],
        Stage.ACTIVIST: [3, 4, 5, 6],
        Stage.CANDIDATE: [7, 8, 9, 10, 11],
        Stage.ADMISSION: [12, 13, 14, 15, 16, 17, 18],
        Stage.PROBATION: [19, 20, 21, 22, 23, 24, 25],
    }


def test_side_and_terminal_outcomes_are_in_the_table() -> None:
    side = {spec.step for spec in SIDE_OUTCOMES}
    assert side == {
        Step.CANDIDATE_PUBLICISED, Step.ACTIVIST_TRANSFERRED, Step.TRANSFER_RECEIVED, Step.PROBATION_EXTENDED,
        Step.PROBATION_CANCELLED, Step.POLITICAL_REVIEW_FAILED, Step.WITHDRAWN,
        Step.PROBATIONARY_TRANSFERRED, Step.PROBATIONARY_TRANSFER_RECEIVED, Step.CONFIRMATION_POSTPONED,  # N27
    }
    assert SPECS[Step.WITHDRAWN].dest is Status.WITHDRAWN
    assert SPECS[Step.POLITICAL_REVIEW_FAILED].dest is Status.NOT_ADMITTED
    assert SPECS[Step.PROBATION_CANCELLED].dest is Status.DISQUALIFIED


def test_every_status_is_reachable_from_new() -> None:
    reached, queue = {Status.NEW}, deque([Status.NEW])
    while queue:
        current = queue.popleft()
        for spec in PROCEDURE:
            target = spec.dest or current
            if current in spec.sources and target not in reached:
                reached.add(target)
                queue.append(target)
    # 已转出（外单位） is set by exporting the case to another database (workflow/case_exchange.py), not by a step.
    assert reached == set(Status) - {Status.TRANSFERRED_OUT}


def test_every_step_is_reachable_after_its_predecessors() -> None:
    """Order the steps so that each comes after what it requires: no cycle, no dangling requirement."""
    placed: list[Step] = []
    pending = list(PROCEDURE)
    while pending:
        ready = [s for s in pending if all(a in placed for a in s.after)]
        assert ready, f"cycle or missing predecessor among {[s.step for s in pending]}"
        placed += [s.step for s in ready]
        pending = [s for s in pending if s not in ready]
    assert set(placed) == set(Step)


def test_every_predecessor_comes_earlier_in_paper_order() -> None:
    order = {spec.step: i for i, spec in enumerate(PROCEDURE)}
    for spec in MAIN_LINE:
        for before in spec.after:
            assert order[before] < order[spec.step], (spec.step, before)


@pytest.mark.parametrize("spec", PROCEDURE, ids=lambda s: s.step.value)
def test_every_rule_has_a_severity_and_an_article_and_a_docstring(spec) -> None:
    assert spec.basis, spec.step
    for rule in spec.rules:
        assert isinstance(rule.severity, Severity)
        assert rule.citations, rule.id
        for citation in rule.citations.values():
            assert "条" in citation.text or "第" in citation.text, citation
        assert inspect.getdoc(rule.guard), f"{rule.id} has no docstring quoting the rule"
        assert all(key in {f.key for f in spec.evidence} for key in rule.needs), rule.id


def test_every_guard_in_rules_module_is_used_by_the_table() -> None:
    used = {rule.guard for spec in PROCEDURE for rule in spec.rules}
    guards = {f for name, f in inspect.getmembers(rules, inspect.isfunction)
              if f.__module__ == rules.__name__ and not name.startswith("_")
              and list(inspect.signature(f).parameters) == ["facts", "act"]}
    assert guards - used == set()


def test_r26_rules_carry_their_marker_and_exist_only_in_the_2026_set() -> None:
    for spec in PROCEDURE:
        for rule in spec.rules:
            for rule_set, citation in rule.citations.items():
                if rule_set is RuleSetId.R2026 and "2026年修订" in citation.text:
                    assert citation.tag.value == "R26"
    publicity = SPECS[Step.CANDIDATE_PUBLICISED]
    assert publicity.required_in == {RuleSetId.R2026}
    assert all(set(r.citations) == {RuleSetId.R2026} for r in publicity.rules)


def test_show_of_hands_is_refused_except_under_1990() -> None:
    secret = next(r for r in SPECS[Step.ADMISSION_RESOLVED].rules if r.id == "voted_by_secret_ballot")
    assert not secret.applies_in(RuleSetId.R1990)
    assert secret.applies_in(RuleSetId.R2014) and secret.applies_in(RuleSetId.R2026)


@pytest.mark.parametrize("name", ["candidate_designated", "确定发展对象", "7"])
def test_steps_are_found_by_slug_chinese_name_or_number(name: str) -> None:
    assert spec_for(name).step is Step.CANDIDATE_DESIGNATED


def test_an_unknown_step_name_is_refused_in_chinese() -> None:
    with pytest.raises(KeyError, match="没有名为"):
        spec_for("入党")
