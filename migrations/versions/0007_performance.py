"""Constant work per turn: indexes for the active visit and team progress, the score as a column,
and a per-rep summary of the facts each scenario's visits brought out.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

sessions = sa.table(
    "rehearsal_sessions",
    sa.column("id", sa.String),
    sa.column("user_id", sa.Integer),
    sa.column("scenario_id", sa.String),
    sa.column("state", sa.JSON),
    sa.column("scorecard", sa.JSON),
    sa.column("score", sa.Integer),
    sa.column("started_at", sa.DateTime(timezone=True)),
)
facts_table = sa.table(
    "revealed_facts",
    sa.column("user_id", sa.Integer),
    sa.column("scenario_id", sa.String),
    sa.column("facts", sa.JSON),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def _score(scorecard: Any) -> int | None:
    value = scorecard.get("score") if isinstance(scorecard, dict) else None
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _backfill() -> None:
    """Scores from the stored scorecards; each rep's facts per scenario as revisits read them
    before (every earlier visit oldest first, its revealed facts then its prior ones)."""
    from datetime import UTC, datetime

    connection = op.get_bind()
    c = sessions.c
    rows = connection.execute(
        sa.select(c.id, c.user_id, c.scenario_id, c.state, c.scorecard).order_by(c.started_at, c.id)
    )
    scores: list[dict[str, Any]] = []
    facts: dict[tuple[int, str], list[str]] = {}
    for row in rows:
        score = _score(row.scorecard)
        if score is not None:
            scores.append({"sid": row.id, "value": score})
        state = row.state if isinstance(row.state, dict) else {}
        known = facts.setdefault((row.user_id, row.scenario_id), [])
        for fact in [*state.get("revealed", []), *state.get("prior", [])]:
            if fact not in known:
                known.append(fact)
    if scores:
        connection.execute(
            sessions.update().where(sessions.c.id == sa.bindparam("sid")).values(score=sa.bindparam("value")),
            scores,
        )
    now = datetime.now(UTC)
    summaries = [
        {"user_id": user_id, "scenario_id": scenario_id, "facts": known, "updated_at": now}
        for (user_id, scenario_id), known in facts.items()
        if known
    ]
    if summaries:
        connection.execute(facts_table.insert(), summaries)


def upgrade() -> None:
    op.add_column("rehearsal_sessions", sa.Column("score", sa.Integer(), nullable=True))
    op.create_index(
        "ix_rehearsal_sessions_user_status",
        "rehearsal_sessions",
        ["user_id", "status", "updated_at", "started_at", "ended_at", "score"],
    )
    op.create_index("ix_rehearsal_sessions_user_ended", "rehearsal_sessions", ["user_id", "ended_at"])
    op.create_table(
        "revealed_facts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.String(length=120), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_revealed_facts_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "scenario_id", name="pk_revealed_facts"),
    )
    _backfill()


def downgrade() -> None:
    op.drop_table("revealed_facts")
    op.drop_index("ix_rehearsal_sessions_user_ended", table_name="rehearsal_sessions")
    op.drop_index("ix_rehearsal_sessions_user_status", table_name="rehearsal_sessions")
    with op.batch_alter_table("rehearsal_sessions") as batch_op:
        batch_op.drop_column("score")
