"""预备党员 transfers, 公示 and postponements (issue 11 items 2, 5): the sending branch's sight after a transfer

The table ``case_transfers`` records each reviewed transfer. Transfers reviewed before this revision are read
back from their ``case_transferred`` audit events, so their senders get the same read-only sight.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

OUT_STEPS = ("activist_transferred", "probationary_transferred")


def upgrade() -> None:
    op.create_table(
        "case_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("from_organisation_id", sa.Integer(), nullable=False),
        sa.Column("to_organisation_id", sa.Integer(), nullable=False),
        sa.Column("out_step_id", sa.Integer(), nullable=False),
        sa.Column("transferred_on", sa.Date(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["from_organisation_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["to_organisation_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["out_step_id"], ["step_records.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_case_transfers_case_id"), "case_transfers", ["case_id"], unique=False)
    op.create_index(op.f("ix_case_transfers_from_organisation_id"), "case_transfers", ["from_organisation_id"],
                    unique=False)
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    """One row per ``case_transferred`` event: the 转出 is the case's last one dated on the event's transfer day."""
    meta = sa.MetaData()
    events = sa.Table("audit_events", meta, autoload_with=conn)
    steps = sa.Table("step_records", meta, autoload_with=conn)
    orgs = sa.Table("organisations", meta, autoload_with=conn)
    transfers = sa.Table("case_transfers", meta, autoload_with=conn)
    ids = {name: org_id for org_id, name in conn.execute(sa.select(orgs.c.id, orgs.c.name))}
    moved = conn.execute(sa.select(events.c.case_id, events.c.effective_on, events.c.payload)
                         .where(events.c.kind == "case_transferred").order_by(events.c.seq)).all()
    for case_id, received_on, payload in moved:
        data = payload if isinstance(payload, dict) else json.loads(payload or "{}")
        sent_on = date.fromisoformat(str(data.get("transferred_on")))
        out_step = conn.execute(sa.select(sa.func.max(steps.c.id)).where(
            steps.c.case_id == case_id, steps.c.step.in_(OUT_STEPS), steps.c.done_on == sent_on)).scalar()
        if out_step is None or data.get("from") not in ids or data.get("to") not in ids or received_on is None:
            continue  # nothing to anchor the sight on; the case stays visible to its present organisation
        conn.execute(transfers.insert().values(
            case_id=case_id, from_organisation_id=ids[data["from"]], to_organisation_id=ids[data["to"]],
            out_step_id=out_step, transferred_on=sent_on, received_on=received_on))


def downgrade() -> None:
    op.drop_index(op.f("ix_case_transfers_from_organisation_id"), table_name="case_transfers")
    op.drop_index(op.f("ix_case_transfers_case_id"), table_name="case_transfers")
    op.drop_table("case_transfers")
