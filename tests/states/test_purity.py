"""states/ is the procedure as data and pure rules: no ORM, machine, templates, web, and no wall clock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

STATES = Path(__file__).resolve().parents[2] / "states"
FORBIDDEN_MODULES = {"sqlmodel", "sqlalchemy", "transitions", "jinja2", "apscheduler", "fastapi", "workflow", "notices"}


@pytest.mark.parametrize("path", sorted(STATES.glob("*.py")), ids=lambda p: p.name)
def test_states_module_is_pure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            assert not {n.split(".")[0] for n in names} & FORBIDDEN_MODULES, f"{path.name}: imports {names}"
        if isinstance(node, ast.Attribute) and node.attr in {"today", "now", "utcnow"}:
            assert not (isinstance(node.value, ast.Name) and node.value.id in {"date", "datetime"}), (
                f"{path.name}:{node.lineno} reads the wall clock"
            )
