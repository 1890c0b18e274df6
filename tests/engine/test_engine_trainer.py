"""Every bundled scenario's trainer tests pass through the real classifier, and each scenario shows
the method's contrast: a pitcher is shown the door with a low score, a method follower reaches
the root need with a high one. Failures point at the file and line of the YAML turn."""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_support import DIALOGUES, EXAMPLE

from bot.engine.runtime import ScenarioRuntime, default_classify
from bot.engine.scenario import load_scenario
from bot.engine.testing import run_files, run_test

SCENARIO_FILES = sorted(DIALOGUES.glob("*.yaml"))
CASES = [
    pytest.param(file, index, id=f"{file.stem}[{index}]")
    for file in SCENARIO_FILES
    for index in range(len(load_scenario(file).scenario.tests))
]


@pytest.fixture(scope="module")
def runtimes() -> dict[Path, ScenarioRuntime]:
    return {file: ScenarioRuntime(load_scenario(file)) for file in SCENARIO_FILES}


@pytest.mark.parametrize(("file", "index"), CASES)
def test_trainer_test_passes(runtimes: dict[Path, ScenarioRuntime], file: Path, index: int) -> None:
    runtime = runtimes[file]
    result = run_test(runtime, index, runtime.scenario.tests[index], default_classify())
    assert result.passed, "\n".join(str(problem) for problem in result.failures)


@pytest.mark.parametrize("file", SCENARIO_FILES, ids=[f.stem for f in SCENARIO_FILES])
def test_each_scenario_contrasts_a_pitcher_with_a_method_follower(
    runtimes: dict[Path, ScenarioRuntime], file: Path
) -> None:
    runtime = runtimes[file]
    scenario = runtime.scenario
    roots = {problem.causes[-1].id for problem in scenario.problems}
    classify = default_classify()
    pitchers, followers = [], []
    for index, test in enumerate(scenario.tests):
        scorecard = run_test(runtime, index, test, classify).scorecard
        assert scorecard is not None
        card = scorecard.to_json()
        techniques = card["techniques"]["order"]
        if techniques and set(techniques) == {"pitch"}:
            pitchers.append((test.lang, card))
        if roots & set(card["revealed"]) and card["explicit_need"]["confirmed"]:
            followers.append((test.lang, card))
    assert pitchers, f"{file.name}: no trainer test where the rep only pitches"
    assert followers, f"{file.name}: no trainer test where the rep reaches a root need and confirms the need"
    for lang, card in pitchers:
        assert card["status"] == "closed_by_customer", lang
        assert card["score"] <= 20, (lang, card["score"])
    for lang, card in followers:
        assert card["status"] == "ended", lang
        assert card["score"] >= 70, (lang, card["score"])
    assert {lang for lang, _ in pitchers} == set(scenario.languages), "a pitcher test in each language"
    assert {lang for lang, _ in followers} == set(scenario.languages), (
        "a method-follower test in each language"
    )


def test_a_failing_trainer_test_names_the_file_and_line(tmp_path: Path) -> None:
    text = EXAMPLE.read_text("utf-8")
    # Claim the pitcher keeps the customer's trust: wrong, and reported at that line.
    text = text.replace(
        "      - rep: Mr Wang, our monitoring system is the best on the market and cuts defects by half.\n"
        "        technique: pitch\n"
        "        trust: down\n",
        "      - rep: Mr Wang, our monitoring system is the best on the market and cuts defects by half.\n"
        "        technique: why\n"
        "        trust: up\n",
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text(text, "utf-8")
    rep_line = next(
        n for n, row in enumerate(text.splitlines(), 1) if "our monitoring system is the best" in row
    )
    line = rep_line + 2  # the "trust: up" claim
    run = run_files([broken])
    failures = [str(p) for r in run.results for p in r.failures]
    assert not run.ok
    assert any(
        f.startswith(
            f"{broken}:{line}:9: tests[3].turns[0].trust: After "
            '"Mr Wang, our monitoring system is the best on the market and cuts defects by half." '
            "trust went down"
        )
        for f in failures
    ), failures
    assert any(
        f.startswith(
            f"{broken}:{line - 1}:9: tests[3].turns[0].technique: "
            '"Mr Wang, our monitoring system is the best on the market and cuts defects by half." '
            "was heard as pitch"
        )
        for f in failures
    ), failures
