"""Which database a benchmark runs on: a SQLite file in its folder (the default), or, with
``--db postgresql://user@host:port/postgres``, a database of its own on that server, made
for the run and dropped after it (``bash .ci/postgres start`` prints such a URL)."""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.store.db import is_server
from bot.store.postgres import create_database, drop_database


def add_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", metavar="URL", help="a PostgreSQL server to run on (default: a SQLite file)"
    )


@asynccontextmanager
async def database(args: argparse.Namespace, folder: Path) -> AsyncIterator[str]:
    """What ``Database.open`` and ``KABOT_DB`` take for this run: a path, or a URL."""
    if not args.db:
        yield str(folder / "kabot.db")
        return
    name = f"kabot_bench_{os.getpid()}"
    url = await create_database(args.db, name)
    try:
        yield url
    finally:
        await drop_database(args.db, name)


def name(target: str) -> str:
    return "PostgreSQL" if is_server(target) else "SQLite"
