"""Technique models retrained from the page (table ``classifier_models``, 0013)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import ClassifierModel


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
