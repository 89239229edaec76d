"""Frozen dataclasses made in one assignment, for the few the notices' planner makes by the dozen on every step.

A frozen dataclass's ``__init__`` sets each field with ``object.__setattr__``; an object with no ``__post_init__``,
no slots and no defaults to compute can instead be given its whole ``__dict__`` at once. The result is the same
object (fields, equality, hash, repr, pickling): tests/notices/test_plan_cost.py compares them.
"""

from __future__ import annotations

from typing import Any, TypeVar

_T = TypeVar("_T")


def assemble(cls: type[_T], fields: dict[str, Any]) -> _T:
    """``cls(**fields)`` for a plain frozen dataclass, given every field's value."""
    made = object.__new__(cls)
    object.__setattr__(made, "__dict__", fields)
    return made
