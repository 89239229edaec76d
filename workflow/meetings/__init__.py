"""Meetings and one-by-one votes: each action is one transaction that checks, writes and appends its audit event.

The meeting keeps its own voter list, taken from the roster of the meeting date when it is opened; every tally
is computed from that list, the recorded attendance and the accepted written opinions, never from typed
应到/实到 numbers. A passed item records its procedure step through ``services.advance_in``, in the same
transaction as the decision (so every rule of the step applies and a crash leaves nothing half decided); a
failed item changes no status and is kept with its tally. Refusals change nothing and leave one
``meeting_refused`` event, as refused steps do.

One module per job: ``base`` (tables, words, helpers), ``opening`` (voter list, attendance, exclusions),
``agenda`` (items, written opinions, discussion, ballot), ``decisions``, ``corrections`` (close, correct) and
``views`` (reading). The names callers use are re-exported here.
"""

from __future__ import annotations

from workflow.meetings.agenda import (
    OpinionRecorded,
    add_item,
    parse_item_evidence,
    record_ballot,
    record_discussion,
    record_written_opinion,
)
from workflow.meetings.base import (
    CORRECTABLE,
    CORRECTIONS,
    DEFAULT_SETTINGS,
    DERIVED,
    ITEMS,
    MEETINGS,
    OPINIONS,
    VOTERS,
    MeetingRefused,
    UnknownMeeting,
    item_purpose,
    meeting_kind,
    opinion_of,
    voting_method,
)
from workflow.meetings.corrections import close_meeting, correct_meeting
from workflow.meetings.decisions import Decided, decide_item
from workflow.meetings.opening import Attendance, Opened, exclude_voter, open_meeting, record_attendance
from workflow.meetings.views import (
    ItemView,
    MeetingSummary,
    MeetingView,
    OpinionLine,
    item_meeting,
    list_meetings,
    meeting_view,
)

__all__ = [
    "CORRECTABLE", "CORRECTIONS", "DEFAULT_SETTINGS", "DERIVED", "ITEMS", "MEETINGS", "OPINIONS", "VOTERS",
    "Attendance", "Decided", "ItemView", "MeetingRefused", "MeetingSummary", "MeetingView", "Opened",
    "OpinionLine", "OpinionRecorded", "UnknownMeeting", "add_item", "close_meeting", "correct_meeting",
    "decide_item", "exclude_voter", "item_meeting", "item_purpose", "list_meetings", "meeting_kind",
    "meeting_view", "open_meeting", "opinion_of", "parse_item_evidence", "record_attendance", "record_ballot",
    "record_discussion", "record_written_opinion", "voting_method",
]
