"""The SQLite connection: WAL, foreign keys, versioned migrations and the transaction owner.

kabot keeps one connection per process, and a lock serialises access to it (SQLite has one
writer anyway). :meth:`Database.transaction` is BEGIN IMMEDIATE … COMMIT, and nested calls
join the transaction already open in the same task, so a repository method can be used alone
or as part of a larger unit of work (a roster import, an update's handling). A statement run
alone is its own transaction, one trip to the connection's thread (see ``_one_statement``).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store import backup

_LOGGER = logging.getLogger(__name__)

Row = aiosqlite.Row
Params = Sequence[Any] | dict[str, Any]


class StoreUnavailable(Exception):
    """The database cannot be opened or written (corrupt, read-only, disk full): the message
    is the one line to show."""


class Database:
    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._lock = asyncio.Lock()
        # Trips to the connection's thread (``bench/`` counts them per update).
        self.trips = 0
        self._current: contextvars.ContextVar[_Transaction | None] = contextvars.ContextVar(
            f"kabot_tx_{id(self)}", default=None
        )

    @classmethod
    async def open(cls, path: Path) -> Database:
        try:
            return await cls._open(path)
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailable(f"cannot use the database {path}: {exc}") from exc

    @classmethod
    async def _open(cls, path: Path) -> Database:
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
            version, latest = await db.user_version(), _migrations()[-1][0]
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
        """Have SQLite call ``statement(sql)`` for each statement it runs (``bench/`` counts
        them); None stops it."""
        # aiosqlite types the argument as a callable; sqlite3 takes None to stop.
        await self._conn.set_trace_callback(statement)  # type: ignore[arg-type]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """BEGIN IMMEDIATE … COMMIT, or join the transaction this task already has open.

        Taking the process's lock is the transaction's start; its BEGIN goes to SQLite with
        its first statement, and its COMMIT with the writes queued last (:meth:`queue`), one
        trip each. A transaction that ran nothing sends nothing."""
        if self._current.get() is not None:
            yield
            return
        open_ = _Transaction()
        async with self._lock:
            token = self._current.set(open_)
            try:
                if self._conn.in_transaction:
                    # A transaction that could not end (a COMMIT refused, a task cancelled
                    # while its BEGIN ran): what it wrote is not kept, and kabot goes on.
                    _LOGGER.warning("A transaction was left open: rolled back")
                    await self._conn.execute("ROLLBACK")
                try:
                    yield
                except BaseException:
                    await self._roll_back()
                    raise
                try:
                    if open_.begun or open_.queued:
                        await self._trip(open_, _commit)
                except BaseException:
                    await self._roll_back()
                    raise
            finally:
                self._current.reset(token)
        for call in open_.after:
            try:
                call()
            except Exception:
                _LOGGER.exception("After a commit: %s failed", call)

    async def _trip(self, open_: _Transaction, work: Callable[[sqlite3.Connection], Any]) -> Any:
        """``work(connection)`` on the connection's thread, inside the open transaction: its
        BEGIN first if none was sent yet, then the writes queued since the last trip."""
        begin, queued = not open_.begun, open_.queued
        open_.begun, open_.queued = True, []
        self.trips += 1
        result, row_ids = await self._conn._execute(
            _in_transaction, self._conn._conn, begin, queued, work
        )
        for (_, _, then), row_id in zip(queued, row_ids, strict=True):
            if then is not None:
                then(row_id)
        return result

    def after_commit(self, call: Callable[[], None]) -> None:
        """``call()`` once the transaction open in this task has committed (never, if it rolls
        back); at once outside a transaction, whose one statement has committed already."""
        open_ = self._current.get()
        if open_ is None:
            call()
        else:
            open_.after.append(call)

    def remember(self, key: tuple[Any, ...], value: Any, tables: tuple[str, ...]) -> None:
        """Keep ``value`` for the rest of the transaction open in this task (nothing outside
        one), until a write in it names one of ``tables``: what a repository read along with
        something else (the person writing, with their draft and the centre) and need not
        read again."""
        open_ = self._current.get()
        if open_ is not None:
            open_.kept[key] = (value, _naming(tables))

    def recall(self, key: tuple[Any, ...]) -> tuple[bool, Any]:
        """(True, value) if :meth:`remember` kept it and no write has touched its tables."""
        open_ = self._current.get()
        if open_ is None or key not in open_.kept:
            return False, None
        return True, open_.kept[key][0]

    def notes(self) -> dict[Any, Any] | None:
        """A dict that lives as long as the transaction open in this task (None outside one):
        what a repository learnt in it and need not ask again."""
        open_ = self._current.get()
        return None if open_ is None else open_.notes

    async def _roll_back(self) -> None:
        if self._conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                await self._conn.execute("ROLLBACK")

    async def _one_statement(
        self, run: Callable[[sqlite3.Cursor], Any], sql: str, params: Params
    ) -> Any:
        """Run one statement and read its result on the connection's thread: one hop there
        and back (aiosqlite's cursor API takes three: execute, fetch, close). Inside a
        transaction it joins it; alone, the statement is its own transaction (SQLite's
        autocommit), so a read or a one-statement write needs no BEGIN and no COMMIT."""
        open_ = self._current.get()
        if open_ is not None:
            return await self._trip(
                open_, functools.partial(_statement, run=run, sql=sql, params=params)
            )
        async with self._lock:
            if self._conn.in_transaction:
                _LOGGER.warning("A transaction was left open: rolled back")
                await self._conn.execute("ROLLBACK")
            self.trips += 1
            return await self._conn._execute(_statement, self._conn._conn, run, sql, params)

    async def _read(self, run: Callable[[sqlite3.Cursor], Any], sql: str, params: Params) -> Any:
        """A SELECT asked again in a transaction with no write since gets the answer it got
        (one person's update reads the centre, a customer, twice over several modules)."""
        open_ = self._current.get()
        key = _memo_key(run, sql, params) if open_ is not None else None
        if open_ is None or key is None:
            if open_ is not None:
                open_.wrote(sql)  # an INSERT … RETURNING read as rows is a write
            return await self._one_statement(run, sql, params)
        if key not in open_.reads:
            open_.reads[key] = await self._one_statement(run, sql, params)
        return open_.reads[key]

    async def _write(self, run: Callable[[sqlite3.Cursor], Any], sql: str, params: Params) -> Any:
        open_ = self._current.get()
        if open_ is not None:
            open_.wrote(sql)
        return await self._one_statement(run, sql, params)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        row: Row | None = await self._read(_fetch_one, sql, params)
        return row

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        rows: list[Row] = await self._read(_fetch_all, sql, params)
        return list(rows)

    async def execute(self, sql: str, params: Params = ()) -> None:
        """Run one statement (its row count is on :meth:`changes`, a new row's id on
        :meth:`insert`)."""
        await self._write(_nothing, sql, params)

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT of one row and return the row's id — by ``RETURNING id``, which
        SQLite and PostgreSQL both speak (a connection's last row id is SQLite's alone)."""
        row = await self._write(_fetch_one, sql + " RETURNING id", params)
        return int(row[0])

    async def changes(self, sql: str, params: Params = ()) -> int:
        count: int = await self._write(_row_count, sql, params)
        return count

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.transaction():
            open_ = self._current.get()
            assert open_ is not None
            open_.wrote(sql)
            listed = list(rows)
            await self._trip(open_, lambda conn: conn.executemany(sql, listed).close())

    async def queue(
        self, sql: str, params: Params = (), *, then: Callable[[int], None] | None = None
    ) -> None:
        """A write whose result nobody waits for (an audit line, a draft's new state): inside
        a transaction it goes to SQLite with the next statement or the COMMIT, in order, so it
        costs no trip of its own; alone, it runs now. An error it raises is raised by that
        next trip, and the whole transaction is rolled back as with any other. ``then``
        gets the id of the row an INSERT made (by ``RETURNING id``), when it has been made
        (before the commit's :meth:`after_commit` calls)."""
        open_ = self._current.get()
        if open_ is None:
            if then is None:
                await self.execute(sql, params)
            else:
                then(await self.insert(sql, params))
            return
        open_.wrote(sql)
        open_.queued.append((sql if then is None else sql + " RETURNING id", params, then))

    async def user_version(self) -> int:
        row = await self.fetch_one("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self) -> None:
        """Apply every ``migrations/NNNN_*.sql`` newer than ``PRAGMA user_version``."""
        current = applied = await self.user_version()
        for version, _, sql in _migrations():
            if version <= current:
                continue
            async with self.transaction():
                for statement in _split_sql(sql):
                    await self.queue(statement)
                await self.queue(f"PRAGMA user_version={version}")
            applied = version
        if applied != current:
            _LOGGER.info("Database %s: schema %s → %s", self.path.name, current, applied)


_Queued = tuple[str, Params, Callable[[int], None] | None]


class _Transaction:
    """What lives as long as one transaction: whether its BEGIN was sent, the writes queued
    for its next trip, calls for after its commit, the answers to its reads since its last
    write, what repositories kept (until a write names its tables), and their notes."""

    __slots__ = ("after", "begun", "kept", "notes", "queued", "reads")

    def __init__(self) -> None:
        self.begun = False
        self.queued: list[_Queued] = []
        self.after: list[Callable[[], None]] = []
        self.reads: dict[tuple[Any, ...], Any] = {}
        self.kept: dict[tuple[Any, ...], tuple[Any, re.Pattern[str]]] = {}
        self.notes: dict[Any, Any] = {}

    def wrote(self, sql: str) -> None:
        """A write: the reads' answers are stale, and what was kept of the tables it names."""
        self.reads.clear()
        if self.kept:
            for key in [k for k, (_, tables) in self.kept.items() if tables.search(sql)]:
                del self.kept[key]


@functools.cache
def _naming(tables: tuple[str, ...]) -> re.Pattern[str]:
    """What finds a statement naming one of ``tables`` (as a word: not ``staff`` in
    ``staff_id``); with no tables, nothing (an empty alternation would find every one)."""
    if not tables:
        return re.compile(r"(?!)")
    return re.compile(r"\b(?:" + "|".join(map(re.escape, tables)) + r")\b", re.IGNORECASE)


def _memo_key(
    run: Callable[[sqlite3.Cursor], Any], sql: str, params: Params
) -> tuple[Any, ...] | None:
    """A read's key, or None for what is not a plain SELECT (an INSERT … RETURNING writes)."""
    if sql.lstrip()[:6].upper() != "SELECT":
        return None
    values = tuple(sorted(params.items())) if isinstance(params, dict) else tuple(params)
    try:
        hash(values)
    except TypeError:
        return None
    return (run, sql, values)


def _in_transaction(
    conn: sqlite3.Connection,
    begin: bool,
    queued: list[_Queued],
    work: Callable[[sqlite3.Connection], Any],
) -> tuple[Any, list[int]]:
    if begin:
        conn.execute("BEGIN IMMEDIATE")
    row_ids = []
    for sql, params, then in queued:
        cursor = conn.execute(sql, params)
        row_ids.append(int(cursor.fetchone()[0]) if then is not None else 0)
        cursor.close()
    return work(conn), row_ids


def _commit(conn: sqlite3.Connection) -> None:
    conn.execute("COMMIT")


def _statement(
    conn: sqlite3.Connection, run: Callable[[sqlite3.Cursor], Any], sql: str, params: Params
) -> Any:
    cursor = conn.execute(sql, params)
    try:
        return run(cursor)
    finally:
        cursor.close()


def _fetch_one(cursor: sqlite3.Cursor) -> Any:
    return cursor.fetchone()


def _fetch_all(cursor: sqlite3.Cursor) -> Any:
    return cursor.fetchall()


def _nothing(cursor: sqlite3.Cursor) -> None:
    return None


def _row_count(cursor: sqlite3.Cursor) -> int:
    return cursor.rowcount


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("bot.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if not name.endswith(".sql"):
            continue
        version = int(name.split("_", 1)[0])
        found.append((version, name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return found


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (our migrations hold no triggers or ';' in strings)."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
