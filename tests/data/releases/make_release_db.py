"""Make the database a previous release leaves behind, for the upgrade-in-place tests.

Run from a checkout of that release (its own code, its own migrations), e.g.:

    git worktree add /tmp/rel <commit> && cd /tmp/rel && python3 -m venv .venv && \
        .venv/bin/pip install -e '.[test]' && \
        .venv/bin/python tests/data/releases/make_release_db.py OUT.sqlite3

It drives the release's own HTTP API (web sessions: ended, walked out, active), its terminal
channel, and writes a coaching note and a Telegram link, so the file holds every kind of row that
release stored, in the JSON shapes it wrote them.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "channels" / "web"))
from web_support import add_user, make_settings

from bot.channels.web import create_app
from bot.storage import store

SKILLED_ZH = [
    "王总您好，我是做质量分析系统的小李，谢谢您抽时间见我。",
    "咱们厂现在主要给哪些整车厂供货？",
    "最近生产上有什么让您操心的事情吗？",
    "退货主要是在哪个环节发现的？",
    "为什么会一直到终检才发现？",
    "除了这个，还有别的原因吗？",
    "如果到年底退货还降不下来，会怎么样？",
]
SKILLED_EN = [
    "Good morning, thanks for making time to see me.",
    "Which carmakers do you mainly supply at the moment?",
    "What has been keeping you busy on the production side lately?",
    "Why do the returns only show up at final inspection?",
]
PITCH_ZH = ["您好，我们的系统是业内最好的，价格也最便宜，您买吧！"] * 4


async def _visit(
    http: httpx.AsyncClient, scenario: str, lang: str, mode: str, lines: list[str], end: bool
) -> str:
    started = (
        await http.post("/api/sessions", json={"scenario_id": scenario, "language": lang, "mode": mode})
    ).json()
    session_id = started["session"]["id"] if "session" in started else started["session_id"]
    for n, line in enumerate(lines):
        reply = await http.post(
            f"/api/sessions/{session_id}/messages",
            json={"text": line, "client_message_id": f"{session_id}-{n}"},
        )
        if reply.json().get("ended"):
            return session_id
    if end:
        await http.post(f"/api/sessions/{session_id}/end")
    return session_id


async def main(out: Path) -> None:
    url = f"sqlite:///{out}"
    settings = make_settings(url)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        db = app.state.db
        rep_id = add_user(db, "oldrep", "old-release-pw-1", team="华东", display_name="老版本销售 Old Rep")
        add_user(
            db,
            "oldmanager",
            "old-release-pw-2",
            role="manager",
            team="华东",
            display_name="老经理 Old Manager",
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            await http.post("/api/auth/login", json={"login": "oldrep", "password": "old-release-pw-1"})
            ended = await _visit(http, "precision-parts-returns", "zh", "practice", SKILLED_ZH, end=True)
            await _visit(http, "clinic-chain-data-breach", "zh", "exam", PITCH_ZH, end=False)
            await _visit(http, "precision-parts-returns", "en", "practice", SKILLED_EN, end=False)
        with store(db, write=True) as s:
            rep = s.users.get(rep_id)
            manager = s.users.by_login("oldmanager")
            assert rep is not None and manager is not None
            s.notes.add(
                author=manager, rep=rep, text="上次的为什么问得很好，下次多问问后果。", session_id=ended
            )
            s.users.link_telegram(777001, rep, chat_id=777001)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "rehearse",
            "retail-store-growth",
            "--json",
            "--seed",
            "3",
            "--rep",
            "oldrep",
            "--database-url",
            url,
        ],
        input="您好，打扰了。\n最近门店扩张进展怎么样？\n/end\n",
        text=True,
        check=True,
        capture_output=True,
    )


if __name__ == "__main__":
    target = Path(sys.argv[1]).resolve()
    target.unlink(missing_ok=True)
    asyncio.run(main(target))
    print(target)
