"""A scenario edited without raising its version, over HTTP: the start is refused with 409
``script_changed_without_version`` (the chat shows its own text for it), nothing is stored."""

from __future__ import annotations

from pathlib import Path

import httpx
from web_support import DEMO_LOGIN, DEMO_PASSWORD, add_rep, make_settings, sign_in

from bot.app import create_app
from bot.config import PROJECT_ROOT

EXAMPLE = PROJECT_ROOT / "dialogues" / "precision_parts_returns.yaml"
START = {"scenario_id": "precision-parts-returns", "language": "en", "mode": "practice"}


async def started(dialogues: Path, database_url: str) -> int:
    application = create_app(make_settings(database_url, dialogues_dir=dialogues))
    async with application.router.lifespan_context(application):
        if not any(a.login == DEMO_LOGIN for a in application.state.services.accounts.accounts()):
            add_rep(application.state.db, DEMO_LOGIN, DEMO_PASSWORD)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application), base_url="http://t"
        ) as http:
            await sign_in(http)
            response = await http.post("/api/sessions", json=START)
            if response.status_code != 201:
                assert response.json()["error"]["code"] == "script_changed_without_version"
            return response.status_code


async def test_an_unraised_version_is_refused_with_its_own_code(tmp_path: Path, database_url: str) -> None:
    dialogues = tmp_path / "dialogues"
    dialogues.mkdir()
    file = dialogues / EXAMPLE.name
    file.write_text(EXAMPLE.read_text("utf-8"), "utf-8")
    assert await started(dialogues, database_url) == 201  # the version is now in use
    file.write_text(EXAMPLE.read_text("utf-8").replace("talkative: low", "talkative: high", 1), "utf-8")
    assert await started(dialogues, database_url) == 409
    chat = (PROJECT_ROOT / "bot" / "channels" / "web" / "static" / "chat.js").read_text("utf-8")
    assert '"script_changed_without_version") return t("web.chat.scenarioBeingUpdated")' in chat
