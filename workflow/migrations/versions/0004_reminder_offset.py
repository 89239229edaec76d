"""reminder offset (issue 10 item 2): the offset of a reminder in its own column, no longer inside the kind

``notices.kind`` was ``talk_reminder@-7``; it becomes ``talk_reminder`` with ``reminder_offset = -7``. Notices
that belong to no series of reminders keep offset 0. The unique key of a notice now includes the offset.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

OLD_KEY = ['case_id', 'kind', 'due_on', 'recipient', 'channel']
NEW_KEY = [*OLD_KEY, 'reminder_offset']
# SQLite keeps the old key unnamed; batch mode names it by this convention so that it can be dropped.
CONVENTION = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
NOTICES = sa.table('notices', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                   sa.column('reminder_offset', sa.Integer))


def _old_key_name() -> str:
    if op.get_bind().dialect.name == 'sqlite':
        return 'uq_notices_case_id'
    found = [u['name'] for u in sa.inspect(op.get_bind()).get_unique_constraints('notices')
             if u['column_names'] == OLD_KEY]
    return str(found[0])


def upgrade() -> None:
    with op.batch_alter_table('notices', naming_convention=CONVENTION) as batch_op:
        batch_op.add_column(sa.Column('reminder_offset', sa.Integer(), nullable=False, server_default='0'))
    bind = op.get_bind()
    rows = bind.execute(sa.select(NOTICES.c.id, NOTICES.c.kind).where(NOTICES.c.kind.like('%@%'))).all()
    for row_id, kind in rows:
        head, _, offset = kind.partition('@')
        bind.execute(sa.update(NOTICES).where(NOTICES.c.id == row_id).values(kind=head, reminder_offset=int(offset)))
    old_name = _old_key_name()
    with op.batch_alter_table('notices', naming_convention=CONVENTION) as batch_op:
        batch_op.drop_constraint(old_name, type_='unique')
        batch_op.create_unique_constraint('uq_notices_key', NEW_KEY)


def downgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table('notices', naming_convention=CONVENTION) as batch_op:
        batch_op.drop_constraint('uq_notices_key', type_='unique')
    series = bind.execute(sa.select(NOTICES.c.id, NOTICES.c.kind, NOTICES.c.reminder_offset)
                          .where(NOTICES.c.kind.in_(SERIES_KINDS))).all()
    for row_id, kind, offset in series:
        bind.execute(sa.update(NOTICES).where(NOTICES.c.id == row_id).values(kind=f"{kind}@{offset:+d}"))
    with op.batch_alter_table('notices', naming_convention=CONVENTION) as batch_op:
        batch_op.drop_column('reminder_offset')
        batch_op.create_unique_constraint(None, OLD_KEY)


# The kinds sent as a series at configured offsets (notices.deadlines; a migration does not import it).
SERIES_KINDS = ('talk_reminder', 'assessment_reminder', 'admission_meeting_due', 'approval_warning', 'oath_reminder',
                'candidate_eligible', 'probation_ending')
