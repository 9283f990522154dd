"""Which engine the suite runs on: SQLite files (the default) or a PostgreSQL server.

``KABOT_TEST_DB=postgresql://user@host:port/postgres`` runs every test that starts kabot on
that server, each in a database of its own, made from a template migrated once per run and
dropped when the test's kabot closes. Unset, each test has a SQLite file in its tmp_path.
Tests of what only a file has (its backup copy, its permissions, a corrupt file) are marked
``sqlite_only`` and skipped on the server.
"""

from __future__ import annotations

import itertools
import os
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bot.store.db import Database

SERVER = os.environ.get("KABOT_TEST_DB", "").strip() or None
TEMPLATE = "kabot_template"
_PREFIX = "kabot_t_"

sqlite_only = pytest.mark.skipif(SERVER is not None, reason="what only a SQLite file has")

_template_made = False
_NUMBERS = itertools.count(1)


def url(database: str) -> str:
    assert SERVER is not None
    parts = urlsplit(SERVER)
    return urlunsplit(parts._replace(path="/" + database))


async def _admin() -> asyncpg.Connection:
    return await asyncpg.connect(url(urlsplit(SERVER).path.lstrip("/") or "postgres"))


async def database_for() -> str | None:
    """A new database on the server for one kabot of a test, or None (SQLite)."""
    global _template_made
    if SERVER is None:
        return None
    name = f"{_PREFIX}{os.getpid()}_{next(_NUMBERS)}"
    admin = await _admin()
    try:
        if not _template_made:
            # Leftovers of a run that was killed, and a template of older migrations.
            for (old,) in await admin.fetch(
                "SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2",
                _PREFIX + "%",
                TEMPLATE,
            ):
                await admin.execute(f'DROP DATABASE "{old}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{TEMPLATE}"')
            made = await Database.open(url(TEMPLATE))
            await made.close()
            _template_made = True
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    finally:
        await admin.close()
    return url(name)


async def drop(database_url: str) -> None:
    admin = await _admin()
    try:
        name = urlsplit(database_url).path.lstrip("/")
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
