"""A web line (``send``: Core statements) stores exactly what a line into the active visit
(``send_to_active``: the ORM unit of work) stores: the same turns, session columns and state,
and the same stored answer, down to the line that ends the visit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.config import PROJECT_ROOT, Settings
from bot.engine.library import ScenarioLibrary
from bot.services import RehearsalService
from bot.storage import Database, ProcessedMessage, RehearsalSession, Turn, store

SCENARIO = "precision-parts-returns"
LINES = [  # the greeting, two questions that bring facts out, then pitches until he walks out
    "王总您好，我是李明，老周介绍我过来的，谢谢您抽时间。",
    "看您有点疲惫，是刚从主机厂那边回来吗？最近他们的要求是不是又变了？",
    "退货为什么会翻倍呢？",
    "王总，我们公司的质量监控系统是行业第一，能把不良率降低百分之五十。",
    "我们的系统已经在三百多家工厂上线了，价格也有优惠。",
    "我们现在签约还能打八折，您看什么时候能定下来？",
    "我们的系统真的是最好的，您一定要试试。",
]


def stored(db: Database, session_id: str) -> dict[str, Any]:
    with store(db) as s:
        row = s.session.get(RehearsalSession, session_id)
        assert row is not None
        turns = s.session.scalars(select(Turn).where(Turn.session_id == session_id).order_by(Turn.seq)).all()
        answers = s.session.scalars(
            select(ProcessedMessage)
            .where(ProcessedMessage.session_id == session_id)
            .order_by(ProcessedMessage.id)
        ).all()
        return {
            "session": [
                row.status,
                row.stage,
                row.step,
                row.trust,
                row.state,
                row.next_seq,
                row.scorecard,
                row.score,
            ],
            "ended": row.ended_at is not None,
            "turns": [
                (t.seq, t.speaker, t.text, t.language, t.techniques, t.stage, t.step, t.trust, t.revealed)
                for t in turns
            ],
            "answers": [{**a.response, "session_id": None} for a in answers if a.response],
        }


def test_a_web_line_stores_what_a_line_into_the_active_visit_stores(db: Database) -> None:
    library = ScenarioLibrary.from_directory(PROJECT_ROOT / "dialogues")
    rehearsals = RehearsalService(db, library, Settings(max_message_chars=300))
    with store(db, write=True) as s:
        web_rep, other_rep = (s.users.create(name).id for name in ("web", "other"))
    web = rehearsals.start(web_rep, SCENARIO, language="zh", mode="practice", channel="web", seed=5)
    other = rehearsals.start(other_rep, SCENARIO, language="zh", mode="practice", channel="web", seed=5)
    statuses = []
    for n, line in enumerate(LINES):
        if statuses and statuses[-1] != "active":
            break
        by_web = rehearsals.send(web.session_id, line, user_id=web_rep, channel="web", message_id=f"w{n}")
        by_active = rehearsals.send_to_active(other_rep, line, channel="web", message_id=f"a{n}").result
        assert by_active is not None
        assert {**by_web.to_dict(), "session_id": None} == {**by_active.to_dict(), "session_id": None}
        statuses.append(by_web.status)
    assert statuses[-1] != "active", statuses  # the last line ended the visit (the ORM path's end)
    assert statuses.count("active") >= 3
    assert any(turn[8] for turn in stored(db, web.session_id)["turns"])  # facts came out
    assert stored(db, web.session_id) == stored(db, other.session_id)
    assert len(stored(db, web.session_id)["answers"]) == len(statuses)
