"""``coach bank train``, ``evaluate`` and ``review``: the question bank's technique model and the
queue of reps' "judged wrong" flags that feeds it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.vocab import Technique

from . import database_url_option, main

if TYPE_CHECKING:
    from bot.services import FeedbackService

TECHNIQUE_IDS = [t.value for t in Technique]


def _bank_dir(bank_dir: Path | None) -> Path:
    from bot.config import get_settings

    return bank_dir or get_settings().questionbank_dir


def _need_training_extra() -> None:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise click.ClickException("training needs scikit-learn: pip install -e '.[train]'") from None


_BANK_OPTION = click.option(
    "--bank",
    "bank_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The question bank directory (default: COACH_QUESTIONBANK_DIR).",
)


@main.group()
def bank() -> None:
    """The question bank's technique model: train it, measure it."""


@bank.command("train")
@_BANK_OPTION
def train_command(bank_dir: Path | None) -> None:
    """Retrain the model on every labelled line and write <bank>/model/ (same data, same bytes)."""
    _need_training_extra()
    from bot.classifier.training import train_and_save
    from bot.yamlsource import ScriptError

    directory = _bank_dir(bank_dir)
    try:
        model = train_and_save(directory)
    except ScriptError as exc:
        raise click.ClickException(f"the question bank has problems:\n{exc}") from None
    click.echo(
        f"trained on {model.info['lines']} lines: {len(model.vocabulary)} features, "
        f"{len(model.labels)} labels; written to {directory / 'model'}"
    )


@bank.command("evaluate")
@_BANK_OPTION
def evaluate_command(bank_dir: Path | None) -> None:
    """Train without the hold-out and blind parts; report cross-validation and those parts."""
    _need_training_extra()
    from bot.classifier.metrics import report, scores
    from bot.classifier.training import evaluate

    results = evaluate(_bank_dir(bank_dir))
    summary = []
    for measured in results:
        click.echo(report(f"{measured.name} {measured.lang}", measured.gold, measured.pred) + "\n")
        _, macro, accuracy = scores(measured.gold, measured.pred)
        summary.append((measured.name, measured.lang, len(measured.gold), macro, accuracy))
    click.echo("=== summary (trained without the hold-out and blind parts)")
    click.echo(f"{'part':<28}{'lang':<6}{'lines':>6}{'macro-F1':>10}{'accuracy':>10}")
    for name, lang, n, macro, accuracy in summary:
        click.echo(f"{name:<28}{lang:<6}{n:>6}{macro:>10.3f}{accuracy:>10.3f}")


# --- the review queue of reps' "judged wrong" flags ----------------------------------------


def _reviewer() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "trainer"


_REVIEWER_OPTION = click.option(
    "--reviewer", default=_reviewer, show_default="your login name", help="Who reviewed it."
)
_EXPORT_OPTION = click.option(
    "--export/--no-export",
    default=True,
    show_default=True,
    help="Rewrite <bank>/data/feedback_<lang>.jsonl with every accepted line afterwards.",
)


@contextmanager
def _feedback(database_url: str) -> Iterator[FeedbackService]:
    from bot.services import FeedbackService
    from bot.storage import Database

    db = Database(database_url)
    try:
        yield FeedbackService(db)
    finally:
        db.dispose()


def _export(feedback: FeedbackService, bank_dir: Path | None) -> None:
    directory = _bank_dir(bank_dir)
    written = feedback.export_accepted(directory)
    lines = ", ".join(f"{name}: {n}" for name, n in sorted(written.items())) or "no accepted lines"
    click.echo(f"exported to {directory / 'data'} ({lines}); run `coach bank train` to use them")


@bank.group("review", invoke_without_command=True)
@database_url_option
@click.pass_context
def review(ctx: click.Context, database_url: str) -> None:
    """Reps' "judged wrong" flags: alone (or ``list``) lists the pending ones."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(review_list, database_url=database_url)


@review.command("list")
@database_url_option
def review_list(database_url: str) -> None:
    """The flags waiting for review, oldest first."""
    with _feedback(database_url) as feedback:
        flags = feedback.pending()
    if not flags:
        click.echo("no flags waiting for review")
    for flag in flags:
        confidence = "" if flag.confidence is None else f" {flag.confidence:.2f}"
        click.echo(
            f"#{flag.id} [{flag.language}, {flag.channel}] {flag.text}\n"
            f"    customer before: {flag.context or '-'}\n"
            f"    predicted: {', '.join(flag.predicted) or '-'}{confidence}; "
            f"suggested: {flag.suggested or '(just wrong)'}"
        )


@review.command("accept")
@click.argument("flag_id", type=int)
@click.option("--label", type=click.Choice(TECHNIQUE_IDS), help="The right technique (default: the rep's).")
@_REVIEWER_OPTION
@_EXPORT_OPTION
@_BANK_OPTION
@database_url_option
def review_accept(
    flag_id: int, label: str | None, reviewer: str, export: bool, bank_dir: Path | None, database_url: str
) -> None:
    """Accept flag FLAG_ID: its line joins the training data with the label."""
    from bot.services import RehearsalError

    with _feedback(database_url) as feedback:
        try:
            flag = feedback.accept(flag_id, label, reviewer)
        except RehearsalError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"accepted #{flag.id} as {flag.label}: {flag.text}")
        if export:
            _export(feedback, bank_dir)


@review.command("reject")
@click.argument("flag_id", type=int)
@_REVIEWER_OPTION
@_EXPORT_OPTION
@_BANK_OPTION
@database_url_option
def review_reject(
    flag_id: int, reviewer: str, export: bool, bank_dir: Path | None, database_url: str
) -> None:
    """Reject flag FLAG_ID: the model's judgement stands."""
    from bot.services import RehearsalError

    with _feedback(database_url) as feedback:
        try:
            flag = feedback.reject(flag_id, reviewer)
        except RehearsalError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"rejected #{flag.id}: {flag.text}")
        if export:
            _export(feedback, bank_dir)


@review.command("export")
@_BANK_OPTION
@database_url_option
def review_export(bank_dir: Path | None, database_url: str) -> None:
    """Write every accepted line to <bank>/data/feedback_<lang>.jsonl."""
    with _feedback(database_url) as feedback:
        _export(feedback, bank_dir)
