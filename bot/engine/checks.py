"""The checks of a scenario that pydantic cannot do, each problem located in the file.

Every text exists in every language the scenario declares, references between parts point at
something that exists, every fact can be revealed by some conversation, replies are written
only for situations the engine knows, and trainer tests name only what exists. Each check is
one function reporting through ``report(path, message)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from pydantic import BaseModel

from bot.i18n import N_
from bot.vocab import Event
from bot.yamlsource import ScriptProblem, SourceDocument, format_path

from .schema import (
    ANALYSIS_OF_TYPE,
    LISTEN_REPLY_KEYS,
    NEED_FACTS,
    REPLY_KEYS,
    STAGES,
    STEPS,
    TECHNIQUES,
    Lines,
    Scenario,
    Text,
    TrainerTest,
)


def _text_paths(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every Text / Lines value inside a model, with its path in the document."""
    if isinstance(value, Text | Lines):
        yield path, value
        return
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _text_paths(getattr(value, name), (*path, name))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _text_paths(item, (*path, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _text_paths(item, (*path, key))


def _reachable(s: Scenario) -> set[str]:
    """Facts some conversation can reveal: a fixed point over each fact's prerequisites.

    Trust can climb to 100 by good questions, so only ``min_trust`` above 100 (impossible by
    the schema) or prerequisite cycles and chains through missing facts make a fact unreachable.
    """
    prerequisites: dict[str, set[str]] = {}
    for item in s.situation:
        prerequisites[item.id] = set(item.requires)
    for problem in s.problems:
        prerequisites[problem.id] = set(problem.requires)
        before = problem.id
        for cause in problem.causes:
            prerequisites[cause.id] = {before}
            before = cause.id
        prerequisites.update((fact.id, {problem.id}) for fact in problem.analysis)
    for implication in s.implications:
        prerequisites[implication.id] = {implication.problem, *implication.requires}
    for view in s.views:
        owner = next((p for p in s.problems if p.id == view.problem), None)
        root = owner.causes[-1].id if owner else view.problem
        prerequisites[view.id] = {root, *view.requires}
    motivation = {i.id for i in s.implications}
    reached: set[str] = set()
    changed = True
    while changed:
        changed = False
        for fact, needs in prerequisites.items():
            if fact not in reached and needs <= reached:
                reached.add(fact)
                changed = True
    if len(motivation & reached) >= s.explicit_need.motivation_needed:
        reached.update(NEED_FACTS)
    return reached


Location = tuple[str | int, ...]
Report = Callable[..., None]  # report(path, catalogue key, **params)


def check_scenario(s: Scenario, doc: SourceDocument) -> list[ScriptProblem]:
    """The checks pydantic cannot do; each problem is located in the file."""
    problems: list[ScriptProblem] = []

    def report(path: Location, key: str, **params: Any) -> None:
        problems.append(doc.report(path, key, **params))

    checks = (
        _check_languages,
        _check_ids,
        _check_references,
        _check_motivation,
        _check_keys,
        _check_trains,
        _check_analysis,
    )
    for check in checks:
        check(s, report)
    if not problems:  # a loop is only worth reporting once every reference resolves
        _check_reachable(s, report)
    for index, test in enumerate(s.tests):
        _check_trainer_test(s, ("tests", index), test, report)
    return problems


def _check_analysis(s: Scenario, report: Report) -> None:
    """An analysis fact answers one of its problem type's analysis questions."""
    for i, problem in enumerate(s.problems):
        fitting = ANALYSIS_OF_TYPE[problem.type]
        for j, fact in enumerate(problem.analysis):
            if fact.asks not in fitting:
                report(
                    ("problems", i, "analysis", j, "asks"),
                    N_("script.check.analysis_type"),
                    asks=fact.asks.value,
                    type=problem.type.value,
                    fitting=", ".join(a.value for a in fitting),
                )


def _check_trains(s: Scenario, report: Report) -> None:
    """``trains`` names at least one technique, each once (pydantic checked that they exist)."""
    if s.trains is None:
        return
    if not s.trains:
        report(("trains",), N_("script.check.trains_empty"))
    if len(set(s.trains)) != len(s.trains):
        report(("trains",), N_("script.check.trains_twice"))


def _check_languages(s: Scenario, report: Report) -> None:
    """Every text in every language the scenario declares; trainer tests in one of them."""
    langs = list(dict.fromkeys(s.languages))
    if len(langs) != len(s.languages):
        report(("languages",), N_("script.check.language_twice"))
    for path, value in _text_paths(s.model_copy(update={"tests": []}), ()):
        for lang in langs:
            if not getattr(value, lang):
                report(path, N_("script.check.missing_language"), language=lang, languages=", ".join(langs))
    for index, test in enumerate(s.tests):
        if test.lang not in langs:
            report(
                ("tests", index, "lang"),
                N_("script.check.test_language"),
                lang=test.lang,
                langs=", ".join(langs),
            )


def _id_paths(s: Scenario) -> list[tuple[str, Location]]:
    """Every id the scenario defines (facts and customer questions), with where it is defined."""
    id_paths: list[tuple[str, Location]] = [
        (item.id, ("situation", i, "id")) for i, item in enumerate(s.situation)
    ]
    for i, problem in enumerate(s.problems):
        id_paths.append((problem.id, ("problems", i, "id")))
        id_paths.extend(
            (cause.id, ("problems", i, "causes", j, "id")) for j, cause in enumerate(problem.causes)
        )
        id_paths.extend(
            (fact.id, ("problems", i, "analysis", j, "id")) for j, fact in enumerate(problem.analysis)
        )
    id_paths.extend(
        (implication.id, ("implications", i, "id")) for i, implication in enumerate(s.implications)
    )
    id_paths.extend((view.id, ("views", i, "id")) for i, view in enumerate(s.views))
    id_paths.extend(
        (question.id, ("customer_questions", i, "id")) for i, question in enumerate(s.customer_questions)
    )
    return id_paths


def _check_ids(s: Scenario, report: Report) -> None:
    """Ids are unique across every kind of fact and do not shadow the built-in ones."""
    seen: dict[str, Location] = {}
    for fact_id, path in _id_paths(s):
        if fact_id in NEED_FACTS or fact_id == "pitch":
            report(path, N_("script.check.reserved_id"), id=fact_id)
        elif fact_id in seen:
            report(path, N_("script.check.duplicate_id"), id=fact_id, first=format_path(seen[fact_id]))
        else:
            seen[fact_id] = path


def _check_ref(report: Report, path: Location, ref: str, allowed: set[str], what: str) -> None:
    """``what`` is "problem" or "fact"."""
    if ref not in allowed:
        key = N_("script.check.unknown_problem") if what == "problem" else N_("script.check.unknown_fact")
        report(path, key, ref=ref, known=", ".join(sorted(allowed)) or "-")


def _check_requires(report: Report, base: Location, requires: list[str], facts: set[str]) -> None:
    for j, ref in enumerate(requires):
        _check_ref(report, (*base, "requires", j), ref, facts, "fact")


def _check_references(s: Scenario, report: Report) -> None:
    """Every reference between parts points at a problem or a fact that exists."""
    problem_ids = {p.id for p in s.problems}
    facts = set(s.fact_ids())
    for i, item in enumerate(s.situation):
        if item.leads_to is not None:
            _check_ref(report, ("situation", i, "leads_to"), item.leads_to, problem_ids, "problem")
        _check_requires(report, ("situation", i), item.requires, facts)
    for i, problem in enumerate(s.problems):
        _check_requires(report, ("problems", i), problem.requires, facts)
    for i, implication in enumerate(s.implications):
        _check_ref(report, ("implications", i, "problem"), implication.problem, problem_ids, "problem")
        _check_requires(report, ("implications", i), implication.requires, facts)
    for i, view in enumerate(s.views):
        _check_ref(report, ("views", i, "problem"), view.problem, problem_ids, "problem")
        _check_requires(report, ("views", i), view.requires, facts)
    for i, question in enumerate(s.customer_questions):
        _check_ref(report, ("customer_questions", i, "after"), question.after, facts | {"pitch"}, "fact")
        if question.reveals is not None:
            _check_ref(report, ("customer_questions", i, "reveals"), question.reveals, facts, "fact")


def _check_motivation(s: Scenario, report: Report) -> None:
    motivation = len(s.implications)
    if s.explicit_need.motivation_needed > motivation:
        report(
            ("explicit_need", "motivation_needed"),
            N_("script.check.motivation"),
            needed=s.explicit_need.motivation_needed,
            have=motivation,
        )


EVENTS: tuple[str, ...] = tuple(str(event) for event in Event)


def _check_keys(s: Scenario, report: Report) -> None:
    """Replies only for situations the engine knows, hints only for techniques that exist,
    keywords only for topics the scenario has."""
    topics = set(s.topic_keys())
    for key in s.keywords:
        if key not in topics:
            report(("keywords", key), N_("script.check.unknown_keyword_topic"), name=key)
    for key in s.replies:
        if key not in REPLY_KEYS and key not in LISTEN_REPLY_KEYS:
            known = ", ".join([*REPLY_KEYS, *LISTEN_REPLY_KEYS])
            report(("replies", key), N_("script.check.unknown_reply"), name=key, known=known)
    for key in s.hints:
        if key not in TECHNIQUES:
            report(("hints", key), N_("script.check.unknown_hint"), name=key, known=", ".join(TECHNIQUES))


def _check_reachable(s: Scenario, report: Report) -> None:
    reachable = _reachable(s)
    facts = set(s.fact_ids())
    for fact_id, path in _id_paths(s):
        if fact_id in facts and fact_id not in reachable:
            report(path, N_("script.check.unreachable"), id=fact_id)


def _check_stage_and_step(report: Report, base: Location, stage: str | None, step: str | None) -> None:
    if stage is not None and stage not in STAGES:
        report((*base, "stage"), N_("script.check.unknown_stage"), value=stage, known=", ".join(STAGES))
    if step is not None and step not in STEPS:
        report((*base, "step"), N_("script.check.unknown_step"), value=step, known=", ".join(STEPS))


def _check_trainer_test(s: Scenario, base: Location, test: TrainerTest, report: Report) -> None:
    """A trainer test names only techniques, stages, steps and facts that exist."""
    facts = set(s.fact_ids())
    for j, turn in enumerate(test.turns):
        where: Location = (*base, "turns", j)
        if turn.technique is not None and turn.technique not in TECHNIQUES:
            report(
                (*where, "technique"),
                N_("script.check.unknown_technique"),
                value=turn.technique,
                known=", ".join(TECHNIQUES),
            )
        _check_stage_and_step(report, where, turn.stage, turn.step)
        for k, ref in enumerate(turn.reveals):
            _check_ref(report, (*where, "reveals", k), ref, facts, "fact")
        if turn.topic is not None and turn.topic not in (*s.topic_keys(), "off_topic", "generic"):
            report((*where, "topic"), N_("script.check.unknown_topic"), value=turn.topic)
        if turn.event is not None and turn.event not in EVENTS:
            report(
                (*where, "event"), N_("script.check.unknown_event"), value=turn.event, known=", ".join(EVENTS)
            )
    expect = test.expect
    where = (*base, "expect")
    _check_stage_and_step(report, where, expect.stage, expect.step)
    for key in ("revealed", "not_revealed"):
        for k, ref in enumerate(getattr(expect, key)):
            _check_ref(report, (*where, key, k), ref, facts, "fact")
    if expect.score is not None and expect.score[0] > expect.score[1]:
        report((*where, "score"), N_("script.check.score_range"))
