"""ASGI entry point: ``uvicorn server:app``."""

from bot.app import create_app

# The process serves this app alone: its startup heap can be frozen (see create_app).
app = create_app(freeze_heap=True)
