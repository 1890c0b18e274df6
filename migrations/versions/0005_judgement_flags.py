"""Judgement flags: a rep's "the coach judged this line wrong", queued for a trainer's review.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

Written on a branch beside main's 0004_accounts (down_revision 0003 there); re-chained to 0004
when main was merged in.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "judgement_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("predicted", sa.JSON(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("suggested", sa.String(length=40), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reviewer", sa.String(length=120), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("label", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["rehearsal_sessions.id"],
            name=op.f("fk_judgement_flags_session_id_rehearsal_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_judgement_flags_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judgement_flags")),
        sa.UniqueConstraint(
            "session_id", "seq", "user_id", name=op.f("uq_judgement_flags_session_id_seq_user_id")
        ),
    )
    op.create_index("ix_judgement_flags_status", "judgement_flags", ["status", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_judgement_flags_status", table_name="judgement_flags")
    op.drop_table("judgement_flags")
