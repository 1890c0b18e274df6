"""Widen rehearsal_sessions.status so 'closed_by_customer' fits.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

sessions = sa.table("rehearsal_sessions", sa.column("status", sa.String))


def upgrade() -> None:
    with op.batch_alter_table("rehearsal_sessions") as batch_op:
        batch_op.alter_column(
            "status", existing_type=sa.String(16), type_=sa.String(32), existing_nullable=False
        )
    # Rows written before this revision stored the customer's walk-out under a short name.
    op.execute(sessions.update().where(sessions.c.status == "walked_out").values(status="closed_by_customer"))


def downgrade() -> None:
    op.execute(sessions.update().where(sessions.c.status == "closed_by_customer").values(status="walked_out"))
    with op.batch_alter_table("rehearsal_sessions") as batch_op:
        batch_op.alter_column(
            "status", existing_type=sa.String(32), type_=sa.String(16), existing_nullable=False
        )
