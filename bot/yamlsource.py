"""Trainer-authored YAML: load it keeping line numbers, validate it with pydantic, and report
every problem as ``file:line:column: path: message``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)
PathPart = str | int


@dataclass(frozen=True)
class ScriptProblem:
    """One thing wrong in a script file."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.path + ': ' if self.path else ''}{self.message}"


class ScriptError(Exception):
    """One or more problems in trainer-authored files; ``str()`` lists them all."""

    def __init__(self, problems: Sequence[ScriptProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class SourceDocument:
    """A parsed YAML document and where each value stood in the file."""

    file: str
    data: Any
    text: str
    lines: dict[tuple[PathPart, ...], tuple[int, int]] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def locate(self, path: Sequence[PathPart]) -> tuple[int | None, int | None]:
        """Line and column (1-based) of the value at ``path``, or of its nearest parent."""
        parts = tuple(path)
        while parts:
            if parts in self.lines:
                return self.lines[parts]
            parts = parts[:-1]
        return self.lines.get((), (None, None))

    def problem(self, path: Sequence[PathPart], message: str) -> ScriptProblem:
        line, column = self.locate(path)
        return ScriptProblem(self.file, line, column, format_path(path), message)


def format_path(path: Iterable[PathPart]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _walk(
    node: yaml.Node, path: tuple[PathPart, ...], doc: SourceDocument, problems: list[ScriptProblem]
) -> None:
    doc.lines[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                problems.append(
                    ScriptProblem(
                        doc.file,
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                        format_path((*path, key)),
                        "duplicate key",
                    )
                )
            seen.add(key)
            doc.lines[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _walk(value_node, (*path, key), doc, problems)
            # Keep the key's own line: errors about a key point at the key, not its value.
            doc.lines[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), doc, problems)


def parse_yaml(text: str, file: str) -> SourceDocument:
    """Parse one YAML document; syntax errors and duplicate keys raise ScriptError with lines."""
    doc = SourceDocument(file=file, data=None, text=text)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(filter(None, [exc.context, exc.problem])) or "invalid YAML"
        raise ScriptError(
            [
                ScriptProblem(
                    file,
                    mark.line + 1 if mark else None,
                    mark.column + 1 if mark else None,
                    "",
                    f"YAML syntax error: {message}",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise ScriptError([ScriptProblem(file, None, None, "", f"YAML error: {exc}")]) from None
    problems: list[ScriptProblem] = []
    if node is not None:
        _walk(node, (), doc, problems)
    if problems:
        raise ScriptError(problems)
    doc.data = data
    return doc


def load_yaml(path: Path | str) -> SourceDocument:
    """Read and parse a YAML file (UTF-8)."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScriptError([ScriptProblem(file, None, None, "", f"not UTF-8 text ({exc.reason})")]) from None
    except OSError as exc:
        raise ScriptError([ScriptProblem(file, None, None, "", f"cannot read: {exc.strerror}")]) from None
    return parse_yaml(text, file)


def validate(model: type[Model], doc: SourceDocument) -> Model:
    """Build ``model`` from the document; every validation error becomes a located problem."""
    if doc.data is None:
        raise ScriptError([doc.problem((), "the file is empty")])
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            location = tuple(part for part in error["loc"] if isinstance(part, str | int))
            message = error["msg"]
            if error["type"] == "extra_forbidden":
                message = "unknown key (not allowed here)"
            elif error["type"] == "missing":
                message = "required key is missing"
            problems.append(doc.problem(location, message))
        raise ScriptError(problems) from None
