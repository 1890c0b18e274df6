"""Script statistics read a scenario's visits newest first: an index for it (the flags raised in
them are found by the unique key that starts with the session id).

Revision ID: 0013
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_rehearsal_sessions_scenario_started", "rehearsal_sessions", ["scenario_id", "started_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_rehearsal_sessions_scenario_started", table_name="rehearsal_sessions")
