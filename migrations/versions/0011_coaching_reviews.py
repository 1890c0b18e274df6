"""Coaching reviews (ASK gaps, improvement plan, follow-ups), comments on single transcript lines,
and practice assignments with their reminder mark (issue 14). New tables only: old data reads
as before.

Revision ID: 0011
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "line_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["rehearsal_sessions.id"],
            name=op.f("fk_line_comments_session_id_rehearsal_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_line_comments_author_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_line_comments")),
    )
    op.create_index("ix_line_comments_session_seq", "line_comments", ["session_id", "seq"], unique=False)
    op.create_table(
        "coaching_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("session_ids", sa.JSON(), nullable=False),
        sa.Column("attitude", sa.Text(), nullable=False),
        sa.Column("knowledge", sa.Text(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("improving", sa.Text(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("follow_up_of", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_coaching_reviews_author_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["rep_id"], ["users.id"], name=op.f("fk_coaching_reviews_rep_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["follow_up_of"],
            ["coaching_reviews.id"],
            name=op.f("fk_coaching_reviews_follow_up_of_coaching_reviews"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coaching_reviews")),
    )
    op.create_index(op.f("ix_coaching_reviews_rep_id"), "coaching_reviews", ["rep_id"], unique=False)
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("batch", sa.String(length=32), nullable=False),
        sa.Column("scenario_id", sa.String(length=120), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pass_mark", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_assignments_author_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["rep_id"], ["users.id"], name=op.f("fk_assignments_rep_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["coaching_reviews.id"],
            name=op.f("fk_assignments_review_id_coaching_reviews"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
    )
    op.create_index("ix_assignments_rep_due", "assignments", ["rep_id", "due_at"], unique=False)
    op.create_index("ix_assignments_reminder", "assignments", ["reminded_at", "due_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_assignments_reminder", table_name="assignments")
    op.drop_index("ix_assignments_rep_due", table_name="assignments")
    op.drop_table("assignments")
    op.drop_index(op.f("ix_coaching_reviews_rep_id"), table_name="coaching_reviews")
    op.drop_table("coaching_reviews")
    op.drop_index("ix_line_comments_session_seq", table_name="line_comments")
    op.drop_table("line_comments")
