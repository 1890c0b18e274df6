"""PyYAML's syntax errors in a trainer's words, at the line that needs the fix.

``explain`` turns one error into a catalogue-keyed problem and the lines (0-based) to leave out
before reading on. An unclosed quote or bracket is reported where it was opened: PyYAML only
notices it at the end of the file, or where the next quote happens to close it.
"""

from __future__ import annotations

import re

import yaml

from bot.i18n import N_

from .problems import ScriptProblem

Explained = tuple[ScriptProblem, list[int]]
_CLOSERS = {"[": "]", "{": "}"}
_PLAIN_KEY = re.compile(r"^\s*(- )?[\w\-\u4e00-\u9fff]+\s*$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block(lines: list[str], start: int) -> list[int]:
    """Line ``start`` and the lines below it indented deeper (its continuation)."""
    block = [start]
    indent = _indent(lines[start])
    for n in range(start + 1, len(lines)):
        if lines[n].strip() and _indent(lines[n]) <= indent:
            break
        block.append(n)
    return block


def _problem(file: str, line: int, column: int, key: str, **params: str) -> ScriptProblem:
    return ScriptProblem.keyed(file, line + 1, column + 1, "", key, severity="error", **params)


def _quote_closed_too_late(text: str, line: int, column: int) -> yaml.ScalarToken | None:
    """The quoted text spanning lines that ends just before (``line``, ``column``), if any.

    A quote left open swallows the following lines until the next quote closes it; the text
    after that quote is what PyYAML trips over.
    """
    last: yaml.ScalarToken | None = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if (token.start_mark.line, token.start_mark.column) >= (line, column):
                break
            if isinstance(token, yaml.ScalarToken):
                last = token
    except yaml.YAMLError:
        pass
    if last is None or last.style not in ('"', "'") or last.start_mark.line == last.end_mark.line:
        return None
    return last


def explain(exc: yaml.MarkedYAMLError, text: str, file: str) -> Explained | None:
    """The trainer's wording of ``exc`` and the lines to leave out; None if it has no place."""
    problem_mark, context_mark = exc.problem_mark, exc.context_mark
    if problem_mark is None:
        return None
    lines = text.split("\n")
    line, column = problem_mark.line, problem_mark.column
    what = exc.problem or ""
    context = exc.context or ""
    if "while scanning a quoted scalar" in context and context_mark is not None:
        opened = context_mark.line
        quote = lines[opened][context_mark.column : context_mark.column + 1]
        return _problem(file, opened, context_mark.column, N_("script.yaml.unclosed_quote"), quote=quote), [
            opened
        ]
    if context.startswith("while parsing a flow") and context_mark is not None:
        opened = context_mark.line
        bracket = lines[opened][context_mark.column : context_mark.column + 1]
        closer = _CLOSERS.get(bracket, "]")
        other_closer = "}" if closer == "]" else "]"
        token = _quote_closed_too_late(text, line, column) if line > opened else None
        if token is not None:  # a quote inside the brackets swallowed their end
            found = _problem(
                file,
                token.start_mark.line,
                token.start_mark.column,
                N_("script.yaml.unclosed_quote"),
                quote=token.style or '"',
            )
            return found, [token.start_mark.line]
        if line > opened or f"but got '{other_closer}'" in what:
            found = _problem(
                file,
                opened,
                context_mark.column,
                N_("script.yaml.unclosed_bracket"),
                bracket=bracket,
                closer=closer,
            )
            return found, _block(lines, opened)
        return _problem(file, line, column, N_("script.yaml.flow_item")), [line]
    if what.startswith("expected <block end>") or what.startswith("did not find expected"):
        token = _quote_closed_too_late(text, line, column)
        if token is not None:
            opened = token.start_mark.line
            found = _problem(
                file, opened, token.start_mark.column, N_("script.yaml.unclosed_quote"), quote=token.style
            )
            return found, [opened]
        if (
            what.endswith("'<scalar>'")
            and line < len(lines)
            and lines[line][:column].rstrip().endswith(('"', "'"))
        ):
            return _problem(file, line, column, N_("script.yaml.text_after_quote")), [line]
        return _problem(file, line, column, N_("script.yaml.indentation")), [line]
    return _explain_scanner(what, context, context_mark, lines, line, column, file)


def _explain_scanner(
    what: str,
    context: str,
    context_mark: yaml.Mark | None,
    lines: list[str],
    line: int,
    column: int,
    file: str,
) -> Explained:
    if "'\\t'" in what:
        return _problem(file, line, column, N_("script.yaml.tab")), [line]
    if "cannot start any token" in what:
        char = lines[line][column : column + 1] if line < len(lines) else ""
        return _problem(file, line, column, N_("script.yaml.reserved_start"), char=char), [line]
    if "undefined alias" in what:
        char = lines[line][column : column + 1] if line < len(lines) else "*"
        return _problem(file, line, column, N_("script.yaml.reserved_start"), char=char), [line]
    if "could not find expected ':'" in what and context_mark is not None:
        opened = context_mark.line
        if "：" in lines[opened]:
            return _problem(file, opened, lines[opened].index("："), N_("script.yaml.fullwidth_colon")), [
                opened
            ]
        return _problem(file, opened, context_mark.column, N_("script.yaml.missing_colon")), [opened]
    if "mapping values are not allowed" in what and line < len(lines):
        previous = _previous_line(lines, line)
        if _PLAIN_KEY.match(lines[line][:column]) and previous is not None:
            # ``key:value`` (no space) on the line above runs on into this line's key.
            return _problem(file, previous, _indent(lines[previous]), N_("script.yaml.previous_line")), [
                previous
            ]
        return _problem(file, line, column, N_("script.yaml.colon_in_text")), [line]
    return _problem(file, line, column, N_("script.yaml.invalid")), [line]


def _previous_line(lines: list[str], line: int) -> int | None:
    for n in range(line - 1, -1, -1):
        if lines[n].strip() and not lines[n].lstrip().startswith("#"):
            return n
    return None
