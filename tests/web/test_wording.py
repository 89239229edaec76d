"""The secretary's words (issue 16 item 5): command-line hints, event codes and certainty tags never reach a page."""

from __future__ import annotations

from datetime import datetime

import pytest

from interfaces.web import wording
from interfaces.web.views import history_rows
from workflow.clock import BEIJING


@pytest.mark.parametrize(("service_says", "page_says"), [
    ("党员名册中没有「张三」。请先用 fazhan member add 登记。", "党员名册中没有「张三」。请先在「党员名册」页面登记。"),
    ("找不到党组织「某支部」。可用 fazhan org list 查看。", "找不到党组织「某支部」。"),
    ("会议1已结束，不能再修改；如有错误，请用 fazhan meeting correct 登记更正（留痕）。",
     "会议1已结束，不能再修改；如有错误，请在会议页面登记更正（留痕）。"),
    ("补录须说明原因（如：据纸质档案补录；命令行用 --backfill-reason）。", "补录须说明原因（如：据纸质档案补录）。"),
    ("支部书记须指定所属党组织（--org），其数据范围是该组织及其下级。", "支部书记须指定所属党组织，其数据范围是该组织及其下级。"),
    ("须先办理「2. 党组织派人谈话」。", "须先办理「2. 党组织派人谈话」。"),  # a plain sentence is left alone
])
def test_command_line_hints_become_what_the_page_offers(service_says: str, page_says: str) -> None:
    assert wording.plain(service_says) == page_says


def test_history_rows_name_events_people_and_reasons_in_chinese() -> None:
    events = [
        {"seq": 7, "recorded_at": datetime(2026, 6, 15, 1, tzinfo=BEIJING), "kind": "meeting_item_added",
         "effective_on": None, "actor": "陈静", "actor_role": "支部书记（chenjing）", "payload": {}},
        {"seq": 8, "recorded_at": datetime(2026, 6, 15, 2, tzinfo=BEIJING), "kind": "meeting_refused",
         "effective_on": None, "actor": "陈静", "actor_role": "支部书记（chenjing）",
         "payload": {"reason": "会议1已结束，不能再修改；如有错误，请用 fazhan meeting correct 登记更正（留痕）。"}},
        {"seq": 9, "recorded_at": datetime(2026, 6, 15, 3, tzinfo=BEIJING), "kind": "some_future_event",
         "effective_on": None, "actor": "系统", "actor_role": "系统", "payload": {}},
    ]
    added, refused, unknown = history_rows(events)
    assert (added.kind, added.actor, added.refused) == ("列入会议议题", "陈静（支部书记）", False)
    assert refused.refused and refused.kind == "会议操作被拒绝"
    assert refused.reasons == ("会议1已结束，不能再修改；如有错误，请在会议页面登记更正（留痕）。",)
    assert (unknown.kind, unknown.actor) == ("其他操作", "系统")


def test_certainty_tags_are_for_maintainers_not_for_pages() -> None:
    assert wording.article("《发展党员工作细则》第十条[W]") == "《发展党员工作细则》第十条"
    assert wording.article("党章第五条[R26]") == "党章第五条"
