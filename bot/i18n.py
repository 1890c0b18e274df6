"""The one text catalogue: every UI, bot and coach string, in Chinese (zh_CN) and English.

Texts live in gettext catalogues (``bot/locale/<locale>/LC_MESSAGES/messages.po``) managed with
Babel; msgids are stable dotted keys (``telegram.welcome_new``, ``technique.why``,
``web.chat.start``), so every language has a real msgstr and a translator edits plain .po files.
The .po files are read directly at first use: a fresh clone works after ``pip install -e .``
with no compile step, and there is no compiled .mo that could lag behind its .po.
Placeholders are ``str.format`` fields (``{name}``); callers escape the values they pass.
See docs/translations.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Final

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.vocab import Lang

LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"
DOMAIN: Final = "messages"
#: The catalogue behind each interface language, Chinese first (it is also the fallback).
LOCALES: Final[dict[Lang, str]] = {Lang.ZH: "zh_CN", Lang.EN: "en"}
#: The key prefixes the web pages need (their own texts and the names they show).
WEB_PREFIXES: Final = ("web.", "stage.", "step.", "technique.", "angle.", "scenario.", "status.", "channel.")


def N_(key: str) -> str:
    """Mark ``key`` for extraction where it is named in a table; it is looked up later."""
    return key


def lang_of(lang: Lang | str) -> Lang:
    """``Lang`` for "zh", "en", "zh_CN", "zh-CN" or "en-GB"; anything else is Chinese."""
    head = str(lang).lower().replace("-", "_").split("_")[0]
    return Lang.EN if head == Lang.EN else Lang.ZH


def po_path(locale: str) -> Path:
    """Where the catalogue of ``locale`` ("zh_CN" or "en") lives."""
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(locale: str) -> Catalog:
    """The parsed .po file of ``locale``, fuzzy entries included (checks want to see them)."""
    with po_path(locale).open("rb") as handle:
        return read_po(handle, locale=locale, domain=DOMAIN)


@cache
def messages(lang: Lang) -> dict[str, str]:
    """Key -> text for ``lang``; untranslated and fuzzy entries are left out, as gettext does."""
    catalogue = read_catalogue(LOCALES[lang])
    return {
        str(m.id): str(m.string)
        for m in catalogue
        if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string and not m.fuzzy
    }


def keys() -> frozenset[str]:
    """Every key of the catalogue (the Chinese one is the reference)."""
    return frozenset(messages(Lang.ZH))


def has(key: str) -> bool:
    """Whether ``key`` is in the catalogue."""
    return key in messages(Lang.ZH)


def lookup(key: str, lang: Lang | str) -> str | None:
    """The raw text of ``key`` in ``lang`` (else in Chinese), or None for an unknown key."""
    found = messages(lang_of(lang)).get(key)
    return found if found is not None else messages(Lang.ZH).get(key)


def translate(key: str, lang: Lang | str, **params: object) -> str:
    """The text ``key`` in ``lang``, filled with ``params``; an unknown key raises ``KeyError``."""
    template = lookup(key, lang)
    if template is None:
        raise KeyError(key)
    return template.format(**params) if params else template


def with_prefix(prefix: str, lang: Lang | str) -> Iterator[tuple[str, str]]:
    """(key, text) of every key starting with ``prefix``, in key order."""
    table = messages(lang_of(lang))
    for key in sorted(keys()):
        if key.startswith(prefix):
            yield key, table.get(key) or messages(Lang.ZH)[key]


def web_catalogue(lang: Lang | str) -> dict[str, str]:
    """The part of the catalogue the web pages use: their texts and the names they show."""
    return {key: value for prefix in WEB_PREFIXES for key, value in with_prefix(prefix, lang)}


def catalogue_json(lang: Lang | str) -> str:
    """The web pages' catalogue as JSON (served as ``/i18n/<lang>.json``)."""
    return _catalogue_json(lang_of(lang))


@cache
def _catalogue_json(lang: Lang) -> str:
    return json.dumps(web_catalogue(lang), ensure_ascii=False, sort_keys=True)


__all__ = [
    "LOCALES",
    "N_",
    "catalogue_json",
    "has",
    "keys",
    "lang_of",
    "lookup",
    "messages",
    "read_catalogue",
    "translate",
    "web_catalogue",
]
