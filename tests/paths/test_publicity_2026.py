"""The 2026.05 rule set (2026 第十三条 [R26]) on a real database: after the 支委会, a 发展对象 is only proposed
(拟列为) until the 上级党委 has agreed (同意) and a 公示 of at least five working days has ended without a result
that stops the admission. 4 vs 5 working days across 国庆 2026 with its 调休 Saturday (10-10), the last day of
the 公示, an objection that stops the admission and one that does not; the labels in show/check; 2014 unchanged."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from interfaces.cli import app
from states.procedure import SPECS
from states.publicity import status_label, step_label
from states.rulesets import DEFAULT_POLICY, RuleSetId
from states.steps import Step
from tests.notices.histories import CONSENTED_2026
from tests.paths.world import SECRETARY, build_world, request, run
from tests.states.builders import candidate
from tests.workflow.records_world import dump
from workflow import services
from workflow.clock import FixedClock
from workflow.errors import StepRefused

ART13_2026 = "《发展党员工作细则》（2026年修订）第十三条"
POSTED = "2026-09-29"  # Tuesday: 9-29, 9-30, (国庆 10-1..7), 10-8, 10-9, 10-10 (调休 Saturday) are its 5 working days


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock.on(date(2026, 11, 2))


@pytest.fixture
def consented(engine: Engine, clock: FixedClock) -> int:
    case_id = build_world(engine, clock)
    run(engine, clock, case_id, CONSENTED_2026)  # 支委会 2026-06-15, 上级党委同意 2026-09-24
    return case_id


def publicise(last_day: str, on: date, outcome: str = "no_objection") -> object:
    return request("candidate_publicised", on, {"posted_on": POSTED, "last_day": last_day, "outcome": outcome})


def refused_by(engine: Engine, clock: FixedClock, case_id: int, attempt: object) -> list[tuple[str, str, str]]:
    before = dump(engine)
    with pytest.raises(StepRefused) as refused:
        services.advance(engine, clock, SECRETARY, case_id, attempt)  # type: ignore[arg-type]
    assert dump(engine) == before  # a refused step changes nothing but the audit trail
    return [(v.rule, v.message, v.citation.text) for v in refused.value.check.blocking]


def test_art13_2026_proposal_until_five_workday_publicity_ends_without_stopping_result(
        engine: Engine, clock: FixedClock, consented: int) -> None:
    assert services.show(engine, clock, consented).status_name == "拟列为发展对象（待公示期满）"

    [(rule, message, article)] = refused_by(engine, clock, consented,
                                            request("sponsors_assigned", date(2026, 10, 12), {"sponsors": "赵强,孙丽"}))
    assert rule == "candidate_status_established" and article == ART13_2026
    assert "「发展对象公示」" in message and "拟列为发展对象" in message

    [(rule, message, article)] = refused_by(engine, clock, consented, publicise("2026-10-09", date(2026, 10, 11)))
    assert rule == "publicity_lasts_five_workdays" and article == ART13_2026
    assert "只有4个工作日" in message and "2026年10月10日" in message
    [(rule, _, _)] = refused_by(engine, clock, consented, publicise("2026-10-10", date(2026, 10, 10)))
    assert rule == "publicity_over_before_listing"  # no decision on the last day of the 公示
    [(rule, _, article)] = refused_by(engine, clock, consented,
                                      publicise("2026-10-10", date(2026, 10, 11), outcome="affecting"))
    assert rule == "publicity_result_allows_listing" and article == ART13_2026
    assert services.show(engine, clock, consented).status_name.startswith("拟列为发展对象")

    services.advance(engine, clock, SECRETARY, consented, publicise("2026-10-10", date(2026, 10, 11), "not_affecting"))
    view = services.show(engine, clock, consented)
    assert view.status_name == "发展对象" and view.as_dict()["status_name"] == "发展对象"
    services.advance(engine, clock, SECRETARY, consented,
                     request("sponsors_assigned", date(2026, 10, 12), {"sponsors": "赵强,孙丽"}))


@pytest.mark.usefixtures("consented")
def test_art13_2026_show_and_check_say_consent_not_filing(engine: Engine, tmp_path: Path) -> None:
    runner = CliRunner()
    db = engine.url.render_as_string(hide_password=False)
    history = tmp_path / "history.json"
    records = [{"step": step, "on": on.isoformat(), "evidence": evidence} for step, on, evidence in CONSENTED_2026]
    history.write_text(json.dumps({"birth_date": "2001-04-12", "records": records}, ensure_ascii=False), "utf-8")
    designated = tmp_path / "designated.json"
    designated.write_text(json.dumps({"birth_date": "2001-04-12", "records": records[:-1]}, ensure_ascii=False), "utf-8")

    shown = runner.invoke(app, ["show", "李明", "--db", db], env={"FAZHAN_TODAY": "2026-11-02"})
    sponsors = runner.invoke(app, ["check", "确定入党介绍人", "--on", "2026-10-12", "--history", str(history),
                                   "--set", "sponsors=赵强,孙丽"])
    consent = runner.invoke(app, ["check", "报上级党委同意", "--on", "2026-09-24", "--history", str(designated),
                                  "--set", "consented=是"])

    assert shown.exit_code == 0, shown.output
    assert "当前：拟列为发展对象（待公示期满）" in shown.output and "8. 报上级党委同意" in shown.output
    assert "8. 报上级党委备案" not in shown.output
    assert sponsors.exit_code != 0 and "「发展对象公示」" in sponsors.output and "（2026年修订）第十三条" in sponsors.output
    assert consent.exit_code == 0, consent.output
    assert "「8. 报上级党委同意」" in consent.output


def test_art13_2014_words_and_status_unchanged() -> None:
    story = candidate(date(2025, 3, 1))  # 备案 2025-03-08 under the 2014.06 set, no 公示
    spec = SPECS[Step.CANDIDATE_FILED]

    assert status_label(story.facts, DEFAULT_POLICY, date(2025, 3, 10)) == "发展对象"
    assert step_label(spec, RuleSetId.R2014) == "8. 报上级党委备案"
    assert step_label(spec, RuleSetId.R2026) == "8. 报上级党委同意"


def test_art13_2026_proposal_before_consent_names_both() -> None:
    story = candidate(date(2026, 6, 1)).without(Step.CANDIDATE_FILED, Step.CANDIDATE_PUBLICISED)

    assert status_label(story.facts, DEFAULT_POLICY, date(2026, 6, 5)) == "拟列为发展对象（待上级党委同意和公示）"
