"""roster version: a value every roster write changes, so planners may cache the roster exactly (issue 15)

``roster_version``: one row; triggers on the roster's tables (and the organisations' policy settings) give it a
new value in every transaction that inserts, updates or deletes their rows (``workflow/roster_version.py``).

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

TABLES = ("organisations", "members", "member_standings", "member_roles", "member_departures", "robot_targets",
          "organisation_policies")


def upgrade() -> None:
    op.create_table('roster_version',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('version', sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    # Not 0: a database made again from scratch must not reuse the version a process has cached for the old one.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE roster_version_seq")
        op.execute("SELECT setval('roster_version_seq', 1 + (random() * 1e15)::bigint)")
        op.execute("INSERT INTO roster_version (id, version) VALUES (1, nextval('roster_version_seq'))")
        op.execute("CREATE FUNCTION roster_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                   " UPDATE roster_version SET version = nextval('roster_version_seq') WHERE id = 1; RETURN NULL;"
                   " END $$")
        for table in TABLES:
            op.execute(f"CREATE TRIGGER roster_version_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
                       f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION roster_version_bump()")
    else:  # SQLite: row triggers only; random() is 64 bits, so a rolled-back value does not come back
        op.execute("INSERT INTO roster_version (id, version) VALUES (1, random())")
        for table in TABLES:
            for action in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER roster_version_{table}_{action.lower()} AFTER {action} ON {table}"
                           " BEGIN UPDATE roster_version SET version = random() WHERE id = 1; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS roster_version_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS roster_version_bump()")
        op.execute("DROP SEQUENCE IF EXISTS roster_version_seq")
    else:
        for table in TABLES:
            for action in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS roster_version_{table}_{action}")
    op.drop_table('roster_version')
