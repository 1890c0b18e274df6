"""The chat page and its static assets, served by the app itself (no CDN: works offline)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from bot.config import Settings
from bot.engine.names import all_terms

from .manager_schemas import NOTE_MAX_CHARS

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATES_DIR = WEB_DIR / "templates"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
router = APIRouter(include_in_schema=False)


def terms_script() -> str:
    """The pages' ``TERMS`` table, generated from bot/engine/names.py so every channel says the same."""
    table = {lang: all_terms(lang) for lang in ("zh", "en")}
    return (
        "/* Generated from bot/engine/names.py: names of stages, steps, techniques and statuses. */\n"
        '"use strict";\n'
        f"const TERMS = {json.dumps(table, ensure_ascii=False, indent=1)};\n"
        'const BAD_TECHNIQUES = new Set(["pitch", "private_topic"]);\n'
    )


TERMS_SCRIPT = terms_script()


def _asset_version() -> str:
    """A short hash of the static files: part of asset URLs, so a new release is never cached stale."""
    digest = hashlib.sha256(TERMS_SCRIPT.encode())
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


ASSET_VERSION = _asset_version()


@router.get("/static/terms.js")
async def terms_js() -> Response:
    return Response(
        TERMS_SCRIPT,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.get("/")
async def root() -> RedirectResponse:
    return RedirectResponse("/chat", status_code=307)


@router.get("/chat", response_class=HTMLResponse)
async def chat(request: Request) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    return templates.TemplateResponse(
        request,
        "chat.html",
        {
            "lang": settings.default_lang,
            "version": ASSET_VERSION,
            "max_chars": settings.max_message_chars,
        },
        headers={"Cache-Control": "no-store"},
    )


@router.get("/manage", response_class=HTMLResponse)
async def manage(request: Request) -> HTMLResponse:
    """The managers' page: the team's progress, transcripts and coaching notes."""
    settings: Settings = request.app.state.settings
    return templates.TemplateResponse(
        request,
        "manage.html",
        {"lang": settings.default_lang, "version": ASSET_VERSION, "note_max_chars": NOTE_MAX_CHARS},
        headers={"Cache-Control": "no-store"},
    )


def mount_pages(app: FastAPI) -> None:
    """Add the page routes and ``/static``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")


__all__ = ["mount_pages"]
