"""procedure paths (issue 11 (procedure))

No schema change: transfers, reapplications and the 政审 result live in existing rows. 转出 and 转入审查
are step records, a reapplication is a second ``cases`` row for the same ``applicants`` row (the table
already allows it), and the 政审 result is a key of the step's evidence. The slot stays so the chain is linear.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change (see the module docstring)."""


def downgrade() -> None:
    """Nothing to undo."""
