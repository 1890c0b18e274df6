"""Private practice and the managers' sessions list: a ``private`` flag on rehearsal sessions
(only the rep reads a private visit's lines) and an index for listing every session by start.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing visits were all shared with managers: false.
    op.add_column(
        "rehearsal_sessions", sa.Column("private", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    # The sessions list of an admin (every team) pages by start time, newest first.
    op.create_index("ix_rehearsal_sessions_started", "rehearsal_sessions", ["started_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_rehearsal_sessions_started", table_name="rehearsal_sessions")
    with op.batch_alter_table("rehearsal_sessions") as batch:
        batch.drop_column("private")
