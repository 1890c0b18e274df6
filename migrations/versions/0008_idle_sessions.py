"""Abandoned visits: an index for the sweep that closes visits left idle (status 'abandoned').

The status column is already wide enough (0002); no stored row changes: visits idle before this
release are closed by the first sweep after the upgrade, like any other.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_rehearsal_sessions_status_updated", "rehearsal_sessions", ["status", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_rehearsal_sessions_status_updated", table_name="rehearsal_sessions")
