"""The studio's side panel and "try it": a draft as a reader sees it, and a rehearsal against the
draft that is never stored (the state travels with each request; nothing reaches the database).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.engine.machine import SessionState
from bot.engine.runtime import ScenarioRuntime

from .script_studio import ScriptStudio

#: Lines a preview plays at most (a preview is a try, not a session).
PREVIEW_TURNS = 60


@dataclass(frozen=True)
class PreviewTurn:
    state: dict[str, Any]
    reply: str
    note: str | None
    status: str
    stage: str
    step: str
    trust: float
    techniques: list[str]
    revealed: list[str]
    score: int | None = None


def _turn(state: SessionState, reply: str, note: str | None = None, **extra: Any) -> PreviewTurn:
    return PreviewTurn(
        state=state.to_dict(),
        reply=reply,
        note=note,
        status=state.status,
        stage=state.stage,
        step=state.step,
        trust=state.trust,
        techniques=list(extra.get("techniques", [])),
        revealed=list(extra.get("revealed", [])),
        score=extra.get("score"),
    )


def _lines(lines: Any, lang: str) -> list[str]:
    return list(lines.for_lang(lang)) if lines is not None else []


def reader_view(runtime: ScenarioRuntime, lang: str) -> dict[str, Any]:
    """The scenario as a reader sees it: the customer, the facts by topic and trust, the
    implications by angle, and the trainer tests."""
    s = runtime.scenario
    lang = runtime.language_for(lang)
    customer = s.customer
    facts: list[dict[str, Any]] = []
    for item in s.situation:
        facts.append(
            {
                "id": item.id,
                "kind": "situation",
                "topic": item.topic.get(lang),
                "min_trust": item.min_trust,
                "says": _lines(item.says, lang)[:1],
            }
        )
    for problem in s.problems:
        facts.append(
            {
                "id": problem.id,
                "kind": "problem",
                "topic": problem.topic.get(lang),
                "min_trust": problem.min_trust,
                "says": _lines(problem.symptom, lang)[:1],
            }
        )
        for cause in problem.causes:
            facts.append(
                {
                    "id": cause.id,
                    "kind": "cause",
                    "topic": cause.topic.get(lang),
                    "min_trust": cause.min_trust,
                    "says": _lines(cause.says, lang)[:1],
                }
            )
        for fact in problem.analysis:
            facts.append(
                {
                    "id": fact.id,
                    "kind": "analysis",
                    "topic": fact.topic.get(lang),
                    "min_trust": fact.min_trust,
                    "says": _lines(fact.says, lang)[:1],
                }
            )
    facts.sort(key=lambda f: (f["topic"], f["min_trust"]))
    angles: dict[str, list[dict[str, Any]]] = {}
    for implication in s.implications:
        angles.setdefault(implication.angle, []).append(
            {
                "id": implication.id,
                "problem": implication.problem,
                "min_trust": implication.min_trust,
                "says": _lines(implication.says, lang)[:1],
            }
        )
    return {
        "id": s.id,
        "version": s.version,
        "lang": lang,
        "title": s.title.get(lang),
        "purpose": s.purpose.get(lang),
        "customer": {
            "name": customer.name.get(lang),
            "title": customer.title.get(lang),
            "company": customer.company.get(lang),
            "industry": customer.industry.get(lang),
            "personality": customer.personality.get(lang),
            "initial_trust": customer.initial_trust,
        },
        "facts": facts,
        "implications": angles,
        "tests": [{"name": t.name, "turns": [turn.rep for turn in t.turns]} for t in s.tests],
    }


class ScriptPreview:
    """The side panel and the unsaved rehearsal of a draft."""

    def __init__(self, studio: ScriptStudio) -> None:
        self.studio = studio

    def reader(self, text: str, lang: str) -> dict[str, Any]:
        return reader_view(self.studio.parse(text), lang)

    def start(self, text: str, *, lang: str, seed: int = 1) -> PreviewTurn:
        runtime = self.studio.parse(text)
        state, opening = runtime.start(lang=lang, mode="practice", seed=seed)
        return _turn(state, opening)

    def say(self, text: str, state: dict[str, Any], line: str) -> PreviewTurn:
        runtime = self.studio.parse(text)
        try:
            current = SessionState.from_dict(state)
        except (TypeError, ValueError, KeyError) as exc:
            raise ValueError(f"not a preview state: {exc}") from None
        if not current.active or current.turn >= PREVIEW_TURNS:
            return _turn(current, "")
        played = runtime.say(current, line, self.studio.rehearsals.classify)
        outcome = played.outcome
        score = played.scorecard.score if played.scorecard is not None else None
        return _turn(
            current,
            outcome.reply,
            played.note,
            techniques=outcome.techniques,
            revealed=outcome.revealed,
            score=score,
        )
