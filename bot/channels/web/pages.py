"""The pages, their static assets and their text catalogue, served by the app itself (no CDN)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from bot.config import Settings
from bot.i18n import catalogue_json, lookup, translate
from bot.vocab import Lang

from .manager_schemas import NOTE_MAX_CHARS

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATES_DIR = WEB_DIR / "templates"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
router = APIRouter(include_in_schema=False)


def _asset_version() -> str:
    """A short hash of the static files and the catalogues: part of asset URLs, so a new release
    is never cached stale."""
    digest = hashlib.sha256()
    for lang in Lang:
        digest.update(catalogue_json(lang).encode())
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


ASSET_VERSION = _asset_version()


@router.get("/i18n/{lang}.json")
async def catalogue(lang: Lang) -> Response:
    """The pages' texts and names in ``lang``, from the catalogue; cacheable (URLs carry the version)."""
    return Response(
        catalogue_json(lang),
        media_type="application/json; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600"},
    )


def _page_texts(lang: str) -> Callable[..., str]:
    """``t(key)`` for a template: the page's first paint, before its script loads the catalogue."""
    return lambda key, **values: translate(key, lang, **values)


def _term(lang: str) -> Callable[[str, str | None], str]:
    """``term(kind, id)`` for a template: the name of a stage, technique, status, ... in ``lang``."""

    def name(kind: str, value: str | None) -> str:
        if not value:
            return ""
        return lookup(kind + "." + value, lang) or value.replace("_", " ")

    return name


def page_context(request: Request, lang: str) -> dict[str, object]:
    """What every server-rendered page needs: its language, texts and the asset version."""
    return {"lang": lang, "t": _page_texts(lang), "term": _term(lang), "version": ASSET_VERSION}


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
            "t": _page_texts(settings.default_lang),
            "version": ASSET_VERSION,
            "max_chars": settings.max_message_chars,
        },
        headers={"Cache-Control": "no-store"},
    )


@router.get("/progress", response_class=HTMLResponse)
async def progress(request: Request) -> HTMLResponse:
    """The rep's progress: score trend, techniques, and what to practise next."""
    settings: Settings = request.app.state.settings
    return templates.TemplateResponse(
        request,
        "progress.html",
        {"lang": settings.default_lang, "t": _page_texts(settings.default_lang), "version": ASSET_VERSION},
        headers={"Cache-Control": "no-store"},
    )


@router.get("/manage", response_class=HTMLResponse)
async def manage(request: Request) -> HTMLResponse:
    """The managers' page: the team's progress, transcripts and coaching notes."""
    settings: Settings = request.app.state.settings
    return templates.TemplateResponse(
        request,
        "manage.html",
        {
            "lang": settings.default_lang,
            "t": _page_texts(settings.default_lang),
            "version": ASSET_VERSION,
            "note_max_chars": NOTE_MAX_CHARS,
        },
        headers={"Cache-Control": "no-store"},
    )


@router.get("/admin", response_class=HTMLResponse)
async def admin(request: Request) -> HTMLResponse:
    """The admins' page: teams and users; its data comes from /api/admin (admins only)."""
    settings: Settings = request.app.state.settings
    context = page_context(request, settings.default_lang)
    return templates.TemplateResponse(request, "admin.html", context, headers={"Cache-Control": "no-store"})


@router.get("/studio", response_class=HTMLResponse)
async def studio(request: Request) -> HTMLResponse:
    """The trainers' studio: scenarios, the editor, tests, preview, publishing and history."""
    settings: Settings = request.app.state.settings
    return templates.TemplateResponse(
        request,
        "studio.html",
        {"lang": settings.default_lang, "t": _page_texts(settings.default_lang), "version": ASSET_VERSION},
        headers={"Cache-Control": "no-store"},
    )


def mount_pages(app: FastAPI) -> None:
    """Add the page routes and ``/static``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")


__all__ = ["mount_pages"]
