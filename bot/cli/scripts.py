"""``coach validate``, ``coach test`` and ``coach rehearse``: trainers' checks and a terminal rehearsal."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.config import get_settings
from bot.engine.names import STAGE_NAMES, STEP_NAMES, TECHNIQUE_NAMES, name_of

from . import database_url_option, main

if TYPE_CHECKING:
    from bot.engine.scorecard import Scorecard


def _default_paths(paths: tuple[str, ...]) -> list[Path]:
    return [Path(p) for p in paths] or [get_settings().dialogues_dir]


TERMINAL_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "commands": "输入 /hint 请教练给提示，/end 结束拜访",
        "you": "你",
        "coach": "教练",
        "trust": "信任",
        "scorecard": "评分卡",
        "stage": "阶段",
        "step": "提问步骤",
        "problems": "发现的问题",
        "why": "最深追问",
        "angles": "动机角度",
        "deadline": "期限",
        "budget": "预算",
        "yes": "已确认",
        "no": "未确认",
        "questions": "提问占比",
        "pitches": "过早推销",
    },
    "en": {
        "commands": "Type /hint for a hint from the coach, /end to close the visit",
        "you": "you",
        "coach": "coach",
        "trust": "trust",
        "scorecard": "Scorecard",
        "stage": "stage",
        "step": "step",
        "problems": "problems",
        "why": "deepest why",
        "angles": "angles",
        "deadline": "deadline",
        "budget": "budget",
        "yes": "yes",
        "no": "no",
        "questions": "questions",
        "pitches": "pitches before need",
    },
}


@main.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option(
    "--bank", "bank_dir", type=click.Path(), help="Question bank directory (default: the configured one)."
)
def validate_cmd(paths: tuple[str, ...], bank_dir: str | None) -> None:
    """Validate scenario scripts (files or directories; default: dialogues/) and the question bank.

    Lists every error as FILE:LINE:COLUMN: PATH: MESSAGE and exits 1 if there is any.
    """
    from bot.engine.library import ScenarioLibrary
    from bot.engine.runtime import ScenarioRuntime
    from bot.engine.scenario import load_scenario, scenario_files
    from bot.yamlsource import ScriptError

    errors: list[str] = []
    files = scenario_files(_default_paths(paths))
    library = ScenarioLibrary()
    for file in files:
        try:
            loaded = load_scenario(file)
            library.add(ScenarioRuntime(loaded))  # also catches one id used by two files
        except ScriptError as exc:
            errors.extend(str(p) for p in exc.problems)
            continue
        click.echo(f"ok  {file}  ({loaded.id} v{loaded.version})")
    if not files:
        errors.append("no scenario files found")

    bank_path = Path(bank_dir) if bank_dir else get_settings().questionbank_dir
    if bank_path.exists():
        try:
            from bot.classifier import load_question_bank

            bank = load_question_bank(bank_path)
            click.echo(f"ok  {bank_path}  (question bank v{bank.version}, {len(bank.ids)} techniques)")
        except ScriptError as exc:
            errors.extend(str(p) for p in exc.problems)
    elif bank_dir:
        errors.append(f"{bank_path}: no such question bank directory")

    for error in errors:
        click.echo(error, err=True)
    if errors:
        click.echo(f"{len(errors)} error(s)", err=True)
        sys.exit(1)


@main.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("-v", "--verbose", is_flag=True, help="Also list the tests that pass, with their scores.")
def test_cmd(paths: tuple[str, ...], verbose: bool) -> None:
    """Run the trainer tests written in scenario scripts (default: dialogues/).

    Each failure names the file and line of the turn or expectation that did not hold.
    """
    from bot.engine.testing import run_files

    run = run_files(_default_paths(paths))
    for problem in run.load_errors:
        click.echo(str(problem), err=True)
    failed = 0
    for result in run.results:
        if result.passed:
            if verbose:
                click.echo(f"PASS  {result.scenario_id}: {result.name}  (score {result.score})")
            continue
        failed += 1
        click.echo(f"FAIL  {result.scenario_id}: {result.name}  (score {result.score})")
        for problem in result.failures:
            click.echo(f"      {problem}")
    passed = len(run.results) - failed
    summary = f"{passed} passed, {failed} failed"
    if run.load_errors:
        summary += f", {len(run.load_errors)} load error(s)"
    click.echo(summary)
    if not run.ok:
        sys.exit(1)


def _emit(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, ensure_ascii=False))


@main.command("rehearse")
@click.argument("scenario_id")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language (default: the scenario's first).")
@click.option("--mode", type=click.Choice(["practice", "exam"]), default="practice", show_default=True)
@click.option("--seed", type=int, help="Fix the customer's wording choices (replays are exact).")
@click.option(
    "--rep", "rep_login", default="rep", show_default=True, help="The rep's login; created if missing."
)
@click.option(
    "--json", "as_json", is_flag=True, help="Read rep lines from stdin, write one JSON object per turn."
)
@database_url_option
def rehearse_cmd(
    scenario_id: str,
    lang: str | None,
    mode: str,
    seed: int | None,
    rep_login: str,
    as_json: bool,
    database_url: str,
) -> None:
    """Rehearse SCENARIO_ID in the terminal; type /hint for a hint and /end to close the visit.

    The session is stored in the database like any other channel's (channel "cli").
    """
    from bot.engine.results import RehearsalError, TurnResult
    from bot.engine.scorecard import Scorecard
    from bot.engine.service import RehearsalService
    from bot.storage import Database, store, upgrade

    upgrade(database_url)
    db = Database(database_url)
    try:
        service = RehearsalService(db)
        try:
            runtime = service.library.latest(scenario_id)
        except RehearsalError:
            known = ", ".join(service.library.ids()) or "none"
            raise click.ClickException(f"no scenario {scenario_id!r} (known: {known})") from None
        language = runtime.language_for(lang or get_settings().default_lang)
        words = TERMINAL_WORDS[language]
        with store(db, write=True) as s:
            user = s.users.by_login(rep_login) or s.users.create(
                rep_login, login=rep_login, language=language
            )
            user_id = user.id
        started = service.start(user_id, scenario_id, language=language, mode=mode, channel="cli", seed=seed)
        session_id = started.session_id
        customer = runtime.scenario.customer
        who = f"{customer.name.get(language)} ({customer.title.get(language)})"

        def show(result: TurnResult, **extra: Any) -> None:
            if as_json:
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
            if result.techniques:
                names = (name_of(TECHNIQUE_NAMES, t, language) for t in result.techniques)
                click.secho(f"    · {', '.join(names)}", fg="bright_black")
            if result.customer_reply:
                click.echo(f"{who}: {result.customer_reply}")
            if result.coach_note:
                click.secho(f"  {words['coach']}: {result.coach_note}", fg="cyan")
            stage, step = (
                name_of(STAGE_NAMES, result.stage, language),
                name_of(STEP_NAMES, result.step, language),
            )
            click.secho(f"    [{stage} / {step} / {words['trust']} {result.trust:g}]", fg="bright_black")

        if as_json:
            # The opening turn (the customer speaks first) also names the session.
            show(started, session_id=session_id, scenario=scenario_id, language=language, mode=mode)
        else:
            title = runtime.scenario.title.get(language)
            click.secho(f"{title} — {runtime.scenario.purpose.get(language)}", bold=True)
            click.echo(words["commands"] + "\n")
            show(started)

        result: TurnResult = started
        lines = sys.stdin if as_json else None
        while result.status == "active":
            if lines is not None:
                raw = lines.readline()
                if raw == "":
                    break
            else:
                try:
                    raw = click.prompt(words["you"], prompt_suffix="> ", default="", show_default=False)
                except (click.Abort, EOFError):
                    break
            line = raw.strip()
            if not line:
                continue
            if line == "/end":
                break
            if line == "/hint":
                hint = service.hint(session_id, user_id=user_id)
                if as_json:
                    _emit({"hint": hint})
                else:
                    click.secho(f"  {hint}", fg="yellow")
                continue
            try:
                result = service.send(session_id, line, user_id=user_id, channel="cli")
            except RehearsalError as exc:
                if as_json:
                    _emit({"error": exc.code, "message": str(exc)})
                else:
                    click.secho(f"  ({exc})", fg="red")
                continue
            show(result)
        final = service.end(session_id, user_id=user_id, channel="cli")
        if final.customer_reply and not final.duplicate:
            show(final)
        scorecard = final.scorecard or {}
        if as_json:
            _emit({"scorecard": scorecard})
        elif scorecard:
            _print_scorecard(Scorecard.from_json(scorecard))
    finally:
        db.dispose()


def _print_scorecard(card: Scorecard) -> None:
    lang = "zh" if card.language == "zh" else "en"
    words = TERMINAL_WORDS[lang]
    click.secho(f"\n{words['scorecard']}: {card.score}/100", bold=True)
    problems = card.problems
    angles = ", ".join(card.motivation_angles) or "-"
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
