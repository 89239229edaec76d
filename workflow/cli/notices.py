"""Commands for notices (filled in by the notices work)."""

from __future__ import annotations

from workflow.cli.app import app  # noqa: F401
