"""Commands on the records: init, organisations, members, applicants, advance, show, list, history, audit."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from typing import Annotated

import typer
from sqlalchemy import Engine

from interfaces.cli.app import DbOption, JsonOption, app, as_date, console, emit_json, told
from interfaces.cli.audit import key_sentence
from interfaces.cli.procedure import print_plan
from states.facts import Override
from states.periods import cn_date
from states.procedure import SPECS, spec_for
from states.publicity import step_label
from states.rulesets import RuleSetId
from states.steps import Step
from workflow import personal, roster, services, transfers
from workflow.case_extras import case_extras
from workflow.clock import BEIJING, Clock, clock_from_environment
from workflow.db import database_url, make_engine, upgrade
from workflow.evidence import parse_evidence, to_json
from workflow.reapply import case_status
from workflow.services import Actor, StepRequest

org_app = typer.Typer(help="党组织：基层党委、党总支、党支部、党小组。", no_args_is_help=True)
member_app = typer.Typer(help="党员名册：身份（正式、预备、留党察看……）和职务随时间变化。", no_args_is_help=True)
applicant_app = typer.Typer(help="入党申请人。", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(member_app, name="member")
app.add_typer(applicant_app, name="applicant")

ByOption = Annotated[str | None, typer.Option("--by", help="经办人（党员姓名）。")]


def _engine(db: str | None) -> Engine:
    return make_engine(db)


def _clock() -> Clock:
    return clock_from_environment(os.environ.get("FAZHAN_TODAY"))


def _date(text: str) -> date:
    return as_date(text)  # states.dates: one Chinese error for a badly written or impossible date


def _actor(engine: Engine, name: str | None, on: date) -> Actor:
    """The actor with their post on the date, if they are on the roster."""
    if not name:
        return Actor(os.environ.get("FAZHAN_USER") or os.environ.get("USER") or "未署名", "未指定")
    with engine.connect() as conn:
        member = roster.member_id(conn, name)
        posts = roster.posts_of(conn, member, on)
    return Actor(name, "、".join(p.label for _, p in posts) or "党员")


@app.command()
def init(db: DbOption = None) -> None:
    """创建或升级数据库（可重复执行）。"""
    with told():
        upgrade(db)
    console.print(f"数据库已就绪：{database_url(db)}")
    console.print(key_sentence(db))
    personal.load_keys(database_url(db))  # made now, owner-only, so the IT person backs up both keys from day one
    where = f"环境变量 {personal.KEY_ENV}" if os.environ.get(personal.KEY_ENV) else \
        f"密钥文件 {personal.key_path(database_url(db))}"
    console.print(f"个人信息密钥：{where}（与数据库和审计密钥分开备份；丢失后身份证号、电话无法解密）")


@org_app.command("add")
def org_add(
    name: str,
    kind: Annotated[str, typer.Option("--kind", help="基层党委、党总支、党支部或党小组。")],
    parent: Annotated[str | None, typer.Option("--parent", help="上级党组织名称。")] = None,
    no_committee: Annotated[bool, typer.Option("--no-committee", help="不设支部委员会（正式党员不足7人）。")] = False,
    may_approve: Annotated[bool, typer.Option("--may-approve", help="具有审批预备党员的权限。")] = False,
    by: ByOption = None, db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """登记党组织。"""
    engine, clock = _engine(db), _clock()
    with told(as_json):
        org_id = services.add_organisation(engine, clock, _actor(engine, by, clock.today()), name=name, kind=kind,
                                           parent=parent, has_committee=not no_committee, may_approve=may_approve)
    emit_json({"id": org_id, "name": name}) if as_json else console.print(f"已登记党组织「{name}」（编号{org_id}）。")


@org_app.command("list")
def org_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """列出党组织。"""
    with _engine(db).connect() as conn:
        rows = [dict(r) for r in conn.execute(roster.ORGS.select().order_by(roster.ORGS.c.id)).mappings()]
    if as_json:
        emit_json(rows)
        return
    names = {r["id"]: r["name"] for r in rows}
    for r in rows:
        kind = roster.OrganisationKind(r["kind"]).label
        extra = ("，不设支委会" if not r["has_committee"] and r["kind"] == "branch" else "") + (
            "，有审批权限" if r["may_approve"] else "")
        parent = f"，隶属{names[r['parent_id']]}" if r["parent_id"] else ""
        console.print(f"{r['id']}. {r['name']}（{kind}{parent}{extra}）")


@member_app.command("add")
def member_add(
    name: str,
    org: Annotated[str, typer.Option("--org", help="所在党组织。")],
    since: Annotated[str, typer.Option("--since", help="自何日起为此身份。")],
    standing: Annotated[str, typer.Option("--standing", help="正式、预备、留党察看、中止。")] = "正式",
    post: Annotated[str | None, typer.Option("--post", help="书记、副书记、组织委员、委员、组织员。")] = None,
    by: ByOption = None, db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """登记党员。"""
    engine, clock = _engine(db), _clock()
    with told(as_json):
        member_id = services.add_member(engine, clock, _actor(engine, by, clock.today()), name=name,
                                        organisation=org, standing=standing, since=_date(since), post=post)
    emit_json({"id": member_id, "name": name}) if as_json else console.print(f"已登记党员「{name}」（编号{member_id}）。")


@member_app.command("standing")
def member_standing(
    name: str,
    standing: Annotated[str, typer.Argument(help="正式、预备、留党察看、中止。")],
    since: Annotated[str, typer.Option("--since", help="自何日起。")],
    by: ByOption = None, db: DbOption = None,
) -> None:
    """变更党员身份（如预备党员转正、受留党察看处分）。"""
    engine, clock = _engine(db), _clock()
    with told():
        services.change_standing(engine, clock, _actor(engine, by, clock.today()), name=name, standing=standing,
                                 since=_date(since))
    console.print(f"已记录：{name}自{since}起为{roster.standing(standing).label}。")


@applicant_app.command("add")
def applicant_add(
    name: str,
    org: Annotated[str, typer.Option("--org", help="受理申请的党支部。")],
    sex: Annotated[str, typer.Option("--sex", help="男或女。")],
    birth: Annotated[str, typer.Option("--birth", help="出生日期。")],
    id_number: Annotated[str | None, typer.Option("--id-number", help="身份证号码（校验位和出生日期会核对）。")] = None,
    unit: Annotated[str, typer.Option("--unit", help="工作、学习单位。")] = "",
    contact: Annotated[str, typer.Option("--contact", help="联系方式。")] = "",
    by: ByOption = None, db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """登记入党申请人并建立案卷；随后用 advance 记录第1步“递交入党申请书”。"""
    engine, clock = _engine(db), _clock()
    with told(as_json):
        case_id = services.add_applicant(engine, clock, _actor(engine, by, clock.today()), name=name, sex=sex,
                                         birth_date=_date(birth), organisation=org, id_number=id_number,
                                         unit=unit, contact=contact)
    if as_json:
        emit_json({"case_id": case_id, "name": name})
    else:
        console.print(f"已登记申请人「{name}」（案卷编号{case_id}）。下一步：fazhan advance {name} 递交入党申请书 --on 日期")


@app.command()
def advance(
    applicant: Annotated[str, typer.Argument(help="申请人姓名或案卷编号。")],
    step: Annotated[str, typer.Argument(help="步骤：代码、序号或中文名称。")],
    on: Annotated[str, typer.Option("--on", help="办理日期（纸质记录上的日期）。")],
    sets: Annotated[list[str] | None, typer.Option("--set", help="本步骤的材料，名称=值，可多次使用。")] = None,
    override_reason: Annotated[str | None, typer.Option("--override-reason", help="一般性规定的特批理由。")] = None,
    authoriser: Annotated[str | None, typer.Option("--authoriser", help="特批人。")] = None,
    backfill_reason: Annotated[str | None, typer.Option("--backfill-reason", help="补录原因（日期早于今天30天以上时必填）。")] = None,
    version: Annotated[int | None, typer.Option("--version", help="所见记录的版本号；已被他人修改时拒绝。")] = None,
    by: ByOption = None, db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """记录申请人的一个步骤：符合规定才记录，不符合时列出每一条不允许的规定。"""
    engine, clock = _engine(db), _clock()
    with told(as_json):
        case_id = services.find_case(engine, applicant)
        spec = spec_for(step, case_status(engine, case_id))  # 15/23 and 17/24 share a name: the stage decides
        act_on = _date(on)
        if bool(override_reason) != bool(authoriser):
            raise ValueError("特批须同时写明理由（--override-reason）和特批人（--authoriser）。")
        override = Override(override_reason, authoriser) if override_reason and authoriser else None
        request = StepRequest(spec.step, act_on, parse_evidence(spec, sets or []), override, backfill_reason, version)
        record = transfers.record if spec.step in transfers.TRANSFER_STEPS else services.advance  # review moves the case
        done = record(engine, clock, _actor(engine, by, act_on), case_id, request)
    if as_json:
        emit_json(done.as_dict())
        return
    if done.repeated:  # the same step, date and evidence as the last record (workflow/repeats.py)
        console.print(f"[green]已记录[/green]「{spec.label}」，{cn_date(act_on)}：此前已记录过同样的内容，"
                      f"未重复记录。当前状态：{done.status.label}。")
        return
    console.print(f"[green]已记录[/green]「{spec.label}」，{cn_date(act_on)}。当前状态：{done.status.label}。")
    for verdict in done.check.violations:
        console.print(f"[yellow]违反时限，已留痕：{verdict.sentence()}[/yellow]")
    for verdict in done.check.overridden:
        console.print(f"[yellow]经{override.authoriser if override else ''}特批：{verdict.sentence()}[/yellow]")


@app.command()
def show(applicant: str, db: DbOption = None, as_json: JsonOption = False) -> None:
    """查看申请人：所处阶段、已办步骤、下一步（最早和最迟日期）、违规记录。"""
    engine, clock = _engine(db), _clock()
    with told(as_json):
        view = services.show(engine, clock, services.find_case(engine, applicant))
        extras = case_extras(engine, view.case_id)
    if as_json:
        emit_json({**view.as_dict(), **extras.as_dict()})
        return
    person = view.applicant
    console.print(f"[bold]{person['name']}[/bold]（{person['sex']}，{cn_date(person['birth_date'])}生，{view.organisation}）"
                  f"  案卷{view.case_id}  当前：[bold]{view.status_name or view.status.label}[/bold]  版本{view.version}")
    for item in view.timeline:
        spec = SPECS[Step(item["step"])]
        back = f"  [补录：{item['backfill_reason']}]" if item["backfilled"] else ""
        label = step_label(spec, RuleSetId(item["rule_set"]))  # 2026.05: 「报上级党委同意」, not 备案
        console.print(f"  {cn_date(item['done_on'])}  {label}（{item['actor']}，{item['rule_set']}）{back}")
    for line in extras.lines():
        console.print(line)
    console.print("下一步：")
    print_plan(None, view.next_steps)
    for v in view.violations:
        console.print(f"[yellow]违规记录：{v['message']}（{v['article']}）{'【严重】' if v['grave'] else ''}[/yellow]")


@app.command("list")
def list_command(
    org: Annotated[str | None, typer.Option("--org", help="党组织（含下级）。")] = None,
    status: Annotated[str | None, typer.Option("--status", help="状态，如 入党积极分子、发展对象。")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="只列有逾期事项的。")] = False,
    db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """列出申请人，可按党组织、状态、是否逾期筛选。"""
    engine, clock = _engine(db), _clock()
    with told(as_json):
        rows = services.list_cases(engine, clock, organisation=org, status=status, overdue_only=overdue)
    if as_json:
        emit_json([{"case_id": r.case_id, "name": r.name, "organisation": r.organisation, "status": r.status.value,
                    "overdue": [n.spec.step.value for n in r.overdue], "next_due": r.next_due} for r in rows])
        return
    for r in rows:
        late = "；逾期：" + "、".join(n.spec.label for n in r.overdue) if r.overdue else ""
        due = f"；最近期限{cn_date(r.next_due)}" if r.next_due else ""
        console.print(f"{r.case_id}. {r.name}（{r.organisation}）{r.status.label}{due}{late}")
    console.print(f"共{len(rows)}人。")


@app.command("history")
def history_command(applicant: str, db: DbOption = None, as_json: JsonOption = False) -> None:
    """申请人的全部审计事件，含被拒绝的尝试。"""
    engine = _engine(db)
    with told(as_json):
        events = services.history(engine, services.find_case(engine, applicant))
    if as_json:
        emit_json([{k: to_json(v) for k, v in e.items()} for e in events])
        return
    kinds = {"case_opened": "建立案卷", "step_recorded": "记录步骤", "step_refused": "被拒绝的尝试"}
    for e in events:
        step = e["payload"].get("step")
        what = SPECS[Step(step)].label if step else ""
        on = f"{cn_date(e['effective_on'])} " if e["effective_on"] else ""
        console.print(f"#{e['seq']} {_beijing(e['recorded_at']):%Y-%m-%d %H:%M} {kinds.get(e['kind'], e['kind'])} {on}{what}"
                      f"（{e['actor']}，{e['actor_role']}）")


def _beijing(moment: datetime) -> datetime:
    """Stored moments are UTC (SQLite returns them without a zone); people read Beijing time."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(BEIJING)
