"""Step forms generated from the procedure table: one input per evidence ``Field`` of the step.

A form asks for exactly the evidence the step's ``StepSpec.evidence`` lists, and turns what was typed back
into the strings ``workflow.evidence.parse_evidence`` reads, so the page, the API and the CLI parse alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from starlette.datastructures import FormData

from states.dates import BadDate, parse_date
from states.facts import Override
from states.procedure import Field, FieldKind, StepSpec
from states.steps import Severity
from states.votes import VotingMethod
from workflow.evidence import BadEvidence, parse_evidence
from workflow.services import StepRequest

# The tally's parts in the order of a paper ballot count (keys are states.votes.Tally fields).
TALLY_PARTS: tuple[tuple[str, str], ...] = (
    ("entitled", "应到（有表决权）"), ("present", "实到"), ("yes", "赞成"), ("no", "反对"), ("abstain", "弃权"),
    ("invalid", "无效"), ("written_yes", "书面赞成"), ("written_no", "书面反对"), ("written_abstain", "书面弃权"),
    ("applicants_on_ballot", "本张选票涉及人数"),
)
TALLY_DEFAULTS = {"applicants_on_ballot": "1", "method": VotingMethod.SECRET_BALLOT.value}
HINTS = {
    FieldKind.PEOPLE: "填写姓名，多人用逗号分隔，如：王芳,赵强。党员身份按办理当日的党员名册核对。",
    FieldKind.DATE: "",
    FieldKind.TALLY: "书面意见不计入实到人数；一张选票只能涉及一名发展对象。",
}


@dataclass(frozen=True)
class Input:
    """One input on the page (a tally is one ``Input`` with ``parts``)."""

    name: str
    label: str
    widget: str  # date, text, number, decimal, checkbox, select, checkboxes, tally
    required: bool
    value: str = ""
    options: tuple[tuple[str, str], ...] = ()
    chosen: frozenset[str] = frozenset()
    hint: str = ""
    parts: tuple[Input, ...] = field(default_factory=tuple)


WIDGETS = {
    FieldKind.DATE: "date", FieldKind.TEXT: "text", FieldKind.INT: "number", FieldKind.NUMBER: "decimal",
    FieldKind.BOOL: "checkbox", FieldKind.CHOICE: "select", FieldKind.PEOPLE: "text",
    FieldKind.DOCUMENTS: "checkboxes", FieldKind.TALLY: "tally",
}


def _options(f: Field) -> tuple[tuple[str, str], ...]:
    return tuple((f.choices or {}).items())


def _tally_input(f: Field, values: Mapping[str, str]) -> Input:
    parts = [Input(f"{f.key}.{part}", label, "number", part in {"entitled", "present", "yes"},
                   values.get(f"{f.key}.{part}", TALLY_DEFAULTS.get(part, "")))
             for part, label in TALLY_PARTS]
    parts.append(Input(f"{f.key}.method", "表决方式", "select", True,
                       values.get(f"{f.key}.method", TALLY_DEFAULTS["method"]),
                       tuple((m.value, m.label) for m in VotingMethod)))
    return Input(f.key, f.label, "tally", f.required, hint=HINTS[FieldKind.TALLY], parts=tuple(parts))


def inputs(spec: StepSpec, values: Mapping[str, str], chosen: Mapping[str, frozenset[str]]) -> list[Input]:
    """The inputs for a step's evidence, filled with what was typed (kept after a refusal)."""
    return field_inputs(spec.evidence, values, chosen)


def field_inputs(fields: Sequence[Field], values: Mapping[str, str], chosen: Mapping[str, frozenset[str]]) -> list[Input]:
    """The inputs for some evidence fields (a step's, or those a meeting's agenda item asks for)."""
    found = []
    for f in fields:
        if f.kind is FieldKind.TALLY:
            found.append(_tally_input(f, values))
            continue
        found.append(Input(f.key, f.label, WIDGETS[f.kind], f.required, values.get(f.key, ""), _options(f),
                           chosen.get(f.key, frozenset()), HINTS.get(f.kind, "")))
    return found


def may_need_override(spec: StepSpec) -> bool:
    """Whether the step has a "一般…" rule that a reason and an authoriser may pass."""
    return any(rule.severity is Severity.SOFT for rule in spec.rules)


def form_values(form: FormData) -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """Single values and multi-valued checkboxes of a submitted form, as strings."""
    single = {key: value for key, value in form.items() if isinstance(value, str)}
    multi = {key: frozenset(v for v in form.getlist(key) if isinstance(v, str)) for key in form}
    return single, multi


def _tally_text(f: Field, values: Mapping[str, str]) -> str | None:
    parts = {part: values.get(f"{f.key}.{part}", "").strip() for part, _ in TALLY_PARTS}
    if not any(parts[part] for part in ("entitled", "present", "yes", "no", "abstain")):
        return None  # nothing typed: the engine reports the missing evidence with its article
    typed = [f"{part}={value}" for part, value in parts.items() if value]
    return ",".join([*typed, f"method={values.get(f'{f.key}.method') or TALLY_DEFAULTS['method']}"])


def evidence_strings(spec: StepSpec, values: Mapping[str, str], chosen: Mapping[str, frozenset[str]]) -> dict[str, str]:
    """What the form says, as the ``key -> text`` mapping ``parse_evidence`` reads; empty inputs are left out."""
    return field_texts(spec.evidence, values, chosen)


def field_texts(fields: Sequence[Field], values: Mapping[str, str], chosen: Mapping[str, frozenset[str]]) -> dict[str, str]:
    """The typed text of some evidence fields, as ``parse_evidence`` and ``meetings.add_item`` read it."""
    texts: dict[str, str] = {}
    for f in fields:
        if f.kind is FieldKind.BOOL:
            texts[f.key] = "是" if values.get(f.key) else "否"
        elif f.kind is FieldKind.DOCUMENTS:
            picked = [key for key, _ in _options(f) if key in chosen.get(f.key, frozenset())]
            if picked:
                texts[f.key] = ",".join(picked)
        elif f.kind is FieldKind.TALLY:
            tally = _tally_text(f, values)
            if tally:
                texts[f.key] = tally
        elif values.get(f.key, "").strip():
            texts[f.key] = values[f.key].strip()
    return texts


def step_request(spec: StepSpec, on: str, evidence: Mapping[str, str], *, override_reason: str = "",
                 authoriser: str = "", backfill_reason: str = "", expected_version: str | int | None = None
                 ) -> StepRequest:
    """A ``StepRequest`` from text, as typed in a form or sent to the API; errors are Chinese sentences."""
    if not on.strip():
        raise BadEvidence("请填写办理日期（纸质记录上的日期），格式如 2025-03-10。")
    try:
        act_on = parse_date(on, "办理日期")  # the one date reader: an impossible date is named as such
    except BadDate as error:
        raise BadEvidence(str(error)) from None
    reason, by = override_reason.strip(), authoriser.strip()
    if bool(reason) != bool(by):
        raise BadEvidence("特批须同时写明理由和特批人。")
    try:
        version = int(expected_version) if expected_version not in (None, "") else None
    except ValueError:
        raise BadEvidence("版本号应为整数。") from None
    return StepRequest(spec.step, act_on, parse_evidence(spec, dict(evidence)),
                       Override(reason, by) if reason else None, backfill_reason.strip() or None, version)
