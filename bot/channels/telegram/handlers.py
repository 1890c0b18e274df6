"""What the bot answers: small blocking functions ``(rep, args, services) -> list[Outgoing]``.

They run in worker threads (``app.py`` calls them through ``asyncio.to_thread``) and reach the
database only through the services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.metrics import TURNS
from bot.config import Settings
from bot.names import STATUS_NAMES, name_of
from bot.services import (
    MODES,
    Kind,
    MessageRejected,
    NoteList,
    NoteView,
    ScenarioSummary,
    Services,
    SessionView,
    TelegramLine,
    TelegramStart,
    TurnResult,
    VisitCommands,
)

from . import visits
from .callbacks import Pick, pick_language, pick_mode, scenario_key, ui_choice
from .claims import Rep, Sender, deactivated, duplicate, error_text, need_start
from .delivery import Outgoing
from .flags import flag_keyboard
from .formatting import (
    NoteEntry,
    customer_name,
    esc,
    note_pushed_message,
    notes_message,
    scenario_title,
    scorecard_message,
    session_title,
    state_line,
    turn_message,
    turn_parts,
    user_text,
    visit_intro,
)
from .texts import both, text, ui_language
from .visits import active_choice

CHANNEL = "telegram"

Command = Callable[[Rep, list[str], Services], list[Outgoing]]
# A command that changes the visit gets the visit commands of its update's one transaction.
VisitCommand = Callable[[Rep, list[str], VisitCommands], list[Outgoing]]


def _scenario(services: Services, scenario_id: str) -> ScenarioSummary | None:
    # Called while a turn's transaction is open: the versions this worker has loaded will do.
    return next((s for s in services.rehearsals.scenarios(fresh=False) if s.id == scenario_id), None)


def note_entry(note: NoteView) -> NoteEntry:
    """A coaching note as the bot shows it."""
    return NoteEntry(
        author=note.author_name or "—",
        created_at=note.created_at,
        text=note.text,
        unread=note.read_at is None,
        session_title=note.session_title,
    )


# -- commands ------------------------------------------------------------------------------


def help_command(rep: Rep, args: list[str], services: Services) -> list[Outgoing]:
    return [Outgoing(text("help", rep.lang))]


def rehearse(rep: Rep, args: list[str], services: Services) -> list[Outgoing]:
    """/rehearse: the scenarios as an inline keyboard (or the visit already in progress)."""
    active = services.rehearsals.active_session(rep.user_id, with_turns=False)
    if active is not None:  # begun here or on the web: continue it, or end it and pick another
        return [visits.active_choice(rep, active)]
    return visits.scenario_menu(rep, services)


def hint(rep: Rep, args: list[str], visits: VisitCommands) -> list[Outgoing]:
    active = visits.active_session(rep.user_id, with_turns=False)
    if active is None:
        return [Outgoing(text("no_session", rep.lang))]
    said = visits.hint(active.id, user_id=rep.user_id)
    return [Outgoing(text("hint", rep.lang, hint=esc(said)))]


def score(rep: Rep, args: list[str], services: Services) -> list[Outgoing]:
    """/score: where the current visit stands, else the latest scorecard."""
    active = services.rehearsals.active_session(rep.user_id)
    if active is not None:
        rep_lines = sum(1 for turn in active.turns if turn.speaker == "rep")
        # Exam mode: no feedback until the end.
        state = (
            state_line(active.stage, active.step, active.trust, rep.lang) if active.mode == "practice" else ""
        )
        title = esc(session_title(active))
        return [Outgoing(text("score_active", rep.lang, title=title, state=state, turns=rep_lines))]
    for view in services.rehearsals.sessions_for(rep.user_id, limit=20):
        if view.scorecard:
            return [
                Outgoing(scorecard_with_state(view.scorecard, session_title(view), view.status, rep.lang))
            ]
    return [Outgoing(text("no_scorecard", rep.lang))]


def end(rep: Rep, args: list[str], visits: VisitCommands) -> list[Outgoing]:
    active = visits.active_session(rep.user_id, with_turns=False)
    if active is None:
        return [Outgoing(text("ended_nothing", rep.lang))]
    result = visits.end(active.id, user_id=rep.user_id, channel=CHANNEL)
    return [
        Outgoing(scorecard_with_state(result.scorecard or {}, session_title(active), result.status, rep.lang))
    ]


def scorecard_with_state(scorecard: dict[str, Any], title: str, status: str, lang: str) -> str:
    """The scorecard, then how the visit ended (ended, walked out, abandoned) in words."""
    state = text("visit_state", lang, state=esc(name_of(STATUS_NAMES, status, lang)))
    return f"{scorecard_message(scorecard, title=title, lang=lang)}\n\n{state}"


def notes(rep: Rep, found: NoteList) -> list[Outgoing]:
    """/notes: the rep's newest coaching notes; the unread ones among them count as read once
    this answer is delivered (the outbox marks them)."""
    if not found.total:
        return [Outgoing(text("notes_none", rep.lang))]
    entries = [note_entry(note) for note in found.notes]
    html = notes_message(
        entries, total=found.total, unread=found.unread, lang=rep.lang, time_zone=rep.time_zone
    )
    shown = tuple(note.id for note in found.notes if note.read_at is None)
    return [Outgoing(html, kind=Kind.NOTE, note_ids=shown)]


def lang(rep: Rep, args: list[str], services: Services) -> list[Outgoing]:
    """/lang en|zh switches at once; /lang alone offers both as buttons."""
    if args and ui_language(args[0], "") in ("zh", "en"):
        return set_language(rep, ui_language(args[0]), services, edit=False)
    buttons = [InlineKeyboardButton("中文", callback_data=ui_choice("zh"))]
    buttons.append(InlineKeyboardButton("English", callback_data=ui_choice("en")))
    return [Outgoing(text("lang_choose", rep.lang), InlineKeyboardMarkup([buttons]))]


def set_language(rep: Rep, language: str, services: Services, *, edit: bool) -> list[Outgoing]:
    services.accounts.set_language(rep.user_id, language)
    return [Outgoing(text("lang_set", language), edit=edit)]


# -- /start and plain text -----------------------------------------------------------------


def start_reply(done: TelegramStart, guessed_lang: str) -> list[Outgoing]:
    """The answer to /start: linked by code, welcome back, or a new rep."""
    if done.kind == "duplicate":
        return duplicate()
    if done.kind == "bad_code":
        return [Outgoing(both("bad_code"))]
    if done.kind == "deactivated":
        return [Outgoing(text("deactivated", ui_language(done.language)))]
    name = user_text(done.name)
    if done.kind == "welcome_new":
        return [Outgoing(text("welcome_new", guessed_lang, name=name)), Outgoing(text("help", guessed_lang))]
    return [Outgoing(text(done.kind, ui_language(done.language), name=name))]


def turn_messages(result: TurnResult, session: SessionView, rep: Rep, services: Services) -> list[Outgoing]:
    """The customer's reply (and the coach's note), then the scorecard when the visit is over."""
    scenario = _scenario(services, session.scenario_id)
    name = customer_name(scenario, rep.lang)
    practice = session.mode == "practice"
    said, coach = turn_parts(result, lang=rep.lang, practice=practice, customer_name=name)
    # Queued apart, delivered as one message when they fit (the outbox merges them); the
    # "wrong judgement?" button goes under the coach's note, so it stays with it either way.
    messages = [Outgoing(said, joins=True)] if said else []
    if coach:
        messages.append(Outgoing(coach, flag_keyboard(result, session, rep.lang), kind=Kind.NOTE, joins=True))
    if result.ended:
        if result.status == "closed_by_customer":
            messages.append(Outgoing(text("customer_closed", rep.lang)))
        if result.scorecard is not None:
            title = session_title(session)
            messages.append(Outgoing(scorecard_message(result.scorecard, title=title, lang=rep.lang)))
    return messages


def line_reply(line: TelegramLine, sender: Sender, services: Services, settings: Settings) -> list[Outgoing]:
    """The answer to a plain text line, as the rehearsal service played (or refused) it."""
    turn, rep = line.turn, Rep.of(line.rep)
    if turn.duplicate:
        return duplicate()
    if rep is None:
        return need_start(sender, settings)
    if not rep.active:
        return deactivated(rep)
    if turn.session is None:
        return [Outgoing(text("no_session", rep.lang))]
    if turn.rejected is not None or turn.result is None:
        return [Outgoing(error_text(turn.rejected or MessageRejected(), rep.lang, settings))]
    TURNS.labels(CHANNEL).inc()
    return turn_messages(turn.result, turn.session, rep, services)


# -- inline buttons --------------------------------------------------------------------------


def choose_ui(rep: Rep, language: str, services: Services) -> list[Outgoing]:
    return set_language(rep, language, services, edit=True)


def expired(rep: Rep) -> list[Outgoing]:
    return [Outgoing(text("choice_expired", rep.lang), edit=True)]


def choose(rep: Rep, pick: Pick, visits: VisitCommands) -> list[Outgoing]:
    """A /rehearse step: the scenario's languages, then the modes, then the visit starts (in
    the press's one transaction, ``pick.starts_visit``)."""
    scenario = next((s for s in visits.scenarios() if scenario_key(s.id) == pick.key), None)
    if scenario is None or (pick.language is not None and pick.language not in scenario.languages):
        return expired(rep)
    title = esc(scenario_title(scenario, rep.lang))
    if pick.language is None and len(scenario.languages) > 1:
        buttons = [
            InlineKeyboardButton(
                text(f"language_{lang}", rep.lang), callback_data=pick_language(pick.key, lang)
            )
            # The interface language first: the rehearsal language follows it unless the rep picks.
            for lang in sorted(scenario.languages, key=lambda lang: lang != rep.lang)
            if lang in ("zh", "en")
        ]
        prompt = text("choose_language", rep.lang, title=title)
        return [Outgoing(prompt, InlineKeyboardMarkup([buttons]), edit=True)]
    language = pick.language or scenario.languages[0]
    if pick.mode is None:
        return [_mode_choice(rep, pick.key, language, title)]
    return _start_visit(rep, scenario, language, pick.mode, visits)


def _mode_choice(rep: Rep, key: str, language: str, title: str) -> Outgoing:
    buttons = [
        InlineKeyboardButton(text(f"mode_{mode}", rep.lang), callback_data=pick_mode(key, language, mode))
        for mode in MODES
    ]
    prompt = text("choose_mode", rep.lang, title=title, language=text(f"language_{language}", rep.lang))
    return Outgoing(prompt, InlineKeyboardMarkup([buttons]), edit=True)


def _start_visit(
    rep: Rep, scenario: ScenarioSummary, language: str, mode: str, visits: VisitCommands
) -> list[Outgoing]:
    active = visits.active_session(rep.user_id, with_turns=False)
    if active is not None:  # begun meanwhile, e.g. on the web: continue it, or end it first
        return [active_choice(rep, active, edit=True)]
    result = visits.start(rep.user_id, scenario.id, language=language, mode=mode, channel=CHANNEL)
    intro = visit_intro(scenario, language, mode, rep.lang)
    messages = [Outgoing(intro, edit=True)]
    if result.customer_reply:
        practice = mode == "practice"
        name = customer_name(scenario, rep.lang)
        messages.append(Outgoing(turn_message(result, lang=rep.lang, practice=practice, customer_name=name)))
    return messages


def pushed_note(note: NoteView, lang: str) -> str:
    """The message announcing a new coaching note in the rep's chats."""
    return note_pushed_message(note_entry(note), lang)


COMMANDS: dict[str, Command] = {
    # Commands that change no visit: worded, then claimed with their answer (a redelivered
    # /settings sets the same zone again).
    "help": help_command,
    "rehearse": rehearse,
    "score": score,
    "lang": lang,
    "settings": visits.settings_command,
}
VISIT_COMMANDS: dict[str, VisitCommand] = {
    # Commands that change the visit: claimed, done and answered in one transaction.
    "hint": hint,
    "end": end,
}
