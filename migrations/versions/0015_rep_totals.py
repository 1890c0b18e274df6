"""Per-rep running totals over closed visits (``rep_totals``), kept when a visit closes, so team
progress reads one row per rep instead of every stored session (issue 12). Backfilled here from
the sessions already stored.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# The totals of every rep's closed (not active) visits, as 0015 leaves them.
BACKFILL = """
INSERT INTO rep_totals (user_id, closed, finished, walked_out, abandoned, scored, score_sum, best,
                        last_started_at, last_updated_at, last_ended_at)
SELECT user_id,
       COUNT(*),
       SUM(CASE WHEN status = 'ended' THEN 1 ELSE 0 END),
       SUM(CASE WHEN status = 'closed_by_customer' THEN 1 ELSE 0 END),
       SUM(CASE WHEN status = 'abandoned' THEN 1 ELSE 0 END),
       COUNT(score),
       COALESCE(SUM(score), 0),
       MAX(score),
       MAX(started_at),
       MAX(updated_at),
       MAX(ended_at)
FROM rehearsal_sessions
WHERE status != 'active'
GROUP BY user_id
"""


def upgrade() -> None:
    op.create_table(
        "rep_totals",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.Column("finished", sa.Integer(), nullable=False),
        sa.Column("walked_out", sa.Integer(), nullable=False),
        sa.Column("abandoned", sa.Integer(), nullable=False),
        sa.Column("scored", sa.Integer(), nullable=False),
        sa.Column("score_sum", sa.BigInteger(), nullable=False),
        sa.Column("best", sa.Integer(), nullable=True),
        sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_rep_totals_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_rep_totals")),
    )
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_table("rep_totals")
