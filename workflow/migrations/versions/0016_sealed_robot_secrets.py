"""the 钉钉 robot secrets stored before sealing are sealed under the personal-data key

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from workflow import personal  # only here: the key is needed only when there is something to seal

    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM robot_targets WHERE secret <> '' LIMIT 1")).first():
        personal.seal_robot_secrets(bind, personal.load_keys(bind.engine.url), None)


def downgrade() -> None:
    pass  # sealed secrets stay sealed: the code of every later version reads them
