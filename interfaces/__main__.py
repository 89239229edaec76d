"""``python -m interfaces`` runs the ``fazhan`` command."""

from __future__ import annotations

from interfaces.cli import app

app(prog_name="fazhan")
