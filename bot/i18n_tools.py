"""Catalogue upkeep: the HTML extractor `pybabel extract` uses, and the check CI runs.

``python -m bot.i18n_tools [template.pot]`` fails (exit 1) when the committed messages.pot or a
catalogue misses a key of the template or keeps a key the code no longer names, or a catalogue
leaves a message untranslated or fuzzy or changes a message's placeholders. Without an argument
it extracts the template itself, as ``pybabel extract`` would with ``KEYWORDS`` and
``COMMENT_TAGS``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any, Final

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.i18n import DOMAIN, LOCALE_DIR, LOCALES, read_catalogue

ROOT: Final = Path(__file__).resolve().parent.parent
#: The keywords of `pybabel extract` (also written in .ci/run and docs/translations.md).
KEYWORDS: Final = {"translate": None, "N_": None, "t": None}
COMMENT_TAGS: Final = ("TRANSLATORS:",)

# data-i18n="key", t("key"), and a macro argument named ``…_key="key"`` (templates/_chrome.html).
_HTML_KEY = re.compile(
    r"""data-i18n(?:-placeholder|-aria)?="([\w.]+)"|\bt\(\s*"([\w.]+)"\s*\)"""
    r'|\b[a-z]+_key="([\w.]+)"'
)
_PLACEHOLDER = re.compile(r"\{(\w*)\}")


def extract_html(
    fileobj: IO[bytes], keywords: object, comment_tags: object, options: dict[str, Any]
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extractor for the page templates: keys of data-i18n attributes, of ``t("key")`` and
    of macro arguments named ``…_key``."""
    encoding = options.get("encoding", "utf-8")
    for lineno, line in enumerate(fileobj.read().decode(encoding).splitlines(), start=1):
        for match in _HTML_KEY.finditer(line):
            yield lineno, "t", match.group(1) or match.group(2) or match.group(3), []


def extract_template(root: Path = ROOT) -> Catalog:
    """Every key the code names, as `pybabel extract -F babel.cfg` finds them."""
    with (root / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    template = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root),
        method_map,
        options_map,
        keywords=KEYWORDS,
        comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def _words(comments: list[str]) -> list[str]:
    """A comment's words: a .pot wraps long comments, the source wraps them elsewhere."""
    return " ".join(comments).split()


def _stale_template(template: Catalog) -> list[str]:
    """Where the committed messages.pot differs from ``template`` (keys or translator comments)."""
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("rb") as handle:
        committed = {str(m.id): _words(m.auto_comments) for m in read_po(handle) if m.id}
    fresh = {str(m.id): _words(m.auto_comments) for m in template if m.id}
    return [f"messages.pot: {key} is out of date" for key in sorted(committed.keys() ^ fresh.keys())] + [
        f"messages.pot: the translator comment of {key} is out of date"
        for key in sorted(committed.keys() & fresh.keys())
        if committed[key] != fresh[key]
    ]


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields of a text."""
    return set(_PLACEHOLDER.findall(text))


def committed_catalogues() -> dict[str, Catalog]:
    """The .po file of every locale, Chinese first (the reference for placeholders)."""
    return {locale: read_catalogue(locale) for locale in LOCALES.values()}


def problems(template: Catalog, catalogues: Mapping[str, Catalog] | None = None) -> list[str]:
    """What is wrong with ``catalogues`` (the committed ones by default), measured against ``template``."""
    wanted = {str(m.id) for m in template if m.id}
    found: list[str] = []
    if catalogues is None:
        catalogues = committed_catalogues()
        found += _stale_template(template)
    first = next(iter(catalogues.values()))
    reference = {str(m.id): str(m.string) for m in first if m.id and m.string}
    for locale, catalogue in catalogues.items():
        have = {str(m.id) for m in catalogue if m.id}
        found += [f"{locale}: missing key {key}" for key in sorted(wanted - have)]
        found += [f"{locale}: stale key {key} (no code names it)" for key in sorted(have - wanted)]
        found += [f"{locale}: obsolete entry {m.id}" for m in catalogue.obsolete.values()]
        for message in catalogue:
            if not message.id:
                continue
            key, text = str(message.id), str(message.string or "")
            if not text:
                found.append(f"{locale}: {key} is untranslated")
            elif message.fuzzy:
                found.append(f"{locale}: {key} is fuzzy")
            elif key in reference and placeholders(text) != placeholders(reference[key]):
                found.append(f"{locale}: {key} has placeholders {sorted(placeholders(text))}")
    return found


def main(argv: list[str]) -> int:
    """Check the catalogues against a .pot file (or a fresh extraction); print what is wrong."""
    if argv:
        with open(argv[0], "rb") as handle:
            template = read_po(handle)
    else:
        template = extract_template()
    found = problems(template)
    for line in found:
        print(line, file=sys.stderr)
    print(f"catalogues: {len(template)} keys, {len(found)} problems", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
