"""``fazhan meeting …``: a whole meeting from the command line, one applicant per item, every command with --json.

Exit codes as everywhere: 0 done, 2 bad input, 3 refused by a rule (the reason is printed), 4 conflict.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from interfaces.cli.app import EXIT_REFUSED, DbOption, JsonOption, app, console, emit_json, told
from interfaces.cli.records import ByOption, _actor, _clock, _date, _engine
from states.attendance import Ballots, MeetingKind
from states.facts import Override
from states.periods import cn_date, cn_period
from states.procedure import SPECS
from states.steps import Step
from workflow import meetings, services
from workflow.evidence import to_json
from workflow.meetings import MeetingRefused, MeetingView

meeting_app = typer.Typer(help="会议：支委会、党员大会、党委会；逐个讨论、逐个表决。", no_args_is_help=True)
app.add_typer(meeting_app, name="meeting")

MeetingArg = Annotated[int, typer.Argument(help="会议编号。")]
ItemArg = Annotated[int, typer.Argument(help="议题编号。")]
SetOption = Annotated[list[str] | None, typer.Option("--set", help="本议题的材料，名称=值，可多次使用。")]


@contextmanager
def refused_or_told(as_json: bool) -> Iterator[None]:
    """A meeting rule's refusal is exit code 3 with its reason; everything else as ``told``."""
    with told(as_json):
        try:
            yield
        except MeetingRefused as refused:
            if as_json:
                emit_json({"error": "refused", "message": str(refused)})
            else:
                console.print(f"[red]不能办理：{refused}[/red]")
            raise typer.Exit(EXIT_REFUSED) from None


def _say(as_json: bool, data: dict[str, Any], sentence: str) -> None:
    emit_json(data) if as_json else console.print(sentence)


def _quorum_sentence(entitled: int, present: int, kind: MeetingKind) -> str:
    who = "有表决权党员" if kind is MeetingKind.BRANCH_GENERAL_MEETING else "委员"
    needed = entitled // 2 + 1
    state = "已超过半数" if present >= needed else f"未超过半数（至少需要{needed}名）"
    return f"应到会{who}{entitled}名，实到{present}名，{state}。"


@meeting_app.command("open")
def open_command(
    org: Annotated[str, typer.Option("--org", help="召开会议的党组织。")],
    kind: Annotated[str, typer.Option("--kind", help="党员大会、支委会或党委会。")],
    on: Annotated[str, typer.Option("--on", help="会议日期。")],
    title: Annotated[str, typer.Option("--title", help="会议名称。")] = "",
    chair: Annotated[str, typer.Option("--chair", help="主持人。")] = "",
    recorder: Annotated[str, typer.Option("--recorder", help="记录人。")] = "",
    by: ByOption = None, db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """开会：按会议当日的党员名册确定应到会有表决权的人员名单。"""
    engine, clock = _engine(db), _clock()
    with refused_or_told(as_json):
        held_on = _date(on)
        opened = meetings.open_meeting(engine, clock, _actor(engine, by, held_on), organisation=org, kind=kind,
                                       held_on=held_on, title=title, chair=chair, recorder=recorder)
    who = "有表决权的正式党员" if opened.kind is MeetingKind.BRANCH_GENERAL_MEETING else "委员"
    lines = [f"已开会议{opened.meeting_id}：{opened.title}（{opened.kind.label}），{cn_date(held_on)}。",
             f"应到会{who}{len(opened.entitled)}名：{'、'.join(opened.entitled)}。"]
    lines += [f"不计入应到：{note}" for _, note in opened.not_entitled]
    if held_on > clock.today():
        lines.append("会议尚未召开：可以先列入议题、登记会前提出的书面意见；到会议当日再登记出席和表决。")
    _say(as_json, {"meeting_id": opened.meeting_id, "kind": opened.kind.value, "entitled": opened.entitled,
                   "not_entitled": [{"name": n, "reason": r} for n, r in opened.not_entitled]}, "\n".join(lines))


@meeting_app.command("attend")
def attend_command(
    meeting: MeetingArg,
    names: Annotated[list[str], typer.Argument(help="到会的有表决权党员姓名。")],
    absent: Annotated[bool, typer.Option("--absent", help="改为未到会（更正误登记）。")] = False,
    by: ByOption = None, db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """登记到会的有表决权党员（预备党员等没有表决权的人会被拒绝并说明原因）。"""
    engine, clock = _engine(db), _clock()
    with refused_or_told(as_json):
        view = meetings.meeting_view(engine, meeting)
        done = meetings.record_attendance(engine, clock, _actor(engine, by, view.held_on), meeting, names,
                                          present=not absent)
    verb = "未到会" if absent else "到会"
    voided = f"\n{'、'.join(done.voided_opinions)}的书面意见因本人到会而不再计入。" if done.voided_opinions else ""
    _say(as_json, {"meeting_id": meeting, "names": done.names, "present": not absent, "entitled": done.entitled,
                   "present_count": done.present, "voided_opinions": done.voided_opinions},
         f"已登记{verb}：{'、'.join(done.names)}。{_quorum_sentence(done.entitled, done.present, view.kind)}{voided}")


@meeting_app.command("exclude")
def exclude_command(
    meeting: MeetingArg,
    name: Annotated[str, typer.Argument(help="党员姓名。")],
    category: Annotated[str, typer.Option("--category", help="因病、出国、服刑、卧床、外出（五类情形之一）。")],
    consent: Annotated[str, typer.Option("--consent", help="上级党组织同意的文件或记录。")],
    resolution: Annotated[str, typer.Option("--resolution", help="党员大会的决议。")],
    by: ByOption = None, db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """经上级党组织同意并经党员大会决议，不计入应到会人数（五类情形）。"""
    engine, clock = _engine(db), _clock()
    with refused_or_told(as_json):
        view = meetings.meeting_view(engine, meeting)
        done = meetings.exclude_voter(engine, clock, _actor(engine, by, view.held_on), meeting, name,
                                      category=category, consent=consent, resolution=resolution)
    _say(as_json, {"meeting_id": meeting, "name": name, "entitled": done.entitled, "present_count": done.present},
         f"{name}不计入应到会人数。{_quorum_sentence(done.entitled, done.present, view.kind)}")


@meeting_app.command("item")
def item_command(
    meeting: MeetingArg,
    applicants: Annotated[list[str], typer.Argument(help="一名申请人（姓名或案卷编号）。")],
    purpose: Annotated[str, typer.Option("--purpose", help="接收预备党员、转正、延长预备期、取消预备党员资格、"
                                                            "确定入党积极分子、确定发展对象、审查、审批。")],
    sets: SetOption = None, by: ByOption = None, db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """列入一个议题：一名申请人、一项事由；两人以上须分别列入，逐个讨论和表决。"""
    engine, clock = _engine(db), _clock()
    with refused_or_told(as_json):
        view = meetings.meeting_view(engine, meeting)
        case_ids = [services.find_case(engine, applicant) for applicant in applicants]
        item_id = meetings.add_item(engine, clock, _actor(engine, by, view.held_on), meeting, case_ids, purpose,
                                    sets or [])
        case_id = case_ids[0]
    chosen = meetings.item_purpose(purpose)
    _say(as_json, {"meeting_id": meeting, "item_id": item_id, "case_id": case_id, "purpose": chosen.value},
         f"已列入议题{item_id}：{applicants[0]} — {chosen.label}。")


@meeting_app.command("opinion")
def opinion_command(
    item: ItemArg,
    name: Annotated[str, typer.Argument(help="提出书面意见的党员。")],
    opinion: Annotated[str, typer.Argument(help="赞成、反对或弃权。")],
    on: Annotated[str, typer.Option("--on", help="书面意见提出的日期（须在会前）。")],
    by: ByOption = None, db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """登记因故不能到会的有表决权党员在会前提出的书面意见；不符合规定的意见记为不计入并说明原因。"""
    engine, clock = _engine(db), _clock()
    with refused_or_told(as_json):
        done = meetings.record_written_opinion(engine, clock, _actor(engine, by, clock.today()), item, name,
                                               opinion, _date(on))
    data = {"item_id": item, "opinion_id": done.opinion_id, "accepted": done.accepted, "reason": done.reason}
    if done.accepted:
        _say(as_json, data, f"已登记{name}的书面意见（{meetings.opinion_of(opinion).label}），计入票数。")
        return
    _say(as_json, data, f"[red]{name}的书面意见不计入票数：{done.reason}（已登记并留痕）[/red]")
    raise typer.Exit(EXIT_REFUSED)


@meeting_app.command("discuss")
def discuss_command(
    item: ItemArg,
    text: Annotated[str, typer.Option("--text", help="对该申请人的讨论情况。")],
    by: ByOption = None, db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """记录本议题的讨论情况（每名申请人单独讨论）。"""
    engine, clock = _engine(db), _clock()
    with refused_or_told(as_json):
        meetings.record_discussion(engine, clock, _actor(engine, by, clock.today()), item, text)
    _say(as_json, {"item_id": item, "discussion": text}, f"已记录议题{item}的讨论情况。")


@meeting_app.command("ballot")
def ballot_command(
    item: ItemArg,
    yes: Annotated[int, typer.Option("--yes", help="赞成票。")],
    no: Annotated[int, typer.Option("--no", help="反对票。")] = 0,
    abstain: Annotated[int, typer.Option("--abstain", help="弃权票。")] = 0,
    invalid: Annotated[int, typer.Option("--invalid", help="无效票。")] = 0,
    method: Annotated[str, typer.Option("--method", help="无记名投票或举手（举手仅限1990年试行细则时期）。")] = "无记名投票",
    months: Annotated[int | None, typer.Option("--months", help="延长预备期的时间（6至12个月）。")] = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="转正议题表决的决议：按期转正、延长预备期、取消预备党员资格。")] = None,
    by: ByOption = None, db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """记录本议题的计票结果（只涉及一名申请人）。"""
    engine, clock = _engine(db), _clock()
    with refused_or_told(as_json):
        ballots = Ballots(yes, no, abstain, invalid, meetings.voting_method(method))
        tally = meetings.record_ballot(engine, clock, _actor(engine, by, clock.today()), item, ballots,
                                       months=months, outcome=outcome)
    written = f"；另有书面意见{tally.written_total}份（赞成{tally.written_yes}）" if tally.written_total else ""
    _say(as_json, {"item_id": item, "tally": to_json(tally)},
         f"已记录议题{item}的{ballots.method.label}结果：赞成{yes}票，反对{no}票，弃权{abstain}票，无效{invalid}票{written}。")


@meeting_app.command("decide")
def decide_command(
    item: ItemArg,
    sets: SetOption = None,
    override_reason: Annotated[str | None, typer.Option("--override-reason", help="一般性规定的特批理由。")] = None,
    authoriser: Annotated[str | None, typer.Option("--authoriser", help="特批人。")] = None,
    backfill_reason: Annotated[str | None, typer.Option("--backfill-reason", help="补录原因（会议早于今天30天以上时必填）。")] = None,
    by: ByOption = None, db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """按会议名单、出席、书面意见和计票作出决定；通过的，为该申请人记录相应步骤。"""
    engine, clock = _engine(db), _clock()
    with refused_or_told(as_json):
        if bool(override_reason) != bool(authoriser):
            raise ValueError("特批须同时写明理由（--override-reason）和特批人（--authoriser）。")
        override = Override(override_reason, authoriser) if override_reason and authoriser else None
        view = meetings.meeting_view(engine, meetings.item_meeting(engine, item))
        done = meetings.decide_item(engine, clock, _actor(engine, by, view.held_on), item, evidence=sets or [],
                                    override=override, backfill_reason=backfill_reason)
    if as_json:
        emit_json(_decided_json(done))
        return
    console.print(_decided_sentence(done, view))


def _decided_json(done: meetings.Decided) -> dict[str, Any]:
    return {"item_id": done.item_id, "case_id": done.case_id, "applicant": done.applicant,
            "purpose": done.purpose.value, "passed": done.passed, "tally": to_json(done.tally),
            "yes_total": done.vote.yes_total, "needed_yes": done.vote.needed_yes, "reasons": done.reasons,
            "step": done.advanced.step.value if done.advanced else None,
            "status": done.advanced.status.value if done.advanced else None,
            "audit_seq": done.advanced.audit_seq if done.advanced else None}


def _decided_sentence(done: meetings.Decided, view: MeetingView) -> str:
    t, who = done.tally, ("有表决权党员" if view.kind is MeetingKind.BRANCH_GENERAL_MEETING else "委员")
    written = f"（含书面意见{t.written_yes}票）" if t.written_total else ""
    counts = f"应到{t.entitled}名，实到{t.present}名；赞成{done.vote.yes_total}票{written}，反对{t.no + t.written_no}票，" \
             f"弃权{t.abstain + t.written_abstain}票，无效{t.invalid}票"
    if not done.passed:
        return f"[yellow]议题{done.item_id}（{done.applicant}）未通过：{counts}。{''.join(done.reasons)}" \
               f"{done.applicant}的状态不变，表决情况已记入历史。[/yellow]"
    advanced = done.advanced
    assert advanced is not None
    lines = [f"[green]议题{done.item_id}（{done.applicant}）通过[/green]：{counts}，超过应到会{who}{t.entitled}名的半数"
             f"（至少{done.vote.needed_yes}票）。",
             f"已记录「{SPECS[advanced.step].label}」，{cn_date(view.held_on)}。当前状态：{advanced.status.label}。"]
    end = done.probation_ends_on
    if advanced.step is Step.ADMISSION_RESOLVED:
        lines.append(f"预备期自{cn_date(view.held_on)}起算（经上级党委批准后生效）。")
    elif advanced.step is Step.PROBATION_EXTENDED and end:
        lines.append(f"预备期延长{cn_period(done.extension_months or 0)}，至{cn_date(end - timedelta(days=1))}止。")
    elif advanced.step is Step.ADMISSION_APPROVED and end:
        lines.append(f"预备期自支部大会通过之日起算，至{cn_date(end - timedelta(days=1))}止。")
    elif advanced.step is Step.CONFIRMATION_RESOLVED and end:
        lines.append(f"报上级党委审批；批准后党龄自{cn_date(end)}（预备期满之日）起算。")
    for verdict in advanced.check.violations:
        lines.append(f"[yellow]违反时限，已留痕：{verdict.sentence()}[/yellow]")
    return "\n".join(lines)


@meeting_app.command("close")
def close_command(meeting: MeetingArg, by: ByOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """结束会议：此后只能以更正记录的方式修改（留痕）。"""
    engine, clock = _engine(db), _clock()
    with refused_or_told(as_json):
        meetings.close_meeting(engine, clock, _actor(engine, by, clock.today()), meeting)
    _say(as_json, {"meeting_id": meeting, "status": "closed"}, f"会议{meeting}已结束。")


@meeting_app.command("correct")
def correct_command(
    meeting: MeetingArg,
    field_name: Annotated[str, typer.Option("--field", help="会议名称、主持人、记录人或讨论情况。")],
    value: Annotated[str, typer.Option("--value", help="正确的内容。")],
    reason: Annotated[str, typer.Option("--reason", help="更正理由。")],
    item: Annotated[int | None, typer.Option("--item", help="更正讨论情况时，议题编号。")] = None,
    by: ByOption = None, db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """更正已结束的会议：新增一条更正记录（原记录保留），并记入审计链。"""
    engine, clock = _engine(db), _clock()
    with refused_or_told(as_json):
        correction = meetings.correct_meeting(engine, clock, _actor(engine, by, clock.today()), meeting,
                                              field_name=field_name, value=value, reason=reason, item_id=item)
    _say(as_json, {"meeting_id": meeting, "correction_id": correction}, f"已登记更正{correction}（原记录保留）。")


@meeting_app.command("show")
def show_command(meeting: MeetingArg, db: DbOption = None, as_json: JsonOption = False) -> None:
    """查看会议：名单、出席、书面意见、每个议题的讨论、计票和结果、更正记录。"""
    with refused_or_told(as_json):
        view = meetings.meeting_view(_engine(db), meeting)
    if as_json:
        emit_json(view_json(view))
        return
    for line in view_lines(view):
        console.print(line)


def view_json(view: MeetingView) -> dict[str, Any]:
    return {
        "meeting_id": view.id, "organisation": view.organisation, "kind": view.kind.value, "kind_name": view.kind.label,
        "held_on": view.held_on.isoformat(), "title": view.title, "chair": view.chair, "recorder": view.recorder,
        "status": view.status, "entitled": view.entitled, "present": view.present,
        "voters": [{"name": v.name, "standing": v.standing.value, "entitled": v.entitled, "present": v.present,
                    "excluded_reason": v.excluded_reason} for v in view.voters],
        "items": [{"item_id": i.id, "case_id": i.case_id, "applicant": i.applicant, "purpose": i.purpose.value,
                   "purpose_name": i.purpose.label, "discussion": i.discussion,
                   "ballots": None if i.ballots is None else {**i.ballots.__dict__, "method": i.ballots.method.value},
                   "extension_months": i.extension_months, "result": i.result, "step_record_id": i.step_record_id,
                   "tally": to_json(i.tally) if i.tally else None,
                   "written_opinions": [{"name": o.name, "opinion": o.opinion.value, "submitted_on": o.submitted_on,
                                         "accepted": o.accepted, "reason": o.reason} for o in i.opinions]}
                  for i in view.items],
        "corrections": [{k: to_json(v) for k, v in c.items()} for c in view.corrections],
    }


def view_lines(view: MeetingView) -> list[str]:
    state = "进行中" if view.status == "open" else "已结束"
    lines = [f"会议{view.id}：{view.title}（{view.kind.label}），{cn_date(view.held_on)}，{state}",
             f"主持人：{view.chair or '未填'}  记录人：{view.recorder or '未填'}",
             _quorum_sentence(view.entitled, view.present, view.kind)]
    present = [v.name for v in view.voters if v.entitled and v.present]
    absent = [v.name for v in view.voters if v.entitled and not v.present]
    lines.append(f"  到会：{'、'.join(present) or '无'}")
    lines.append(f"  未到会：{'、'.join(absent) or '无'}")
    lines += [f"  不计入应到：{v.not_counted_note}" for v in view.voters if not v.entitled]
    for item in view.items:
        lines += _item_lines(item)
    lines += [f"更正{c['id']}：{meetings.CORRECTABLE[c['field_name']]}「{c['old_value']}」→「{c['new_value']}」，理由：{c['reason']}"
              f"（{c['corrected_by']}）" for c in view.corrections]
    return lines


def _item_lines(item: meetings.ItemView) -> list[str]:
    motion = item.purpose.label + (f"{cn_period(item.extension_months)}" if item.extension_months else "")
    lines = [f"议题{item.id}：{item.applicant} — {motion}：{item.result_label}",
             f"  讨论：{item.discussion or '（未记录）'}"]
    if item.ballots and item.tally and item.vote:
        b, t = item.ballots, item.tally
        written = (f"书面意见：赞成{t.written_yes}，反对{t.written_no}，弃权{t.written_abstain}；"
                   if t.written_total else "")
        lines.append(f"  {b.method.label}：赞成{b.yes}，反对{b.no}，弃权{b.abstain}，无效{b.invalid}；{written}"
                     f"赞成合计{item.vote.yes_total}票，须至少{item.vote.needed_yes}票")
    lines += [f"  书面意见：{o.name}（{o.opinion.label}，{cn_date(o.submitted_on)}）"
              + ("计入" if o.accepted else f"不计入：{o.reason}") for o in item.opinions]
    return lines


@meeting_app.command("list")
def list_command(org: Annotated[str | None, typer.Option("--org", help="党组织（含下级）。")] = None,
                 db: DbOption = None, as_json: JsonOption = False) -> None:
    """列出会议。"""
    with refused_or_told(as_json):
        rows = meetings.list_meetings(_engine(db), org)
    if as_json:
        emit_json([{"meeting_id": r.id, "organisation": r.organisation, "kind": r.kind.value,
                    "held_on": r.held_on.isoformat(), "status": r.status, "items": r.items} for r in rows])
        return
    for r in rows:
        console.print(f"{r.id}. {r.organisation}{r.kind.label}，{cn_date(r.held_on)}，"
                      f"{'进行中' if r.status == 'open' else '已结束'}，{r.items}个议题")


@meeting_app.command("documents")
def documents_command(
    meeting: MeetingArg,
    out: Annotated[Path | None, typer.Option("--out", help="输出目录（默认：数据库文件旁的 documents/）。")] = None,
    by: ByOption = None, db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """生成会议记录和每名申请人的支部大会决议（HTML 和 Word），哈希值记入审计链。"""
    from workflow import documents  # python-docx and jinja2 load only for this command

    engine, clock = _engine(db), _clock()
    with refused_or_told(as_json):
        made = documents.generate(engine, clock, _actor(engine, by, clock.today()), meeting,
                                  out or documents.default_directory(db))
    if as_json:
        emit_json([{"kind": d.kind, "format": d.format, "path": str(d.path), "sha256": d.sha256,
                    "case_id": d.case_id} for d in made])
        return
    for d in made:
        shown = d.path.relative_to(Path.cwd()) if d.path.is_relative_to(Path.cwd()) else d.path
        console.print(f"{d.title}（{d.format}）：{shown}  SHA-256 {d.sha256[:16]}…")
