"""Which engine the suite runs on: SQLite files (the default) or a PostgreSQL server.

``KABOT_TEST_DB=postgresql://user@host:port/postgres`` runs every test that starts kabot on
that server, each kabot in a database of its own, made from a template migrated once per
run and dropped when the test's kabot closes (the template stays until a later run finds
its run gone). Unset, each test has a SQLite file in its tmp_path. Tests of what only a file
has (its backup copy, its permissions, a corrupt file) are marked ``sqlite_only`` and
skipped on the server.
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
_PREFIX = "kabot_t_"  # kabot_t_<pid>_<n>, and kabot_t_<pid>_template: a run's own

sqlite_only = pytest.mark.skipif(SERVER is not None, reason="what only a SQLite file has")

_template: str | None = None
_NUMBERS = itertools.count(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def database_for() -> str | None:
    """A new database on the server for one kabot of a test, or None (SQLite)."""
    global _template
    if SERVER is None:
        return None
    if _template is None:
        # What runs that were killed left (two runs at once leave each other's alone).
        admin = await asyncpg.connect(SERVER)
        try:
            names = [
                r[0]
                for r in await admin.fetch(
                    "SELECT datname FROM pg_database WHERE datname LIKE $1", _PREFIX + "%"
                )
            ]
        finally:
            await admin.close()
        for name in names:
            pid = name[len(_PREFIX) :].split("_", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                await drop_database(SERVER, name)
        _template = f"{_PREFIX}{os.getpid()}_template"
        await drop_database(SERVER, _template)
        made = await Database.open(await create_database(SERVER, _template))
        await made.close()
    name = f"{_PREFIX}{os.getpid()}_{next(_NUMBERS)}"
    return await create_database(SERVER, name, template=_template)


async def drop(database_url: str) -> None:
    assert SERVER is not None
    await drop_database(SERVER, urlsplit(database_url).path.lstrip("/"))
