"""Which engine the suite runs on: SQLite files (the default) or a PostgreSQL server.

``KABOT_TEST_DB=postgresql://user@host:port/postgres`` runs every test that starts kabot on
that server, each kabot in a database of its own, made from a template migrated once per run
and dropped when the test's kabot closes. Unset, each test has a SQLite file in its tmp_path.
Tests of what only a file has (its backup copy, its permissions, a corrupt file) are marked
``sqlite_only`` and skipped on the server.
"""

from __future__ import annotations

import itertools
import os
from urllib.parse import urlsplit

import asyncpg
import pytest

from bot.store.db import Database
from bot.store.postgres import create_database, drop_database

SERVER = os.environ.get("KABOT_TEST_DB", "").strip() or None
TEMPLATE = "kabot_template"
_PREFIX = "kabot_t_"

sqlite_only = pytest.mark.skipif(SERVER is not None, reason="what only a SQLite file has")

_template_made = False
_NUMBERS = itertools.count(1)


async def database_for() -> str | None:
    """A new database on the server for one kabot of a test, or None (SQLite)."""
    global _template_made
    if SERVER is None:
        return None
    if not _template_made:
        # Leftovers of a run that was killed, and a template of older migrations.
        admin = await asyncpg.connect(SERVER)
        try:
            old = await admin.fetch(
                "SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2",
                _PREFIX + "%",
                TEMPLATE,
            )
        finally:
            await admin.close()
        for (name,) in old:
            await drop_database(SERVER, name)
        made = await Database.open(await create_database(SERVER, TEMPLATE))
        await made.close()
        _template_made = True
    name = f"{_PREFIX}{os.getpid()}_{next(_NUMBERS)}"
    return await create_database(SERVER, name, template=TEMPLATE)


async def drop(database_url: str) -> None:
    assert SERVER is not None
    await drop_database(SERVER, urlsplit(database_url).path.lstrip("/"))
