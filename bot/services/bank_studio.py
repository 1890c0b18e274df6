"""The question bank in the trainer studio: every technique with its published version, draft
and last editor; a technique's YAML checked as the trainer types (every problem at its line, in
the trainer's language); draft → publish as a database version (author, time, message, diff, the
version number assigned from the content), rollback; and the bank's files for
``coach scripts import|export``.

A publish raises the bank's revision counter: every worker's model check (``ModelVersions``)
rebuilds its classifier on the published bank, so the coach's explanations, hints and the
classifier's rules change without a restart. A retrain then fits the model to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.classifier.bank import HEADER_FILE, LABELS, check_technique
from bot.engine.results import RehearsalError
from bot.i18n import translate
from bot.storage import Database, Store, store
from bot.yamlsource import ScriptError

from .bank_versions import (
    BANK_KIND,
    build_bank,
    file_name,
    published_texts,
    seed_bank,
    store_technique,
)
from .model_versions import ModelVersions
from .script_studio import (
    MAX_SCRIPT_CHARS,
    MESSAGE_CHARS,
    FileOutcome,
    Problem,
    ScriptRejected,
    VersionConflict,
    VersionEntry,
    VersionNotFound,
    _diff,
)
from .scripts import Stored


class TechniqueNotFound(RehearsalError):
    code = "technique_not_found"


@dataclass(frozen=True)
class TechniqueListing:
    id: str
    name: dict[str, str]
    version: str | None
    published_at: datetime | None
    published_by: str | None
    draft_by: str | None = None
    draft_at: datetime | None = None


@dataclass(frozen=True)
class TechniqueDocument:
    """A technique as the editor opens it: the draft when there is one, else the published text."""

    id: str
    name: dict[str, str]
    version: str | None
    published: str
    text: str
    draft_by: str | None = None
    draft_at: datetime | None = None


class BankStudio:
    """Implements the question-bank half of the studio over the database."""

    def __init__(self, db: Database, models: ModelVersions) -> None:
        self.db = db
        self.models = models
        self.bank_dir = models.bank_dir
        self._seeded = False

    # -- checking --------------------------------------------------------------------------------

    def check(self, text: str, technique_id: str, lang: str = "en") -> list[Problem]:
        """Every problem of a technique's text, errors and warnings (an empty list: it validates)."""
        self._known(technique_id)
        if len(text) > MAX_SCRIPT_CHARS:
            # TRANSLATORS: {limit} is the longest script, in characters.
            return [Problem(None, None, "", translate("studio.too_long", lang, limit=MAX_SCRIPT_CHARS))]
        header = self.models.bank().header  # bank.yaml: shared by every bank version
        technique, problems = check_technique(text, file_name(technique_id), header)
        found = [Problem.of(p.in_lang(lang)) for p in problems]
        if technique is not None and technique.id != technique_id:
            # TRANSLATORS: {found} is the id written in the text, {expected} the technique's id.
            message = translate("studio.bank.id_changed", lang, found=technique.id, expected=technique_id)
            found.insert(0, Problem(1, None, "id", message))
        return found

    def errors(self, text: str, technique_id: str, lang: str = "en") -> list[Problem]:
        """The problems that refuse a publish (warnings do not)."""
        return [p for p in self.check(text, technique_id, lang) if p.severity == "error"]

    # -- reading ---------------------------------------------------------------------------------

    def techniques(self) -> list[TechniqueListing]:
        """Every technique: its published version, who published it and when, and its draft."""
        with store(self.db, write=not self._seeded) as s:
            self._ready(s)
            published = s.scripts.published(BANK_KIND)
            drafts = s.scripts.drafts(BANK_KIND)
            names = self._names()
            listings = []
            for tid in LABELS:
                row, draft = published.get(tid), drafts.get(tid)
                listings.append(
                    TechniqueListing(
                        id=tid,
                        name=names.get(tid, {}),
                        version=row.version if row else None,
                        published_at=row.created_at if row else None,
                        published_by=row.author if row else None,
                        draft_by=draft.author if draft else None,
                        draft_at=draft.updated_at if draft else None,
                    )
                )
            return listings

    def document(self, technique_id: str) -> TechniqueDocument:
        self._known(technique_id)
        with store(self.db, write=not self._seeded) as s:
            self._ready(s)
            row = s.scripts.published(BANK_KIND).get(technique_id)
            draft = s.scripts.draft(BANK_KIND, technique_id)
            published = (row.content or "") if row else ""
            return TechniqueDocument(
                id=technique_id,
                name=self._names().get(technique_id, {}),
                version=row.version if row else None,
                published=published,
                text=draft.content if draft else published,
                draft_by=draft.author if draft else None,
                draft_at=draft.updated_at if draft else None,
            )

    def history(self, technique_id: str) -> list[VersionEntry]:
        """Every published version, newest first, each with its diff against the one before."""
        self._known(technique_id)
        with store(self.db, write=not self._seeded) as s:
            self._ready(s)
            rows = sorted(s.scripts.versions(BANK_KIND, technique_id), key=lambda r: (r.number or 0, r.id))
            entries, before, old = [], "", "0"
            for row in rows:
                content = row.content or ""
                entries.append(
                    VersionEntry(
                        row.version,
                        row.author,
                        row.message,
                        row.created_at,
                        _diff(before, content, old, row.version),
                    )
                )
                before, old = content, row.version
            return entries[::-1]

    # -- writing ---------------------------------------------------------------------------------

    def save_draft(self, technique_id: str, text: str, *, author: str) -> TechniqueDocument:
        """Keep the trainer's edit (even one that does not validate yet: nothing is lost)."""
        self._known(technique_id)
        if len(text) > MAX_SCRIPT_CHARS:
            message = translate("studio.too_long", "en", limit=MAX_SCRIPT_CHARS)
            raise ScriptRejected([Problem(None, None, "", message)])
        with store(self.db, write=True) as s:
            self._ready(s)
            row = s.scripts.published(BANK_KIND).get(technique_id)
            s.scripts.save_draft(
                BANK_KIND, technique_id, text, author=author, base_version=row.version if row else None
            )
        return self.document(technique_id)

    def discard_draft(self, technique_id: str) -> None:
        self._known(technique_id)
        with store(self.db, write=True) as s:
            s.scripts.drop_draft(BANK_KIND, technique_id)

    def publish(
        self,
        technique_id: str,
        text: str,
        *,
        author: str,
        message: str,
        lang: str = "en",
        base_version: str | None = None,
    ) -> Stored:
        """Check the text and the whole bank with it, then store the next version and drop the
        draft; ScriptRejected with every problem at its line otherwise. ``base_version``: the
        version the edit started from; another one published since is a ``VersionConflict``."""
        with store(self.db, write=not self._seeded) as s:
            self._ready(s)
            current = s.scripts.published(BANK_KIND).get(technique_id)
            if current is not None and current.content == text:  # nothing to check or store
                return Stored(technique_id, current.version, created=False)
        errors = self.errors(text, technique_id, lang)
        if errors:
            raise ScriptRejected(errors)
        with store(self.db, write=True) as s:
            self._ready(s)
            # Publishes take turns: the bank is checked whole, with every technique as published
            # now, and an edit made on an older version is refused rather than undoing a newer one.
            s.scripts.lock_revision(BANK_KIND)
            if base_version is not None:
                published = s.scripts.published(BANK_KIND).get(technique_id)
                if published is not None and published.version != base_version:
                    raise VersionConflict(
                        f"version {published.version} of {technique_id} was published after version "
                        f"{base_version}, which this edit started from: open it and apply the edit there"
                    )
            texts = {**published_texts(s), technique_id: text}
            try:
                build_bank(self.bank_dir, texts)
            except ScriptError as exc:
                raise ScriptRejected([Problem.of(p.in_lang(lang)) for p in exc.problems]) from None
            stored = store_technique(
                s, technique_id, text, author=author, message=message.strip()[:MESSAGE_CHARS]
            )
            s.scripts.drop_draft(BANK_KIND, technique_id)
        self.models.refresh(force=True)  # this worker at once; the others at their next check
        return stored

    def rollback(self, technique_id: str, version: str, *, author: str, message: str = "") -> Stored:
        """Publish an older version's text again, as the next version."""
        self._known(technique_id)
        with store(self.db) as s:
            row = s.scripts.get(BANK_KIND, technique_id, version)
            content = row.content if row is not None else None
        if content is None:
            raise VersionNotFound(f"no version {version!r} of {technique_id!r}")
        return self.publish(
            technique_id, content, author=author, message=message or f"rollback to v{version}"
        )

    # -- files -----------------------------------------------------------------------------------

    def import_directory(self, directory: Path | str, *, author: str) -> list[FileOutcome]:
        """Publish each technique file of a bank directory whose text is new; a file with a
        problem is reported and skipped, the others are still imported. ``bank.yaml`` ships with
        the release: it is not imported."""
        outcomes = []
        for path in sorted(Path(directory).glob("*.yaml")):
            if path.name == HEADER_FILE:
                continue
            outcome = FileOutcome(str(path))
            outcomes.append(outcome)
            if path.stem not in LABELS:
                outcome.problems.append(f"{path}: not a technique of the question bank")
                continue
            try:
                text = path.read_text(encoding="utf-8")
                outcome.stored = self.publish(path.stem, text, author=author, message=f"import {path.name}")
            except (OSError, UnicodeDecodeError) as exc:
                outcome.problems.append(f"{path}: cannot read: {exc}")
                continue
            except ScriptRejected as exc:
                outcome.problems.extend(
                    f"{path}:{p.line or ''}: {p.path + ': ' if p.path else ''}{p.message}"
                    for p in exc.problems
                )
                continue
        return outcomes

    def export_directory(self, directory: Path | str) -> list[Path]:
        """Write the published bank to ``directory``: every technique as stored, and the release's
        ``bank.yaml``, so the folder loads as a bank (``coach bank check``)."""
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        with store(self.db, write=not self._seeded) as s:
            self._ready(s)
            texts = published_texts(s)
        written = []
        header = target / HEADER_FILE
        header.write_bytes((self.bank_dir / HEADER_FILE).read_bytes())
        written.append(header)
        for tid in sorted(texts):
            path = target / file_name(tid)
            path.write_bytes(texts[tid].encode("utf-8"))
            written.append(path)
        return written

    # -- helpers ---------------------------------------------------------------------------------

    def _ready(self, s: Store) -> None:
        if not self._seeded:
            seed_bank(s, self.bank_dir)
            self._seeded = True

    def _names(self) -> dict[str, dict[str, str]]:
        bank: Any = self.models.bank()
        return {tid: {"zh": t.name["zh"], "en": t.name["en"]} for tid, t in bank.techniques.items()}

    @staticmethod
    def _known(technique_id: str) -> None:
        if technique_id not in LABELS:
            raise TechniqueNotFound(f"no technique {technique_id!r} in the question bank")


__all__ = ["BankStudio", "TechniqueDocument", "TechniqueListing", "TechniqueNotFound"]
