"""Templates for every kind: rendered with realistic context, strict about missing names, overridable."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from jinja2 import UndefinedError, meta

from notices.deadlines import DueNotice, NoticeKind, due_notices, meeting_notice
from notices.messages import CaseInfo, notice_context
from notices.render import SHIPPED_TEMPLATES, environment, render_email_html, render_notice, template_name
from tests.builders import run_history
from tests.notices.histories import (
    ACTIVIST,
    APPLIED,
    CONSENTED_2026,
    PRE_REVIEWED_2026,
    PROBATIONARY,
    RESOLVED_2014,
)

INFO = CaseInfo(7, "李明", 2, "计算机学院党支部", "某大学党委", "计算机学院党支部（联系人：陈静）或某大学党委（组织员：刘洋）")


def _notices() -> dict[NoticeKind, tuple[DueNotice, date]]:
    """One realistic notice of every kind, and a day to render it on (its send day)."""
    found: dict[NoticeKind, tuple[DueNotice, date]] = {}
    for history, day in ((APPLIED, date(2025, 1, 31)), (ACTIVIST, date(2024, 7, 1)), (RESOLVED_2014, date(2025, 12, 26)),
                         (PROBATIONARY, date(2026, 6, 1)), (CONSENTED_2026, date(2026, 9, 24)),
                         (PRE_REVIEWED_2026, date(2026, 11, 2))):
        for notice in due_notices(run_history(history).facts, day):
            found.setdefault(notice.kind, (notice, notice.send_on))
    notice = meeting_notice(date(2026, 12, 1), ["讨论李明同志能否接收为预备党员", "讨论张华同志能否接收为预备党员"], "接收预备党员")
    found[NoticeKind.MEETING_NOTICE] = (notice, notice.send_on)
    return found


NOTICES = _notices()
OATH = NoticeKind.OATH_REMINDER


def context_for(kind: NoticeKind) -> dict[str, Any]:
    if kind is OATH:  # the reported 2026 oath rule needs a whole 2026 history to approval: built by hand
        notice = DueNotice(OATH, NOTICES[NoticeKind.TALK_REMINDER][0].step, date(2026, 12, 20), date(2026, 12, 13),
                           (), -7, None, {"anchor_on": date(2026, 11, 20), "article": "《发展党员工作细则》（2026年修订）第二十九条"})
        return notice_context(INFO, notice, "刘洋", notice.send_on)
    notice, day = NOTICES[kind]
    return notice_context(INFO, notice, "陈静", day)


def referenced(kind: NoticeKind) -> set[str]:
    """Every name the template and the templates it includes use."""
    env, names, todo, done = environment(), set(), [template_name(kind)], set()
    while todo:
        name = todo.pop()
        done.add(name)
        source = env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
        ast = env.parse(source)
        names |= meta.find_undeclared_variables(ast)
        todo += [t for t in meta.find_referenced_templates(ast) if t and t not in done]
    return names


def test_every_kind_has_a_template_and_every_template_a_kind() -> None:
    shipped = {p.name.removesuffix(".txt.j2") for p in (SHIPPED_TEMPLATES / "notices").glob("*.txt.j2")}
    assert shipped - {"_footer", "_when"} == {k.value for k in NoticeKind}
    assert set(NOTICES) | {OATH} == set(NoticeKind)


@pytest.mark.parametrize("kind", list(NoticeKind), ids=[k.value for k in NoticeKind])
def test_every_kind_renders_in_plain_chinese_with_chinese_dates(kind: NoticeKind) -> None:
    context = context_for(kind)
    rendered = render_notice(kind, context)
    assert rendered.subject.startswith("【") and "\n" not in rendered.subject
    assert rendered.body.startswith(f"{context['recipient']}同志：")
    assert "李明" in rendered.subject + rendered.body
    text = rendered.subject + rendered.body
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", text)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text), "dates are written 2025年3月10日"
    assert "None" not in text and "{{" not in text and "{%" not in text


@pytest.mark.parametrize("kind", list(NoticeKind), ids=[k.value for k in NoticeKind])
def test_every_name_a_template_uses_is_required(kind: NoticeKind) -> None:
    context = context_for(kind)
    names = referenced(kind)
    assert names <= set(context), f"the context lacks {names - set(context)}"
    for name in sorted(names):
        with pytest.raises(UndefinedError):
            render_notice(kind, {k: v for k, v in context.items() if k != name})


def test_the_talk_reminder_as_a_secretary_receives_it() -> None:
    notice, day = NOTICES[NoticeKind.TALK_REMINDER]
    rendered = render_notice(NoticeKind.TALK_REMINDER, notice_context(INFO, notice, "陈静", day))
    assert rendered.subject == "【谈话提醒】李明的入党谈话应于2025年2月28日前进行"
    assert "计算机学院党支部于2025年1月31日收到李明同志的入党申请书" in rendered.body
    assert "距期限还有7天" in rendered.body


def test_the_publicity_notice_gives_working_days_and_where_to_send_feedback() -> None:
    body = render_notice(NoticeKind.PUBLICITY_NOTICE, context_for(NoticeKind.PUBLICITY_NOTICE)).body
    assert "公示时间：2026年9月28日至2026年10月9日（5个工作日" in body
    assert "请向计算机学院党支部（联系人：陈静）或某大学党委（组织员：刘洋）提出" in body
    assert "自2026年10月10日起可列为发展对象" in body


def test_the_meeting_notice_lists_every_item_with_the_weekday() -> None:
    rendered = render_notice(NoticeKind.MEETING_NOTICE, context_for(NoticeKind.MEETING_NOTICE))
    assert rendered.subject == "【会议通知】计算机学院党支部定于2026年12月1日（星期二）召开支部党员大会"
    assert "1. 讨论李明同志能否接收为预备党员\n2. 讨论张华同志能否接收为预备党员" in rendered.body


@pytest.mark.parametrize(("days_left", "phrase"), [(7, "距期限还有7天"), (0, "今天是期限的最后一天"), (-3, "期限已过3天")])
def test_before_on_and_after_the_deadline_read_differently(days_left: int, phrase: str) -> None:
    context = {**context_for(NoticeKind.TALK_REMINDER), "days_left": days_left}
    assert phrase in render_notice(NoticeKind.TALK_REMINDER, context).body


def test_a_deployment_overrides_a_template_by_putting_its_own_first(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "notices").mkdir()
    (tmp_path / "notices" / "talk_reminder.txt.j2").write_text(
        "【本校提醒】请与{{ applicant }}谈话\n\n{{ recipient }}：请于{{ due_on|cn_date }}前谈话。", encoding="utf-8")
    context = context_for(NoticeKind.TALK_REMINDER)
    rendered = render_notice(NoticeKind.TALK_REMINDER, context, str(tmp_path))
    assert (rendered.subject, rendered.body) == ("【本校提醒】请与李明谈话", "陈静：请于2025年2月28日前谈话。")
    monkeypatch.setenv("FAZHAN_TEMPLATES_DIR", str(tmp_path))
    assert render_notice(NoticeKind.TALK_REMINDER, context).subject == "【本校提醒】请与李明谈话"
    # Templates the deployment did not override still come from the shipped directory.
    assert render_notice(NoticeKind.ASSESSMENT_REMINDER, context_for(NoticeKind.ASSESSMENT_REMINDER)).subject.startswith("【考察")


def test_an_override_with_a_misspelt_name_fails_instead_of_leaving_a_blank(tmp_path: Path) -> None:
    (tmp_path / "notices").mkdir()
    (tmp_path / "notices" / "talk_reminder.txt.j2").write_text("【提醒】{{ applicant_name }}\n\n正文", encoding="utf-8")
    with pytest.raises(UndefinedError):
        render_notice(NoticeKind.TALK_REMINDER, context_for(NoticeKind.TALK_REMINDER), str(tmp_path))


def test_the_html_email_is_escaped() -> None:
    rendered = render_notice(NoticeKind.TALK_REMINDER, {**context_for(NoticeKind.TALK_REMINDER),
                                                        "applicant": "<script>alert(1)</script>"})
    html = render_email_html(rendered)
    assert "<script>" not in html and "&lt;script&gt;" in html and "<p>" in html
