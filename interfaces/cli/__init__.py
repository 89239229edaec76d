"""The ``fazhan`` command line (Typer + Rich). Thin adapters: parse, call one service, print Chinese."""

from __future__ import annotations

from interfaces.cli import (  # noqa: F401  (each registers its commands)
    audit,
    dashboard,
    ledger,
    meetings,
    notices,
    personal,
    policies,
    procedure,
    records,
    serve,
    transfers,
    web,
)
from interfaces.cli.app import app

__all__ = ["app"]
