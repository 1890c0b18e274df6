"""Time zones: each user's (set on the web from the browser, or by Telegram /settings) and each
team's default, so times are shown where the rep lives rather than in UTC.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29

Re-chain at merge: this revises 0011, the head on main at 14:10 UTC. Both columns are nullable:
rows written before read as "no time zone chosen" (UTC until one is).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("time_zone")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("time_zone")
