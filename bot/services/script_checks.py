"""Checks of scenario files that need the database: what ``coach validate`` and the start of a
visit must agree on.

A version already published keeps its content: a bundled file edited without raising its
``version`` is not imported, and visits keep playing what was published
(``ScriptVersions.seed``). Validating the file against the same database says so, at its
``version`` line, instead of passing an edit that will never be played.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.engine.scenario import LoadedScenario
from bot.i18n import N_
from bot.storage import Database, store
from bot.yamlsource import ScriptProblem

from .scripts import SCRIPT_KIND


def unraised_versions(db: Database, scenarios: Iterable[LoadedScenario]) -> list[ScriptProblem]:
    """A problem at ``version`` for each scenario whose version is recorded with other content."""
    problems = []
    with store(db) as s:
        for loaded in scenarios:
            row = s.scripts.get(SCRIPT_KIND, loaded.id, loaded.version)
            if row is not None and row.content_hash != loaded.source.content_hash:
                problems.append(
                    loaded.source.report(
                        ("version",),
                        N_("script.version.not_raised"),
                        id=loaded.id,
                        version=loaded.version,
                        recorded=row.created_at.date().isoformat(),
                    )
                )
    return problems


__all__ = ["unraised_versions"]
