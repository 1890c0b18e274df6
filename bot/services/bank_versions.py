"""The question bank in the database: one version row per technique file (kind ``technique`` in
``script_versions``, the script id is the technique id), published like scenarios.

The bundled ``questionbank/`` is the seed; a technique with no stored version is read from its
file. ``bank.yaml`` (threshold, precedence, shared markers, shorthand) ships with the release and
is not edited from the page. The bank's version is the header's while every technique is the
bundled text, else the header's plus a digest of the published texts (``2.0.0+1a2b3c4d``): the
same content always has the same version, which a retrained model records.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from bot.classifier.bank import HEADER_FILE, LABELS, QuestionBank, load_question_bank
from bot.storage import Store
from bot.yamlsource import ScriptError

from .scripts import Stored, text_hash

log = logging.getLogger(__name__)
BANK_KIND = "technique"
_PUBLISH_TRIES = 3


def file_name(technique_id: str) -> str:
    return f"{technique_id}.yaml"


def bundled_texts(bank_dir: Path) -> dict[str, str]:
    """The technique files shipped in ``bank_dir`` (technique id → text)."""
    found = {}
    for label in LABELS:
        path = bank_dir / file_name(label)
        if path.is_file():
            found[label] = path.read_text(encoding="utf-8")
    return found


def published_texts(s: Store) -> dict[str, str]:
    """The published text of every technique stored in the database (technique id → text)."""
    return {
        tid: row.content for tid, row in s.scripts.published(BANK_KIND).items() if row.content is not None
    }


def bank_version(header_version: str, texts: dict[str, str], bundled: dict[str, str]) -> str:
    """The header's version while the texts are the bundled ones, else it plus their digest."""
    merged = {**bundled, **texts}
    if merged == bundled:
        return header_version
    digest = hashlib.sha256()
    for tid in sorted(merged):
        digest.update(tid.encode() + b"\0" + merged[tid].encode("utf-8") + b"\0")
    return f"{header_version}+{digest.hexdigest()[:8]}"


def build_bank(bank_dir: Path, texts: dict[str, str]) -> QuestionBank:
    """The bank of ``bank_dir`` with the techniques of ``texts`` (id → text) in place of their
    files; ScriptError when it does not load."""
    bank = load_question_bank(bank_dir, {file_name(tid): text for tid, text in texts.items()})
    version = bank_version(bank.header.version, texts, bundled_texts(bank_dir))
    return dataclasses.replace(bank, version=version)


def published_bank(texts: dict[str, str], bank_dir: Path) -> QuestionBank | None:
    """The bank of the published technique ``texts`` (``published_texts``); None when nothing is
    stored (the bundled bank is the one) or when they do not load (logged; the bundled bank stays
    in use)."""
    if not texts:
        return None
    try:
        return build_bank(bank_dir, texts)
    except ScriptError as exc:
        log.warning("the published question bank does not load: %s", exc)
        return None


def store_technique(s: Store, technique_id: str, text: str, *, author: str, message: str) -> Stored:
    """Publish ``text`` as the next version of a technique (the caller validated it): the next
    whole number; nothing is stored when the published text is the same."""
    s.scripts.lock_revision(BANK_KIND)  # publishes take turns (see ``store_version``)
    for attempt in range(_PUBLISH_TRIES):
        current = s.scripts.published(BANK_KIND).get(technique_id)
        if current is not None and current.content == text:
            return Stored(technique_id, current.version, created=False)
        version = str(s.scripts.highest_number(BANK_KIND, technique_id) + 1)
        try:
            with s.session.begin_nested():  # two trainers racing for the number: the loser retries
                s.scripts.record(
                    kind=BANK_KIND,
                    script_id=technique_id,
                    version=version,
                    content_hash=text_hash(text),
                    content=text,
                    author=author,
                    message=message,
                )
        except IntegrityError:
            if attempt == _PUBLISH_TRIES - 1:
                raise
            continue
        s.scripts.bump_revision(BANK_KIND)
        return Stored(technique_id, version, created=True)
    raise AssertionError("unreachable")


#: Who publishes the bundled texts: the studio shows it as the technique's publisher.
BUNDLED_AUTHOR = "questionbank/"


def seed_bank(s: Store, bank_dir: Path) -> list[Stored]:
    """Store the bundled technique files the database has no version of yet (as version 1), and
    the bundled texts a new release changed where no trainer has published over them.

    A trainer's published edit is kept (logged). A bundled text the database held once already
    is not published again, so an older release started beside a newer one during a rolling
    upgrade does not take its old text back."""
    stored = s.scripts.published(BANK_KIND)
    done = []
    for tid, text in bundled_texts(bank_dir).items():
        current = stored.get(tid)
        message = "bundled"
        if current is not None:
            if current.content == text:
                continue
            if current.author != BUNDLED_AUTHOR:
                log.info(
                    "%s: the release changed its bundled text; the trainers' version %s is kept",
                    tid,
                    current.version,
                )
                continue
            known = {row.content_hash for row in s.scripts.versions(BANK_KIND, tid)}
            if text_hash(text) in known:
                continue
            message = "bundled, changed by the release"
        try:
            with s.session.begin_nested():
                done.append(store_technique(s, tid, text, author=BUNDLED_AUTHOR, message=message))
        except IntegrityError:  # another worker seeded it meanwhile
            continue
    return done


__all__ = [
    "BANK_KIND",
    "BUNDLED_AUTHOR",
    "HEADER_FILE",
    "build_bank",
    "bundled_texts",
    "file_name",
    "published_bank",
    "published_texts",
    "seed_bank",
    "store_technique",
]
