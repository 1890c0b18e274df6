"""Scripts live in the database as versions: publish messages, version numbers, drafts, and a
revision counter every worker reads to pick up a new publish without restart.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

versions = sa.table(
    "script_versions",
    sa.column("id", sa.Integer),
    sa.column("version", sa.String),
    sa.column("number", sa.Integer),
)


def _backfill_numbers() -> None:
    """Versions recorded from files were whole numbers in every bundled scenario; others stay None."""
    connection = op.get_bind()
    numbers = [
        {"vid": row.id, "value": int(row.version)}
        for row in connection.execute(sa.select(versions.c.id, versions.c.version))
        if str(row.version).isdigit()
    ]
    if numbers:
        connection.execute(
            versions.update()
            .where(versions.c.id == sa.bindparam("vid"))
            .values(number=sa.bindparam("value")),
            numbers,
        )


def upgrade() -> None:
    with op.batch_alter_table("script_versions") as batch_op:
        batch_op.add_column(sa.Column("message", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
    op.create_table(
        "script_drafts",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("script_id", sa.String(length=120), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("base_version", sa.String(length=40), nullable=True),
        sa.Column("author", sa.String(length=120), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "script_id", name="pk_script_drafts"),
    )
    op.create_table(
        "script_revisions",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name="pk_script_revisions"),
    )
    _backfill_numbers()


def downgrade() -> None:
    op.drop_table("script_revisions")
    op.drop_table("script_drafts")
    with op.batch_alter_table("script_versions") as batch_op:
        batch_op.drop_column("number")
        batch_op.drop_column("message")
