"""``coach bank train`` and ``coach bank evaluate``: the technique model of the question bank."""

from __future__ import annotations

from pathlib import Path

import click

from . import main


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
