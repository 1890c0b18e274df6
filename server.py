"""ASGI entry point: ``uvicorn server:app``."""

from bot.channels.web import create_app

app = create_app()
