"""What the benchmark scripts share: a free port, and a throwaway PostgreSQL schema.

Imported as a sibling module (``from support import ...``: a script's own folder is first on
``sys.path``); it imports nothing of ``bot``, so a script measuring another checkout's code
(``telegram_cpu.py CHECKOUT``) does not load this one's.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote


def free_port() -> int:
    """A TCP port of 127.0.0.1 nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def postgres_schema(url: str, prefix: str = "bench") -> Iterator[str]:
    """``url`` (a PostgreSQL server) with a fresh schema first on its search path; the schema is
    dropped afterwards. A plain ``postgresql://`` URL is given the psycopg 3 driver."""
    from sqlalchemy import create_engine, text

    for plain in ("postgres://", "postgresql://"):
        if url.startswith(plain):
            url = "postgresql+psycopg://" + url[len(plain) :]
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        separator = "&" if "?" in url else "?"
        yield f"{url}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
