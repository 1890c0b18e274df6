"""Scenario scripts: the schema, the cross-reference checks and where errors point."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from engine_support import DIALOGUES, EXAMPLE

from bot.engine.scenario import REPLY_KEYS, LoadedScenario, load_scenario, parse_scenario
from bot.yamlsource import ScriptError, parse_yaml

MINIMAL = """\
id: mini
version: "1"
languages: [zh, en]
title: {zh: 小场景, en: Mini}
sales_mode: motivation_excitation
purpose: {zh: 试一试, en: Try it}
difficulty: easy
solution:
  name: {zh: 方案, en: solution}
  summary: {zh: 解决问题, en: solves it}
customer:
  name: {zh: 张三, en: Zhang San}
  title: {zh: 经理, en: Manager}
  company: {zh: 某公司, en: Some Co}
  industry: {zh: 零售, en: retail}
  personality: {zh: 随和, en: easy-going}
opening: {zh: 你好。, en: Hello.}
situation:
  - id: change
    kind: external
    topic: {zh: 变化, en: a change}
    leads_to: slow
    says: {zh: 最近变了。, en: Things changed.}
problems:
  - id: slow
    type: restore
    topic: {zh: 变慢, en: slowness}
    symptom: {zh: 变慢了。, en: It got slow.}
    causes:
      - id: old_tool
        topic: {zh: 旧工具, en: an old tool}
        says: {zh: 工具太旧。, en: The tool is old.}
implications:
  - id: lose
    problem: slow
    angle: long_term_harm
    says: {zh: 会丢客户。, en: We would lose customers.}
explicit_need:
  deadline: {zh: 年底。, en: By year end.}
  budget: {zh: 十万。, en: A hundred thousand.}
"""


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line containing ``needle``."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def load_text(text: str, file: str = "mini.yaml") -> LoadedScenario:
    return parse_scenario(parse_yaml(text, file))


def errors_of(text: str, file: str = "bad.yaml") -> list[str]:
    with pytest.raises(ScriptError) as caught:
        load_text(text, file)
    return [str(problem) for problem in caught.value.problems]


def test_every_bundled_scenario_loads() -> None:
    files = sorted(DIALOGUES.glob("*.yaml"))
    assert files
    for file in files:
        loaded = load_scenario(file)
        assert loaded.scenario.tests, f"{file.name} has no trainer tests"


def test_the_example_is_bilingual_and_complete() -> None:
    loaded = load_scenario(EXAMPLE)
    s = loaded.scenario
    assert s.languages == ["zh", "en"]
    assert {p.type for p in s.problems} >= {"restore", "prevent"}
    assert set(s.replies) <= set(REPLY_KEYS)
    for problem in s.problems:
        for cause in problem.causes:
            assert len(cause.says.for_lang("zh")) >= 2 and len(cause.says.for_lang("en")) >= 2
    assert {t.lang for t in s.tests} == {"zh", "en"}


def test_a_minimal_scenario_loads() -> None:
    loaded = load_text(MINIMAL)
    assert loaded.problems["slow"].causes[-1].id == "old_tool"
    assert loaded.scenario.rubric.weights.normalised()["depth"] == pytest.approx(0.2)


def test_unknown_key_names_file_line_and_path() -> None:
    text = MINIMAL.replace(
        "        topic: {zh: 旧工具, en: an old tool}\n",
        "        topic: {zh: 旧工具, en: an old tool}\n        wieght: 3\n",
    )
    errors = errors_of(text, "shop.yaml")
    line = line_of(text, "wieght")
    assert (
        f"shop.yaml:{line}:9: problems[0].causes[0].wieght: "
        "'wieght' is not a key this part takes (it takes: id, topic, says, min_trust)." in errors
    )


def test_a_missing_language_is_an_error() -> None:
    errors = errors_of(MINIMAL.replace("title: {zh: 小场景, en: Mini}", "title: {zh: 小场景}"))
    assert errors == ["bad.yaml:4:1: title: The en text is missing (the scenario is written in zh, en)."]


def test_a_cause_that_names_a_missing_problem_and_other_bad_references() -> None:
    text = MINIMAL.replace("leads_to: slow", "leads_to: slwo").replace("problem: slow", "problem: fast")
    errors = errors_of(text)
    first, second = line_of(text, "slwo"), line_of(text, "problem: fast")
    assert (
        f"bad.yaml:{first}:5: situation[0].leads_to: There is no problem with the id 'slwo' (problems: slow)."
        in errors
    )
    assert (
        f"bad.yaml:{second}:5: implications[0].problem: "
        "There is no problem with the id 'fast' (problems: slow)." in errors
    )


def test_a_reply_for_an_unknown_state_is_an_error() -> None:
    text = MINIMAL + "replies:\n  hello_there: {zh: 嗨, en: Hi}\n"
    errors = errors_of(text)
    assert len(errors) == 1
    line = line_of(text, "hello_there")
    assert errors[0].startswith(
        f"bad.yaml:{line}:3: replies.hello_there: 'hello_there' is not a situation the customer"
    )


def test_hints_name_known_techniques_in_every_language() -> None:
    text = MINIMAL + "hints:\n  why: {zh: 为什么慢？, en: 'Why is it slow?'}\n  wy: {zh: 嗯, en: Hm}\n"
    errors = errors_of(text)
    assert len(errors) == 1
    line = line_of(text, "  wy:")
    assert errors[0].startswith(f"bad.yaml:{line}:3: hints.wy: 'wy' is not a questioning technique")
    missing = MINIMAL + "hints:\n  why: {zh: 为什么慢？}\n"
    assert any("hints.why: The en text is missing" in e for e in errors_of(missing))


def test_an_unreachable_fact_is_an_error() -> None:
    # The problem can only open after its own cause is out: a loop no conversation can break.
    text = MINIMAL.replace(
        "    symptom: {zh: 变慢了。, en: It got slow.}\n",
        "    symptom: {zh: 变慢了。, en: It got slow.}\n    requires: [old_tool]\n",
    )
    errors = errors_of(text)
    line = line_of(text, "- id: slow")
    assert any(
        e.startswith(f"bad.yaml:{line}:5: problems[0].id: The fact 'slow' can never come out") for e in errors
    ), errors
    assert any("problems[0].causes[0].id: The fact 'old_tool' can never come out" in e for e in errors)


def test_ids_are_unique_and_reserved_ids_are_refused() -> None:
    text = MINIMAL.replace("  - id: lose\n", "  - id: old_tool\n").replace(
        "  - id: change\n", "  - id: budget\n"
    )
    errors = errors_of(text)
    assert any(
        "implications[0].id: The id 'old_tool' is already used at problems[0].causes[0].id" in e
        for e in errors
    )
    assert any("situation[0].id: The id 'budget' is reserved" in e for e in errors)


def test_motivation_needed_cannot_exceed_the_implications() -> None:
    text = MINIMAL.replace("explicit_need:\n", "explicit_need:\n  motivation_needed: 3\n")
    line = line_of(text, "motivation_needed")
    assert errors_of(text) == [
        f"bad.yaml:{line}:3: explicit_need.motivation_needed: "
        "3 implications are needed before the explicit need, but the scenario has only 1."
    ]


def test_trainer_tests_are_checked_too() -> None:
    text = MINIMAL + (
        "tests:\n"
        "  - name: t\n"
        "    lang: fr\n"
        "    turns:\n"
        "      - rep: hi\n"
        "        technique: flattery\n"
        "        stage: friendship\n"
        "        reveals: [nothing_here]\n"
    )
    errors = errors_of(text)
    assert any(e.startswith(f"bad.yaml:{line_of(text, 'lang: fr')}:5: tests[0].lang:") for e in errors), (
        errors
    )
    text = text.replace("lang: fr", "lang: en")
    errors = errors_of(text)
    technique, stage, reveals = (line_of(text, word) for word in ("flattery", "friendship", "nothing_here"))
    assert (
        f"bad.yaml:{technique}:9: tests[0].turns[0].technique: "
        "'flattery' is not a questioning technique (techniques: " in "\n".join(errors)
    )
    assert any(
        e.startswith(f"bad.yaml:{stage}:9: tests[0].turns[0].stage: 'friendship' is not a stage")
        for e in errors
    )
    assert any(
        e.startswith(
            f"bad.yaml:{reveals}:19: tests[0].turns[0].reveals[0]: "
            "There is no fact with the id 'nothing_here'"
        )
        for e in errors
    ), errors


def test_single_language_scenarios_need_only_that_language() -> None:
    data = yaml.safe_load(MINIMAL)
    data["languages"] = ["en"]
    data["title"] = {"en": "Mini"}
    loaded = load_text(yaml.safe_dump(data, allow_unicode=True))
    assert loaded.scenario.languages == ["en"]


def test_yaml_syntax_errors_have_lines(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        MINIMAL.replace("opening: {zh: 你好。, en: Hello.}", "opening: {zh: [你好？, en: Hello.}"), "utf-8"
    )
    with pytest.raises(ScriptError) as caught:
        load_scenario(broken)
    problem = caught.value.problems[0]
    # The '[' opened on line 17 swallows the '}': reported where it was opened, in plain words.
    assert problem.file == str(broken) and (problem.line, problem.column) == (17, 15)
    assert problem.key == "script.yaml.unclosed_bracket"
