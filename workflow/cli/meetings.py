"""Commands for meetings (filled in by the meetings work)."""

from __future__ import annotations

from workflow.cli.app import app  # noqa: F401
