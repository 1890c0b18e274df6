"""Input hygiene for the web API: text, ids and JSON shapes the database and parser accept.

Each rule stops a 500 seen in the reliability issue: PostgreSQL refuses NUL in text, INTEGER
columns overflow at 2^31, and ``json.loads`` raises RecursionError on deep nesting. A message
of only zero-width characters looks empty to the rep and the classifier alike.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache
from typing import Annotated, Any

from fastapi import FastAPI, Path
from pydantic import AfterValidator, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.channels.text import control_characters, is_invisible, isolate_bidi

from .errors import error_response

MAX_DB_ID = 2**31 - 1  # INTEGER primary keys on PostgreSQL (and what SQLite stores for them)
MAX_JSON_DEPTH = 32
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


def _no_controls(value: str) -> str:
    if control_characters(value):
        raise ValueError("contains a control character (only newline and tab are allowed)")
    return value


def _visible(value: str) -> str:
    value = _no_controls(value)
    if is_invisible(value):
        raise ValueError("has no visible characters")
    return value


def _class_of(characters: list[str]) -> str:
    """A regex character class body of ``characters`` (sorted), as ranges of literal characters."""
    parts: list[str] = []
    start = previous = None
    for character in [*characters, None]:
        if character is not None and previous is not None and ord(character) == ord(previous) + 1:
            previous = character
            continue
        if start is not None and previous is not None:
            first, last = re.escape(start), re.escape(previous)
            parts.append(first if start == previous else f"{first}-{last}")
        start = previous = character
    return "".join(parts)


@cache
def _patterns() -> tuple[str, str]:
    """JSON-schema patterns for clean text (no refused control character) and visible text
    (clean, and at least one character that is neither whitespace nor a format character):
    the rules of ``bot.channels.text`` written out, so API clients and fuzzers know them."""
    refused, unseen = [], []
    for code in range(sys.maxunicode + 1):
        character = chr(code)
        category = unicodedata.category(character)
        if category == "Cc" and character not in "\n\t\r":
            refused.append(character)
        elif category == "Cf" or character.isspace():
            unseen.append(character)
    clean = f"[^{_class_of(refused)}]"
    seen = f"[^{_class_of(sorted(refused + unseen))}]"
    return f"^{clean}*$", f"^{clean}*{seen}{clean}*$"


class _Documented:
    """Adds a ``pattern`` to a field's JSON schema only (the validator does the checking)."""

    def __init__(self, visible: bool) -> None:
        self.visible = visible

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = _patterns()[1 if self.visible else 0]
        return json_schema


# Field types for request models: pydantic turns the ValueError into our 422 invalid_request.
CleanStr = Annotated[str, AfterValidator(_no_controls), _Documented(visible=False)]
VisibleText = Annotated[str, AfterValidator(_visible), _Documented(visible=True)]
# Text the service refuses when nothing in it is visible (422 message_rejected, not invalid_request).
MessageText = Annotated[str, AfterValidator(_no_controls), _Documented(visible=True)]

# Path parameters: out-of-range or odd ids are a 422 before any query runs.
DbId = Annotated[int, Path(ge=1, le=MAX_DB_ID, description="A numeric id (1 to 2^31-1).")]
SessionId = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$", description="A session id.")
]


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text, without parsing it.

    Strings are removed first, so brackets inside them do not count; a malformed body gets
    some number and is then refused by the parser as usual.
    """
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRINGS.sub(b'""', body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class JsonDepthLimit:
    """Refuse JSON bodies nested deeper than ``limit`` with 400 before any route parses them.

    Install inside the body size limit: that bounds how much is buffered here.
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_JSON_DEPTH) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        # A body with no more opening brackets than the limit cannot nest deeper (brackets in
        # strings only add to the count): most bodies skip the scan, 3 % of a worker's CPU.
        if body.count(b"[") + body.count(b"{") > self.limit and json_depth(body) > self.limit:
            response = error_response(
                400, "json_too_deep", f"The JSON body is nested deeper than {self.limit} levels."
            )
            await response(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


# Responses any route can give, whatever it documents itself: the middleware and the handlers
# above answer them before (or instead of) the route.
COMMON_ERRORS: dict[str, str] = {
    "400": "Malformed JSON (malformed_json) or JSON nested too deep (json_too_deep).",
    "403": "A state-changing request with the cookie from another site (cross_site_request).",
    "413": "The request body is too large (body_too_large).",
    "422": "A field is missing or invalid, e.g. a control character (invalid_request).",
    "429": "Too many requests (see Retry-After).",
    "500": "An unexpected error (internal_error).",
    "503": "The database is not answering (database_unavailable); retry.",
}
_SAFE_OPERATIONS = frozenset({"get", "head", "options"})


def _errors_as_json(responses: dict[str, Any], error_ref: dict[str, str]) -> None:
    """Every error is answered as JSON in the error shape, also by a page's route (FastAPI files
    its errors under the route's text/html) and for 422 (FastAPI's own shape is never sent)."""
    for status_code, response in responses.items():
        content = response.get("content") or {}
        schemas = [str(media.get("schema", {}).get("$ref", "")) for media in content.values()]
        ours = any(ref.endswith(("/ErrorResponse", "/HTTPValidationError")) for ref in schemas)
        if status_code.startswith(("4", "5")) and ours:
            response["content"] = {"application/json": {"schema": error_ref}}


def document_common_errors(app: FastAPI) -> None:
    """Add the common error responses, in the JSON error shape, to every operation's OpenAPI."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = build()
        error_ref = {"$ref": "#/components/schemas/ErrorResponse"}
        for operations in spec.get("paths", {}).values():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                for status_code, description in COMMON_ERRORS.items():
                    if method in _SAFE_OPERATIONS and status_code in ("403", "413"):
                        continue  # bodies and the Origin check only concern state changes
                    responses.setdefault(
                        status_code,
                        {"description": description, "content": {"application/json": {"schema": error_ref}}},
                    )
                _errors_as_json(responses, error_ref)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


__all__ = [
    "MAX_DB_ID",
    "MAX_JSON_DEPTH",
    "CleanStr",
    "DbId",
    "JsonDepthLimit",
    "MessageText",
    "SessionId",
    "VisibleText",
    "control_characters",
    "document_common_errors",
    "is_invisible",
    "isolate_bidi",
    "json_depth",
]
