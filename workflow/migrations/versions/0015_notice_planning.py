"""notice planning in the step transaction and batched sweeps (issue 15)

``notices.detail``: what the planning knew about the notice (its step and the template's own details, as JSON),
so that the sweep renders a due notice from its row without planning the case again. Rows planned before this
revision have none; the sweep plans their case as before.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notices') as batch_op:
        batch_op.add_column(sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('notices') as batch_op:
        batch_op.drop_column('detail')
