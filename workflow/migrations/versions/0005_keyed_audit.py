"""keyed audit (issue 12 (audit)): each event's key id; the head's key; the old unkeyed chain sealed

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    # The existing chain (plain SHA-256, which anyone can recompute) is sealed by a first keyed event now,
    # so that a later rewrite of the old part fails verification. The moment of the migration is the seal's time.
    from workflow import audit

    audit.seal(op.get_bind(), recorded_at=datetime.now(UTC))


def downgrade() -> None:
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.drop_column('key_id')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('key_id')
