"""Technique models retrained from the page (table ``classifier_models``, 0013) and the retrain
jobs that make them (``retrain_jobs``, 0014)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import ClassifierModel, RetrainJob, utcnow

RUNNING = "running"


class ClassifierModelRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(
        self, *, bank_version: str, source_hash: str, lines: int, author: str, meta: str, arrays: bytes
    ) -> ClassifierModel:
        row = ClassifierModel(
            bank_version=bank_version,
            source_hash=source_hash,
            lines=lines,
            author=author,
            meta=meta,
            arrays=arrays,
        )
        self._s.add(row)
        self._s.flush()
        return row

    def latest_id(self) -> int | None:
        """The id of the model in use: the newest (one primary-key lookup)."""
        return self._s.scalar(select(func.max(ClassifierModel.id)))

    def get(self, model_id: int) -> ClassifierModel | None:
        return self._s.get(ClassifierModel, model_id)

    def listing(self, limit: int = 50) -> Sequence[tuple[int, str, str, int, str, datetime]]:
        """The newest models without their files: id, bank version, source hash, lines, author, time."""
        m = ClassifierModel
        rows = self._s.execute(
            select(m.id, m.bank_version, m.source_hash, m.lines, m.author, m.created_at)
            .order_by(m.id.desc())
            .limit(limit)
        ).all()
        return [tuple(row) for row in rows]  # type: ignore[misc]

    # -- retrain jobs ----------------------------------------------------------------------------

    def running_job(self) -> RetrainJob | None:
        return self._s.scalar(select(RetrainJob).where(RetrainJob.slot == 1))

    def job(self, job_id: int) -> RetrainJob | None:
        return self._s.get(RetrainJob, job_id)

    def start_job(self, *, author: str, bank_version: str) -> tuple[RetrainJob, bool]:
        """A new running job, or the one already running (and False): the unique ``slot`` makes
        two requests at once, from any workers, start one job."""
        existing = self.running_job()
        if existing is not None:
            return existing, False
        try:
            with self._s.begin_nested():
                job = RetrainJob(status=RUNNING, slot=1, author=author, bank_version=bank_version)
                self._s.add(job)
        except IntegrityError:
            found = self.running_job()
            if found is None:
                raise
            return found, False
        return job, True

    def beat(self, job_id: int) -> None:
        """The job's worker is alive and training."""
        self._s.execute(update(RetrainJob).where(RetrainJob.id == job_id).values(heartbeat_at=utcnow()))

    def finish_job(self, job_id: int, *, model_id: int | None = None, error: str | None = None) -> None:
        self._s.execute(
            update(RetrainJob)
            .where(RetrainJob.id == job_id)
            .values(
                status="failed" if error is not None else "done",
                slot=None,
                finished_at=utcnow(),
                model_id=model_id,
                error=error[:200] if error is not None else None,
            )
        )
