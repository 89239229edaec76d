"""cases exchanged between databases (issue 11 item 1)

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_exchanges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('counterpart', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('content_sha256', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('file_sha256', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('public_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('exchanged_on', sa.Date(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('audit_seq', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_exchanges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_exchanges_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_exchanges_content_sha256'), ['content_sha256'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('case_exchanges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_exchanges_content_sha256'))
        batch_op.drop_index(batch_op.f('ix_case_exchanges_case_id'))
    op.drop_table('case_exchanges')
