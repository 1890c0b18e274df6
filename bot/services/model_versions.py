"""Technique models retrained from the trainers' page, stored in the database, used by every worker.

``retrain`` fits the model on the question bank's lines plus every line trainers accepted from
the review queue, and stores it (its two files) with the bank version and source hash it was
trained from. ``classify`` is the classifier every rehearsal and flag uses: it checks, at most
every ``check_seconds``, whether a newer model was stored (one primary-key lookup) and switches
to it, so a retrain in one worker reaches every worker without a restart. With no stored model
it is the bank's shipped model (the seed in the repository).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from bot.engine.results import RehearsalError
from bot.engine.runtime import ClassificationLike, Classify
from bot.storage import Database, store
from bot.storage.classifier_models import ClassifierModelRepository

from .script_stats import TRAINER_ROLES, NotATrainer

log = logging.getLogger(__name__)

META, ARRAYS = "technique.json", "technique.npz"


class BankVersionMismatch(RehearsalError):
    """The trainer asked to train from a bank version other than the one on the server."""

    code = "bank_version_mismatch"


class TrainingUnavailable(RehearsalError):
    """Retraining needs scikit-learn (``pip install -e '.[train]'``)."""

    code = "training_unavailable"


@dataclass(frozen=True)
class ModelVersionView:
    id: int | None  # None: the bank's shipped model
    bank_version: str
    source_hash: str
    lines: int
    author: str
    created_at: datetime | None


class ModelVersions:
    """The stored technique models of one database, and the classifier of the newest."""

    def __init__(
        self,
        db: Database,
        bank_dir: Path,
        *,
        check_seconds: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.bank_dir = bank_dir
        self.check_seconds = check_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._checked_at: float | None = None
        self._model_id: int | None = None
        self._classifier: Any = None  # bot.classifier.Classifier of ``_model_id``
        # A server checks from a background task (``run``) so a turn never opens a transaction of
        # its own for it; without one (tests, the CLI) ``classifier`` checks when a check is due.
        self.inline_checks = True

    # --- the classifier every worker uses -------------------------------------------------

    @property
    def model_id(self) -> int | None:
        """The stored model in use now (None: the shipped one)."""
        return self._model_id

    def classify(self, text: str, lang: str, context: Mapping[str, Any]) -> ClassificationLike:
        """``Classify`` for the engine, on the newest stored model."""
        return self.classifier().classify(text, lang=lang, context=context)

    def as_classify(self) -> Classify:
        return self.classify

    def classifier(self) -> Any:
        if self._classifier is None or (self.inline_checks and self._due()):
            self.refresh()
        return self._classifier

    def refresh(self, *, force: bool = False) -> None:
        """Switch to the newest stored model if a check is due, or now with ``force`` (one
        thread checks; the others that waited use its answer)."""
        with self._lock:
            if force or self._classifier is None or self._due():
                self._switch()
                self._checked_at = self._clock()

    async def run(self, stop: asyncio.Event) -> None:
        """Check for a newer model every ``check_seconds`` until ``stop`` is set (a server's
        workers each run one; turns then never wait on the check)."""
        self.inline_checks = False
        while not stop.is_set():
            try:
                await asyncio.to_thread(partial(self.refresh, force=True))
            except Exception:  # a database outage: the model in use stays, the next check retries
                log.exception("model version check failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.check_seconds)

    def _due(self) -> bool:
        return self._checked_at is None or self._clock() - self._checked_at >= self.check_seconds

    def _switch(self) -> None:
        with store(self.db) as s:
            repository = ClassifierModelRepository(s.session)
            latest = repository.latest_id()
            if self._classifier is not None and latest == self._model_id:
                return
            row = repository.get(latest) if latest is not None else None
            meta, arrays = (row.meta, row.arrays) if row is not None else (None, None)
        self._classifier = _build_classifier(meta, arrays)
        self._model_id = latest

    # --- retraining ---------------------------------------------------------------------------

    def current(self) -> ModelVersionView:
        self.classifier()
        with store(self.db) as s:
            row = ClassifierModelRepository(s.session).get(self._model_id) if self._model_id else None
            if row is not None:
                return _view(row)
        info = self._classifier.model.info if self._classifier.model is not None else {}
        return ModelVersionView(
            None,
            str(info.get("bank_version", "")),
            str(info.get("source_hash", "")),
            int(info.get("lines", 0)),
            "",
            None,
        )

    def retrain(self, *, role: str, author: str, bank_version: str | None = None) -> ModelVersionView:
        """Train on the bank and the accepted review lines; store the model (used from now on).
        ``bank_version``, when given, must be the bank's (BankVersionMismatch otherwise)."""
        if role not in TRAINER_ROLES:
            raise NotATrainer("only trainers and admins retrain the model")
        try:
            from bot.classifier import load_question_bank
            from bot.classifier.training import Row, train, training_rows
        except ImportError as exc:  # scikit-learn is the "train" extra
            raise TrainingUnavailable(str(exc)) from None
        bank = load_question_bank(self.bank_dir)
        if bank_version is not None and bank_version != bank.version:
            raise BankVersionMismatch(f"the bank is version {bank.version}, not {bank_version}")
        with store(self.db) as s:
            accepted = [
                (f.text, f.language, f.label or "", f.context) for f in s.flags.with_status("accepted")
            ]
        known = {(row.text, row.lang, row.label) for row in training_rows(bank, False)}
        extra = [Row(t, lang, label, context, "review") for t, lang, label, context in accepted if label]
        extra = [row for row in extra if (row.text, row.lang, row.label) not in known]
        model = train(bank, extra=extra).model
        with tempfile.TemporaryDirectory() as folder:
            model.save(Path(folder))
            meta = (Path(folder) / META).read_text(encoding="utf-8")
            arrays = (Path(folder) / ARRAYS).read_bytes()
        with store(self.db, write=True) as s:
            row = ClassifierModelRepository(s.session).add(
                bank_version=bank.version,
                source_hash=str(model.info.get("source_hash", "")),
                lines=int(model.info.get("lines", 0)),
                author=author,
                meta=meta,
                arrays=arrays,
            )
            view = _view(row)
        self._checked_at = None  # this worker switches at its next line
        return view


def _build_classifier(meta: str | None, arrays: bytes | None) -> Any:
    from bot.classifier import Classifier, default_bank, default_classifier
    from bot.classifier.model import TechniqueModel

    if meta is None or arrays is None:
        return default_classifier()
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / META).write_text(meta, encoding="utf-8")
        (Path(folder) / ARRAYS).write_bytes(arrays)
        model = TechniqueModel.load(Path(folder))
    return Classifier(default_bank(), model)


def _view(row: Any) -> ModelVersionView:
    return ModelVersionView(row.id, row.bank_version, row.source_hash, row.lines, row.author, row.created_at)


__all__ = ["BankVersionMismatch", "ModelVersionView", "ModelVersions", "TrainingUnavailable"]
