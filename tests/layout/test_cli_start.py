"""Every ``fazhan`` command starts without loading what only a few commands use: the Excel and Word libraries
(loaded when a file is made) and the PostgreSQL driver (loaded when a PostgreSQL database is opened)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("openpyxl", "docx", "psycopg")


def _loaded_after(code: str) -> dict[str, bool]:
    probe = f"import sys\n{code}\nimport json\nprint(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_command_line_starts_without_excel_word_or_postgresql() -> None:
    assert _loaded_after("import interfaces.cli") == dict.fromkeys(HEAVY, False)


@pytest.mark.parametrize("module", ["openpyxl", "docx"])
def test_the_libraries_still_load_where_a_file_is_made(module: str) -> None:
    """The lazy imports are real: making a file loads the library it needs, and the file is made."""
    made = "ledger_xlsx([], '台账')" if module == "openpyxl" else "docx_bytes('# 标题\\n正文', '王芳', NOW)"
    code = ("from datetime import datetime, UTC\nNOW = datetime(2025, 1, 2, tzinfo=UTC)\n"
            "from workflow.ledger.export import ledger_xlsx\nfrom workflow.documents import docx_bytes\n"
            f"data = {made}\nassert data[:2] == b'PK'")  # both are zip files
    assert _loaded_after(code)[module] is True
