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
