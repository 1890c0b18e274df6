"""Turn engine results into Telegram HTML messages (customer line, coach note, scorecard)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from bot.channels.text import isolate_bidi
from bot.names import SCENARIO_NAMES, STAGE_NAMES, STEP_NAMES, TECHNIQUE_NAMES, name_of
from bot.services import ScenarioSummary, Scorecard, SessionView, TurnResult, local_time

from .texts import text


def esc(value: object) -> str:
    """Escape a value for Telegram's HTML parse mode (quotes are fine outside attributes)."""
    return escape(str(value), quote=False)


def localised(values: dict[str, str], lang: str) -> str:
    """The ``lang`` variant of a bilingual field, else the first one there is."""
    return values.get(lang) or next(iter(values.values()), "")


def scenario_title(scenario: ScenarioSummary, lang: str) -> str:
    return localised(scenario.title, lang) or scenario.id


def visit_intro(
    scenario: ScenarioSummary, language: str, mode: str, lang: str, words: Callable[..., str] = text
) -> str:
    """The briefing before the visit ("rehearsal started"): scenario, customer, industry, purpose,
    what the rep knows beforehand, difficulty, language and mode, all in the interface language
    ``lang`` (the customer's name and company too, when the scenario has them in it).

    ``words`` is the channel's text function (Telegram's HTML, or WeCom's plain text).
    """
    card = scenario.card(lang)
    who = " · ".join(esc(card[k]) for k in ("name", "title", "company") if card.get(k))
    intro = words(
        "rehearsal_started",
        lang,
        title=esc(scenario_title(scenario, lang)),
        customer=who,
        industry=esc(card.get("industry") or "—"),
        purpose=esc(card.get("purpose") or localised(scenario.purpose, lang)),
        difficulty=esc(name_of(SCENARIO_NAMES, scenario.difficulty, lang)),
        language=words(f"language_{language}", lang),
        mode=words(f"mode_{mode}", lang),
    )
    if card.get("briefing"):
        known = words("briefing_known", lang, briefing=esc(card["briefing"]))
        head, _, tail = intro.rpartition("\n\n")
        intro = f"{head}\n{known}\n\n{tail}" if head else f"{intro}\n{known}"
    return intro


def customer_name(scenario: ScenarioSummary | None, lang: str) -> str | None:
    """The customer's name as the rep's interface language writes it (None: no scenario)."""
    return scenario.card(lang).get("name") if scenario is not None else None


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


def turn_parts(
    result: TurnResult, *, lang: str, practice: bool, customer_name: str | None
) -> tuple[str, str]:
    """One rep turn's answer in two parts, queued apart and sent as one message when they fit:
    the customer's reply, then (practice mode) the coach's note and the state. Either may be empty."""
    customer = customer_line(result.customer_reply, customer_name, lang) if result.customer_reply else ""
    coach = []
    if result.coach_note and practice:
        coach.append(coach_line(result.coach_note, lang))
    if practice and not result.ended:
        coach.append(f"<code>{state_line(result.stage, result.step, result.trust, lang)}</code>")
    return customer, "\n\n".join(coach)


def turn_message(result: TurnResult, *, lang: str, practice: bool, customer_name: str | None) -> str:
    """One rep turn's answer as one text (the parts of ``turn_parts`` joined)."""
    parts = turn_parts(result, lang=lang, practice=practice, customer_name=customer_name)
    return "\n\n".join(part for part in parts if part)


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


def scorecard_message(scorecard: dict[str, Any], *, title: str, lang: str) -> str:
    """The end-of-visit scorecard, from the stored JSON (empty: the title alone)."""
    lines = [text("scorecard_title", lang, title=esc(title))]
    if not scorecard:
        return lines[0]
    card = Scorecard.from_json(scorecard)
    lines.append(text("scorecard_score", lang, score=esc(_number(card.score))))
    stage, step = name_of(STAGE_NAMES, card.stage_reached, lang), name_of(STEP_NAMES, card.step_reached, lang)
    lines.append(text("scorecard_reached", lang, stage=esc(stage), step=esc(step)))
    if len(card.trust_curve) > 1:
        lines.append(text("scorecard_trust", lang, curve=sparkline([float(v) for v in card.trust_curve])))
    share, pitches = _number(round(card.question_share * 100)), _number(card.pitches_before_need)
    lines.append(text("scorecard_questions", lang, share=esc(share), pitches=esc(pitches)))
    found, total = len(card.problems.uncovered), card.problems.total
    depth = card.deepest_why_chain
    lines.append(text("scorecard_problems", lang, found=esc(found), total=esc(total), depth=esc(depth)))
    mark = {True: text("yes", lang), False: text("no", lang)}
    need = card.explicit_need
    lines.append(text("scorecard_need", lang, deadline=mark[need.deadline], budget=mark[need.budget]))
    counts = card.techniques.counts
    if counts:
        listed = ", ".join(
            f"{name_of(TECHNIQUE_NAMES, name, lang)} ×{count}" for name, count in counts.items()
        )
        lines.append(text("scorecard_techniques", lang, techniques=esc(listed)))
    lines.append("")
    for point in (card.coaching.keep, card.coaching.start, card.coaching.stop):
        lines.append(text(f"scorecard_{point.kind}", lang, text=esc(point.text)))
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


def note_date(value: datetime, time_zone: str | None = None) -> str:
    """When a note was written, in the rep's time zone (UTC when they have none)."""
    return local_time(value, time_zone)


def _note_block(note: NoteEntry, lang: str, time_zone: str | None) -> str:
    header = f"<b>{user_text(note.author)}</b> · {esc(note_date(note.created_at, time_zone))}"
    if note.unread:
        header = f"{text('note_unread', lang)} {header}"
    lines = [header]
    if note.session_title:
        lines.append(f"<i>{text('note_about', lang, title=esc(note.session_title))}</i>")
    lines.append(user_text(note.text))
    return "\n".join(lines)


def notes_message(
    notes: Sequence[NoteEntry], *, total: int, unread: int, lang: str, time_zone: str | None = None
) -> str:
    """/notes: the title with the counts, then one block per note (newest first), times in the
    rep's zone."""
    parts = [text("notes_title", lang, total=total, unread=unread)]
    parts += [_note_block(note, lang, time_zone) for note in notes]
    if total > len(notes):
        parts.append(text("notes_more", lang, shown=len(notes)))
    return "\n\n".join(parts)


def note_pushed_message(note: NoteEntry, lang: str) -> str:
    """The message a rep gets in Telegram when a manager has just written them a note."""
    body = user_text(note.text)
    if note.session_title:
        body = f"<i>{text('note_about', lang, title=esc(note.session_title))}</i>\n{body}"
    return text("note_pushed", lang, author=user_text(note.author), note=body)
