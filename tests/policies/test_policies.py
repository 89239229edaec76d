"""Per-organisation policies on the records: inherited down the tree, set and cleared with an audit event, and
applied to a case's steps — ``advance``, the page's preview and ``show`` agree. Also the ``fazhan policy`` commands."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from interfaces.cli import app
from interfaces.web import reading
from states.steps import Step, Tag
from tests.paths.world import FIRST, SECOND, SECRETARY, build_world, request, run
from tests.workflow.records_world import dump
from workflow import policies, replay, services
from workflow.clock import FixedClock
from workflow.errors import FazhanError, StepRefused
from workflow.tables import AuditEvent, Organisation, table

COMMITTEE = "某大学党委"
WAIT = "activist_wait_months"
UP_TO_TALK = [("application_submitted", date(2024, 3, 4), {"organisation_basis": "work_unit"}),
              ("talk_held", date(2024, 3, 20), {"talker": "王芳"})]
ACTIVIST = {"recommendation": "party_members", "members": "5", "present": "4"}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock.on(date(2025, 3, 1))


@pytest.fixture
def case_id(engine: Engine, clock: FixedClock) -> int:
    case = build_world(engine, clock)
    run(engine, clock, case, UP_TO_TALK)
    return case


def _org(engine: Engine, name: str) -> int:
    orgs = table(Organisation)
    with engine.connect() as conn:
        return int(conn.execute(select(orgs.c.id).where(orgs.c.name == name)).scalar_one())


def _sources(engine: Engine, name: str) -> dict[str, tuple[str, str]]:
    with engine.connect() as conn:
        return {r.setting.key: (r.value, r.source) for r in policies.resolve(conn, _org(engine, name))}


def _changes(engine: Engine) -> list[dict[str, object]]:
    events = table(AuditEvent)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(events).where(events.c.kind == "policy_changed")
                                              .order_by(events.c.seq)).mappings()]


@pytest.mark.usefixtures("case_id")
def test_a_setting_is_inherited_down_the_tree_overridden_below_and_cleared(engine: Engine, clock: FixedClock) -> None:
    assert _sources(engine, FIRST)[WAIT] == ("0", "系统默认")
    policies.change(engine, clock, organisation=COMMITTEE, key=WAIT, value="6", by="刘洋", reason="党委会议决定")
    assert _sources(engine, COMMITTEE)[WAIT] == ("6", "本组织设定")
    assert _sources(engine, FIRST)[WAIT] == _sources(engine, SECOND)[WAIT] == ("6", f"继承自{COMMITTEE}")

    policies.change(engine, clock, organisation=FIRST, key=WAIT, value="3", by="王芳")
    assert _sources(engine, FIRST)[WAIT] == ("3", "本组织设定")
    assert _sources(engine, SECOND)[WAIT] == ("6", f"继承自{COMMITTEE}")  # a sibling keeps the 党委's value
    assert _sources(engine, FIRST)["strict_age"] == ("false", "系统默认")  # other settings untouched

    policies.change(engine, clock, organisation=FIRST, key=WAIT, value=None, by="王芳", reason="按党委规定执行")
    assert _sources(engine, FIRST)[WAIT] == ("6", f"继承自{COMMITTEE}")

    payloads = [(e["actor"], e["payload"]) for e in _changes(engine)]
    assert [(who, p["organisation"], p["old"], p["new"], p["old_effective"], p["new_effective"], p["reason"])
            for who, p in payloads] == [
        ("刘洋", COMMITTEE, None, "6", "0", "6", "党委会议决定"),
        ("王芳", FIRST, None, "3", "6", "3", ""),
        ("王芳", FIRST, "3", None, "3", "6", "按党委规定执行"),
    ]
    with engine.connect() as conn:  # the chain verifies and the tables agree with it (fazhan audit verify)
        assert replay.compare(conn).intact


@pytest.mark.usefixtures("case_id")
def test_a_refused_change_writes_nothing(engine: Engine, clock: FixedClock) -> None:
    policies.change(engine, clock, organisation=FIRST, key=WAIT, value="3", by="王芳")
    before, events = dump(engine), len(_changes(engine))
    for organisation, key, value, words in [
        (FIRST, WAIT, "9", "不能设为「9」"), (FIRST, "nosuch", "1", "没有名为「nosuch」的设定"),
        ("不存在的支部", WAIT, "3", "找不到党组织「不存在的支部」"), (FIRST, WAIT, "满三个月", "已设为「满三个月」，无需更改"),
        (SECOND, WAIT, None, "没有本组织的设定，无需更改"),
    ]:
        with pytest.raises(FazhanError, match=words):
            policies.change(engine, clock, organisation=organisation, key=key, value=value, by="王芳")
    with pytest.raises(FazhanError, match="理由"):
        policies.change(engine, clock, organisation=FIRST, key=WAIT, value="6", by="王芳", reason="长" * 501)
    assert dump(engine) == before and len(_changes(engine)) == events


def test_local_rule_the_case_follows_its_organisation_check_and_advance_agree(engine: Engine, clock: FixedClock,
                                                                             case_id: int) -> None:
    """本组织规定 [G]: 党委 6 months → refused the day before 2024-09-04; the branch's own 3 months → allowed."""
    policies.change(engine, clock, organisation=COMMITTEE, key=WAIT, value="6", by="刘洋")
    step = request("activist_designated", date(2024, 9, 3), ACTIVIST)
    preview = reading.preview(engine, case_id, Step.ACTIVIST_DESIGNATED, date(2024, 9, 3))
    with pytest.raises(StepRefused) as refused:
        services.advance(engine, clock, SECRETARY, case_id, step)
    for judged in (preview, refused.value.check):
        blocker = {v.rule: v for v in judged.blocking}["activist_after_waiting_months"]
        assert blocker.citation.tag is Tag.G and blocker.allowed_from == date(2024, 9, 4)
    planned = services.show(engine, FixedClock.on(date(2024, 4, 1)), case_id).next_steps  # asked in April
    assert next(n for n in planned if n.spec.step is Step.ACTIVIST_DESIGNATED).earliest_by_time == date(2024, 9, 4)
    listed = services.list_cases(engine, FixedClock.on(date(2024, 4, 1)), organisation=FIRST)[0].upcoming
    assert next(n for n in listed if n.spec.step is Step.ACTIVIST_DESIGNATED).earliest_by_time == date(2024, 9, 4)

    policies.change(engine, clock, organisation=FIRST, key=WAIT, value="3", by="王芳")  # the branch's own rule
    assert reading.preview(engine, case_id, Step.ACTIVIST_DESIGNATED, date(2024, 6, 4)).allowed
    assert not reading.preview(engine, case_id, Step.ACTIVIST_DESIGNATED, date(2024, 6, 3)).allowed
    done = services.advance(engine, clock, SECRETARY, case_id, request("activist_designated", date(2024, 6, 4),
                                                                         ACTIVIST))
    assert done.check.allowed


def test_art5_strict_age_of_the_organisation_applies_to_step_one(engine: Engine, clock: FixedClock) -> None:
    build_world(engine, clock)  # 李明 was born on 2001-04-12
    young = services.add_applicant(engine, clock, SECRETARY, name="赵小", sex="男", birth_date=date(2001, 4, 12),
                                   organisation=SECOND)
    policies.change(engine, clock, organisation=SECOND, key="strict_age", value="是", by="周敏")
    birthday = request("application_submitted", date(2019, 4, 12), {"organisation_basis": "work_unit"})
    with pytest.raises(StepRefused) as refused:
        services.advance(engine, clock, SECRETARY, young, birthday)
    assert "第五条" in {v.rule: v for v in refused.value.check.blocking}["applicant_is_eighteen"].citation.text
    services.advance(engine, clock, SECRETARY, young, request("application_submitted", date(2019, 4, 13),
                                                              {"organisation_basis": "work_unit"}))


def test_show_lists_the_settings_that_differ_from_the_default(engine: Engine, clock: FixedClock,
                                                              case_id: int) -> None:
    from workflow.case_extras import case_extras

    assert case_extras(engine, case_id).as_dict()["policy"] == []
    policies.change(engine, clock, organisation=COMMITTEE, key=WAIT, value="6", by="刘洋")
    extras = case_extras(engine, case_id)
    assert [p["key"] for p in extras.as_dict()["policy"]] == [WAIT]
    assert ("本组织执行的规定：递交入党申请书后多久方可确定为入党积极分子（地方规定）：满六个月（继承自某大学党委）"
            in extras.lines())


# ---------------------------------------------------------------- the command line (in-process)


def _cli(database_url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--db", database_url], env={"FAZHAN_TODAY": "2025-03-01"})
    return result.exit_code, result.stdout


@pytest.mark.usefixtures("case_id")
def test_cli_policy_set_show_clear_with_json(database_url: str) -> None:
    code, out = _cli(database_url, "policy", "set", "--org", COMMITTEE, WAIT, "满六个月", "--by", "刘洋",
                     "--reason", "党委会议决定", "--json")
    assert code == 0, out
    assert json.loads(out)["new"] == "6"
    code, out = _cli(database_url, "policy", "show", "--org", FIRST)
    assert code == 0 and "满六个月（继承自某大学党委" in out and "年满十八岁的算法：生日当天起算（系统默认）" in out
    code, out = _cli(database_url, "policy", "show", "--org", COMMITTEE, "--json")
    found = {s["key"]: s for s in json.loads(out)["settings"]}[WAIT]
    assert (found["source"], found["set_by"], found["reason"]) == ("本组织设定", "刘洋", "党委会议决定")
    code, out = _cli(database_url, "show", "李明", "--json")
    assert code == 0 and [p["value_name"] for p in json.loads(out)["policy"]] == ["满六个月"]
    code, out = _cli(database_url, "show", "李明")
    assert "本组织执行的规定：递交入党申请书后多久方可确定为入党积极分子（地方规定）：满六个月" in out
    code, out = _cli(database_url, "policy", "clear", "--org", COMMITTEE, WAIT, "--by", "刘洋")
    assert code == 0 and "满六个月 → 不设等待期（全国细则）（系统默认）" in out
    code, out = _cli(database_url, "policy", "show", "--json")
    assert code == 0 and len(json.loads(out)["settings"]) == 6


@pytest.mark.parametrize(("args", "words"), [
    (("set", "--org", FIRST, WAIT, "两个月", "--by", "王芳"), "不能设为「两个月」"),
    (("set", "--org", "不存在的支部", WAIT, "3", "--by", "王芳"), "找不到党组织「不存在的支部」"),
    (("clear", "--org", FIRST, "age", "--by", "王芳"), "没有名为「age」的设定"),
    (("show", "--org", "不存在的支部"), "找不到党组织"),
])
@pytest.mark.usefixtures("case_id")
def test_cli_bad_input_exits_2_with_one_chinese_json_document(engine: Engine, database_url: str,
                                                              args: tuple[str, ...], words: str) -> None:
    code, out = _cli(database_url, "policy", *args, "--json")
    assert code == 2
    assert words in json.loads(out)["message"]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(policies.POLICIES)).scalar() == 0
