"""The question bank: shipped content, schema, located errors, and patterns taking effect."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import bot.classifier as classifier_module
from bot.classifier import LABELS, STEPS, Classifier, classify, default_bank, load_question_bank
from bot.classifier.bank import HEADER_FILE
from bot.classifier.training import train_and_save
from bot.config import PROJECT_ROOT, get_settings
from bot.yamlsource import ScriptError

BANK_DIR = PROJECT_ROOT / "questionbank"


def test_shipped_bank_has_every_label_with_content() -> None:
    bank = load_question_bank(BANK_DIR)
    assert bank.version and isinstance(bank.version, str)
    assert set(bank.techniques) == set(LABELS)
    for label in LABELS:
        technique = bank.technique(label)
        for lang in ("zh", "en"):
            assert technique.name[lang] and technique.definition[lang] and technique.when[lang]
            assert len(technique.examples[lang]) >= 8
            assert technique.tips[lang] and technique.mistakes[lang]
        assert set(technique.steps) <= set(STEPS)
    assert bank.technique("why").name["zh"] == "问“为什么”"


def test_default_bank_is_cached_and_read_from_settings() -> None:
    assert default_bank() is default_bank()
    assert default_bank().directory == get_settings().questionbank_dir


def test_bank_examples_are_recognised_as_their_own_technique(classifier: Classifier) -> None:
    """The example questions trainers read are classified as the technique they illustrate."""
    bank = classifier.bank
    misses = []
    for label in LABELS:
        for lang in ("zh", "en"):
            for example in bank.technique(label).examples[lang]:
                context = None
                text = example
                asked = re.match(r"^[（(](?:客户|Customer)[：:]\s*(.*?)[）)]\s*(.*)$", example)
                if asked:  # answer_with_question examples carry the customer's question
                    context, text = {"previous": asked.group(1)}, asked.group(2)
                result = classifier.classify(text, context=context)
                if result.technique != label:
                    misses.append((label, example, result.technique))
    assert not misses


def test_unknown_technique_is_a_clear_key_error() -> None:
    with pytest.raises(KeyError, match="no technique 'nope'"):
        default_bank().technique("nope")


# --- invalid bank files: every error names the file, the line and what is wrong ---------------


def _errors(directory: Path) -> list[str]:
    with pytest.raises(ScriptError) as caught:
        load_question_bank(directory)
    return [str(problem) for problem in caught.value.problems]


def test_unknown_key_names_file_and_line(bank_copy: Path) -> None:
    path = bank_copy / "why.yaml"
    text = path.read_text(encoding="utf-8").replace("definition:", "colour: blue\ndefinition:", 1)
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("colour: blue") + 1
    errors = _errors(bank_copy)
    assert (
        f"{path}:{line}:1: colour: 'colour' is not a key this part takes "
        "(it takes: id, name, definition, when, steps, examples, tips, mistakes, detect)." in errors
    )


def test_invalid_regex_names_the_pattern(bank_copy: Path) -> None:
    path = bank_copy / "what_else.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "      - id: what-else\n",
        "      - id: broken\n        regex: 'what (else'\n      - id: what-else\n",
        1,
    )
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("        regex: 'what (else'") + 1
    (error,) = [e for e in _errors(bank_copy) if "regular expression" in e]
    assert error.startswith(f"{path}:{line}:")
    assert "detect.patterns.en[0].regex" in error and "invalid regular expression" in error


def test_pattern_that_misses_its_own_sample_is_an_error(bank_copy: Path) -> None:
    path = bank_copy / "why.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "      - id: how-come\n",
        '      - id: how-come\n        matches: ["Whatever are you doing?"]\n',
        1,
    )
    path.write_text(text, encoding="utf-8")
    errors = _errors(bank_copy)
    assert any(
        "The pattern 'how-come' does not match its own example 'Whatever are you doing?'" in e for e in errors
    )
    assert any(e.startswith(f"{path}:") for e in errors)


def test_too_few_examples_and_missing_keys(bank_copy: Path) -> None:
    path = bank_copy / "pitch.yaml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"\nwhen:\n  zh: .*\n  en: .*\n", "\n", text)
    path.write_text(text, encoding="utf-8")
    errors = _errors(bank_copy)
    assert any(e.startswith(f"{path}:1:1: when: 'when' is missing here.") for e in errors)


def test_yaml_syntax_error_and_wrong_file_name(bank_copy: Path) -> None:
    (bank_copy / "why.yaml").write_text("id: why\nname: {zh: 为什么\n", encoding="utf-8")
    (bank_copy / "what_if.yaml").rename(bank_copy / "scenarios.yaml")
    errors = _errors(bank_copy)
    assert any(e.startswith(f"{bank_copy / 'why.yaml'}:") and "never closed" in e for e in errors)
    assert any("must be in a file named what_if.yaml" in e for e in errors)


def test_missing_version_and_missing_technique(bank_copy: Path) -> None:
    header = bank_copy / HEADER_FILE
    text = re.sub(r'^version: "[^"]*"\n', "", header.read_text(encoding="utf-8"), flags=re.M)
    header.write_text(text, encoding="utf-8")
    assert any("version: 'version' is missing here." in e for e in _errors(bank_copy))
    header.write_text('version: "2"\nprecedence: [why]\n', encoding="utf-8")
    (bank_copy / "greeting.yaml").unlink()
    assert any("Techniques without a file: greeting." in e for e in _errors(bank_copy))


def test_generic_labels_cannot_take_precedence(bank_copy: Path) -> None:
    header = bank_copy / HEADER_FILE
    text = header.read_text(encoding="utf-8").replace("precedence:\n", "precedence:\n  - pitch\n", 1)
    header.write_text(text, encoding="utf-8")
    assert any("pitch is a generic technique" in e for e in _errors(bank_copy))


def test_missing_directory() -> None:
    with pytest.raises(ScriptError, match="question bank directory was not found"):
        load_question_bank("/nonexistent/questionbank")


# --- a trainer's new phrasing takes effect once the model is retrained ---------------------------

PHRASE = "余下的几样呢"
#: A family of lines a trainer would add for the phrasing (the tested phrase is not among them).
NEW_LINES = [
    "余下的那些呢？",
    "余下的几个呢",
    "那余下的几条呢？",
    "余下的几种呢",
    "剩下的几样呢？",
    "那剩下几项呢",
]


def _add_phrasing(bank_dir: Path) -> None:
    """What a trainer does: a pattern for the meaning, labelled lines, then ``coach bank train``."""
    path = bank_dir / "what_else.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "    zh:\n",
        "    zh:\n      - id: the-rest\n        regex: '(?:剩下|余下)的?[^,。?]{0,4}呢'\n"
        '        matches: ["剩下的那些呢？"]\n',
        1,
    )
    path.write_text(text, encoding="utf-8")
    rows = [
        json.dumps({"text": t, "lang": "zh", "label": "what_else"}, ensure_ascii=False) for t in NEW_LINES
    ]
    (bank_dir / "data" / "trainer_zh.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    train_and_save(bank_dir)


def test_new_phrasing_in_a_bank_directory_is_learned(bank_copy: Path) -> None:
    before = Classifier.from_bank(load_question_bank(bank_copy)).classify(PHRASE)
    assert before.technique != "what_else"
    _add_phrasing(bank_copy)
    after = Classifier.from_bank(load_question_bank(bank_copy)).classify(PHRASE)
    assert after.technique == "what_else"
    assert "the-rest" in [e.pattern for e in after.evidence]


@pytest.fixture
def settings_bank(bank_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point Settings.questionbank_dir at the copy; restore the shipped bank afterwards."""
    monkeypatch.setenv("COACH_QUESTIONBANK_DIR", str(bank_copy))
    get_settings.cache_clear()
    classifier_module.reload_default()
    yield bank_copy
    monkeypatch.delenv("COACH_QUESTIONBANK_DIR")
    get_settings.cache_clear()
    classifier_module.reload_default()


def test_reload_default_picks_up_a_trainers_edit(settings_bank: Path) -> None:
    assert classify(PHRASE).technique != "what_else"
    _add_phrasing(settings_bank)
    assert classify(PHRASE).technique != "what_else"  # still the loaded bank until reload
    bank = classifier_module.reload_default()
    assert bank.directory == settings_bank
    assert classify(PHRASE).technique == "what_else"


def test_a_broken_edit_keeps_the_previous_bank(settings_bank: Path) -> None:
    (settings_bank / "why.yaml").write_text("id: why\n", encoding="utf-8")
    with pytest.raises(ScriptError):
        classifier_module.reload_default()
    assert classify("Why did the project stall?").technique == "why"
