"""Pydantic's validation errors in a trainer's words, and warnings about likely slips.

Each error becomes a catalogue-keyed problem at its line: an unknown key names the keys that
are allowed (or the one probably meant); a key with no value inside a one-line mapping is the
tail of a text split by its comma; ``lint`` warns about one-line lists whose items read as one
sentence split by a comma.
"""

from __future__ import annotations

import difflib
import itertools
import re
import types
import typing
from collections.abc import Sequence
from typing import Any, TypeVar, Union

from pydantic import BaseModel, ValidationError

from bot.i18n import N_

from .document import SourceDocument
from .problems import PathPart, ScriptError, ScriptProblem

Model = TypeVar("Model", bound=BaseModel)

# Pydantic error type -> catalogue key (parameters from the error's ``ctx``).
_ERROR_KEYS: dict[str, str] = {
    "string_type": N_("script.schema.expected_text"),
    "int_type": N_("script.schema.expected_whole_number"),
    "int_parsing": N_("script.schema.expected_whole_number"),
    "int_from_float": N_("script.schema.expected_whole_number"),
    "float_type": N_("script.schema.expected_number"),
    "float_parsing": N_("script.schema.expected_number"),
    "bool_type": N_("script.schema.expected_bool"),
    "bool_parsing": N_("script.schema.expected_bool"),
    "list_type": N_("script.schema.expected_list"),
    "tuple_type": N_("script.schema.expected_list"),
    "dict_type": N_("script.schema.expected_mapping"),
    "model_type": N_("script.schema.expected_mapping"),
    "model_attributes_type": N_("script.schema.expected_mapping"),
    "string_too_short": N_("script.schema.empty_text"),
    "too_short": N_("script.schema.too_few_items"),
    "too_long": N_("script.schema.too_many_items"),
    "string_too_long": N_("script.schema.text_too_long"),
    "string_pattern_mismatch": N_("script.schema.bad_id"),
    "literal_error": N_("script.schema.not_a_choice"),
    "enum": N_("script.schema.not_a_choice"),
    "greater_than_equal": N_("script.schema.too_small"),
    "greater_than": N_("script.schema.too_small"),
    "less_than_equal": N_("script.schema.too_large"),
    "less_than": N_("script.schema.too_large"),
}
# Errors from the other branches of ``X | None`` and the like: the branch that fits says enough.
_BRANCH_NOISE = {"none_required", "is_instance_of"}
# A sentence goes on after an item like this ("Hello" in ``[Hello, sit down.]``).
_CJK = re.compile(r"[\u3400-\u9fff]")
_SENTENCE_END = tuple(".!?。！？…)）\"'”’")


def _unwrap(annotation: Any) -> list[Any]:
    """The types an annotation may hold (Annotated, unions and Optional taken apart)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _step(types_here: list[Any], part: PathPart) -> list[Any]:
    following: list[Any] = []
    for kind in types_here:
        origin = typing.get_origin(kind)
        if isinstance(part, str) and isinstance(kind, type) and issubclass(kind, BaseModel):
            field = kind.model_fields.get(part)
            if field is not None:
                following.extend(_unwrap(field.annotation))
        elif origin in (list, tuple) and typing.get_args(kind):
            following.extend(_unwrap(typing.get_args(kind)[0]))
        elif origin is dict and isinstance(part, str):
            following.extend(_unwrap(typing.get_args(kind)[1]))
    return following


def allowed_keys(model: type[BaseModel], path: Sequence[PathPart]) -> list[str]:
    """The keys the schema allows in the mapping at ``path``."""
    kinds: list[Any] = [model]
    for part in path:
        kinds = _step(kinds, part)
    keys: list[str] = []
    for kind in kinds:
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            keys.extend(name for name in kind.model_fields if name not in keys)
    return keys


def _data_path(data: Any, loc: Sequence[Any]) -> tuple[tuple[PathPart, ...], Any]:
    """The part of ``loc`` that names places in the data (pydantic adds union branch tags)."""
    path: list[PathPart] = []
    here = data
    for part in loc:
        if (isinstance(here, dict) and part in here) or (
            isinstance(here, list) and isinstance(part, int) and 0 <= part < len(here)
        ):
            here = here[part]
        else:
            if isinstance(part, str | int) and isinstance(here, dict) and part == loc[-1]:
                path.append(part)  # a missing key: named, located at its mapping
            break
        path.append(part)
    return tuple(path), here


def _choices(ctx: dict[str, Any]) -> str:
    expected = str(ctx.get("expected", ""))
    return expected.replace("'", "").replace(" or ", ", ")


def _problem_of(model: type[BaseModel], doc: SourceDocument, error: Any) -> ScriptProblem:
    kind = error["type"]
    path, value = _data_path(doc.data, error["loc"])
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return doc.report(path, N_("script.schema.missing_key"), name=path[-1] if path else "")
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else ""
        if path in doc.flow_null_keys:
            return doc.report(path, N_("script.schema.comma_in_one_line_mapping"), name=key)
        allowed = allowed_keys(model, path[:-1])
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.7)
        if close:
            return doc.report(
                path, N_("script.schema.unknown_key_did_you_mean"), name=key, suggestion=close[0]
            )
        return doc.report(path, N_("script.schema.unknown_key"), name=key, allowed=", ".join(allowed))
    if kind == "value_error":  # our own validators' rule, worded where the rule is written
        return doc.report(
            path, N_("script.schema.rule"), value=_short(value), detail=str(ctx.get("error", ""))
        )
    key = _ERROR_KEYS.get(kind, N_("script.schema.invalid"))
    params: dict[str, Any] = {"value": _short(value)}
    if kind in ("literal_error", "enum"):
        params["choices"] = _choices(ctx)
    for name in ("min_length", "max_length", "ge", "gt", "le", "lt"):
        if name in ctx:
            params["limit"] = ctx[name]
    return doc.report(path, key, **params)


def _short(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def model_problems(model: type[Model], doc: SourceDocument) -> tuple[Model | None, list[ScriptProblem]]:
    """Build ``model`` from the document, or list every way it does not fit (never raises)."""
    if doc.data is None:
        return None, [doc.report((), N_("script.file.empty"))]
    if not isinstance(doc.data, dict):
        return None, [doc.report((), N_("script.file.not_mapping"))]
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        errors = exc.errors()
        located = {_data_path(doc.data, e["loc"])[0] for e in errors if e["type"] not in _BRANCH_NOISE}
        problems = [
            _problem_of(model, doc, error)
            for error in errors
            if error["type"] not in _BRANCH_NOISE or _data_path(doc.data, error["loc"])[0] not in located
        ]
        return None, problems


def validate(model: type[Model], doc: SourceDocument) -> Model:
    """Build ``model`` from the document; every validation error becomes a located problem."""
    built, problems = model_problems(model, doc)
    if built is None:
        raise ScriptError(problems)
    return built


def _reads_as_one_sentence(items: list[str]) -> bool:
    """``[Hello, sit down.]``: an item that starts a sentence and does not end it, then one
    that carries on in lower case. Word lists (``[how old, your age]``) start in lower case."""
    if any(_CJK.search(item) for item in items):
        return False  # Chinese writes "，" inside a sentence: an ASCII comma there separates wordings
    for before, after in itertools.pairwise(items):
        starts_sentence = before[:1].isupper()
        if starts_sentence and not before.rstrip().endswith(_SENTENCE_END) and after[:1].islower():
            return True
    return False


def lint(doc: SourceDocument, languages: Sequence[str] = ("zh", "en")) -> list[ScriptProblem]:
    """Warnings: a one-line list of wordings that reads as one sentence split by its commas."""
    warnings = []
    for path, items in doc.flow_lists:
        if path and path[-1] in languages and _reads_as_one_sentence(items):
            joined = " / ".join(f'"{item}"' for item in items)
            warnings.append(
                doc.report(
                    path, N_("script.lint.split_sentence"), severity="warning", count=len(items), text=joined
                )
            )
    return warnings
