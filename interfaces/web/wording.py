"""The secretary's words: Chinese names of audit events, actors as people read them, errors without CLI hints.

The services speak to both the command line and the web; their messages sometimes tell the reader which
command to run. A secretary in the browser has no command line, so the pages translate those hints here.
"""

from __future__ import annotations

import re
from typing import Any

EVENTS = {
    "case_opened": "建立案卷",
    "step_recorded": "记录步骤",
    "step_refused": "被拒绝的尝试",
    "case_exported": "转往外单位（导出案卷）",
    "case_received": "从外单位转入案卷",
    "user_added": "添加用户",
    "organisation_added": "登记党组织",
    "organisation_changed": "修改党组织设置",
    "member_added": "登记党员",
    "standing_changed": "党员身份变更",
    "member_left": "党员离开名册",
    "post_assigned": "担任职务",
    "post_ended": "免去职务",
    "meeting_opened": "开会",
    "meeting_attendance_recorded": "登记出席",
    "meeting_roster_refreshed": "按名册更新应到名单",
    "meeting_voter_excluded": "不计入应到",
    "meeting_item_added": "列入会议议题",
    "meeting_discussion_recorded": "记录讨论情况",
    "written_opinion_accepted": "登记书面意见（计入票数）",
    "written_opinion_rejected": "登记书面意见（不计入票数）",
    "meeting_ballot_recorded": "记录计票结果",
    "meeting_item_passed": "议题表决通过",
    "meeting_item_failed": "议题表决未通过",
    "meeting_refused": "会议操作被拒绝",
    "meeting_closed": "会议结束",
    "meeting_corrected": "更正会议记录",
    "document_generated": "生成会议文书",
    "robot_configured": "设置群机器人",
    "calendar_loaded": "导入节假日安排",
}

# Hints that only make sense on the command line, and what a page says instead.
_HINTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"请先用 ?fazhan member add 登记。?"), "请先在「党员名册」页面登记。"),
    (re.compile(r"可用 ?fazhan [a-z ]+ 查看。?"), ""),
    (re.compile(r"请先用 ?fazhan meeting close 结束会议"), "请先结束会议"),
    (re.compile(r"请用 ?fazhan meeting correct 登记更正"), "请在会议页面登记更正"),
    (re.compile(r"请先用 ?fazhan meeting decide 作出决定"), "请先在会议页面作出决定"),
    (re.compile(r"[；;，,]?\s*命令行用 ?--[a-z-]+"), ""),
    (re.compile(r"（--[a-z-]+）"), ""),
    (re.compile(r"--backfill-reason"), "补录原因"),
    (re.compile(r"（fazhan transfer export）"), "（申请人页面上的按钮）"),
]


def plain(message: str) -> str:
    """A service's message with command-line hints replaced by what the secretary does on the page."""
    for pattern, instead in _HINTS:
        message = pattern.sub(instead, message)
    return message.replace("（）", "").replace("（。）", "。").strip()


_TAG = re.compile(r"\[(V|W|M|G|R26)\]")


def article(text: str) -> str:
    """An article as stored (「第十条[W]」) without the catalogue's certainty tag, which is for maintainers."""
    return _TAG.sub("", text)


def event_label(kind: str) -> str:
    return EVENTS.get(kind, "其他操作")


def role_of(actor_role: str) -> str:
    """「支部书记（chenjing）」→「支部书记」: the login name is for administrators, not for the history page."""
    return actor_role.split("（", 1)[0] or actor_role


def person(actor: str, actor_role: str) -> str:
    """「陈静（支部书记）」."""
    role = role_of(actor_role)
    return f"{actor}（{role}）" if role and role != actor else actor


def event_reason(kind: str, payload: dict[str, Any]) -> str:
    """Why a refused or excluding event happened, when the payload says so."""
    for key in ("reason", "rejection_reason", "excluded_reason", "category"):
        value = payload.get(key)
        if isinstance(value, str) and value:
            return plain(value)
    if kind == "meeting_refused":
        return "（未记录原因）"
    return ""
