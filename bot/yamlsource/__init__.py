"""Trainer-authored YAML: load it keeping line numbers, validate it with pydantic, and report
every problem (all of them at once) as ``file:line:column: path: message``, worded for trainers
in their language through the text catalogue (keys ``script.*``).
"""

from __future__ import annotations

from .document import SourceDocument, load_yaml, parse_yaml, read_document, read_text
from .problems import PathPart, ScriptError, ScriptProblem, Severity, format_path, sort_problems
from .validation import lint, model_problems, validate

__all__ = [
    "PathPart",
    "ScriptError",
    "ScriptProblem",
    "Severity",
    "SourceDocument",
    "format_path",
    "lint",
    "load_yaml",
    "model_problems",
    "parse_yaml",
    "read_document",
    "read_text",
    "sort_problems",
    "validate",
]
