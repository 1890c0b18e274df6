"""Trainers' mistakes in a scenario file: every error at once, at the line to fix, in plain words
in Chinese and English (the catalogue's ``script.*`` keys), for the editor and ``coach validate``.

Each case edits the bundled example the way a trainer slips when typing, and checks the file,
the line and column, the catalogue key and the wording in both languages.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from engine_support import EXAMPLE

from bot.engine.scenario import read_scenario, validate_scenario_text
from bot.yamlsource import ScriptProblem

BASE = EXAMPLE.read_text("utf-8")
FILE = "dialogues/parts.yaml"


def edit(*replacements: tuple[str, str], text: str = BASE) -> str:
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def problems(text: str, lang: str) -> list[ScriptProblem]:
    return validate_scenario_text(text, lang, FILE)


@dataclass(frozen=True)
class Slip:
    """One trainer mistake and what the trainer must be told."""

    name: str
    replacements: tuple[tuple[str, str], ...]
    at: str  # text on the line the problem must point at (after the edit)
    column: int
    key: str
    english: str
    chinese: str


SLIPS = [
    Slip(
        "an analysis question that does not fit its problem's type",
        (("        asks: precedent", "        asks: where"),),
        at="asks: where",
        column=9,
        key="script.check.analysis_type",
        english="'where' is not an analysis question of a prevent problem; "
        "it takes: trigger, outcome, precedent.",
        chinese="“where” 不是 prevent 类问题的分析问题；可用的有：trigger, outcome, precedent。",
    ),
    Slip(
        "a closing quote forgotten at the end of a title",
        (('  en: "Precision parts: returns keep rising"', '  en: "Precision parts: returns keep rising'),),
        at='en: "Precision parts',
        column=7,
        key="script.yaml.unclosed_quote",
        english='The quote " opened here is never closed: add the closing " at the end of the text.',
        chinese='这里开始的引号 " 没有闭合：请在这段文字末尾补上 "。',
    ),
    Slip(
        "a quote left open that the next line's quote closes",
        (
            ("  name: {zh: 王建国, en: Wang Jianguo}", '  name: {zh: 王建国, en: "Wang Jianguo}'),
            (
                "  title: {zh: 生产副总, en: VP of Production}",
                '  title: {zh: 生产副总, en: "VP of Production"}',
            ),
        ),
        at='en: "Wang Jianguo',
        column=23,
        key="script.yaml.unclosed_quote",
        english='The quote " opened here is never closed',
        chinese='这里开始的引号 " 没有闭合',
    ),
    Slip(
        "a list bracket never closed, with more keys below",
        (
            (
                "  offended_by: [early_pitch, private_topics, deep_questions_before_trust]",
                "  offended_by: [early_pitch, private_topics",
            ),
        ),
        at="offended_by: [early_pitch",
        column=16,
        key="script.yaml.unclosed_bracket",
        english="The '[' opened here is never closed: add ']' at the end of the list.",
        chinese="这里开始的“[”没有闭合：请在列表末尾补上“]”。",
    ),
    Slip(
        "a bracket closed with the wrong kind on the same line",
        (("  name: {zh: 王建国, en: Wang Jianguo}", "  name: {zh: [王建国, en: Wang Jianguo}"),),
        at="name: {zh: [王建国",
        column=14,
        key="script.yaml.unclosed_bracket",
        english="The '[' opened here is never closed",
        chinese="这里开始的“[”没有闭合",
    ),
    Slip(
        "a comma inside a one-line mapping",
        (
            (
                "  title: {zh: 生产副总, en: VP of Production}",
                "  title: {zh: 生产副总, en: VP of Production, Huadong}",
            ),
        ),
        at="en: VP of Production, Huadong",
        column=43,
        key="script.schema.comma_in_one_line_mapping",
        english="'Huadong' is read as a key because a comma splits the text before it: in a one-line "
        "mapping (zh: …, en: …) put a text that contains a comma in quotes.",
        chinese="“Huadong”被当成了一个键，因为前面的文字被逗号断开了："
        "在单行写法（zh: …, en: …）里，含逗号的文字请加引号。",
    ),
    Slip(
        "a Chinese colon after a key",
        (("difficulty: medium", "difficulty： medium"),),
        at="difficulty： medium",
        column=11,
        key="script.yaml.fullwidth_colon",
        english="This line uses the Chinese colon '：' after its key: write an English colon and a space",
        chinese="这一行的键后面用了中文冒号“：”：请改为英文冒号加空格（“键: 值”）。",
    ),
    Slip(
        "a colon and space inside an unquoted text",
        (("    en: real-time line quality monitoring", "    en: Note: real-time line quality monitoring"),),
        at="en: Note: real-time",
        column=13,
        key="script.yaml.colon_in_text",
        english="A colon followed by a space inside a text: put the whole text in quotes.",
        chinese="文字中间出现了“冒号+空格”：请把整段文字放进引号里。",
    ),
    Slip(
        "a tab for indentation",
        (("  talkative: low", "\ttalkative: low"),),
        at="talkative: low",
        column=1,
        key="script.yaml.tab",
        english="This line is indented with a tab; YAML needs spaces.",
        chinese="这一行用了制表符（Tab）缩进；YAML 只能用空格缩进。",
    ),
    Slip(
        "text after the closing quote",
        (('  en: "Precision parts: returns keep rising"', '  en: "Precision parts" returns keep rising'),),
        at='en: "Precision parts"',
        column=25,
        key="script.yaml.text_after_quote",
        english="There is more text after the closing quote: put all of the text inside the quotes.",
        chinese="引号闭合后还有文字：请把全部文字放进引号里。",
    ),
    Slip(
        "a colon after a quoted part of a text",
        (('  en: "Precision parts: returns keep rising"', '  en: "Precision parts": returns keep rising'),),
        at='en: "Precision parts"',
        column=24,
        key="script.yaml.colon_in_text",
        english="A colon followed by a space inside a text: put the whole text in quotes.",
        chinese="文字中间出现了“冒号+空格”：请把整段文字放进引号里。",
    ),
    Slip(
        "a key typed without the space after its colon",
        (("  talkative: low", "  talkative:low"),),
        at="talkative:low",
        column=3,
        key="script.yaml.missing_colon",
        english="This line is not of the form 'key: value' (a colon and a space after the key).",
        chinese="这一行不是“键: 值”的格式（键后面要有英文冒号和空格）。",
    ),
    Slip(
        "a misspelt key",
        (("  talkative: low", "  talktive: low"),),
        at="talktive: low",
        column=3,
        key="script.schema.unknown_key_did_you_mean",
        english="'talktive' is not a key this part takes; did you mean 'talkative'?",
        chinese="这里不能写“talktive”；是不是想写“talkative”？",
    ),
    Slip(
        "a key that belongs elsewhere",
        (("  talkative: low", "  talkative: low\n  budget: 100000"),),
        at="budget: 100000",
        column=3,
        key="script.schema.unknown_key",
        english="'budget' is not a key this part takes (it takes: name, title, company, industry, ",
        chinese="这里不能写“budget”（可以写：name, title, company",
    ),
    Slip(
        "a value outside the choices",
        (("sales_mode: need_excitation", "sales_mode: need excitation"),),
        at="sales_mode:",
        column=1,
        key="script.schema.not_a_choice",
        english="'need excitation' is not allowed here; write one of: need_excitation, "
        "motivation_excitation, product_push.",
        chinese="这里不能写“need excitation”；"
        "请写其中之一：need_excitation, motivation_excitation, product_push。",
    ),
    Slip(
        "trust above 100",
        (("  initial_trust: 20", "  initial_trust: 120"),),
        at="initial_trust: 120",
        column=3,
        key="script.schema.too_large",
        english="'120' is too large here (at most 100).",
        chinese="“120”太大了（最多 100）。",
    ),
    Slip(
        "words where a number goes",
        (("  initial_trust: 20", "  initial_trust: twenty"),),
        at="initial_trust: twenty",
        column=3,
        key="script.schema.expected_whole_number",
        english="A whole number is expected here, not 'twenty'.",
        chinese="这里应当是整数，而不是“twenty”。",
    ),
    Slip(
        "an id with capitals and a space",
        (("  - id: new_standard", "  - id: New standard"),),
        at="id: New standard",
        column=5,
        key="script.schema.bad_id",
        english="'New standard' is not a valid id",
        chinese="“New standard”不是合法的 id",
    ),
    Slip(
        "a required key deleted",
        (("difficulty: medium\n", ""),),
        at="id: precision-parts-returns",
        column=1,
        key="script.schema.missing_key",
        english="'difficulty' is missing here.",
        chinese="这里缺少“difficulty”。",
    ),
    Slip(
        "an English text forgotten",
        (("  industry: {zh: 汽车零部件, en: automotive parts}", "  industry: {zh: 汽车零部件}"),),
        at="industry: {zh: 汽车零部件}",
        column=3,
        key="script.check.missing_language",
        english="The en text is missing (the scenario is written in zh, en).",
        chinese="缺少 en 的文字（这个剧本的语言是 zh, en）。",
    ),
    Slip(
        "a misspelt problem id in leads_to",
        (("    leads_to: returns", "    leads_to: return"),),
        at="leads_to: return",
        column=5,
        key="script.check.unknown_problem",
        english="There is no problem with the id 'return' (problems: ",
        chinese="没有 id 为“return”的问题（现有问题：",
    ),
]


@pytest.mark.parametrize("slip", SLIPS, ids=[s.name for s in SLIPS])
def test_each_slip_is_told_at_its_line_in_both_languages(slip: Slip) -> None:
    text = edit(*slip.replacements)
    line = line_of(text, slip.at)
    for lang, wording in (("en", slip.english), ("zh", slip.chinese)):
        found = [p for p in problems(text, lang) if p.severity == "error"]
        assert found, f"no error for {slip.name}"
        first = found[0]
        assert (first.file, first.line, first.column, first.key) == (FILE, line, slip.column, slip.key), found
        assert wording in first.message, (lang, first.message)
        # No PyYAML or pydantic wording reaches the trainer.
        for problem in found:
            for jargon in ("scanning", "mapping values", "<block end>", "Input should", "Extra inputs"):
                assert jargon not in problem.message


def test_every_error_of_a_file_at_once_sorted_by_line() -> None:
    text = edit(
        ('  en: "Precision parts: returns keep rising"', '  en: "Precision parts: returns keep rising'),
        ("  talkative: low", "\ttalkative: low"),
        (
            "  offended_by: [early_pitch, private_topics, deep_questions_before_trust]",
            "  offended_by: [early_pitch",
        ),
        ("    leads_to: returns", "    leadsto: returns"),
        ("sales_mode: need_excitation", "sales_mode: need"),
    )
    found = problems(text, "en")
    where = [(p.line, p.key) for p in found]
    assert where == [
        (line_of(text, 'en: "Precision parts'), "script.yaml.unclosed_quote"),
        (line_of(text, "sales_mode: need"), "script.schema.not_a_choice"),
        (line_of(text, "talkative: low"), "script.yaml.tab"),
        (line_of(text, "offended_by: [early_pitch"), "script.yaml.unclosed_bracket"),
        (line_of(text, "leadsto: returns"), "script.schema.unknown_key_did_you_mean"),
    ]
    # The lines left out (the title's English, talkative) do not add "missing" errors of their own.
    assert not any(p.key in ("script.schema.missing_key", "script.check.missing_language") for p in found)


def test_a_sentence_split_by_commas_is_a_warning_not_an_error() -> None:
    text = edit(("    - Have a seat. I have a meeting at half past ten, so let's keep it short.\n", ""))
    text = edit(
        (
            "    - Hello, sit down. What did you want to talk about? I need to be on the shop floor soon.",
            "    - Hello, sit down.",
        ),
        text=text,
    )
    text = text.replace("opening:\n  zh:", "opening:\n  en: [Hello, sit down.]\n  zh:", 1)
    text = text.replace("  en:\n    - Hello, sit down.\n", "", 1)
    loaded, found = read_scenario(text, FILE)
    assert loaded is not None, found  # a warning does not stop the scenario
    assert loaded.scenario.opening.en == ["Hello", "sit down."]
    (warning,) = found
    assert warning.severity == "warning" and warning.key == "script.lint.split_sentence"
    assert warning.line == line_of(text, "en: [Hello, sit down.]")
    assert warning.text("en") == (
        'This one-line list holds 2 separate wordings: "Hello" / "sit down.". '
        "If it is one sentence with a comma, put it in quotes."
    )
    assert warning.text("zh").startswith("这一行的列表被读成了 2 种说法")
    assert warning.render("zh").startswith(f"{FILE}:{warning.line}:")
    assert "（提醒）" in warning.render("zh") and "(warning)" in warning.render("en")


def test_word_lists_and_chinese_lists_are_not_warned_about() -> None:
    # The bundled scenario's word lists ([your age, how old, ...]) and Chinese lists pass quietly.
    assert problems(BASE, "en") == []
    text = edit(
        (
            "  talkative: low",
            "  talkative: low\n  referrals:\n    zh: [李总, 陈经理]\n    en: [Mr Li, Manager Chen]",
        )
    )
    assert problems(text, "en") == []


def test_problems_are_json_ready_for_the_editor() -> None:
    text = edit(("  talkative: low", "  talktive: low"))
    (problem,) = problems(text, "zh")
    data = problem.to_dict("en")
    assert data == {
        "file": FILE,
        "line": line_of(text, "talktive"),
        "column": 3,
        "path": "customer.talktive",
        "severity": "error",
        "key": "script.schema.unknown_key_did_you_mean",
        "params": {"name": "talktive", "suggestion": "talkative"},
        "message": "'talktive' is not a key this part takes; did you mean 'talkative'?",
    }
    assert problem.to_dict()["message"] == "这里不能写“talktive”；是不是想写“talkative”？"


def test_an_empty_or_non_mapping_text() -> None:
    (empty,) = problems("", "en")
    assert empty.key == "script.file.empty" and empty.message == "The file is empty."
    (listed,) = problems("- a\n- b\n", "zh")
    assert listed.key == "script.file.not_mapping" and listed.message == "文件顶层必须是一行行“键: 值”。"
