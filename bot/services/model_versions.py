"""Technique models retrained from the trainers' page, stored in the database, used by every worker.

``retrain`` fits the model on the question bank's lines plus every line trainers accepted from
the review queue, and stores it (its two files) with the bank version and source hash it was
trained from. ``classify`` is the classifier every rehearsal and flag uses: it checks, at most
every ``check_seconds``, whether a newer model was stored (one primary-key lookup) and switches
to it, so a retrain in one worker reaches every worker without a restart. With no stored model
it is the bank's shipped model (the seed in the repository).

The same check reads the question bank's revision counter: a technique published from the page
(``bank_versions``) rebuilds the classifier on the published bank, in every worker.

``start_retrain`` runs a retrain as a background job (``retrain_jobs``): the request returns at
once with the job, which any worker can report on; two requests at once share one job.
``rollback`` stores an older model again as the newest, so every worker switches back to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from bot.engine.results import RehearsalError
from bot.engine.runtime import ClassificationLike, Classify
from bot.storage import Database, RetrainJob, store
from bot.storage.classifier_models import ClassifierModelRepository

from .bank_versions import BANK_KIND, published_bank, published_texts
from .script_stats import TRAINER_ROLES, NotATrainer

log = logging.getLogger(__name__)

META, ARRAYS = "technique.json", "technique.npz"


class BankVersionMismatch(RehearsalError):
    """The trainer asked to train from a bank version other than the one on the server."""

    code = "bank_version_mismatch"


class TrainingUnavailable(RehearsalError):
    """Retraining needs scikit-learn (``pip install -e '.[train]'``)."""

    code = "training_unavailable"


class ModelNotFound(RehearsalError):
    code = "model_not_found"


class JobNotFound(RehearsalError):
    code = "job_not_found"


#: The model id that stands for the model shipped with the bank (``rollback``).
SHIPPED = 0
#: A running job writes a heartbeat this often; one silent for STALE_JOB_SECONDS was lost with
#: its worker (killed, restarted) and no longer holds the slot.
HEARTBEAT_SECONDS = 5.0
STALE_JOB_SECONDS = 30.0
LOST_JOB_ERROR = "interrupted: its worker stopped"


@dataclass(frozen=True)
class RetrainJobView:
    id: int
    status: str  # running, done, failed
    author: str
    bank_version: str
    started_at: datetime
    finished_at: datetime | None
    model_id: int | None
    error: str | None


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
        self._classifier: Any = None  # bot.classifier.Classifier of ``_model_id`` and ``_bank``
        self._bank: Any = None  # the published QuestionBank; None: the bundled one
        self._bank_revision: int | None = None
        self._own_bundled: Any = None  # the files' bank when bank_dir is not the configured one
        # How a retrain job runs: a daemon thread (tests may run it inline).
        self.background: Callable[[Callable[[], None]], None] = _in_thread
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

    def bank(self) -> Any:
        """The question bank in use: the one published in the database, else the bundled one.
        Kept current by the model checks (a turn never waits on a check of its own for it)."""
        if self._classifier is None:
            self.classifier()
        if self._bank is not None:
            return self._bank
        return self._bundled_bank()

    def _bundled_bank(self) -> Any:
        """The bank of the files in ``bank_dir``: the one every rehearsal loaded already when it
        is the configured bank, else loaded once here."""
        from bot.classifier import default_bank, load_question_bank

        bundled = default_bank()
        if bundled.directory.resolve() == self.bank_dir.resolve():
            return bundled
        if self._own_bundled is None:
            self._own_bundled = load_question_bank(self.bank_dir)
        return self._own_bundled

    def _switch(self) -> None:
        with store(self.db) as s:
            repository = ClassifierModelRepository(s.session)
            latest = repository.latest_id()
            revision = s.scripts.revision(BANK_KIND)
            same_bank = revision == self._bank_revision
            if self._classifier is not None and latest == self._model_id and same_bank:
                return
            row = repository.get(latest) if latest is not None else None
            meta, arrays = (row.meta, row.arrays) if row is not None else (None, None)
            texts = None if same_bank else published_texts(s)
        # Built after the transaction: loading a bank takes a moment and holds no database lock.
        bank = self._bank if texts is None else published_bank(texts, self.bank_dir)
        self._classifier = _build_classifier(bank or self._bundled_bank(), meta, arrays)
        self._model_id, self._bank, self._bank_revision = latest, bank, revision

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
        train, training_rows, row_type = _trainer()
        self.refresh(force=True)
        bank = self.bank()
        if bank_version is not None and bank_version != bank.version:
            raise BankVersionMismatch(f"the bank is version {bank.version}, not {bank_version}")
        return self._train_and_store(bank, author, train, training_rows, row_type)

    def _train_and_store(
        self, bank: Any, author: str, train: Any, training_rows: Any, row_type: Any
    ) -> ModelVersionView:
        with store(self.db) as s:
            accepted = [
                (f.text, f.language, f.label or "", f.context) for f in s.flags.with_status("accepted")
            ]
        known = {(row.text, row.lang, row.label) for row in training_rows(bank, False)}
        extra = [row_type(t, lang, label, context, "review") for t, lang, label, context in accepted if label]
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
        self.refresh(force=True)  # this worker now; the others at their next check
        return view

    # --- retraining in the background ---------------------------------------------------------

    def start_retrain(
        self, *, role: str, author: str, bank_version: str | None = None
    ) -> tuple[RetrainJobView, bool]:
        """Start a retrain job, or join the one running (False): it returns at once; the job
        trains and stores the model in the background. The checks (role, training installed,
        the bank version) come first, so a refused request starts nothing."""
        if role not in TRAINER_ROLES:
            raise NotATrainer("only trainers and admins retrain the model")
        trainer = _trainer()
        self.refresh(force=True)
        bank = self.bank()
        if bank_version is not None and bank_version != bank.version:
            raise BankVersionMismatch(f"the bank is version {bank.version}, not {bank_version}")
        with store(self.db, write=True) as s:
            repository = ClassifierModelRepository(s.session)
            running = repository.running_job()
            if running is not None and _stale(running):
                repository.finish_job(running.id, error=LOST_JOB_ERROR)
            job, created = repository.start_job(author=author, bank_version=bank.version)
            view = _job_view(job)
        if created:
            self.background(partial(self._run_job, view.id, bank, author, trainer))
        return view, created

    def _run_job(self, job_id: int, bank: Any, author: str, trainer: tuple[Any, Any, Any]) -> None:
        done = threading.Event()
        beating = threading.Thread(target=self._beat, args=(job_id, done), name="retrain-beat", daemon=True)
        beating.start()
        try:
            model = self._train_and_store(bank, author, *trainer)
        except Exception as exc:  # the job reports it; the model in use stays
            log.exception("retrain job %s failed", job_id)
            done.set()
            with store(self.db, write=True) as s:
                ClassifierModelRepository(s.session).finish_job(job_id, error=f"{type(exc).__name__}: {exc}")
            return
        done.set()
        with store(self.db, write=True) as s:
            ClassifierModelRepository(s.session).finish_job(job_id, model_id=model.id)

    def _beat(self, job_id: int, done: threading.Event) -> None:
        """Every HEARTBEAT_SECONDS until ``done``: the job's worker is alive."""
        while not done.is_set():
            try:
                with store(self.db, write=True) as s:
                    ClassifierModelRepository(s.session).beat(job_id)
            except Exception:  # a database outage: the job goes on; a long one makes it look lost
                log.warning("retrain job %s: heartbeat not written", job_id, exc_info=True)
            done.wait(HEARTBEAT_SECONDS)

    def job(self, job_id: int) -> RetrainJobView:
        with store(self.db) as s:
            found = ClassifierModelRepository(s.session).job(job_id)
            if found is None:
                raise JobNotFound(f"no retrain job {job_id}")
            return _job_view(found)

    def running(self) -> RetrainJobView | None:
        with store(self.db) as s:
            found = ClassifierModelRepository(s.session).running_job()
            return _job_view(found) if found is not None and not _stale(found) else None

    # --- the stored models and rollback ---------------------------------------------------------

    def listing(self) -> list[ModelVersionView]:
        """The stored models, newest (the one in use) first."""
        with store(self.db) as s:
            rows = ClassifierModelRepository(s.session).listing()
        return [ModelVersionView(*row) for row in rows]

    def rollback(self, model_id: int, *, role: str, author: str) -> ModelVersionView:
        """Store model ``model_id`` again as the newest (0: the model shipped with the bank):
        every worker switches back to it."""
        if role not in TRAINER_ROLES:
            raise NotATrainer("only trainers and admins roll the model back")
        with store(self.db, write=True) as s:
            repository = ClassifierModelRepository(s.session)
            if model_id == SHIPPED:
                files = self.bank_dir / "model"
                meta = (files / META).read_text(encoding="utf-8")
                info = json.loads(meta).get("info", {})
                bank_version, source_hash = (
                    str(info.get("bank_version", "")),
                    str(info.get("source_hash", "")),
                )
                lines, arrays = int(info.get("lines", 0)), (files / ARRAYS).read_bytes()
            else:
                old = repository.get(model_id)
                if old is None:
                    raise ModelNotFound(f"no model {model_id}")
                bank_version, source_hash, lines = old.bank_version, old.source_hash, old.lines
                meta, arrays = old.meta, old.arrays
            row = repository.add(
                bank_version=bank_version,
                source_hash=source_hash,
                lines=lines,
                author=author,
                meta=meta,
                arrays=arrays,
            )
            view = _view(row)
        self.refresh(force=True)
        return view


def _trainer() -> tuple[Any, Any, Any]:
    try:
        from bot.classifier.training import Row, train, training_rows
    except ImportError as exc:  # scikit-learn is the "train" extra
        raise TrainingUnavailable(str(exc)) from None
    return train, training_rows, Row


def _in_thread(job: Callable[[], None]) -> None:
    threading.Thread(target=job, name="retrain", daemon=True).start()


def _stale(job: RetrainJob) -> bool:
    """A running job silent for STALE_JOB_SECONDS (its last heartbeat, else its start)."""
    last = job.heartbeat_at or job.started_at
    last = last if last.tzinfo else last.replace(tzinfo=UTC)
    return job.status == "running" and (datetime.now(UTC) - last).total_seconds() > STALE_JOB_SECONDS


def _job_view(job: RetrainJob) -> RetrainJobView:
    """The job as the page shows it: a lost one (its worker gone) reads as failed at once; the
    next retrain request frees its slot."""
    lost = _stale(job)
    return RetrainJobView(
        job.id,
        "failed" if lost else job.status,
        job.author,
        job.bank_version,
        job.started_at,
        job.finished_at,
        job.model_id,
        LOST_JOB_ERROR if lost else job.error,
    )


_shipped: dict[Path, Any] = {}


def _build_classifier(bank: Any, meta: str | None, arrays: bytes | None) -> Any:
    """The classifier of ``bank`` with the stored model, or the model shipped with the bank
    when none is stored."""
    from bot.classifier import Classifier, default_bank, default_classifier
    from bot.classifier.model import MODEL_DIR, TechniqueModel

    if meta is None or arrays is None:
        if bank is default_bank():
            return default_classifier()
        folder = bank.directory / MODEL_DIR
        if folder not in _shipped:
            _shipped[folder] = TechniqueModel.load(folder)
        return Classifier(bank, _shipped[folder])
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / META).write_text(meta, encoding="utf-8")
        (Path(folder) / ARRAYS).write_bytes(arrays)
        model = TechniqueModel.load(Path(folder))
    return Classifier(bank, model)


def _view(row: Any) -> ModelVersionView:
    return ModelVersionView(row.id, row.bank_version, row.source_hash, row.lines, row.author, row.created_at)


__all__ = [
    "BankVersionMismatch",
    "JobNotFound",
    "ModelNotFound",
    "ModelVersionView",
    "ModelVersions",
    "RetrainJobView",
    "TrainingUnavailable",
]
