"""Technique models retrained from the trainers' page, with the bank version each was trained
from (the newest is the one every worker uses); and script statistics read a scenario's visits
newest first: an index for it (the flags raised in them are found by the unique key that starts
with the session id).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "classifier_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_version", sa.String(length=40), nullable=False),
        sa.Column("source_hash", sa.String(length=64), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("meta", sa.Text(), nullable=False),
        sa.Column("arrays", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classifier_models")),
    )
    op.create_index(
        "ix_rehearsal_sessions_scenario_started", "rehearsal_sessions", ["scenario_id", "started_at"]
    )


def downgrade() -> None:
    op.drop_table("classifier_models")
    op.drop_index("ix_rehearsal_sessions_scenario_started", table_name="rehearsal_sessions")
