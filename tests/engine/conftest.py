"""Fixtures for the engine tests: the bundled example scenario, loaded once per test session."""

from __future__ import annotations

import pytest
from engine_support import EXAMPLE

from bot.engine.machine import DialogueMachine
from bot.engine.runtime import ScenarioRuntime
from bot.engine.scenario import LoadedScenario, load_scenario
from bot.engine.state import SessionState


@pytest.fixture(scope="session")
def example() -> LoadedScenario:
    return load_scenario(EXAMPLE)


@pytest.fixture(scope="session")
def machine(example: LoadedScenario) -> DialogueMachine:
    return DialogueMachine(example)


@pytest.fixture(scope="session")
def runtime(example: LoadedScenario) -> ScenarioRuntime:
    return ScenarioRuntime(example)


@pytest.fixture
def state(machine: DialogueMachine) -> SessionState:
    fresh, _ = machine.start(lang="en", mode="practice", seed=1)
    return fresh
