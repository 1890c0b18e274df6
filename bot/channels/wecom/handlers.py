"""What the WeCom application answers: small blocking functions that return plain texts.

They run in worker threads and reach the database only through the services. A visit is
chosen with numbered replies (WeCom's text messages carry no buttons): ``/rehearse`` lists the
scenarios, ``2`` lists scenario 2's languages and modes, ``2.1`` starts the first of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from bot.channels.metrics import TURNS
from bot.channels.telegram.assignments import assignment_message
from bot.channels.telegram.claims import error_text as shared_error_text
from bot.channels.telegram.formatting import (
    customer_line,
    customer_name,
    esc,
    note_pushed_message,
    notes_message,
    scenario_title,
    scorecard_message,
    session_title,
    state_line,
    turn_message,
    visit_intro,
)
from bot.channels.telegram.handlers import note_entry
from bot.config import Settings
from bot.services import (
    MODES,
    AssignmentPush,
    AssignmentView,
    LinkedRep,
    MessageRejected,
    NoteList,
    NoteView,
    RehearsalError,
    ScenarioSummary,
    Services,
    SessionView,
    TurnResult,
    VisitCommands,
    WeComLine,
    WeComStart,
)

from .splitting import split_text
from .texts import plain, text, ui_language

CHANNEL: Final = "wecom"
PICK: Final = re.compile(r"^\s*(\d{1,3})(?:\s*[.．。]\s*(\d{1,2}))?\s*$")
# Chinese names a rep may type instead of the English commands.
ALIASES: Final = {
    "演练": "rehearse",
    "提示": "hint",
    "进度": "score",
    "评分": "score",
    "结束": "end",
    "笔记": "notes",
    "语言": "lang",
    "帮助": "help",
    "开始": "start",
}


@dataclass(frozen=True)
class Rep:
    """The rep behind a WeCom member, as the application needs to know."""

    user_id: int
    name: str
    lang: str
    time_zone: str | None = None  # where the rep's times are shown (None: UTC)

    @classmethod
    def of(cls, linked: LinkedRep | None, default: str) -> Rep | None:
        if linked is None:
            return None
        return cls(linked.user_id, linked.name, ui_language(linked.language, default), linked.time_zone)


Command = Callable[[Rep, list[str], Services], list[str]]
# A command that changes a visit: it runs inside the message's one transaction (claim, change,
# queued replies), on the commands bound to it.
VisitCommand = Callable[[Rep, list[str], VisitCommands], list[str]]


def pieces(texts: Sequence[str]) -> list[str]:
    """Every text in pieces that fit in one WeCom message."""
    return [piece for message in texts for piece in split_text(message)]


def parse_command(content: str) -> tuple[str, list[str]] | None:
    """``/name args…`` (full-width slash too) → (name, args); None for plain text."""
    stripped = content.strip()
    if not stripped.startswith(("/", "／")):
        return None
    words = stripped[1:].split() or [""]
    name = words[0].lower()
    return ALIASES.get(name, name), words[1:]


def parse_pick(content: str) -> tuple[int, int | None] | None:
    """``2`` → (2, None); ``2.1`` → (2, 1); anything else None."""
    match = PICK.match(content)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2)) if match.group(2) else None


def error_text(error: RehearsalError, lang: str, settings: Settings) -> str:
    return plain(shared_error_text(error, lang, settings))


# -- commands ------------------------------------------------------------------------------


def help_command(rep: Rep, args: list[str], services: Services) -> list[str]:
    return [text("help", rep.lang)]


def rehearse(rep: Rep, args: list[str], services: Services) -> list[str]:
    """/rehearse: the scenarios, numbered (or the visit already in progress)."""
    active = services.rehearsals.active_session(rep.user_id)
    if active is not None:  # begun here or elsewhere: where it stands, to continue it (or /end)
        in_progress = text("session_in_progress", rep.lang, title=esc(session_title(active)))
        return [in_progress, *where_it_stands(active, rep, services)]
    scenarios = services.rehearsals.scenarios()
    if not scenarios:
        return [text("no_scenarios", rep.lang)]
    choices = "\n".join(f"{n}. {scenario_title(s, rep.lang)}" for n, s in enumerate(scenarios, start=1))
    return [text("choose_scenario", rep.lang, choices=choices)]


def where_it_stands(active: SessionView, rep: Rep, services: Services) -> list[str]:
    """The customer's last words in a visit in progress (and, in practice, the stage), as
    Telegram's "continue" shows them: a visit begun on the web goes on here from that line."""
    last = next((turn for turn in reversed(active.turns) if turn.speaker == "customer"), None)
    if last is None:
        return []
    scenario = next((s for s in services.rehearsals.scenarios() if s.id == active.scenario_id), None)
    said = customer_line(last.text, customer_name(scenario, rep.lang), rep.lang)
    if active.mode == "practice":
        said += "\n\n" + state_line(active.stage, active.step, active.trust, rep.lang)
    return [plain(said)]


def hint(rep: Rep, args: list[str], visits: VisitCommands) -> list[str]:
    active = visits.active_session(rep.user_id, with_turns=False)
    if active is None:
        return [text("no_session", rep.lang)]
    said = visits.hint(active.id, user_id=rep.user_id)
    return [text("hint", rep.lang, hint=esc(said))]


def score(rep: Rep, args: list[str], services: Services) -> list[str]:
    """/score: where the current visit stands, else the latest scorecard."""
    active = services.rehearsals.active_session(rep.user_id)
    if active is not None:
        rep_lines = sum(1 for turn in active.turns if turn.speaker == "rep")
        practice = active.mode == "practice"
        state = state_line(active.stage, active.step, active.trust, rep.lang) if practice else ""
        title = esc(session_title(active))
        return [text("score_active", rep.lang, title=title, state=plain(state), turns=rep_lines)]
    for view in services.rehearsals.sessions_for(rep.user_id, limit=20):
        if view.scorecard:
            return [plain(scorecard_message(view.scorecard, title=session_title(view), lang=rep.lang))]
    return [text("no_scorecard", rep.lang)]


def end(rep: Rep, args: list[str], visits: VisitCommands) -> list[str]:
    active = visits.active_session(rep.user_id, with_turns=False)
    if active is None:
        return [text("ended_nothing", rep.lang)]
    result = visits.end(active.id, user_id=rep.user_id, channel=CHANNEL)
    return [plain(scorecard_message(result.scorecard or {}, title=session_title(active), lang=rep.lang))]


def notes(rep: Rep, found: NoteList) -> list[str]:
    """/notes: the newest coaching notes (marked read once this list is delivered)."""
    if not found.total:
        return [text("notes_none", rep.lang)]
    entries = [note_entry(note) for note in found.notes]
    listed = notes_message(
        entries, total=found.total, unread=found.unread, lang=rep.lang, time_zone=rep.time_zone
    )
    return [plain(listed)]


def lang(rep: Rep, args: list[str], services: Services) -> list[str]:
    """/lang en|zh switches; /lang alone says how."""
    if args and ui_language(args[0], "") in ("zh", "en"):
        language = ui_language(args[0])
        services.accounts.set_language(rep.user_id, language)
        return [text("lang_set", language)]
    return [text("lang_choose", rep.lang)]


# name: (handler, claim first). Commands that change something claim their message first.
COMMANDS: Final[dict[str, tuple[Command, bool]]] = {
    "help": (help_command, False),
    "rehearse": (rehearse, False),
    "score": (score, False),
    "lang": (lang, False),
}
# Commands that change the visit: claim, change and replies in one transaction.
VISIT_COMMANDS: Final[dict[str, VisitCommand]] = {"hint": hint, "end": end}


# -- numbered choices ----------------------------------------------------------------------


def options(scenario: ScenarioSummary) -> list[tuple[str, str]]:
    """A scenario's (language, mode) pairs, in the order they are numbered."""
    return [(language, mode) for language in scenario.languages if language in ("zh", "en") for mode in MODES]


def choose(rep: Rep, number: int, option: int | None, visits: VisitCommands) -> list[str]:
    """``N``: scenario N's languages and modes; ``N.M``: start the visit."""
    scenarios = visits.scenarios()
    if not 1 <= number <= len(scenarios):
        return [text("choice_expired", rep.lang)]
    scenario = scenarios[number - 1]
    pairs = options(scenario)
    if option is None:
        lines = [
            f"{number}.{n} {text(f'language_{language}', rep.lang)} · {text(f'mode_{mode}', rep.lang)}"
            for n, (language, mode) in enumerate(pairs, start=1)
        ]
        return [
            text(
                "choose_option", rep.lang, title=scenario_title(scenario, rep.lang), choices="\n".join(lines)
            )
        ]
    if not 1 <= option <= len(pairs):
        return [text("choice_expired", rep.lang)]
    language, mode = pairs[option - 1]
    return start_visit(rep, scenario, language, mode, visits)


def start_visit(
    rep: Rep, scenario: ScenarioSummary, language: str, mode: str, visits: VisitCommands
) -> list[str]:
    active = visits.active_session(rep.user_id, with_turns=False)
    if active is not None:  # one visit at a time, whichever channel began it
        return [text("session_in_progress", rep.lang, title=esc(session_title(active)))]
    result = visits.start(rep.user_id, scenario.id, language=language, mode=mode, channel=CHANNEL)
    intro = visit_intro(scenario, language, mode, rep.lang, text)
    messages = [intro]
    if result.customer_reply:
        practice = mode == "practice"
        name = customer_name(scenario, rep.lang)
        messages.append(plain(turn_message(result, lang=rep.lang, practice=practice, customer_name=name)))
    return messages


# -- /start, plain text and notes ----------------------------------------------------------


def start_texts(done: WeComStart, guessed_lang: str) -> list[str]:
    if done.kind == "bad_code":
        return [text("bad_code", guessed_lang)]
    if done.kind == "welcome_new":
        return [text("welcome_new", guessed_lang, name=esc(done.name)), text("help", guessed_lang)]
    language = ui_language(done.language, guessed_lang)
    return [text(done.kind, language, name=esc(done.name))]


def turn_texts(result: TurnResult, session: SessionView, lang: str, services: Services) -> list[str]:
    """The customer's reply (and the coach's note), then the scorecard when the visit is over."""
    # Called while a turn's transaction is open: the versions this worker has loaded will do.
    scenarios = services.rehearsals.scenarios(fresh=False)
    scenario = next((s for s in scenarios if s.id == session.scenario_id), None)
    name = customer_name(scenario, lang)
    practice = session.mode == "practice"
    messages = [plain(turn_message(result, lang=lang, practice=practice, customer_name=name))]
    if result.ended:
        if result.status == "closed_by_customer":
            messages.append(text("customer_closed", lang))
        if result.scorecard is not None:
            card = scorecard_message(result.scorecard, title=session_title(session), lang=lang)
            messages.append(plain(card))
    return messages


def line_texts(line: WeComLine, services: Services, settings: Settings) -> list[str]:
    """The answer to a plain text line, as the rehearsal service played (or refused) it."""
    rep = Rep.of(line.rep, settings.default_lang)
    turn = line.turn
    if rep is None:
        return [text("need_start", settings.default_lang)]
    if turn.session is None:
        return [text("no_session", rep.lang)]
    if turn.rejected is not None or turn.result is None:
        return [error_text(turn.rejected or MessageRejected(), rep.lang, settings)]
    TURNS.labels(CHANNEL).inc()
    return turn_texts(turn.result, turn.session, rep.lang, services)


def pushed_note(note: NoteView, language: str, default: str) -> list[str]:
    """The message announcing a new coaching note in WeCom."""
    return [plain(note_pushed_message(note_entry(note), ui_language(language, default)))]


def assignment_texts(view: AssignmentView, reminder: bool, language: str, default: str) -> list[str]:
    """A new assignment (or its reminder) announced in WeCom: Telegram's words, as plain text."""
    lang = ui_language(language, default)
    return [plain(assignment_message(AssignmentPush([], language, view, reminder), lang))]
