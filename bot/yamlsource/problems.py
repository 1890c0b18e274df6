"""What is wrong in a trainer-authored file: located, keyed in the text catalogue, rendered in a language.

Every problem names its file, line, column and path in the document, a catalogue key and its
parameters, so a page can show it in the trainer's language; ``message`` is that text rendered
(in English unless asked otherwise), which logs and ``coach validate`` print.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from bot.i18n import N_, translate

PathPart = str | int
Severity = Literal["error", "warning"]


def format_path(path: Iterable[PathPart]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


@dataclass(frozen=True)
class ScriptProblem:
    """One thing wrong in a script file. ``message`` is ``key`` rendered with ``params``."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str
    key: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    severity: Severity = "error"

    @classmethod
    def keyed(
        cls,
        file: str,
        line: int | None,
        column: int | None,
        path: str,
        key: str,
        /,
        *,
        severity: Severity = "error",
        **params: Any,
    ) -> ScriptProblem:
        """A problem worded by the catalogue ``key`` (``message`` in English)."""
        return cls(file, line, column, path, translate(key, "en", **params), key, params, severity)

    def text(self, lang: str) -> str:
        """The message in ``lang`` (a problem built from plain text keeps that text)."""
        return translate(self.key, lang, **self.params) if self.key else self.message

    def in_lang(self, lang: str) -> ScriptProblem:
        """The same problem with ``message`` rendered in ``lang``."""
        return replace(self, message=self.text(lang))

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """JSON-ready, for pages and APIs; ``message`` in ``lang`` when given."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "severity": self.severity,
            "key": self.key,
            "params": {k: v if isinstance(v, str | int | float) else str(v) for k, v in self.params.items()},
            "message": self.text(lang) if lang else self.message,
        }

    def where(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def render(self, lang: str | None = None) -> str:
        """``file:line:column: path: message`` (a warning says so)."""
        text = self.text(lang) if lang else self.message
        prefix = (
            translate(N_("script.warning_prefix"), lang or "en") + " " if self.severity == "warning" else ""
        )
        return f"{self.where()}: {self.path + ': ' if self.path else ''}{prefix}{text}"

    def __str__(self) -> str:
        return self.render()


def sort_problems(problems: Iterable[ScriptProblem]) -> list[ScriptProblem]:
    """By file and line (unlocated ones first), duplicates removed, order otherwise kept."""
    seen: set[tuple[Any, ...]] = set()
    unique = []
    for problem in problems:
        mark = (problem.file, problem.line, problem.path, problem.key, problem.message)
        if mark not in seen:
            seen.add(mark)
            unique.append(problem)
    return sorted(unique, key=lambda p: (p.file, p.line or 0))


class ScriptError(Exception):
    """One or more problems in trainer-authored files; ``str()`` lists them all."""

    def __init__(self, problems: Sequence[ScriptProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def in_lang(self, lang: str) -> list[ScriptProblem]:
        return [p.in_lang(lang) for p in self.problems]
