"""The services' side of states/limits.py: a field cleaned and bounded, or the user's Chinese error (exit 2, 4xx)."""

from __future__ import annotations

from states import limits
from workflow.evidence import BadEvidence


def checked(value: str, limit: limits.FieldLimit, *, required: bool = True) -> str:
    """``value`` normalised (NFKC, no controls, within its length) or ``BadEvidence`` saying what is wrong."""
    try:
        cleaned = limits.clean(value, limit)
    except limits.InvalidInput as problem:
        raise BadEvidence(str(problem)) from None
    if required and not cleaned:
        raise BadEvidence(f"{limit.label}不能为空。")
    return cleaned
