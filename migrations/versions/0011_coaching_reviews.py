"""Coaching reviews (ASK gaps, improvement plan, follow-ups), comments on single transcript lines,
practice assignments with their reminder mark, and each finished visit's figures for team
analytics (issue 14). New tables only, old data reads as before; the figures of the visits that
ended before are filled from their scorecards here.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


sessions = sa.table(
    "rehearsal_sessions",
    sa.column("id", sa.String),
    sa.column("user_id", sa.Integer),
    sa.column("started_at", sa.DateTime(timezone=True)),
    sa.column("scorecard", sa.JSON),
)


def _figures(scorecard: dict[str, Any]) -> tuple[dict[str, int], dict[str, int]]:
    """A copy of ``bot.storage.reviews.figures_of`` as it was at this revision."""
    need = scorecard.get("explicit_need") or {}
    counts = (scorecard.get("techniques") or {}).get("counts") or {}
    figures = {
        "deadline": int(bool(need.get("deadline"))),
        "budget": int(bool(need.get("budget"))),
        "confirmed": int(bool(need.get("confirmed"))),
        "facts": len(scorecard.get("revealed") or []),
    }
    return figures, {str(k): int(v) for k, v in counts.items() if int(v)}


def _visit_tables() -> tuple[sa.Table, sa.Table]:
    figures = op.create_table(
        "visit_figures",
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.Integer(), nullable=False),
        sa.Column("budget", sa.Integer(), nullable=False),
        sa.Column("confirmed", sa.Integer(), nullable=False),
        sa.Column("facts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["rehearsal_sessions.id"],
            name=op.f("fk_visit_figures_session_id_rehearsal_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_visit_figures_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_visit_figures")),
    )
    op.create_index("ix_visit_figures_user_started", "visit_figures", ["user_id", "started_at"], unique=False)
    techniques = op.create_table(
        "visit_techniques",
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("technique", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["rehearsal_sessions.id"],
            name=op.f("fk_visit_techniques_session_id_rehearsal_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_visit_techniques_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("session_id", "technique", name=op.f("pk_visit_techniques")),
    )
    op.create_index(
        "ix_visit_techniques_user_started", "visit_techniques", ["user_id", "started_at"], unique=False
    )
    return figures, techniques


def _fill(figures: sa.Table, techniques: sa.Table) -> None:
    """The figures of every visit that ended with a scorecard before this revision."""
    bind = op.get_bind()
    query = sa.select(sessions.c.id, sessions.c.user_id, sessions.c.started_at, sessions.c.scorecard).where(
        sessions.c.scorecard.is_not(None)
    )
    rows, lines = [], []
    for session_id, user_id, started_at, scorecard in bind.execute(query):
        if not isinstance(scorecard, dict):
            continue
        found, counts = _figures(scorecard)
        key = {"session_id": session_id, "user_id": user_id, "started_at": started_at}
        rows.append({**key, **found})
        lines += [{**key, "technique": t, "lines": n} for t, n in counts.items()]
    if rows:
        op.bulk_insert(figures, rows)
    if lines:
        op.bulk_insert(techniques, lines)


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
    _fill(*_visit_tables())


def downgrade() -> None:
    op.drop_index("ix_visit_techniques_user_started", table_name="visit_techniques")
    op.drop_table("visit_techniques")
    op.drop_index("ix_visit_figures_user_started", table_name="visit_figures")
    op.drop_table("visit_figures")
    op.drop_index("ix_assignments_reminder", table_name="assignments")
    op.drop_index("ix_assignments_rep_due", table_name="assignments")
    op.drop_table("assignments")
    op.drop_index(op.f("ix_coaching_reviews_rep_id"), table_name="coaching_reviews")
    op.drop_table("coaching_reviews")
    op.drop_index("ix_line_comments_session_seq", table_name="line_comments")
    op.drop_table("line_comments")
