"""Turn engine results into Telegram HTML messages (customer line, coach note, scorecard)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any

from bot.channels.text import isolate_bidi
from bot.names import STAGE_NAMES, STEP_NAMES, TECHNIQUE_NAMES, name_of
from bot.services import SessionView, TurnResult

from .texts import text


def esc(value: object) -> str:
    """Escape a value for Telegram's HTML parse mode (quotes are fine outside attributes)."""
    return escape(str(value), quote=False)


def user_text(value: object) -> str:
    """Text a person wrote (a name, a note), escaped and bidi-isolated: a right-to-left override
    in it cannot reorder the bot's words around it."""
    return esc(isolate_bidi(str(value)))


def state_line(stage: str | None, step: str | None, trust: float | None, lang: str) -> str:
    """ "Stage · step · trust" in the rep's language."""
    trust_text = "—" if trust is None else f"{trust:.2f}".rstrip("0").rstrip(".")
    return text(
        "state_line",
        lang,
        stage=esc(name_of(STAGE_NAMES, stage, lang)),
        step=esc(name_of(STEP_NAMES, step, lang)),
        trust=esc(trust_text),
    )


def customer_line(reply: str, customer_name: str | None, lang: str) -> str:
    """The customer's words, labelled with their name when the scenario gives one."""
    label = customer_name or text("customer_label", lang)
    return f"🗣 <b>{esc(label)}</b>：{esc(reply)}" if lang == "zh" else f"🗣 <b>{esc(label)}</b>: {esc(reply)}"


def coach_line(note: str, lang: str) -> str:
    """The coach's note, set apart in italics behind a compass."""
    separator = "：" if lang == "zh" else ": "
    return f"<i>🧭 {esc(text('coach_label', lang))}{separator}{esc(note)}</i>"


def turn_message(result: TurnResult, *, lang: str, practice: bool, customer_name: str | None) -> str:
    """One rep turn's answer: customer reply, then (practice mode) the coach note and the state."""
    parts = []
    if result.customer_reply:
        parts.append(customer_line(result.customer_reply, customer_name, lang))
    if result.coach_note and practice:
        parts.append(coach_line(result.coach_note, lang))
    if practice and not result.ended:
        parts.append(f"<code>{state_line(result.stage, result.step, result.trust, lang)}</code>")
    return "\n\n".join(parts)


_BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float]) -> str:
    """A one-line chart of ``values`` (trust over the visit), scaled to its own range."""
    low, high = min(values), max(values)
    span = high - low or 1.0
    return "".join(_BARS[round((value - low) / span * (len(_BARS) - 1))] for value in values)


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return str(value)


def _quoted_points(points: Any) -> dict[str, str]:
    """Coaching points as {"keep"|"start"|"stop": text}, from a dict or a list of dicts."""
    found: dict[str, str] = {}
    if isinstance(points, dict):
        for key in ("keep", "start", "stop"):
            value = points.get(key)
            if isinstance(value, dict):
                value = value.get("text") or value.get("advice")
            if value:
                found[key] = str(value)
    elif isinstance(points, list):
        for item in points:
            if isinstance(item, dict) and item.get("kind") in ("keep", "start", "stop"):
                found[str(item["kind"])] = str(item.get("text") or item.get("advice") or "")
    return found


def scorecard_message(scorecard: dict[str, Any], *, title: str, lang: str) -> str:
    """The end-of-visit scorecard; parts the engine did not report are left out."""
    lines = [text("scorecard_title", lang, title=esc(title))]
    if "score" in scorecard:
        lines.append(text("scorecard_score", lang, score=esc(_number(scorecard["score"]))))
    stage = scorecard.get("stage_reached", scorecard.get("stage"))
    step = scorecard.get("step_reached", scorecard.get("step"))
    if stage or step:
        lines.append(
            text(
                "scorecard_reached",
                lang,
                stage=esc(name_of(STAGE_NAMES, stage, lang)),
                step=esc(name_of(STEP_NAMES, step, lang)),
            )
        )
    curve = scorecard.get("trust_curve")
    if isinstance(curve, list) and len(curve) > 1:
        lines.append(text("scorecard_trust", lang, curve=sparkline([float(v) for v in curve])))
    if "question_share" in scorecard:
        share = float(scorecard["question_share"])
        share_pct = share * 100 if share <= 1 else share
        lines.append(
            text(
                "scorecard_questions",
                lang,
                share=esc(_number(round(share_pct))),
                pitches=esc(_number(scorecard.get("pitches_before_need", 0))),
            )
        )
    problems = scorecard.get("problems")
    if isinstance(problems, dict) and "total" in problems:
        found = problems.get("uncovered", problems.get("found", []))
        lines.append(
            text(
                "scorecard_problems",
                lang,
                found=esc(len(found) if isinstance(found, list) else found),
                total=esc(problems["total"]),
                depth=esc(scorecard.get("deepest_why_chain", problems.get("deepest_why", 0))),
            )
        )
    need = scorecard.get("explicit_need")
    if isinstance(need, dict):
        mark = {True: text("yes", lang), False: text("no", lang)}
        lines.append(
            text(
                "scorecard_need",
                lang,
                deadline=mark[bool(need.get("deadline"))],
                budget=mark[bool(need.get("budget"))],
            )
        )
    techniques = scorecard.get("techniques")
    counts = techniques.get("counts", techniques) if isinstance(techniques, dict) else None
    if isinstance(counts, dict) and counts:
        listed = ", ".join(
            f"{name_of(TECHNIQUE_NAMES, str(name), lang)} ×{count}" for name, count in counts.items()
        )
        lines.append(text("scorecard_techniques", lang, techniques=esc(listed)))
    points = _quoted_points(scorecard.get("coaching_points", scorecard.get("coaching")))
    if points:
        lines.append("")
        for key in ("keep", "start", "stop"):
            if key in points:
                lines.append(text(f"scorecard_{key}", lang, text=esc(points[key])))
    return "\n".join(lines)


def session_title(view: SessionView) -> str:
    return view.title or view.scenario_id


@dataclass(frozen=True)
class NoteEntry:
    """A coaching note as the bot shows it (plain values, read before the transaction ends)."""

    author: str
    created_at: datetime
    text: str
    unread: bool
    session_title: str | None = None


def note_date(value: datetime) -> str:
    """When a note was written, in UTC (SQLite hands stored times back without their offset)."""
    moment = value.astimezone(UTC) if value.tzinfo else value
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def _note_block(note: NoteEntry, lang: str) -> str:
    header = f"<b>{user_text(note.author)}</b> · {esc(note_date(note.created_at))}"
    if note.unread:
        header = f"{text('note_unread', lang)} {header}"
    lines = [header]
    if note.session_title:
        lines.append(f"<i>{text('note_about', lang, title=esc(note.session_title))}</i>")
    lines.append(user_text(note.text))
    return "\n".join(lines)


def notes_message(notes: Sequence[NoteEntry], *, total: int, unread: int, lang: str) -> str:
    """/notes: the title with the counts, then one block per note (newest first)."""
    parts = [text("notes_title", lang, total=total, unread=unread)]
    parts += [_note_block(note, lang) for note in notes]
    if total > len(notes):
        parts.append(text("notes_more", lang, shown=len(notes)))
    return "\n\n".join(parts)


def note_pushed_message(note: NoteEntry, lang: str) -> str:
    """The message a rep gets in Telegram when a manager has just written them a note."""
    body = user_text(note.text)
    if note.session_title:
        body = f"<i>{text('note_about', lang, title=esc(note.session_title))}</i>\n{body}"
    return text("note_pushed", lang, author=user_text(note.author), note=body)
