"""The terminal channel: a rehearsal typed at a prompt, or read from stdin and written as JSON lines.

The session is stored like any other channel's (channel "cli"), through the rehearsal service.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TextIO

import click

from bot.i18n import N_, translate
from bot.names import ANGLE_NAMES, STAGE_NAMES, STEP_NAMES, TECHNIQUE_NAMES, name_of
from bot.services import RehearsalError, ScenarioCard, Scorecard, Services, TurnResult

CHANNEL = "cli"

# The terminal's own words, by catalogue key.
TERMINAL_KEYS: dict[str, str] = {
    "commands": N_("cli.commands"),
    "you": N_("cli.you"),
    "coach": N_("cli.coach"),
    "trust": N_("cli.trust"),
    "scorecard": N_("cli.scorecard"),
    "stage": N_("cli.stage"),
    "step": N_("cli.step"),
    "problems": N_("cli.problems"),
    "why": N_("cli.why"),
    "angles": N_("cli.angles"),
    "deadline": N_("cli.deadline"),
    "budget": N_("cli.budget"),
    "yes": N_("cli.yes"),
    "no": N_("cli.no"),
    "questions": N_("cli.questions"),
    "pitches": N_("cli.pitches"),
}


def terminal_words(lang: str) -> dict[str, str]:
    """The terminal's words in ``lang``."""
    return {word: translate(key, lang) for word, key in TERMINAL_KEYS.items()}


def _emit(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, ensure_ascii=False))


@dataclass(frozen=True)
class Terminal:
    """How one rehearsal is shown: human-readable in ``card.language``, or one JSON object per turn."""

    card: ScenarioCard
    as_json: bool

    @property
    def words(self) -> dict[str, str]:
        return terminal_words(self.card.language)

    def show(self, result: TurnResult, **extra: Any) -> None:
        if self.as_json:
            _emit(
                {
                    **extra,
                    "rep": result.rep_text,
                    "techniques": result.techniques,
                    "customer": result.customer_reply,
                    "coach": result.coach_note,
                    "stage": result.stage,
                    "step": result.step,
                    "trust": result.trust,
                    "status": result.status,
                    "revealed": result.revealed,
                }
            )
            return
        language = self.card.language
        if result.techniques:
            names = (name_of(TECHNIQUE_NAMES, t, language) for t in result.techniques)
            click.secho(f"    · {', '.join(names)}", fg="bright_black")
        if result.customer_reply:
            click.echo(f"{self.card.customer_name} ({self.card.customer_title}): {result.customer_reply}")
        if result.coach_note:
            click.secho(f"  {self.words['coach']}: {result.coach_note}", fg="cyan")
        stage, step = name_of(STAGE_NAMES, result.stage, language), name_of(STEP_NAMES, result.step, language)
        click.secho(f"    [{stage} / {step} / {self.words['trust']} {result.trust:g}]", fg="bright_black")

    def hint(self, text: str) -> None:
        if self.as_json:
            _emit({"hint": text})
        else:
            click.secho(f"  {text}", fg="yellow")

    def refused(self, error: RehearsalError) -> None:
        if self.as_json:
            _emit({"error": error.code, "message": str(error)})
        else:
            click.secho(f"  ({error})", fg="red")

    def scorecard(self, card: dict[str, Any]) -> None:
        if self.as_json:
            _emit({"scorecard": card})
        else:
            _print_scorecard(card)


def _typed_lines(prompt: str) -> Iterator[str]:
    while True:
        try:
            yield click.prompt(prompt, prompt_suffix="> ", default="", show_default=False)
        except (click.Abort, EOFError):
            return


def rehearse(
    services: Services,
    scenario_id: str,
    *,
    language: str,
    mode: str,
    seed: int | None,
    rep_login: str,
    as_json: bool,
    stdin: TextIO,
) -> None:
    """Play a visit of ``scenario_id``: /hint asks the coach, /end (or the end of input) closes it.

    Raises UnknownScenario for an unknown id.
    """
    rehearsals = services.rehearsals
    card = rehearsals.scenario_card(scenario_id, language)
    rep = services.accounts.rep_for_login(rep_login, language=card.language)
    started = rehearsals.start(
        rep.id, scenario_id, language=card.language, mode=mode, channel=CHANNEL, seed=seed
    )
    terminal = Terminal(card, as_json)
    if as_json:
        # The opening turn (the customer speaks first) also names the session.
        terminal.show(
            started, session_id=started.session_id, scenario=scenario_id, language=card.language, mode=mode
        )
    else:
        click.secho(f"{card.title} — {card.purpose}", bold=True)
        click.echo(terminal.words["commands"] + "\n")
        terminal.show(started)
    lines: Iterator[str] = iter(stdin.readline, "") if as_json else _typed_lines(terminal.words["you"])
    _play(services, terminal, started, rep.id, lines)
    final = rehearsals.end(started.session_id, user_id=rep.id, channel=CHANNEL)
    if final.customer_reply and not final.duplicate:
        terminal.show(final)
    terminal.scorecard(final.scorecard or {})


def _play(
    services: Services, terminal: Terminal, started: TurnResult, user_id: int, lines: Iterator[str]
) -> None:
    """Rep lines until the visit ends, /end or the input runs out."""
    result = started
    for raw in lines:
        line = raw.strip()
        if result.status != "active" or line == "/end":
            return
        if not line:
            continue
        if line == "/hint":
            terminal.hint(services.rehearsals.hint(started.session_id, user_id=user_id))
            continue
        try:
            result = services.rehearsals.send(started.session_id, line, user_id=user_id, channel=CHANNEL)
        except RehearsalError as exc:
            terminal.refused(exc)
            continue
        terminal.show(result)
        if result.status != "active":
            return


def _print_scorecard(stored: dict[str, Any]) -> None:
    card = Scorecard.from_json(stored)
    lang = "zh" if card.language == "zh" else "en"
    words = terminal_words(lang)
    click.secho(f"\n{words['scorecard']}: {card.score}/100", bold=True)
    problems = card.problems
    angles = ", ".join(name_of(ANGLE_NAMES, a, lang) for a in card.motivation_angles) or "-"
    stage = name_of(STAGE_NAMES, card.stage_reached, lang)
    step = name_of(STEP_NAMES, card.step_reached, lang)
    click.echo(
        f"  {words['stage']} {stage} · {words['step']} {step} · "
        f"{words['problems']} {len(problems.uncovered)}/{problems.total} · "
        f"{words['why']} {card.deepest_why_chain} · {words['angles']} {angles}"
    )
    need = card.explicit_need
    deadline, budget = (words["yes"] if found else words["no"] for found in (need.deadline, need.budget))
    click.echo(
        f"  {words['deadline']} {deadline} · {words['budget']} {budget} · "
        f"{words['questions']} {card.question_share:.0%} · "
        f"{words['pitches']} {card.pitches_before_need}"
    )
    for point in (card.coaching.keep, card.coaching.start, card.coaching.stop):
        click.echo(f"  {point.label}: {point.text}")


__all__ = ["TERMINAL_KEYS", "rehearse", "terminal_words"]
