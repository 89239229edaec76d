"""``python -m workflow`` runs the ``fazhan`` command."""

from __future__ import annotations

from workflow.cli import app

app(prog_name="fazhan")
