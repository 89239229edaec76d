"""The four floors are enforced: import-linter passes on the real tree and fails when an upward import appears.

The packages are copied to a temporary directory (so the checkout is never touched), an upward import is written
into the copy, and ``lint-imports`` runs on the copy with the project's own contracts from pyproject.toml.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("states", "workflow", "notices", "interfaces", "templates")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` with ``root`` first on the path, so its packages are the ones analysed."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=root, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("floors")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, root / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def lint_with(copy: Path, module: str, line: str) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the copy with ``line`` added to ``module``; the module is restored afterwards."""
    target = copy / module
    original = target.read_text(encoding="utf-8")
    target.write_text(original + f"\n{line}\n", encoding="utf-8")
    try:
        return lint(copy)
    finally:
        target.write_text(original, encoding="utf-8")


def test_the_real_tree_keeps_every_contract() -> None:
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: " in done.stdout and " broken" in done.stdout and "0 broken" in done.stdout


def test_the_untouched_copy_keeps_every_contract(copy: Path) -> None:
    """Guards the next tests: a failure there comes from the injected line, not from the copying."""
    done = lint(copy)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(("module", "line", "contract"), [
    ("workflow/audit.py", "import interfaces.cli.app  # an upward import", "Four floors, one direction"),
    ("notices/outbox.py", "from interfaces.web import app as _web  # an upward import", "Four floors, one direction"),
    ("workflow/roster.py", "import notices.outbox  # an upward import", "Four floors, one direction"),
    ("states/steps.py", "import workflow.clock  # states reaching up", "states imports nothing of ours but states"),
])
def test_an_upward_import_breaks_the_contracts(copy: Path, module: str, line: str, contract: str) -> None:
    done = lint_with(copy, module, line)
    assert done.returncode != 0, done.stdout
    assert re.search(rf"^{re.escape(contract)}.* BROKEN$", done.stdout, re.M), done.stdout
    importer = module.removesuffix(".py").replace("/", ".")
    assert importer in done.stdout


def test_a_cycle_inside_a_package_breaks_the_contracts(copy: Path) -> None:
    """workflow.clock is imported by workflow.services; making clock import services closes a loop."""
    done = lint_with(copy, "workflow/clock.py", "from workflow import services as _services  # a cycle")
    assert done.returncode != 0, done.stdout
    assert re.search(r"^No import cycles inside a package.* BROKEN$", done.stdout, re.M), done.stdout
