"""``coach validate``, ``coach test`` and ``coach rehearse``: trainers' checks and a terminal rehearsal."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.config import get_settings

from . import database_url_option, main


def _default_paths(paths: tuple[str, ...]) -> list[Path]:
    return [Path(p) for p in paths] or [get_settings().dialogues_dir]


@main.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option(
    "--bank", "bank_dir", type=click.Path(), help="Question bank directory (default: the configured one)."
)
def validate_cmd(paths: tuple[str, ...], bank_dir: str | None) -> None:
    """Validate scenario scripts (files or directories; default: dialogues/) and the question bank.

    Lists every error as FILE:LINE:COLUMN: PATH: MESSAGE and exits 1 if there is any; warns
    (without failing) about topics a rep could not name apart (bot/engine/topics/brittle.py).
    """
    from bot.engine.library import ScenarioLibrary
    from bot.engine.runtime import ScenarioRuntime
    from bot.engine.scenario import load_scenario, scenario_files
    from bot.engine.topics.brittle import topic_warnings
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
        for warning in topic_warnings(library.latest(loaded.id).machine.topics):
            click.echo(f"warn  {file}: {warning}")  # brittle, not wrong: the exit code stays 0
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
    from bot.channels.terminal import rehearse
    from bot.services import UnknownScenario, build_services
    from bot.storage import Database, upgrade

    settings = get_settings()
    upgrade(database_url)
    db = Database(database_url)
    try:
        services = build_services(db, settings)
        try:
            rehearse(
                services,
                scenario_id,
                language=lang or settings.default_lang,
                mode=mode,
                seed=seed,
                rep_login=rep_login,
                as_json=as_json,
                stdin=sys.stdin,
            )
        except UnknownScenario:
            known = ", ".join(s.id for s in services.rehearsals.scenarios()) or "none"
            raise click.ClickException(f"no scenario {scenario_id!r} (known: {known})") from None
    finally:
        db.dispose()
