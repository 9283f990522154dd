"""The embedded engine: one SQLite file in WAL mode, its statements run on aiosqlite's thread.

A trip is one hop to that thread and back, however many statements it carries (the BEGIN,
the queued writes, the statement asked, the COMMIT). The schema's version is SQLite's
``PRAGMA user_version``.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store import backup
from bot.store.db import Database, Queued, Statement, StoreUnavailable, migrations, split_sql

_LOGGER = logging.getLogger(__name__)


class SqliteDatabase(Database):
    engine = "sqlite"
    _integrity = sqlite3.IntegrityError

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        super().__init__(str(path))
        self._conn = conn
        self._path = path

    @property
    def path(self) -> Path:
        return self._path

    @classmethod
    async def connect(cls, path: Path) -> SqliteDatabase:
        try:
            return await cls._connect(path)
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailable(f"cannot use the database {path}: {exc}") from exc

    @classmethod
    async def _connect(cls, path: Path) -> SqliteDatabase:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            conn.row_factory = aiosqlite.Row
            # WAL + NORMAL: ~9,000 committed writes/s here and safe against process crashes.
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=5000")
            # Customers, reports and fines: readable by kabot's own user only.
            for part in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm"))):
                if part.exists():
                    part.chmod(0o600)
            db = cls(conn, path)
            version, latest = await db.schema_version(), migrations()[-1][0]
            if 0 < version < latest:
                # An upgrade: the data as it was is kept before anything changes it.
                folder = path.with_name(f"{path.stem}-before-v{latest}")
                if not folder.exists():
                    await asyncio.to_thread(backup.make, path, folder, datetime.now().astimezone())
                    _LOGGER.info("Backup before the upgrade: %s", folder)
            await db.migrate()
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        await self._conn.close()

    async def trace(self, statement: Callable[[str], None] | None) -> None:
        # aiosqlite types the argument as a callable; sqlite3 takes None to stop.
        await self._conn.set_trace_callback(statement)  # type: ignore[arg-type]

    async def _trip_work(
        self, begin: bool, queued: list[Queued], statement: Statement | None, commit: bool
    ) -> tuple[Any, list[int]]:
        return await self._conn._execute(_trip, self._conn._conn, begin, queued, statement, commit)

    async def _alone(self, statement: Statement) -> Any:
        return await self._conn._execute(_run, self._conn._conn, statement)

    def _left_open(self) -> bool:
        return self._conn.in_transaction

    async def _abort(self) -> None:
        if self._conn.in_transaction:
            try:
                await self._conn.execute("ROLLBACK")
            except sqlite3.Error:
                _LOGGER.warning("ROLLBACK failed", exc_info=True)

    async def schema_version(self) -> int:
        row = await self.fetch_one("PRAGMA user_version")
        return int(row[0]) if row else 0

    def _migration(self, sql: str, version: int) -> list[str]:
        return [*split_sql(sql), f"PRAGMA user_version={version}"]


def _trip(
    conn: sqlite3.Connection,
    begin: bool,
    queued: list[Queued],
    statement: Statement | None,
    commit: bool,
) -> tuple[Any, list[int]]:
    """On the connection's thread."""
    if begin:
        conn.execute("BEGIN IMMEDIATE")
    row_ids = []
    for sql, params, then in queued:
        cursor = conn.execute(sql, params)
        row_ids.append(int(cursor.fetchone()[0]) if then is not None else 0)
        cursor.close()
    result = None if statement is None else _run(conn, statement)
    if commit:
        conn.execute("COMMIT")
    return result, row_ids


def _run(conn: sqlite3.Connection, statement: Statement) -> Any:
    how, sql, params = statement
    if how == "many":
        conn.executemany(sql, params).close()
        return None
    cursor = conn.execute(sql, params)
    try:
        if how == "one":
            return cursor.fetchone()
        if how == "all":
            return cursor.fetchall()
        if how == "count":
            return cursor.rowcount
        return None
    finally:
        cursor.close()
