"""What ``run_bot.py status`` reads of a database, next to a running kabot and changing
nothing: a read-only connection to the file, or a plain one to the server (no setup, no
migration — a status next to an older kabot reads its schema as it is)."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

from bot.store.postgres import connection

# The schema's version, then each figure by name, then the bot's own facts.
Reading = tuple[int, dict[str, Any], dict[str, str]]

_READS = {
    "last_update": "SELECT MAX(received_at) FROM inbox",
    "outbox_depth": "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')",
    "outbox_oldest": "SELECT MIN(created_at) FROM outbox WHERE status IN ('pending', 'sending')",
    "waiting_for_start": "SELECT COUNT(DISTINCT chat_id) FROM outbox WHERE status = 'waiting'",
    "refused": "SELECT COUNT(DISTINCT chat_id) FROM outbox WHERE status = 'failed'",
    "never_wrote": "SELECT COUNT(*) FROM staff WHERE active = 1 AND first_seen_at IS NULL",
}
_FACTS = "SELECT key, value FROM bot_facts"


def read_file(db: Path) -> Reading:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        schema = int(conn.execute("PRAGMA user_version").fetchone()[0] or 0)
        values = {k: conn.execute(sql).fetchone()[0] for k, sql in _READS.items()}
        return schema, values, dict(conn.execute(_FACTS).fetchall())


async def read_server(url: str, zone: str) -> Reading:
    """Moments come back as ISO text in ``zone``, as the file's do."""
    conn = await connection(url, zone)
    try:
        schema = int(await conn.fetchval("SELECT version FROM kabot_schema") or 0)
        values = {k: await conn.fetchval(sql) for k, sql in _READS.items()}
        return schema, values, {r[0]: r[1] for r in await conn.fetch(_FACTS)}
    finally:
        await conn.close()
