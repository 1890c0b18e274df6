"""``coach classify``: name the questioning technique of each line read on standard input."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Any

import click

from . import main


@main.command("classify")
@click.option(
    "--lang",
    type=click.Choice(["zh", "en", "auto"]),
    default="auto",
    show_default=True,
    help="Language of the lines; auto detects it per line.",
)
@click.option("--evidence", is_flag=True, help="Also print the rules and features that weighed most.")
@click.option(
    "--jsonl",
    is_flag=True,
    help='Read JSON lines {"text": ..., "context": the customer\'s previous line (optional)}.',
)
@click.option(
    "--bank",
    "bank_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Use this question bank directory instead of COACH_QUESTIONBANK_DIR (try out edits).",
)
def classify_command(lang: str, evidence: bool, jsonl: bool, bank_dir: Path | None) -> None:
    """Read one rep utterance per line; write one JSON object per line.

    Each object is {"text", "lang", "technique", "techniques", "confidence"}, with "unsure": true
    when the model was not confident (the technique is then "statement"); a blank line gives
    "statement". With --jsonl each input line is {"text": ..., "context": ...}. A broken bank
    stops with every problem listed as file:line:column.
    """
    from bot.classifier import Classifier, default_classifier, load_question_bank
    from bot.yamlsource import ScriptError

    try:
        classifier = Classifier.from_bank(load_question_bank(bank_dir)) if bank_dir else default_classifier()
    except ScriptError as exc:
        raise click.ClickException(f"the question bank has problems:\n{exc}") from None
    _utf8(sys.stdin, errors="replace")
    _utf8(sys.stdout, errors="strict")
    for number, raw in enumerate(sys.stdin, 1):
        text, previous = _read_line(raw, number) if jsonl else (raw.rstrip("\r\n"), "")
        result = classifier.classify(text, lang=lang, context={"previous": previous} if previous else None)
        record: dict[str, Any] = {
            "text": text,
            "lang": result.lang,
            "technique": result.technique,
            "techniques": list(result.techniques),
            "confidence": result.confidence,
        }
        if result.unsure:
            record["unsure"] = True
            record["guess"] = result.guess
        if evidence:
            record["evidence"] = [e.to_dict() for e in result.evidence]
        click.echo(json.dumps(record, ensure_ascii=False))
        sys.stdout.flush()


def _read_line(raw: str, number: int) -> tuple[str, str]:
    """(text, context) of one JSON input line; a blank line is a blank utterance."""
    if not raw.strip():
        return "", ""
    try:
        item = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"line {number}: not JSON ({exc.msg})") from None
    if not isinstance(item, dict) or not isinstance(item.get("text", ""), str):
        raise click.ClickException(f'line {number}: expected {{"text": "...", "context": "..."}}')
    context = item.get("context") or ""
    return item.get("text", ""), context if isinstance(context, str) else ""


def _utf8(stream: Any, errors: str) -> None:
    """Read and write UTF-8 whatever the locale says (Chinese must survive a C locale)."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        # A stream already read from keeps its encoding.
        with contextlib.suppress(ValueError, OSError):
            reconfigure(encoding="utf-8", errors=errors)
