"""The shipped Jinja2 templates (notices, meeting documents, web pages), installed as package data.

Code finds them through :data:`TEMPLATES_DIR`, never through the checkout, so an installed wheel renders too.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parent
