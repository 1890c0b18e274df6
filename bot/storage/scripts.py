"""Scripts in the database: every published version (full text, author, message), one draft per
script, and the per-kind revision counter workers read to notice a publish."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import ScriptDraft, ScriptRevision, ScriptVersion, utcnow


class ScriptRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def record(
        self,
        *,
        kind: str,
        script_id: str,
        version: str,
        content_hash: str,
        content: str | None = None,
        author: str | None = None,
        message: str | None = None,
    ) -> ScriptVersion:
        """Store a script version once; the same (kind, id, version) returns the stored row.

        Raises ValueError when a version is re-used with different content: versions are immutable.
        """
        existing = self.get(kind, script_id, version)
        if existing is not None:
            if existing.content_hash != content_hash:
                raise ValueError(f"{kind} {script_id!r} version {version!r} changed without a new version")
            return existing
        row = ScriptVersion(
            kind=kind,
            script_id=script_id,
            version=version,
            number=int(version) if version.isdigit() else None,
            content_hash=content_hash,
            content=content,
            author=author,
            message=message,
            active=True,
        )
        self._s.add(row)
        self._s.flush()
        return row

    def versions(self, kind: str, script_id: str) -> Sequence[ScriptVersion]:
        """Every stored version of one script, oldest first."""
        return self._s.scalars(
            select(ScriptVersion)
            .where(ScriptVersion.kind == kind, ScriptVersion.script_id == script_id)
            .order_by(ScriptVersion.created_at, ScriptVersion.id)
        ).all()

    def get(self, kind: str, script_id: str, version: str) -> ScriptVersion | None:
        return self._s.scalar(
            select(ScriptVersion).where(
                ScriptVersion.kind == kind,
                ScriptVersion.script_id == script_id,
                ScriptVersion.version == version,
            )
        )

    def published(self, kind: str) -> dict[str, ScriptVersion]:
        """Each script's published version: the highest number (the newest row when none has one).

        Two small queries whatever the number of versions: the newest of each script, then those rows.
        """
        v = ScriptVersion
        heads = self._s.execute(
            select(v.script_id, func.max(v.number), func.max(v.id))
            .where(v.kind == kind, v.content.is_not(None))
            .group_by(v.script_id)
        ).all()
        if not heads:
            return {}
        numbered = {(script_id, number) for script_id, number, _ in heads if number is not None}
        unnumbered = [newest for _, number, newest in heads if number is None]
        rows = self._s.scalars(
            select(v).where(
                v.kind == kind,
                v.content.is_not(None),
                or_(v.id.in_(unnumbered), tuple_(v.script_id, v.number).in_(numbered)),
            )
        ).all()
        latest: dict[str, ScriptVersion] = {}
        for row in sorted(rows, key=lambda r: r.id):  # a number stored twice: the newest row
            latest[row.script_id] = row
        return latest

    def highest_number(self, kind: str, script_id: str) -> int:
        found = self._s.scalar(
            select(func.max(ScriptVersion.number)).where(
                ScriptVersion.kind == kind, ScriptVersion.script_id == script_id
            )
        )
        return int(found or 0)

    # -- drafts --------------------------------------------------------------------------------

    def draft(self, kind: str, script_id: str) -> ScriptDraft | None:
        return self._s.get(ScriptDraft, (kind, script_id))

    def drafts(self, kind: str) -> dict[str, ScriptDraft]:
        rows = self._s.scalars(select(ScriptDraft).where(ScriptDraft.kind == kind)).all()
        return {row.script_id: row for row in rows}

    def save_draft(
        self, kind: str, script_id: str, content: str, *, author: str, base_version: str | None
    ) -> ScriptDraft:
        draft = self.draft(kind, script_id)
        if draft is None:
            draft = ScriptDraft(kind=kind, script_id=script_id)
            self._s.add(draft)
        draft.content, draft.author, draft.base_version = content, author, base_version
        draft.updated_at = utcnow()
        self._s.flush()
        return draft

    def drop_draft(self, kind: str, script_id: str) -> None:
        draft = self.draft(kind, script_id)
        if draft is not None:
            self._s.delete(draft)
            self._s.flush()

    # -- the revision counter ------------------------------------------------------------------

    def revision(self, kind: str) -> int:
        row = self._s.get(ScriptRevision, kind)
        return row.revision if row is not None else 0

    def lock_revision(self, kind: str) -> None:
        """Hold the kind's counter row until commit: publishes of one kind take turns here, so
        one that checks what is published, or takes the next number, sees every publish committed
        before it (PostgreSQL; SQLite's write transactions take turns already)."""
        query = select(ScriptRevision.kind).where(ScriptRevision.kind == kind).with_for_update()
        if self._s.execute(query).first() is not None:
            return
        try:
            with self._s.begin_nested():  # the first publish of this kind: the row to take turns on
                self._s.add(ScriptRevision(kind=kind, revision=0))
        except IntegrityError:  # another worker created it meanwhile
            pass
        self._s.execute(query)

    def bump_revision(self, kind: str) -> None:
        """Raise the counter in one statement (two workers publishing at once both count)."""
        done = self._s.execute(
            update(ScriptRevision)
            .where(ScriptRevision.kind == kind)
            .values(revision=ScriptRevision.revision + 1)
        )
        if getattr(done, "rowcount", 0):
            return
        try:
            with self._s.begin_nested():
                self._s.add(ScriptRevision(kind=kind, revision=1))
        except IntegrityError:  # another worker created it meanwhile
            self.bump_revision(kind)
