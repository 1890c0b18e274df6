"""What the script statistics read: a scenario's visits (their stored state) and the flags reps
raised on lines said in them. Both are bounded reads along an index (0013: sessions by scenario
and start; flags by their unique key, which starts with the session)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import JudgementFlag, RehearsalSession, Turn


@dataclass(frozen=True)
class VisitRow:
    """One visit as the statistics need it."""

    id: str
    scenario_version: str
    status: str
    state: dict[str, Any]
    score: int | None


@dataclass(frozen=True)
class FlagRow:
    id: int
    text: str
    language: str
    predicted: list[str]
    suggested: str | None
    status: str
    label: str | None


class StatisticsQueries:
    def __init__(self, session: Session) -> None:
        self._s = session

    def visits(
        self, scenario_id: str, *, version: str | None = None, limit: int = 5000
    ) -> Sequence[VisitRow]:
        """The newest ``limit`` visits of a scenario (of one version when given)."""
        query = select(
            RehearsalSession.id,
            RehearsalSession.scenario_version,
            RehearsalSession.status,
            RehearsalSession.state,
            RehearsalSession.score,
        ).where(RehearsalSession.scenario_id == scenario_id)
        if version is not None:
            query = query.where(RehearsalSession.scenario_version == version)
        query = query.order_by(RehearsalSession.started_at.desc(), RehearsalSession.id).limit(limit)
        visits = [VisitRow(*row) for row in self._s.execute(query)]
        # An active visit keeps its line history on its turns (0017): put it where a closed
        # visit's state holds it, which is where the statistics read it.
        histories = history_entries(self._s, [v.id for v in visits if v.state.get("history_apart")])
        return [
            replace(v, state={**v.state, "history": histories[v.id]}) if v.id in histories else v
            for v in visits
        ]

    def flags(self, session_ids: Sequence[str]) -> Sequence[FlagRow]:
        """Every flag raised on a line of these visits."""
        rows: list[FlagRow] = []
        ids = list(session_ids)
        for start in range(0, len(ids), 500):  # bounded IN lists
            query = select(
                JudgementFlag.id,
                JudgementFlag.text,
                JudgementFlag.language,
                JudgementFlag.predicted,
                JudgementFlag.suggested,
                JudgementFlag.status,
                JudgementFlag.label,
            ).where(JudgementFlag.session_id.in_(ids[start : start + 500]))
            rows.extend(FlagRow(*row) for row in self._s.execute(query))
        return sorted(rows, key=lambda row: row.id)  # the first flag first


def history_entries(session: Session, session_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Per visit, the history entries kept on its rep turns (0017), in order; bounded IN lists."""
    histories: dict[str, list[dict[str, Any]]] = {session_id: [] for session_id in session_ids}
    ids = list(histories)
    for start in range(0, len(ids), 500):
        query = (
            select(Turn.session_id, Turn.entry)
            .where(
                Turn.session_id.in_(ids[start : start + 500]), Turn.speaker == "rep", Turn.entry.is_not(None)
            )
            .order_by(Turn.session_id, Turn.seq)
        )
        for session_id, entry in session.execute(query):
            if entry is not None:  # a JSON null passes `is_not(None)`: a rep turn without an entry
                histories[session_id].append(dict(entry))
    return histories
