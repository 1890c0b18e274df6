"""``FeedbackService``: reps flag a judgement of the classifier as wrong, trainers review the flags.

A rep flags one of their own lines (optionally naming the right technique); the flag keeps the
line, the customer's previous line (the classifier's context), what was predicted and how sure
the model is of it now. A trainer accepts it with a label or rejects it; the accepted lines are
written into the question bank's data as ``feedback_<lang>.jsonl``, which ``coach bank train``
reads like every other part (docs/classifier.md, "The feedback loop").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from bot.engine.results import NotYourSession, RehearsalError, SessionNotFound
from bot.engine.runtime import Classify, default_classify
from bot.storage import Database, JudgementFlag, Store, store
from bot.storage.models import utcnow
from bot.vocab import Lang, Technique

from .coaching import utc

FEEDBACK_PART = "feedback"  # the data part the accepted lines go to: data/feedback_<lang>.jsonl
TECHNIQUES: tuple[str, ...] = tuple(t.value for t in Technique)


class NotARepLine(RehearsalError):
    """The turn does not exist or is not the rep's: only a rep's own lines are judged."""

    code = "not_a_rep_line"


class UnknownTechnique(RehearsalError):
    code = "unknown_technique"


class FlagNotFound(RehearsalError):
    code = "flag_not_found"


@dataclass(frozen=True)
class FlagView:
    """One flag in the review queue."""

    id: int
    user_id: int
    session_id: str
    seq: int
    text: str
    language: str
    context: str
    predicted: list[str]
    confidence: float | None
    suggested: str | None
    channel: str
    created_at: datetime
    status: str
    reviewer: str | None = None
    reviewed_at: datetime | None = None
    label: str | None = None


class FeedbackAPI(Protocol):
    """What channels and the CLI call. Every call is one transaction."""

    def flag(
        self, user_id: int, session_id: str, seq: int, suggested: str | None, channel: str
    ) -> FlagView: ...

    def pending(self) -> list[FlagView]: ...

    def accept(self, flag_id: int, label: str | None, reviewer: str) -> FlagView: ...

    def reject(self, flag_id: int, reviewer: str) -> FlagView: ...

    def export_accepted(self, bank_dir: Path) -> dict[str, int]: ...


def _technique(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    if value not in TECHNIQUES:
        raise UnknownTechnique(f"no technique {value!r}")
    return value


def _view(flag: JudgementFlag) -> FlagView:
    return FlagView(
        id=flag.id,
        user_id=flag.user_id,
        session_id=flag.session_id,
        seq=flag.seq,
        text=flag.text,
        language=flag.language,
        context=flag.context,
        predicted=[str(t) for t in flag.predicted or []],
        confidence=flag.confidence,
        suggested=flag.suggested,
        channel=flag.channel,
        created_at=utc(flag.created_at) or flag.created_at,
        status=flag.status,
        reviewer=flag.reviewer,
        reviewed_at=utc(flag.reviewed_at),
        label=flag.label,
    )


class FeedbackService:
    """Implements ``FeedbackAPI`` over ``bot.storage``."""

    def __init__(self, db: Database, *, classify: Classify | None = None) -> None:
        self.db = db
        self._classify = classify

    @property
    def classify(self) -> Classify:
        if self._classify is None:
            self._classify = default_classify()
        return self._classify

    def flag(self, user_id: int, session_id: str, seq: int, suggested: str | None, channel: str) -> FlagView:
        """Queue the rep's line ``seq`` of ``session_id`` for review; a repeat updates the suggestion
        (and puts a reviewed flag back in the queue: the rep has said something new)."""
        with store(self.db, write=True) as s:
            return self.flag_in(s, user_id, session_id, seq, suggested, channel)

    def flag_in(
        self, s: Store, user_id: int, session_id: str, seq: int, suggested: str | None, channel: str
    ) -> FlagView:
        """``flag`` inside the caller's transaction ``s`` (a Telegram press: claim, flag and
        answer together)."""
        suggested = _technique(suggested)
        rehearsal = s.sessions.get(session_id)
        if rehearsal is None:
            raise SessionNotFound(f"no session {session_id}")
        if rehearsal.user_id != user_id:
            raise NotYourSession(f"session {session_id} belongs to another user")
        turns = s.turns.for_session(session_id)
        line = next((t for t in turns if t.seq == seq), None)
        if line is None or line.speaker != "rep":
            raise NotARepLine(f"turn {seq} of session {session_id} is not a rep line")
        previous = next((t.text for t in reversed(turns) if t.seq < seq and t.speaker == "customer"), "")
        # Turns keep the labels, not the probability: the model gives it again (the same
        # model unless it was retrained since), and the line's language as detected.
        judged = self.classify(line.text, "auto", {"previous": previous})
        lang = getattr(judged, "lang", line.language)  # a test's classifier may not say
        confidence = getattr(judged, "confidence", None)
        flag = s.flags.put(
            JudgementFlag(
                user_id=user_id,
                session_id=session_id,
                seq=seq,
                text=line.text,
                language=lang if lang in (Lang.ZH, Lang.EN) else line.language,
                context=previous,
                predicted=[str(t) for t in line.techniques or []],
                confidence=None if confidence is None else float(confidence),
                suggested=suggested,
                channel=channel,
                created_at=utcnow(),
                status="pending",
            )
        )
        return _view(flag)

    def pending(self) -> list[FlagView]:
        with store(self.db) as s:
            return [_view(f) for f in s.flags.with_status("pending")]

    def accepted(self) -> list[FlagView]:
        with store(self.db) as s:
            return [_view(f) for f in s.flags.with_status("accepted")]

    def accept(self, flag_id: int, label: str | None, reviewer: str) -> FlagView:
        """Accept the flag with ``label`` (default: the rep's suggestion)."""
        with store(self.db, write=True) as s:
            flag = self._get(s, flag_id)
            final = _technique(label) or flag.suggested
            if final is None:
                raise UnknownTechnique(f"flag {flag_id} has no suggestion: give the label")
            return self._review(flag, "accepted", reviewer, final)

    def reject(self, flag_id: int, reviewer: str) -> FlagView:
        with store(self.db, write=True) as s:
            return self._review(self._get(s, flag_id), "rejected", reviewer, None)

    def export_accepted(self, bank_dir: Path) -> dict[str, int]:
        """Write every accepted line to ``<bank>/data/feedback_<lang>.jsonl`` (the whole set each
        time, oldest flag first, so the same reviews give the same bytes); a language with none
        has no file. Returns the lines written per file name."""
        rows: dict[str, list[str]] = {lang.value: [] for lang in Lang}
        for flag in self.accepted():
            item = {"text": flag.text, "lang": flag.language, "label": flag.label}
            if flag.context:
                item["context"] = flag.context
            rows.setdefault(flag.language, []).append(json.dumps(item, ensure_ascii=False))
        written: dict[str, int] = {}
        for lang, lines in rows.items():
            path = bank_dir / "data" / f"{FEEDBACK_PART}_{lang}.jsonl"
            if lines:
                path.write_text("\n".join(lines) + "\n", encoding="utf-8")
                written[path.name] = len(lines)
            else:
                path.unlink(missing_ok=True)
        return written

    @staticmethod
    def _get(s: Store, flag_id: int) -> JudgementFlag:
        flag = s.flags.get(flag_id, for_update=True)
        if flag is None:
            raise FlagNotFound(f"no flag {flag_id}")
        return flag

    @staticmethod
    def _review(flag: JudgementFlag, status: str, reviewer: str, label: str | None) -> FlagView:
        flag.status, flag.reviewer, flag.reviewed_at, flag.label = status, reviewer, utcnow(), label
        return _view(flag)
