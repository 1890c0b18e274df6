"""The development rep scripts (tests/data/dev5 to dev21: whole visits written by helpers who never
read the engine) keep scoring where they belong.

These are tuning material, so this is a regression guard, not the measure of listening (that is
``test_engine_listening``'s held-out scripts): each skilled visit scores at least 85 on its own
scenario and at most 40 on the other twenty (the bundled four, dev4's two, dev7's to dev21's).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from engine_support import DIALOGUES, ROOT, play_script

from bot.engine.runtime import ScenarioRuntime, default_classify
from bot.engine.scenario import load_scenario

DEV = ROOT / "tests" / "data"


def _dev_files(kind: str, first: int) -> list[Path]:
    """The YAML files of every dev set from ``first`` on (tests/data/devN/<kind>/), by set number."""
    files = (p for p in DEV.glob(f"dev*/{kind}/*.yaml") if int(p.parent.parent.name[3:]) >= first)
    return sorted(files, key=lambda p: (int(p.parent.parent.name[3:]), p.name))


# From dev5 on, as this guard has always played them (dev4's scripts are not in it).
SCRIPTS = _dev_files("rep_scripts", first=5)
# Known misses, kept visible: strict, so the mark must go once the engine hears this rep.
# dev8 to dev21 (a frozen-food maker, a car dealer group, a payroll software house, a ready-mix
# concrete producer, an e-commerce warehouse, a restaurant chain, a coach operator, a dairy, a
# knitwear exporter, a chain of gyms, elderly-care homes, a university's canteens, a business-hotel
# chain, a carton plant) were played once as written: lines of neighbouring businesses (stores,
# staff, batches, returns, owners, trucks, rooms, waste) still earn facts there without sounding
# off-topic.
KNOWN_MISSES: dict[str, str] = {
    "dev5/hotel-energy-guests.paraphrase.en": "68 on the business-hotel chain (another hotel group)",
    "dev5/precision-parts-returns.paraphrase.zh": "65 on the carton plant",
    "dev6/logistics-fleet-tender.paraphrase.en": "64 on the concrete producer (trucks, loads, dispatch)",
    "dev6/retail-store-growth.paraphrase.en": "59 on the e-commerce warehouse, 48 on the dairy",
    "dev7/property-repairs-lifts.en": "64 on the coach operator (breakdowns, repairs, worn parts)",
    "dev8/frozen-food-coldchain.en": "65 on the carton plant",
    "dev9/dealer-aftersales.en": "65 on the carton plant, 53 on the knitwear exporter",
    "dev9/dealer-aftersales.paraphrase.en": "50-68 on nine neighbours (property to the carton plant)",
    "dev10/saas-customer-success.paraphrase.en": "69 on the dealer group",
    "dev11/ready-mix-concrete.en": "42 on the carton plant",
    "dev12/ecommerce-warehouse.zh": "61 on the dairy, 46 on the frozen-food maker",
    "dev14/coach-operator.zh": "42 on the frozen-food maker (its on-topic share, just over)",
    "dev17/fitness-club-chain.en": "46 on the elderly-care homes (members, staff, sites)",
    "dev17/fitness-club-chain.zh": "76 on the business-hotel chain",
    "dev21/corrugated-carton-plant.en": "61 on the dairy",
    "dev21/corrugated-carton-plant.paraphrase.zh": "67 on the knitwear exporter",
}
OWN_AT_LEAST = 85
CROSS_AT_MOST = 40
SEEDS = (3, 11)


def _name(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.stem}"


@pytest.fixture(scope="module")
def runtimes() -> dict[str, ScenarioRuntime]:
    files = sorted(DIALOGUES.glob("*.yaml")) + _dev_files("scenarios", first=4)
    loaded = (ScenarioRuntime(load_scenario(file)) for file in files)
    return {runtime.id: runtime for runtime in loaded}


@pytest.mark.slow
@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[_name(p)]))
        if _name(p) in KNOWN_MISSES
        else p
        for p in SCRIPTS
    ],
    ids=[_name(p) for p in SCRIPTS],
)
def test_a_dev_script_scores_high_only_where_it_belongs(
    path: Path, runtimes: dict[str, ScenarioRuntime]
) -> None:
    script = yaml.safe_load(path.read_text("utf-8"))
    assert script["scenario"] in runtimes
    scores = {
        (scenario_id, seed): play_script(runtime, script, seed)
        for scenario_id, runtime in runtimes.items()
        for seed in SEEDS
    }
    for (scenario_id, seed), score in scores.items():
        if scenario_id == script["scenario"]:
            assert score >= OWN_AT_LEAST, (scenario_id, seed, scores)
        else:
            assert score <= CROSS_AT_MOST, (scenario_id, seed, scores)


@pytest.fixture(scope="module")
def property_lifts() -> ScenarioRuntime:
    return ScenarioRuntime(load_scenario(DEV / "dev7" / "scenarios" / "property_repairs_lifts.yaml"))


@pytest.mark.parametrize(
    ("line", "fact"),
    [
        # Repairs on the table; the growth problem untold. Its words lean loosely to the growth
        # problem's family: a why still digs the repairs, a what-if gets the repairs' stake.
        ("那单子派出去以后，为什么还是这么慢？", "phone_orders"),
        ("单子派出去以后，师傅为什么还是迟迟不到？", "phone_orders"),
        ("If collection keeps sliding like this, where will you be in two or three years?", "fees_spiral"),
    ],
)
def test_a_loose_lean_to_a_problem_he_has_not_told_does_not_take_the_question(
    property_lifts: ScenarioRuntime, line: str, fact: str
) -> None:
    lang = "en" if line.isascii() else "zh"
    state, _ = property_lifts.start(lang=lang, mode="practice", seed=3)
    state.revealed, state.current_problem = ["owner_rules", "repair_complaints"], "repair_complaints"
    state.topic, state.trust = "problem:repair_complaints", 60
    played = property_lifts.say(state, line, default_classify())
    assert played.outcome.revealed == [fact], played.outcome.reply
