"""Evidence typed by a person (``--set key=value``, a web form, a JSON file) turned into the values rules read.

Each value is parsed by the kind its field declares in the procedure table; errors are Chinese sentences.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from states import limits
from states.dates import BadDate, parse_date
from states.facts import Person, Standing
from states.procedure import Field, FieldKind, StepSpec
from states.votes import Tally, VotingMethod
from workflow.errors import FazhanError


class BadEvidence(FazhanError):
    """Evidence that cannot be read; nothing is recorded."""


TRUE_WORDS = {"1", "true", "yes", "y", "是", "有", "已", "对"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "无", "未", "不"}
STANDING_WORDS = {
    "正式": Standing.FULL, "正式党员": Standing.FULL,
    "预备": Standing.PROBATIONARY, "预备党员": Standing.PROBATIONARY,
    "留党察看": Standing.ON_PROBATION_SANCTION, "中止": Standing.RIGHTS_SUSPENDED,
    "非党员": Standing.NOT_A_MEMBER,
} | {s.value: s for s in Standing}
TALLY_KEYS = {
    "应到": "entitled", "实到": "present", "赞成": "yes", "反对": "no", "弃权": "abstain", "无效": "invalid",
    "书面赞成": "written_yes", "书面反对": "written_no", "书面弃权": "written_abstain",
    "人数": "applicants_on_ballot", "方式": "method",
} | {v: v for v in Tally.__dataclass_fields__}
METHOD_WORDS = {"无记名": VotingMethod.SECRET_BALLOT, "无记名投票": VotingMethod.SECRET_BALLOT,
                "举手": VotingMethod.SHOW_OF_HANDS} | {m.value: m for m in VotingMethod}


def _date(text: str) -> date:
    try:
        return parse_date(text)  # states.dates: the one reader of typed dates
    except BadDate as error:
        raise BadEvidence(str(error)) from None


def _bool(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise BadEvidence(f"「{text}」应为 是 或 否。")


def _people(text: str) -> list[Person]:
    """``张三:正式,李四:预备`` (standing defaults to 正式党员)."""
    people = []
    for item in filter(None, (part.strip() for part in text.replace("，", ",").split(","))):
        name, _, standing = item.partition(":")
        try:
            people.append(Person(name.strip(), STANDING_WORDS[standing.strip() or "正式"]))
        except KeyError:
            raise BadEvidence(f"「{standing}」不是可识别的党员身份（正式、预备、留党察看、中止、非党员）。") from None
    return people


def _tally(text: str) -> Tally:
    """``应到=10,实到=8,赞成=7,反对=1`` or a JSON object with the ``Tally`` field names."""
    pairs: dict[str, Any] = json.loads(text) if text.strip().startswith("{") else dict(
        part.split("=", 1) for part in text.replace("，", ",").split(",") if "=" in part
    )
    values: dict[str, Any] = {}
    for key, raw in pairs.items():
        field = TALLY_KEYS.get(key.strip())
        if field is None:
            raise BadEvidence(f"表决情况中的「{key}」无法识别。")
        if field == "method":
            method = METHOD_WORDS.get(str(raw).strip())
            if method is None:
                raise BadEvidence(f"表决方式「{raw}」无法识别（无记名投票或举手）。")
            values[field] = method
        else:
            values[field] = _int(str(raw))
    try:
        return Tally(**{"no": 0, "abstain": 0, "invalid": 0, **values})
    except TypeError:
        raise BadEvidence("表决情况至少要有应到、实到、赞成人数。") from None


def _int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise BadEvidence(f"「{text}」应为整数。") from None


def _number(text: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise BadEvidence(f"「{text}」应为数字。") from None


def _choice(field: Field, text: str) -> str:
    choices = field.choices or {}
    for key, label in choices.items():
        if text.strip() in {key, label}:
            return key
    options = "、".join(f"{label}（{key}）" for key, label in choices.items())
    raise BadEvidence(f"「{field.label}」不能填「{text}」，可选：{options}。")


def _documents(field: Field, text: str) -> list[str]:
    return [_choice(field, part) for part in text.replace("，", ",").split(",") if part.strip()]


def _text(text: str) -> str:
    """Free text (conclusions, summaries): normalised and bounded like every typed-in field (states/limits.py)."""
    try:
        return limits.clean(text, limits.DISCUSSION)
    except limits.InvalidInput as invalid:
        raise BadEvidence(str(invalid)) from None


def parse_value(field: Field, text: str) -> Any:
    """One typed value for one field."""
    parsers: dict[FieldKind, Callable[[str], Any]] = {
        FieldKind.DATE: _date, FieldKind.INT: _int, FieldKind.NUMBER: _number, FieldKind.BOOL: _bool,
        FieldKind.TEXT: _text, FieldKind.PEOPLE: _people, FieldKind.TALLY: _tally,
    }
    if field.kind is FieldKind.CHOICE:
        return _choice(field, text)
    if field.kind is FieldKind.DOCUMENTS:
        return _documents(field, text)
    return parsers[field.kind](text)


def parse_evidence(spec: StepSpec, assignments: Iterable[str] | Mapping[str, str]) -> dict[str, Any]:
    """``key=value`` strings (or a mapping) for one step into typed evidence; fields may be named in Chinese."""
    pairs = assignment_pairs(assignments)
    fields = {f.key: f for f in spec.evidence} | {f.label: f for f in spec.evidence}
    evidence: dict[str, Any] = {}
    for key, text in pairs:
        field = fields.get(key.strip())
        if field is None:
            known = "、".join(f"{f.key}（{f.label}）" for f in spec.evidence) or "无"
            raise BadEvidence(f"「{spec.label}」没有「{key}」这项材料。可填写：{known}。")
        evidence[field.key] = parse_value(field, text)
    return evidence


def assignment_pairs(assignments: Iterable[str] | Mapping[str, str]) -> Iterable[tuple[str, str]]:
    """``名称=值`` strings (CLI ``--set``) or a mapping (web, API) as (name, text) pairs."""
    if isinstance(assignments, Mapping):
        return assignments.items()
    return (_split(a) for a in assignments)


def _split(assignment: str) -> tuple[str, str]:
    key, sep, value = assignment.partition("=")
    if not sep:
        raise BadEvidence(f"「{assignment}」应写成 名称=值。")
    return key, value


def to_json(value: Any) -> Any:
    """Evidence values as JSON-ready data (for audit payloads and ``--json`` output)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Person):
        return {"name": value.name, "standing": value.standing.value}
    if isinstance(value, Tally):
        return {k: (v.value if isinstance(v, VotingMethod) else v) for k, v in value.__dict__.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def from_json(spec: StepSpec, data: Mapping[str, Any]) -> dict[str, Any]:
    """Stored evidence (JSON) back into the typed values rules read; the inverse of ``to_json``."""
    kinds = {f.key: f.kind for f in spec.evidence}
    typed: dict[str, Any] = {}
    for key, value in data.items():
        kind = kinds.get(key)
        if value is None or kind is None:
            typed[key] = value
        elif kind is FieldKind.DATE:
            typed[key] = date.fromisoformat(value)
        elif kind is FieldKind.PEOPLE:
            typed[key] = [Person(p["name"], Standing(p["standing"])) for p in value]
        elif kind is FieldKind.TALLY:
            typed[key] = Tally(**{**value, "method": VotingMethod(value.get("method", "secret_ballot"))})
        else:
            typed[key] = value
    return typed
