"""The ``fazhan`` command line (Typer + Rich). Thin adapters: parse, call one service, print Chinese."""

from __future__ import annotations

from interfaces.cli import dashboard, meetings, notices, procedure, records, web  # noqa: F401  (each registers its commands)
from interfaces.cli.app import app

__all__ = ["app"]
