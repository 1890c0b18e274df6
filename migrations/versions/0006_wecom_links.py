"""WeCom links: which user a WeCom member rehearses as.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29

Re-chain at merge: this revises 0005, the head on main at 12:20 UTC.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wecom_links",
        sa.Column("wecom_userid", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_wecom_links_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("wecom_userid", name=op.f("pk_wecom_links")),
    )
    op.create_index(op.f("ix_wecom_links_user_id"), "wecom_links", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_wecom_links_user_id"), table_name="wecom_links")
    op.drop_table("wecom_links")
