"""A rep line's history entry is kept on its turn while the visit is active.

The session's state used to carry the visit's whole line history, read and rewritten as JSON on
every turn: a turn at line 300 cost twice one at line 3. New visits keep each line's entry on its
rep turn (``turns.entry``) and store a state without the history until the visit closes, when the
closing state gathers the entries back (so finished visits look exactly as before). Visits
already active at the upgrade keep their history in their state until they close: both forms are
read (``SessionState.history_apart``), so nothing stored needs rewriting.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("turns") as batch:
        batch.add_column(sa.Column("entry", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("turns") as batch:
        batch.drop_column("entry")
