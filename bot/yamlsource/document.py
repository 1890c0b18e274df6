"""Parse trainer YAML keeping where each value stood, and every syntax error of a file at once.

PyYAML stops at the first syntax error. To list them all, the parser is run again with the
offending lines blanked out (so line numbers stay put) until the text reads; each error is
worded for trainers by ``syntax.explain``. The document read from the blanked text is kept
(``recovered``), so the shape checks can still report what else is wrong.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.i18n import N_

from .problems import PathPart, ScriptError, ScriptProblem, Severity, format_path
from .syntax import explain

# Enough for any real file; a text that keeps failing after this many blanked lines is hopeless.
MAX_SYNTAX_ERRORS = 25


@dataclass
class SourceDocument:
    """A parsed YAML document and where each value stood in the file."""

    file: str
    data: Any
    text: str
    lines: dict[tuple[PathPart, ...], tuple[int, int]] = field(default_factory=dict)
    # Keys written with no value inside a one-line mapping (``{zh: a, en: b, c}`` makes ``c``).
    flow_null_keys: set[tuple[PathPart, ...]] = field(default_factory=set)
    # Lists written on one line whose items are unquoted: (path, items), for the comma warning.
    flow_lists: list[tuple[tuple[PathPart, ...], list[str]]] = field(default_factory=list)
    recovered: bool = False  # syntax errors were found and their lines left out

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
        """A problem in plain text (kept for messages not yet in the catalogue)."""
        line, column = self.locate(path)
        return ScriptProblem(self.file, line, column, format_path(path), message)

    def report(
        self, path: Sequence[PathPart], message_key: str, /, *, severity: Severity = "error", **params: Any
    ) -> ScriptProblem:
        """A problem worded by the catalogue key ``message_key``, located at ``path``."""
        line, column = self.locate(path)
        return ScriptProblem.keyed(
            self.file, line, column, format_path(path), message_key, severity=severity, **params
        )


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _walk(
    node: yaml.Node, path: tuple[PathPart, ...], doc: SourceDocument, problems: list[ScriptProblem]
) -> None:
    doc.lines[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            where = (*path, key)
            if key in seen:
                line, column = _mark(key_node)
                problems.append(
                    ScriptProblem.keyed(
                        doc.file, line, column, format_path(where), N_("script.yaml.duplicate_key"), name=key
                    )
                )
            seen.add(key)
            if node.flow_style and isinstance(value_node, yaml.ScalarNode) and value_node.value == "":
                doc.flow_null_keys.add(where)
            _walk(value_node, where, doc, problems)
            # Keep the key's own line: errors about a key point at the key, not its value.
            doc.lines[where] = _mark(key_node)
    elif isinstance(node, yaml.SequenceNode):
        items = node.value
        if (
            node.flow_style
            and len(items) > 1
            and all(
                isinstance(item, yaml.ScalarNode) and not item.style for item in items
            )  # plain: None, or '' from libyaml
        ):
            doc.flow_lists.append((path, [item.value for item in items]))
        for index, item in enumerate(items):
            _walk(item, (*path, index), doc, problems)


# libyaml, when PyYAML was built with it (its wheels are): the same nodes and marks, read in C.
# A valid script is read with it only; the pure-Python reader, whose error messages `explain`
# knows, reads a script that libyaml refuses, to say what is wrong.
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _anchor_or_alias(text: str, loader: Any = yaml.SafeLoader) -> Any:
    """Where the first anchor (``&a``) or alias (``*a``) is. Scripts have no use for them, and an
    alias can make a 300-byte text expand into millions of values or refer to itself; reading
    the events is linear in the text and expands nothing."""
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            return event.start_mark  # a yaml Mark (line and column from 0)
    return None


def _read(text: str, file: str) -> tuple[list[ScriptProblem], str]:
    """Every syntax error of ``text``, and the text with their lines blanked out."""
    try:
        # libyaml takes tabs where the pure-Python reader refuses them: a text with one is read
        # the strict way.
        if "\t" not in text and _anchor_or_alias(text, _FAST_LOADER) is None:
            return [], text  # libyaml reads it: _read_document composes and loads it
    except yaml.YAMLError:
        pass  # the reader below says what is wrong
    problems: list[ScriptProblem] = []
    lines = text.split("\n")
    for _ in range(MAX_SYNTAX_ERRORS):
        current = "\n".join(lines)
        try:
            shared = _anchor_or_alias(current)
            if shared is None:
                yaml.compose(current, Loader=yaml.SafeLoader)
                yaml.safe_load(current)
                return problems, current
            problems.append(
                ScriptProblem.keyed(
                    file, shared.line + 1, shared.column + 1, "", N_("script.yaml.anchor_or_alias")
                )
            )
            lines[shared.line] = ""
            continue
        except yaml.MarkedYAMLError as exc:
            found = explain(exc, current, file)
        except yaml.YAMLError:
            found = None
        if found is None:
            problems.append(ScriptProblem.keyed(file, None, None, "", N_("script.yaml.invalid")))
            return problems, ""
        problem, blank = found
        problems.append(problem)
        blank = [n for n in blank if 0 <= n < len(lines) and lines[n].strip()]
        if not blank:
            return problems, ""
        for n in blank:
            lines[n] = ""
    return problems, ""


# Scripts nest a handful of levels; PyYAML composes recursively, so a few hundred nested
# brackets raise RecursionError (a 500) and thousands burn seconds of CPU before that.
MAX_NESTING = 40
MAX_INDENT = 160


def _too_deep(text: str) -> int | None:
    """The line (from 1) where brackets or indentation nest deeper than any script does."""
    depth = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) - len(line.lstrip(" ")) > MAX_INDENT:
            return number
        quote = ""
        for index, char in enumerate(line):
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char == "#" and (index == 0 or line[index - 1] in " \t"):
                break
            elif char in "[{":
                depth += 1
                if depth > MAX_NESTING:
                    return number
            elif char in "]}":
                depth = max(0, depth - 1)
    return None


def read_document(text: str, file: str) -> tuple[SourceDocument, list[ScriptProblem]]:
    """Parse ``text`` listing every syntax error and duplicate key; never raises.

    With syntax errors the document holds what the rest of the text says (``recovered``).
    """
    deep = _too_deep(text)
    if deep is not None:
        # TRANSLATORS: {depth} is how many levels of brackets a script may nest.
        problem = ScriptProblem.keyed(
            file, deep, None, "", N_("script.yaml.too_deep"), depth=str(MAX_NESTING)
        )
        return SourceDocument(file=file, data=None, text=text, recovered=True), [problem]
    try:
        return _read_document(text, file)
    except RecursionError:  # nesting the scan above did not see; still a trainer's error, not a 500
        problem = ScriptProblem.keyed(
            file, None, None, "", N_("script.yaml.too_deep"), depth=str(MAX_NESTING)
        )
        return SourceDocument(file=file, data=None, text=text, recovered=True), [problem]


def _read_document(text: str, file: str) -> tuple[SourceDocument, list[ScriptProblem]]:
    problems, readable = _read(text, file)
    doc = SourceDocument(file=file, data=None, text=text, recovered=bool(problems))
    if readable.strip():
        try:
            node, data = _compose_and_load(readable, _FAST_LOADER)
        except yaml.YAMLError:
            if _FAST_LOADER is yaml.SafeLoader:
                raise
            # libyaml refused what the pure-Python reader accepted (the two differ at the edges):
            # read it as the rest of this module does.
            node, data = _compose_and_load(readable, yaml.SafeLoader)
        if node is not None:
            _walk(node, (), doc, problems)
        doc.data = data
    return doc, problems


def _compose_and_load(text: str, loader: Any) -> tuple[yaml.Node | None, Any]:
    """The document's node and its data from one parse (``yaml.safe_load`` builds the data from
    that same node); ``loader`` is a safe loader either way."""
    reader = loader(text)
    try:
        node = reader.get_single_node()
        return node, reader.construct_document(node) if node is not None else None
    finally:
        reader.dispose()


def parse_yaml(text: str, file: str) -> SourceDocument:
    """Parse one YAML document; syntax errors and duplicate keys raise ScriptError (all of them)."""
    doc, problems = read_document(text, file)
    if problems:
        raise ScriptError(problems)
    return doc


def read_text(path: Path | str) -> str:
    """A script file's text (UTF-8); an unreadable file raises ScriptError."""
    file = str(path)
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScriptError([ScriptProblem.keyed(file, None, None, "", N_("script.file.not_utf8"))]) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ScriptError(
            [ScriptProblem.keyed(file, None, None, "", N_("script.file.unreadable"), reason=reason)]
        ) from None


def load_yaml(path: Path | str) -> SourceDocument:
    """Read and parse a YAML file (UTF-8)."""
    return parse_yaml(read_text(path), str(path))
