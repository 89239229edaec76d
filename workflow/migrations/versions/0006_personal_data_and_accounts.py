"""personal data and accounts (issue 13 (security))

ID-card and phone numbers are encrypted in place (workflow/personal.py) and get a blind index; server-side
web sessions and the login-failure log for throttling.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('applicants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_number_index', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.create_index(batch_op.f('ix_applicants_id_number_index'), ['id_number_index'], unique=True)
    _encrypt_existing()

    op.create_table('web_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('csrf', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_token_hash'), ['token_hash'], unique=True)
        batch_op.create_index(batch_op.f('ix_web_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_username', ['username', 'at'], unique=False)
        batch_op.create_index('ix_login_failures_address', ['address', 'at'], unique=False)


def _encrypt_existing() -> None:
    """Rows registered before this revision hold ID and phone numbers in clear: seal them now."""
    from workflow import personal  # only here: the key is needed only when there is something to encrypt

    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM applicants WHERE id_number IS NOT NULL OR contact <> '' LIMIT 1")).first():
        if bind.dialect.name == "sqlite":
            bind.exec_driver_sql("PRAGMA secure_delete=ON")  # the clear values' old bytes are zeroed, not left free
        personal.encrypt_rows(bind, personal.load_keys(bind.engine.url))


def downgrade() -> None:
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_address')
        batch_op.drop_index('ix_login_failures_username')
    op.drop_table('login_failures')
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_user_id'))
        batch_op.drop_index(batch_op.f('ix_web_sessions_token_hash'))
    op.drop_table('web_sessions')
    # The values stay encrypted: a downgrade must not write ID numbers back in clear.
    with op.batch_alter_table('applicants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applicants_id_number_index'))
        batch_op.drop_column('id_number_index')
