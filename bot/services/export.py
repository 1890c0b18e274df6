"""Exports of sessions and turns: CSV for spreadsheets and JSON Lines for programs.

CSV: UTF-8 with a byte-order mark (Excel then reads the Chinese right), one row per turn with
its session's columns repeated (a session without lines, or a private one, gets one row with
the turn columns empty). A cell that a spreadsheet would run as a formula (it starts with
``= + - @``, a tab or a carriage return) gets a leading ``'``, so an exported line such as
``=HYPERLINK(...)`` stays text (OWASP "CSV injection").

JSON Lines: a ``{"type": "session", ...}`` object per session followed by a
``{"type": "turn", ...}`` object per turn, text unchanged.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .browse import BrowsedSession, ExportedSession, ExportedTurn

FORMATS = ("csv", "jsonl")
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SESSION_COLUMNS = (
    "session_id",
    "rep_login",
    "rep_name",
    "team",
    "scenario_id",
    "scenario_title",
    "mode",
    "language",
    "channel",
    "outcome",
    "score",
    "private",
    "started_at",
    "ended_at",
)
TURN_COLUMNS = ("seq", "speaker", "text", "techniques", "stage", "step", "trust", "turn_time")


def neutralise(cell: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def session_record(row: BrowsedSession) -> dict[str, Any]:
    return {
        "session_id": row.id,
        "rep_login": row.rep_login,
        "rep_name": row.rep_name,
        "team": row.team,
        "scenario_id": row.scenario_id,
        "scenario_title": row.title,
        "mode": row.mode,
        "language": row.language,
        "channel": row.channel,
        "outcome": row.status,
        "score": row.score,
        "private": row.private,
        "started_at": _iso(row.started_at),
        "ended_at": _iso(row.ended_at),
    }


def turn_record(turn: ExportedTurn) -> dict[str, Any]:
    return {
        "seq": turn.seq,
        "speaker": turn.speaker,
        "text": turn.text,
        "techniques": list(turn.techniques),
        "stage": turn.stage,
        "step": turn.step,
        "trust": turn.trust,
        "turn_time": _iso(turn.created_at),
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):  # a number, negative trust too, is no formula
        return str(value)
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return neutralise(str(value))


def to_csv(sessions: Iterable[ExportedSession]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow((*SESSION_COLUMNS, *TURN_COLUMNS))
    for exported in sessions:
        head = session_record(exported.session)
        left = [_cell(head[column]) for column in SESSION_COLUMNS]
        if not exported.turns:
            writer.writerow((*left, *("" for _ in TURN_COLUMNS)))
        for turn in exported.turns:
            record = turn_record(turn)
            writer.writerow((*left, *(_cell(record[column]) for column in TURN_COLUMNS)))
    return BOM + out.getvalue()


def to_jsonl(sessions: Iterable[ExportedSession]) -> str:
    lines = []
    for exported in sessions:
        session = {"type": "session", **session_record(exported.session)}
        session["lines_hidden"] = exported.lines_hidden
        lines.append(json.dumps(session, ensure_ascii=False))
        for turn in exported.turns:
            record = {"type": "turn", "session_id": exported.session.id, **turn_record(turn)}
            lines.append(json.dumps(record, ensure_ascii=False))
    return "".join(f"{line}\n" for line in lines)


def render(sessions: Iterable[ExportedSession], fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    return to_csv(sessions) if fmt == "csv" else to_jsonl(sessions)


__all__ = ["FORMATS", "FORMULA_STARTS", "neutralise", "render", "to_csv", "to_jsonl"]
