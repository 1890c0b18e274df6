"""The bare baseline ``benchmarks/load.py`` compares the product with: one FastAPI endpoint that
parses the same JSON body as ``POST /api/sessions/{id}/messages`` and inserts one row.

    COACH_BASELINE_DATABASE_URL=sqlite:///var/baseline.sqlite3 uvicorn benchmarks.baseline_app:app

Same server (uvicorn), same framework, same thread pool (a plain ``def`` endpoint), same database
settings (SQLite in WAL with ``synchronous=NORMAL``, or PostgreSQL through psycopg 3 and a pool):
what is left between the two is the product's own work.
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, event

URL = os.environ.get("COACH_BASELINE_DATABASE_URL", "sqlite:///var/baseline.sqlite3")
metadata = MetaData()
lines = Table(
    "baseline_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", String(64)),
    Column("client_message_id", String(64), unique=True),
    Column("text", Text),
)

if URL.startswith("sqlite"):
    engine = create_engine(URL, connect_args={"check_same_thread": False, "timeout": 15})

    @event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

else:
    engine = create_engine(URL, pool_size=10, max_overflow=20)
metadata.create_all(engine, checkfirst=True)


class MessageRequest(BaseModel):
    text: str = Field(min_length=1)
    client_message_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


app = FastAPI()


@app.post("/api/sessions/{session_id}/messages")
def send(session_id: str, body: MessageRequest) -> dict[str, str]:
    with engine.begin() as connection:
        connection.execute(
            lines.insert().values(
                session_id=session_id,
                client_message_id=f"{session_id}:{body.client_message_id}",
                text=body.text,
            )
        )
    return {"session_id": session_id, "status": "active"}


@app.post("/telegram/webhook")
def webhook(update: dict[str, Any]) -> dict[str, bool]:
    """The Telegram counterpart: parse the update, insert one row."""
    message = update.get("message") or {}
    with engine.begin() as connection:
        connection.execute(
            lines.insert().values(
                session_id=str((message.get("chat") or {}).get("id")),
                client_message_id=f"tg:{update.get('update_id')}",
                text=str(message.get("text", "")),
            )
        )
    return {"ok": True}


@app.get("/readyz")
def readyz() -> dict[str, str]:
    return {"status": "ok"}
