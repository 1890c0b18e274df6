"""Trainer tests that check words: what the customer says (contains, must not contain, one of),
whether the customer dodges a line, what the coach's note says, and the score range. A failure
says what was expected and what was said, at the YAML line of the claim, in zh and en."""

from __future__ import annotations

from engine_support import EXAMPLE

from bot.engine.testing import run_text

BASE = EXAMPLE.read_text("utf-8")
HEAD = BASE[: BASE.index("\ntests:\n")]
FILE = "dialogues/parts.yaml"
GREETING_EN = "Good morning Mr Wang, I'm Tom Reed from Lanxin. Thank you for your time."
BUDGET_EN = "What budget have you set aside for quality this year?"


def with_tests(tests: str) -> str:
    return HEAD + "\ntests:\n" + tests


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


PASSING = f"""\
  - name: the customer dodges the early budget question
    lang: en
    turns:
      - rep: {GREETING_EN}
        says: Hello
        says_not: [returns]
        deflects: false
        coach: Greeting
        coach_not: Too early
      - rep: {BUDGET_EN}
        deflects: true
        says_any: ["not open up", "rather not", "not ready"]
        coach: [Too early, dodged]
    expect:
      score: [0, 40]
  - name: 预算问得太早，客户回避
    lang: zh
    turns:
      - rep: 王总您好，我是李明，谢谢您抽时间。
        says: 你好
      - rep: 您今年的预算是多少？
        deflects: true
        says: 刚认识
        coach: 问得太早
"""


def test_word_checks_pass_when_the_words_are_said() -> None:
    run = run_text(with_tests(PASSING), FILE)
    assert run.load_errors == []
    assert [r.name for r in run.results if not r.passed] == [], [
        str(p) for r in run.results for p in r.failures
    ]
    assert len(run.results) == 2


def test_failures_say_what_was_expected_and_what_was_said_in_both_languages() -> None:
    failing = f"""\
  - name: wrong claims
    lang: en
    turns:
      - rep: {GREETING_EN}
        says: Welcome aboard
        says_not: Hello
        deflects: true
      - rep: {BUDGET_EN}
        deflects: false
        says_any: [gladly, of course]
        coach: Well done
        coach_not: dodged
    expect:
      score: [90, 100]
"""
    text = with_tests(failing)
    (result,) = run_text(text, FILE).results
    by_key = {p.key: p for p in result.failures}
    assert set(by_key) == {
        "script.test.says",
        "script.test.says_not",
        "script.test.deflects",
        "script.test.does_not_deflect",
        "script.test.says_any",
        "script.test.coach",
        "script.test.coach_not",
        "script.test.score",
    }
    says = by_key["script.test.says"]
    assert says.line == line_of(text, "says: Welcome aboard") and says.path == "tests[0].turns[0].says"
    assert (
        says.text("en")
        == f'After "{GREETING_EN}" the customer did not say "Welcome aboard"; they said: "Hello."'
    )
    assert says.text("zh") == f"“{GREETING_EN}”之后客户没有说“Welcome aboard”；客户说的是：“Hello.”"
    said_not = by_key["script.test.says_not"]
    assert said_not.line == line_of(text, "says_not: Hello")
    assert 'the customer said "Hello", which they should not' in said_not.text("en")
    dodged = by_key["script.test.does_not_deflect"]
    assert dodged.line == line_of(text, "deflects: false")
    assert dodged.text("en").startswith(
        f'The customer dodged "{BUDGET_EN}" (event deflected) instead of taking it up'
    )
    assert dodged.text("zh").startswith(f"客户回避了“{BUDGET_EN}”（事件 deflected），没有接住")
    took_up = by_key["script.test.deflects"]
    assert took_up.line == line_of(text, "deflects: true")
    assert 'the reply: "Hello."' in took_up.text("en")
    any_of = by_key["script.test.says_any"]
    assert 'said none of "gladly" / "of course"' in any_of.text("en")
    coach = by_key["script.test.coach"]
    assert coach.line == line_of(text, "coach: Well done")
    assert 'the coach\'s note does not contain "Well done"; the note: "[Confirm the need' in coach.text("en")
    assert "教练点评里没有“Well done”" in coach.text("zh")
    assert 'contains "dodged", which it should not' in by_key["script.test.coach_not"].text("en")
    score = by_key["script.test.score"]
    assert score.line == line_of(text, "score: [90, 100]")
    assert score.text("en").startswith(
        f"The score was {result.score}, expected between 90 and 100 (parts: problems "
    )
    assert score.text("zh").startswith(f"得分是 {result.score}，期望在 90 到 100 之间")


def test_old_trainer_tests_still_load_and_a_bad_claim_is_a_load_error() -> None:
    # The bundled tests (written before these keys) run unchanged.
    run = run_text(BASE, FILE)
    assert run.load_errors == [] and run.results and all(r.passed for r in run.results)
    broken = with_tests(PASSING.replace("deflects: true", "deflects: sometimes", 1))
    run = run_text(broken, FILE)
    assert run.results == []
    (error,) = run.load_errors
    assert error.line == line_of(broken, "deflects: sometimes")
    assert error.text("en") == "true or false is expected here, not 'sometimes'."
    assert error.text("zh") == "这里应当是 true 或 false，而不是“sometimes”。"
