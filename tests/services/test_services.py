"""The services' channel-shaped calls over a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from bot.config import PROJECT_ROOT, Settings
from bot.engine.library import ScenarioLibrary
from bot.services import (
    AccountService,
    CoachingService,
    MessageRejected,
    NotAManager,
    RehearsalService,
    RepNotFound,
    is_database_unavailable,
)
from bot.storage import Database, store

SCENARIO = "precision-parts-returns"
GREETING = "王总您好，我是李明，谢谢您抽时间。"
WHY = "退货为什么会翻倍呢？"


@pytest.fixture(scope="module")
def library() -> ScenarioLibrary:
    return ScenarioLibrary.from_directory(PROJECT_ROOT / "dialogues")


@pytest.fixture
def rehearsals(db: Database, library: ScenarioLibrary) -> RehearsalService:
    return RehearsalService(db, library, Settings(max_message_chars=300))


def make_user(db: Database, login: str, *, role: str = "rep", team: str | None = "east") -> int:
    with store(db, write=True) as s:
        team_row = s.users.get_or_create_team(team) if team else None
        return s.users.create(login, login=login, role=role, team=team_row).id


@contextmanager
def counted_selects(db: Database, table: str) -> Iterator[list[str]]:
    """The SELECT statements that read ``table`` meanwhile."""
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and f"FROM {table}" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def test_send_to_active_plays_the_line_in_the_rep_s_open_session(
    db: Database, rehearsals: RehearsalService
) -> None:
    rep = make_user(db, "li")
    assert rehearsals.send_to_active(rep, GREETING, channel="web").session is None
    started = rehearsals.start(rep, SCENARIO, language="zh", mode="practice", channel="web", seed=3)
    played = rehearsals.send_to_active(rep, GREETING, channel="terminal", message_id="m-1")
    assert played.session is not None and played.session.id == started.session_id
    assert played.result is not None and played.result.rep_text == GREETING and not played.duplicate
    again = rehearsals.send_to_active(rep, GREETING, channel="terminal", message_id="m-1")
    assert again.duplicate and again.result is not None and again.result.duplicate
    assert again.result.customer_reply == played.result.customer_reply  # the stored answer, once
    with pytest.raises(MessageRejected):
        rehearsals.send_to_active(rep, "   ", channel="web")


def test_turns_after_reads_only_the_turns_not_seen_yet(db: Database, rehearsals: RehearsalService) -> None:
    rep = make_user(db, "li")
    started = rehearsals.start(rep, SCENARIO, language="zh", mode="practice", channel="web", seed=3)
    rehearsals.send(started.session_id, GREETING, user_id=rep, channel="web")
    whole = rehearsals.session(started.session_id, user_id=rep)
    newer = rehearsals.turns_after(started.session_id, 1, user_id=rep)
    assert [t.seq for t in newer.turns] == [t.seq for t in whole.turns if t.seq > 1] != []
    assert newer.status == whole.status and newer.trust == whole.trust
    assert rehearsals.turns_after(started.session_id, whole.turns[-1].seq).turns == []


def test_session_titles_come_from_one_query(db: Database, rehearsals: RehearsalService) -> None:
    rep = make_user(db, "li")
    ids = []
    for language in ("zh", "en", "zh"):
        started = rehearsals.start(rep, SCENARIO, language=language, mode="exam", channel="web")
        rehearsals.end(started.session_id, user_id=rep, channel="web")
        ids.append(started.session_id)
    with counted_selects(db, "rehearsal_sessions") as selects:
        titles = rehearsals.titles([*ids, "no-such-session"])
    assert len(selects) == 1
    assert set(titles) == set(ids) and titles[ids[0]] == titles[ids[2]] != titles[ids[1]]


def test_every_turn_is_logged_with_its_figures(
    db: Database, rehearsals: RehearsalService, caplog: pytest.LogCaptureFixture
) -> None:
    rep = make_user(db, "li")
    started = rehearsals.start(rep, SCENARIO, language="zh", mode="practice", channel="web", seed=3)
    with caplog.at_level(logging.INFO, logger="bot.turn"):
        first = rehearsals.send(started.session_id, GREETING, user_id=rep, channel="web")
        rehearsals.send_to_active(rep, WHY, channel="telegram")
    records = [r for r in caplog.records if r.name == "bot.turn"]
    assert len(records) == 2
    logged = records[0].__dict__
    assert logged["session"] == started.session_id and logged["channel"] == "web"
    assert logged["technique"] == first.techniques[0]
    assert logged["event"] and isinstance(logged["ms"], float) and logged["ms"] >= 0
    assert logged["trust_change"] == round(first.trust - started.trust, 2)
    assert records[1].__dict__["channel"] == "telegram"


def test_managers_see_their_team_only_and_notes_carry_session_titles(
    db: Database, rehearsals: RehearsalService
) -> None:
    coaching = CoachingService(db, rehearsals)
    rep = make_user(db, "li")
    stranger = make_user(db, "wang", team="west")
    manager = make_user(db, "boss", role="manager")
    started = rehearsals.start(rep, SCENARIO, language="zh", mode="practice", channel="web")
    with pytest.raises(NotAManager):
        coaching.team_progress(rep)
    with pytest.raises(RepNotFound):
        coaching.add_note(manager, stranger, "多问为什么。")
    assert [figures.id for figures in coaching.team_progress(manager)] == [rep]
    note = coaching.add_note(manager, rep, "多问为什么。", session_id=started.session_id)
    assert note.author_name == "boss" and note.session_title == started_title(rehearsals, started.session_id)
    shown = coaching.read_notes(rep)
    assert (shown.total, shown.unread, shown.notes[0].read_at) == (1, 1, None)
    assert coaching.read_notes(rep).unread == 0


def started_title(rehearsals: RehearsalService, session_id: str) -> str:
    return rehearsals.session(session_id).title


def test_link_codes_link_telegram_and_claims_answer_once(db: Database) -> None:
    accounts = AccountService(db)
    rep = make_user(db, "li")
    code = accounts.issue_link_code(rep)
    linked = accounts.telegram_start(1, 5005, 5005, full_name="Li", language="en", code=code)
    assert (linked.kind, linked.name) == ("linked", "li")
    again = accounts.telegram_start(1, 5005, 5005, full_name="Li", language="en", code=code)
    assert again.kind == "duplicate"
    found = accounts.telegram_rep(5005)
    assert found is not None and found.user_id == rep
    assert accounts.claim_telegram_update(2, 5005) == (True, found)
    assert accounts.claim_telegram_update(2, 5005) == (False, None)


def test_database_trouble_is_recognised_through_wrapped_causes() -> None:
    from sqlalchemy.exc import OperationalError

    try:
        try:
            raise OperationalError("SELECT 1", {}, ConnectionError("gone"))
        except OperationalError as exc:
            raise RuntimeError("while handling an update") from exc
    except RuntimeError as wrapped:
        assert is_database_unavailable(wrapped)
    assert not is_database_unavailable(ValueError("a bug"))


def test_a_web_turn_reads_its_visit_and_its_sign_in_in_one_statement(
    db: Database, rehearsals: RehearsalService
) -> None:
    from bot.services import web_sessions

    rep = make_user(db, "li")
    started = rehearsals.start(rep, SCENARIO, language="zh", mode="practice", channel="web", seed=3)
    token = web_sessions.issue(db, rep)
    with (
        counted_selects(db, "rehearsal_sessions") as visit_reads,
        counted_selects(db, "web_sessions") as sign_in_reads,
    ):
        played = rehearsals.send(started.session_id, GREETING, channel="web", message_id="m-1", sign_in=token)
    assert played.customer_reply
    # One SELECT locks the visit and reads the sign-in (a round trip fewer on PostgreSQL).
    assert len(visit_reads) == 1 and sign_in_reads == [] and "web_sessions" in visit_reads[0]
    web_sessions.revoke(db, token)
    with pytest.raises(web_sessions.NotSignedIn):
        rehearsals.send(started.session_id, WHY, channel="web", message_id="m-2", sign_in=token)
    with pytest.raises(web_sessions.NotSignedIn):  # no such visit: the sign-in is still refused first
        rehearsals.send("no-such-visit", WHY, channel="web", message_id="m-3", sign_in=token)
