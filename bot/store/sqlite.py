"""The embedded engine: one SQLite file in WAL mode, its statements run on aiosqlite's thread —
or on the event loop's own, when they are known to be quick.

A trip is one hop to that thread and back, however many statements it carries (the queued
writes, the statement asked, the COMMIT); a hop costs ~70 µs of CPU here, a keyed statement
on a file in the page cache ~7 µs, and an update makes eight trips. So a trip whose every
statement ran in under a millisecond each time it was seen runs where it is asked, while the
loop waits. The loop is never held long for it: an inline read still running after 10 ms is
stopped (SQLite's progress handler) and run again on the thread, any statement ever slower
goes to the thread from then on, as do bulk writes, and inline trips in a row give the loop
back after 4 ms. BEGIN IMMEDIATE runs inline too, and when another process (``jobs run-due``,
an import) holds the write lock, kabot waits for it by sleeping, not in SQLite's busy handler,
so no thread and no loop is held while it waits. The schema's version is SQLite's
``PRAGMA user_version``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store import backup
from bot.store.db import Database, Queued, Statement, StoreUnavailable, migrations, split_sql

_LOGGER = logging.getLogger(__name__)

QUICK = 0.001  # a trip's statements this fast, each time seen, may run on the loop's thread
GUARD = 0.010  # an inline read still running after this is stopped and run on the thread
HOLD = 0.004  # inline trips in a row hold the loop at most this long
INLINE_WRITES = 16  # more queued writes than this make a bulk trip: on the thread
KNOWN = 10_000  # statements remembered as quick (kabot's own are a few hundred)
BUSY_SECONDS = 5.0  # how long a write waits for another process's write lock
_BUSY_PAUSES = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1)


class SqliteDatabase(Database):
    engine = "sqlite"
    _integrity = sqlite3.IntegrityError

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        super().__init__(str(path))
        self._conn = conn
        self._path = path
        # Trips that went to the thread (``bench/`` counts them per update).
        self.hops = 0
        self._quick: set[str] = set()
        self._slow: set[str] = set()
        self._held = 0.0  # seconds inline since the loop last had its turn
        # The last trip sent to the thread: one whose caller was cancelled still runs there,
        # and nothing may touch the connection from the loop's thread beside it (see trace).
        self._on_thread: asyncio.Future[Any] | None = None

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
        # Used from the loop's thread too (quick trips), one trip at a time (Database's lock).
        conn = await aiosqlite.connect(path, isolation_level=None, check_same_thread=False)
        try:
            conn.row_factory = aiosqlite.Row
            # WAL + NORMAL: ~9,000 committed writes/s here and safe against process crashes.
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            # A lock held by another process is waited for by _busy_waits, asleep.
            await conn.execute("PRAGMA busy_timeout=0")
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
        await self._thread_idle()
        await self._conn.close()

    async def trace(self, statement: Callable[[str], None] | None) -> None:
        # On the loop's thread, with none on SQLite's: a call holding the interpreter's lock
        # while a statement runs on the other thread and wants it (a trace, a progress
        # handler) would wait for the connection's mutex for ever.
        await self._thread_idle()
        self._conn._conn.set_trace_callback(statement)

    async def _trip_work(
        self, begin: bool, queued: list[Queued], statement: Statement | None, commit: bool
    ) -> tuple[Any, list[int]]:
        await self._thread_idle()
        if begin:
            await _busy_waits(self._begin)
        return await self._trip_where_best(queued, statement, commit)

    async def _begin(self) -> None:
        self._conn._conn.execute("BEGIN IMMEDIATE")

    async def _alone(self, statement: Statement, *, flush: bool = True) -> Any:
        del flush  # WAL with synchronous=NORMAL: no commit waits for the disk
        await self._thread_idle()

        # A statement alone is its own transaction: one refused a lock did nothing yet.
        async def attempt() -> Any:
            return (await self._trip_where_best([], statement, False))[0]

        return await _busy_waits(attempt)

    async def _trip_where_best(
        self, queued: list[Queued], statement: Statement | None, commit: bool
    ) -> tuple[Any, list[int]]:
        """The trip on the loop's thread if it is known quick, else on aiosqlite's."""
        texts = [sql for sql, _, _ in queued]
        if statement is not None:
            texts.append(statement[1])
        conn = self._conn._conn
        if self._may_inline(queued, statement, texts):
            if self._held == 0.0:
                asyncio.get_running_loop().call_soon(self._loop_had_its_turn)
            started = time.perf_counter()
            try:
                done = _trip(conn, queued, statement, commit, guard=started + GUARD)
            except _Stopped as stopped:
                # The read took too long: it goes to the thread, now and from now on.
                self._slow.add(texts[-1])
                self._quick.discard(texts[-1])
                self._held += time.perf_counter() - started
                result, _, _ = await self._hop([], statement, commit)
                return result, stopped.row_ids
            spent = time.perf_counter() - started
            self._held += spent
            self._learn(texts, done[2], inline=True)
            return done[0], done[1]
        result, row_ids, spent = await self._hop(queued, statement, commit)
        self._learn(texts, spent, inline=False)
        return result, row_ids

    async def _hop(
        self, queued: list[Queued], statement: Statement | None, commit: bool
    ) -> tuple[Any, list[int], float]:
        """The trip on aiosqlite's thread; it runs to its end there even if its caller is
        cancelled (its outcome is then the transaction left open that the next one rolls
        back), and the next trip waits for that end."""
        self.hops += 1
        work = asyncio.ensure_future(
            self._conn._execute(_trip, self._conn._conn, queued, statement, commit, guard=None)
        )
        work.add_done_callback(_outcome_seen)
        self._on_thread = work
        done: tuple[Any, list[int], float] = await asyncio.shield(work)
        return done

    async def _thread_idle(self) -> None:
        if self._on_thread is not None and not self._on_thread.done():
            await asyncio.wait([self._on_thread])

    def _may_inline(
        self, queued: list[Queued], statement: Statement | None, texts: list[str]
    ) -> bool:
        if len(queued) > INLINE_WRITES or (statement is not None and statement[0] == "many"):
            return False
        quick = self._quick
        return self._held < HOLD and all(sql in quick for sql in texts)

    def _loop_had_its_turn(self) -> None:
        self._held = 0.0

    def _learn(self, texts: list[str], spent: float, *, inline: bool) -> None:
        """What a trip's time says of its statements: quick, or (timed on the loop's thread,
        where no wait for the interpreter's lock is in the figure) slow for good."""
        if spent < QUICK:
            if len(self._quick) < KNOWN:
                self._quick.update(sql for sql in texts if sql not in self._slow)
        elif inline and spent >= GUARD:
            self._slow.update(texts)
            self._quick.difference_update(texts)

    def _left_open(self) -> bool:
        return self._conn.in_transaction

    async def _abort(self) -> None:
        await self._thread_idle()
        if self._conn.in_transaction:
            try:
                self._conn._conn.execute("ROLLBACK")
            except sqlite3.Error:
                _LOGGER.warning("ROLLBACK failed", exc_info=True)

    async def schema_version(self) -> int:
        row = await self.fetch_one("PRAGMA user_version")
        return int(row[0]) if row else 0

    def _migration(self, sql: str, version: int) -> list[str]:
        return [*split_sql(sql), f"PRAGMA user_version={version}"]


class _Stopped(Exception):
    """An inline read ran past its guard and was stopped; the queued writes before it ran."""

    def __init__(self, row_ids: list[int]) -> None:
        super().__init__()
        self.row_ids = row_ids


def _trip(
    conn: sqlite3.Connection,
    queued: list[Queued],
    statement: Statement | None,
    commit: bool,
    *,
    guard: float | None,
) -> tuple[Any, list[int], float]:
    """On aiosqlite's thread (``guard`` None), or the loop's: the queued writes, the
    statement, the COMMIT; and how long the statements took (the COMMIT's checkpoints are
    not theirs). With a ``guard``, a read still running at that moment is stopped
    (:class:`_Stopped`); a write is never stopped, as SQLite would roll its transaction back."""
    started = time.perf_counter()
    row_ids = []
    for sql, params, then in queued:
        cursor = conn.execute(sql, params)
        row_ids.append(int(cursor.fetchone()[0]) if then is not None else 0)
        cursor.close()
    result = None
    if statement is not None:
        if guard is not None and statement[0] in ("one", "all") and _reads(statement[1]):
            conn.set_progress_handler(functools.partial(_past, guard), 1000)
            try:
                result = _run(conn, statement)
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode != sqlite3.SQLITE_INTERRUPT:
                    raise
                raise _Stopped(row_ids) from exc
            finally:
                conn.set_progress_handler(None, 1000)
        else:
            result = _run(conn, statement)
    spent = time.perf_counter() - started
    if commit:
        conn.execute("COMMIT")
    return result, row_ids, spent


def _outcome_seen(work: asyncio.Future[Any]) -> None:
    """A trip whose caller was cancelled: its error is the transaction's, rolled back later."""
    if not work.cancelled():
        work.exception()


def _reads(sql: str) -> bool:
    return sql.lstrip()[:6].upper() == "SELECT"


def _past(moment: float) -> int:
    """SQLite's progress handler: non-zero stops the statement."""
    return int(time.perf_counter() > moment)


def _busy(exc: sqlite3.OperationalError) -> bool:
    return exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY


async def _busy_waits(attempt: Callable[[], Awaitable[Any]]) -> Any:
    """``attempt()`` — one that does nothing when refused a lock — tried again, asleep,
    while another process holds the write lock, for up to BUSY_SECONDS."""
    waited, tries = 0.0, 0
    while True:
        try:
            return await attempt()
        except sqlite3.OperationalError as exc:
            if not _busy(exc) or waited >= BUSY_SECONDS:
                raise
        pause = _BUSY_PAUSES[min(tries, len(_BUSY_PAUSES) - 1)]
        tries += 1
        waited += pause
        await asyncio.sleep(pause)


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
