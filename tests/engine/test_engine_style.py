"""The customer's social style (persona ``style``): what earns his trust beyond the method."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from engine_support import DIALOGUES

from bot.engine.machine import DialogueMachine
from bot.engine.scenario import load_scenario
from bot.engine.style import style_move
from bot.vocab import Style, Technique

PARTS = DIALOGUES / "precision_parts_returns.yaml"


def with_style(tmp_path: Path, style: str | None) -> DialogueMachine:
    """The parts maker with ``style`` added to his persona (no other change)."""
    text = PARTS.read_text(encoding="utf-8")
    if style is not None:
        assert text.count("\n  talkative:") == 1
        text = text.replace("\n  talkative:", f"\n  style: {style}\n  talkative:", 1)
    path = tmp_path / f"parts_{style}.yaml"
    path.write_text(text, encoding="utf-8")
    return DialogueMachine(load_scenario(path))


def gains(machine: DialogueMachine, lines: list[tuple[str, list[str]]], lang: str = "zh") -> list[float]:
    state, _ = machine.start(lang=lang, mode="practice", seed=3)
    return [machine.turn(state, line, labels).trust_delta for line, labels in lines]


OPENING = [("王总您好，我是云栈的小陈，谢谢您抽时间。", ["greeting"])]


def test_the_style_key_is_optional_and_typed(tmp_path: Path) -> None:
    assert with_style(tmp_path, None).customer.persona.style is None
    assert with_style(tmp_path, "analytical").customer.persona.style is Style.ANALYTICAL
    assert all(
        DialogueMachine(load_scenario(f)).customer.persona.style is None for f in DIALOGUES.glob("*.yaml")
    )


def test_an_analytical_customer_trusts_a_question_with_numbers_more(tmp_path: Path) -> None:
    precise = [*OPENING, ("现在每个月的退货大概有多少件？", ["open_question"])]
    plain, analytical = with_style(tmp_path, None), with_style(tmp_path, "analytical")
    assert gains(analytical, precise)[-1] > gains(plain, precise)[-1]
    vague = [*OPENING, ("最近工厂那边怎么样？", ["open_question"])]
    assert gains(analytical, vague)[-1] == gains(plain, vague)[-1]


def test_a_driver_rewards_brevity_and_loses_patience_with_a_long_line(tmp_path: Path) -> None:
    plain, driver = with_style(tmp_path, None), with_style(tmp_path, "driver")
    short = [*OPENING, ("最近退货多吗？", ["closed_question"])]
    assert gains(driver, short)[-1] > gains(plain, short)[-1]
    long_line = (
        "王总，我想先跟您介绍一下我们公司这些年在汽车零部件行业做过的很多项目，包括质量追溯、"
        "来料检验、过程控制这些方面，我们服务过很多客户，效果都非常好，然后再请教您一下现在工厂的情况怎么样？"
    )
    rambling = [*OPENING, (long_line, ["open_question"])]
    assert gains(driver, rambling)[-1] < gains(plain, rambling)[-1]


def test_an_amiable_customer_warms_to_care_and_an_expressive_one_to_his_ideas(tmp_path: Path) -> None:
    plain = with_style(tmp_path, None)
    care = [*OPENING, ("听说您最近一直加班盯产线，身体还吃得消吧？", ["curiosity_care"])]
    assert gains(with_style(tmp_path, "amiable"), care)[-1] > gains(plain, care)[-1]
    assert gains(with_style(tmp_path, "expressive"), care)[-1] == gains(plain, care)[-1]
    warm = [
        ("最近工厂忙吗？", ["closed_question"]),
        ("这两年主机厂对你们的要求变了不少吧？", ["curiosity_care"]),
    ]
    vision = [*OPENING, *warm, ("您对工厂未来三年有什么设想？", ["curiosity_care"])]
    assert gains(with_style(tmp_path, "expressive"), vision)[-1] > gains(plain, vision)[-1]
    # A line the method counts as a mistake (his view asked before any need) earns nothing for it.
    early = [*OPENING, ("您怎么看我们的追溯方案？", ["how_do_you_see"])]
    assert gains(with_style(tmp_path, "expressive"), early)[-1] == gains(plain, early)[-1] < 0


@pytest.mark.parametrize("style", list(Style))
def test_a_style_never_makes_a_mistake_good(style: Style) -> None:
    pitch = "我们的质量追溯系统能帮您把退货降一半，今天就可以签。"
    assert style_move(style, pitch, "zh", Technique.PITCH, -5.0)[0] <= 0
    assert style_move(style, "您今年多大了？结婚了吗？", "zh", Technique.CLOSED_QUESTION, -4.0)[0] <= 0


def test_the_coach_says_what_his_style_rewards(tmp_path: Path) -> None:
    from bot.engine.runtime import ScenarioRuntime

    text = PARTS.read_text(encoding="utf-8").replace(
        "\n  talkative:", "\n  style: analytical\n  talkative:", 1
    )
    path = tmp_path / "parts.yaml"
    path.write_text(text, encoding="utf-8")
    runtime = ScenarioRuntime(load_scenario(path))
    state, _ = runtime.start(lang="en", mode="practice", seed=3)
    runtime.play(state, "Good morning Mr Wang, thank you for your time.", ["greeting"])
    played = runtime.play(state, "How many returns do you get a month right now?", ["open_question"])
    assert played.note is not None and "analytical" in played.note
    state, _ = runtime.start(lang="zh", mode="practice", seed=3)
    runtime.play(state, OPENING[0][0], ["greeting"])
    played = runtime.play(state, "现在每个月的退货大概有多少件？", ["open_question"])
    assert played.note is not None and "分析型" in played.note


def with_talkative(tmp_path: Path, talkative: str) -> DialogueMachine:
    """The parts maker (``talkative: low``) with another ``talkative`` (no other change)."""
    text = PARTS.read_text(encoding="utf-8")
    assert text.count("\n  talkative: low") == 1
    path = tmp_path / f"parts_{talkative}.yaml"
    path.write_text(text.replace("\n  talkative: low", f"\n  talkative: {talkative}", 1), encoding="utf-8")
    return DialogueMachine(load_scenario(path))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_quiet_customer_tells_his_facts_more_briefly_than_a_talkative_one(
    tmp_path: Path, lang: str
) -> None:
    machines = {level: with_talkative(tmp_path, level) for level in ("low", "medium", "high")}
    rng_seeds = range(40)
    lengths: dict[str, float] = {}
    for level, machine in machines.items():
        told = [
            machine.customer.tell(fact, lang, random.Random(seed))
            for seed in rng_seeds
            for fact in machine.customer.fact_lines
        ]
        lengths[level] = sum(map(len, told)) / len(told)
    assert lengths["low"] < lengths["medium"] < lengths["high"]
    # Still both wordings, so a replayed rehearsal does not sound canned.
    fact = next(f for f, lines in machines["low"].customer.fact_lines.items() if len(set(lines[lang])) == 2)
    heard = {machines["low"].customer.tell(fact, lang, random.Random(seed)) for seed in rng_seeds}
    assert len(heard) == 2
