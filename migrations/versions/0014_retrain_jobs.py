"""Retraining from the trainers' page runs as a background job: a row per job, with a unique
``slot`` held while it runs so two requests at once start one job (the question bank's own
versions need no table: they are ``script_versions`` of kind ``technique``).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retrain_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("bank_version", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("model_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retrain_jobs")),
        sa.UniqueConstraint("slot", name=op.f("uq_retrain_jobs_slot")),
    )


def downgrade() -> None:
    op.drop_table("retrain_jobs")
