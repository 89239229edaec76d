"""Notices rendered from Jinja2 templates: one Environment, StrictUndefined, dates as 2025年3月10日.

A template is ``templates/notices/<kind>.txt.j2``: its first line is the subject, the rest (after a blank
line) the body. A deployment overrides any of them by putting a file of the same relative name in its own
directory (``templates_dir`` in the notices configuration, or ``$FAZHAN_TEMPLATES_DIR``), which is searched
first. A name the template uses and the context lacks is an error, never a blank in a secretary's message.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Undefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from notices.deadlines import NoticeKind
from states.periods import cn_date
from templates import TEMPLATES_DIR

SHIPPED_TEMPLATES = TEMPLATES_DIR
ENV_VAR = "FAZHAN_TEMPLATES_DIR"
EMAIL_HTML = "notices/email.html.j2"


def template_name(kind: NoticeKind) -> str:
    return f"notices/{kind.value}.txt.j2"


def _cn_date(value: date) -> str:
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined: raises UndefinedError naming the missing variable
    if not isinstance(value, date):
        raise TypeError(f"cn_date 需要日期，得到 {value!r}")
    return cn_date(value)


def _cn_days(days: int) -> str:
    """``3`` → ``3天``; spelled the way a notice says it."""
    return f"{int(days)}天"


def environment(override_dir: str | None = None) -> Environment:
    """The one Environment for a search path: the deployment's directory first, then the shipped templates."""
    return _environment(override_dir or os.environ.get(ENV_VAR) or None)


@lru_cache(maxsize=8)
def _environment(override: str | None) -> Environment:
    search = [override, str(SHIPPED_TEMPLATES)] if override else [str(SHIPPED_TEMPLATES)]
    env = SandboxedEnvironment(  # a deployment's override templates cannot reach Python internals
        loader=FileSystemLoader(search),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["cn_date"] = _cn_date
    env.filters["cn_days"] = _cn_days
    return env


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def render_notice(kind: NoticeKind, context: Mapping[str, Any], override_dir: str | None = None) -> Rendered:
    """Subject and body of one notice; raises ``jinja2.UndefinedError`` if the context lacks a name."""
    text = environment(override_dir).get_template(template_name(kind)).render(**context).strip()
    subject, _, body = text.partition("\n")
    return Rendered(subject.strip(), body.strip())


def render_email_html(rendered: Rendered, override_dir: str | None = None) -> str:
    """The HTML part of an email: the same text, escaped, paragraph by paragraph."""
    paragraphs = [p for p in rendered.body.split("\n\n") if p.strip()]
    return environment(override_dir).get_template(EMAIL_HTML).render(
        subject=rendered.subject, paragraphs=[p.splitlines() for p in paragraphs])


# ---------------------------------------------------------------- one rendering per series, filled per notice

# The names that differ from one notice of a series to the next; everything else (the kind, the dates, the
# step, the article …) is shared by every notice of one deadline sent on one day.
PERSONAL = ("case_id", "applicant", "recipient", "organisation", "higher_committee", "feedback_to")
_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use characters: never in a name, a date or a template's own text
_MARKS = tuple((f"{_OPEN}{i}{_CLOSE}", f"{_OPEN}{i}~~{_CLOSE}") for i in range(len(PERSONAL)))


class SeriesRenderer:
    """``render_notice`` for many notices: each template series is rendered once, with placeholders, then filled.

    A series is one template with the same non-personal context (kind, deadline, today, step, details). It is
    rendered twice, with two sets of placeholders of different lengths; only if the second output is the first
    with the placeholders swapped, and no placeholder was cut or changed, does the template merely print those
    names, so filling in the real ones gives exactly what rendering would. Otherwise (a deployment's template
    that compares, slices or measures a name) every notice of that series is rendered in full.
    """

    def __init__(self, override_dir: str | None = None) -> None:
        self.override_dir = override_dir
        self._series: dict[tuple[Any, ...], Rendered | None] = {}
        self.rendered = 0  # full renderings done, for the benchmark

    def render(self, kind: NoticeKind, context: Mapping[str, Any], series: Any = None) -> Rendered:
        """``series``: a key the caller knows to determine the non-personal context (else it is computed)."""
        present = tuple(name for name in PERSONAL if name in context)
        if series is None:
            series = tuple(sorted((k, repr(v)) for k, v in context.items() if k not in PERSONAL))
        key = (kind, present, series)
        if key not in self._series:
            self._series[key] = self._template(kind, context, present)
        template = self._series[key]
        if template is None:
            self.rendered += 1
            return render_notice(kind, context, self.override_dir)
        subject, body = template.subject, template.body
        for name, (mark, _) in zip(PERSONAL, _MARKS, strict=True):
            if name in context:
                value = str(context[name])
                subject, body = subject.replace(mark, value), body.replace(mark, value)
        return Rendered(subject, body)

    def _template(self, kind: NoticeKind, context: Mapping[str, Any], present: tuple[str, ...]) -> Rendered | None:
        marks = {name: _MARKS[PERSONAL.index(name)] for name in present}
        try:
            first = render_notice(kind, {**context, **{n: m[0] for n, m in marks.items()}}, self.override_dir)
            second = render_notice(kind, {**context, **{n: m[1] for n, m in marks.items()}}, self.override_dir)
        except (TypeError, ValueError):  # arithmetic or formatting on a name: render each notice in full
            return None
        self.rendered += 2
        swapped = [first.subject, first.body]
        for one, other in marks.values():
            swapped = [text.replace(one, other) for text in swapped]
        if swapped != [second.subject, second.body]:
            return None
        bare = first.subject + first.body
        for one, _ in marks.values():
            bare = bare.replace(one, "")
        return None if _OPEN in bare or _CLOSE in bare else first
