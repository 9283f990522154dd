"""The database: the transaction owner, over one of two engines.

``KABOT_DB`` names a SQLite file (the default: nothing to install) or a PostgreSQL server
(``postgresql://…``); :meth:`Database.open` picks the engine, and every repository speaks to
either through the same few methods, in SQL both understand (``?`` placeholders, ``ON
CONFLICT``, ``RETURNING``). What differs — how a connection is opened, how a statement
travels, how the schema version is kept — lives in ``sqlite.py`` and ``postgres.py``.

kabot keeps one connection per process, and a lock serialises access to it (SQLite has one
writer anyway; on PostgreSQL only the leading process works, see ``bot/delivery/lock.py``).
:meth:`Database.transaction` is BEGIN … COMMIT, and nested calls join the transaction already
open in the same task, so a repository method can be used alone or as part of a larger unit
of work (a roster import, an update's handling). A statement run alone is its own
transaction, one trip to the engine (see ``_one_statement``).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Protocol

_LOGGER = logging.getLogger(__name__)

Params = Sequence[Any]


class Row(Protocol):
    """A result row, as both engines give it: by position or by column name."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> Iterable[str]: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...


# How a statement's result is read: its first row, all rows, nothing, its row count; or
# the statement run once per row of parameters.
How = Literal["one", "all", "none", "count", "many"]
Statement = tuple[How, str, Any]
Queued = tuple[str, Params, Callable[[int], None] | None]


class IntegrityError(Exception):
    """A write broke a constraint (a unique code taken, a row still referred to), whichever
    engine refused it."""


class StoreUnavailable(Exception):
    """The database cannot be opened or written (corrupt, read-only, disk full, the server
    gone): the message is the one line to show."""


def is_server(target: str | Path) -> bool:
    """Whether ``KABOT_DB`` names a PostgreSQL server rather than a SQLite file."""
    return str(target).startswith(("postgresql://", "postgres://"))


class Database:
    """What both engines share; an engine supplies the trips (``_trip_work``, ``_alone``),
    the left-open check and the schema's version."""

    engine = ""
    # The engine's own error for a broken constraint, raised as :class:`IntegrityError`.
    _integrity: type[Exception] = IntegrityError

    def __init__(self, target: str) -> None:
        # What opens this database again (a worker process does): a path or a URL.
        self.target = target
        self._lock = asyncio.Lock()
        # Trips to the engine (``bench/`` counts them per update).
        self.trips = 0
        self._current: contextvars.ContextVar[_Transaction | None] = contextvars.ContextVar(
            f"kabot_tx_{id(self)}", default=None
        )

    @classmethod
    async def open(cls, target: str | Path, zone: str | None = None) -> Database:
        """The database ``target`` names, its schema brought up to date. ``zone``: the time
        zone a server gives moments back in (the clock's); a file gives back what was written."""
        if is_server(target):
            from bot.store.postgres import PostgresDatabase

            return await PostgresDatabase.connect(str(target), zone)
        from bot.store.sqlite import SqliteDatabase

        return await SqliteDatabase.connect(Path(target))

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None on a server."""
        return None

    def __str__(self) -> str:
        return self.target

    # ------------------------------------------------------------------ the engine's part

    async def close(self) -> None:
        raise NotImplementedError

    async def trace(self, statement: Callable[[str], None] | None) -> None:
        """Have the engine call ``statement(sql)`` for each statement it runs (``bench/``
        counts them); None stops it."""
        raise NotImplementedError

    async def _trip_work(
        self, begin: bool, queued: list[Queued], statement: Statement | None, commit: bool
    ) -> tuple[Any, list[int]]:
        """One trip: BEGIN if asked, the queued writes (the ids of the rows those with a
        ``then`` made), the statement's result, COMMIT if asked."""
        raise NotImplementedError

    async def _alone(self, statement: Statement, *, flush: bool = True) -> Any:
        """One statement outside any transaction: its own (the engine's autocommit);
        ``flush`` False: its commit need not wait for the disk (see :meth:`execute`)."""
        raise NotImplementedError

    def _left_open(self) -> bool:
        raise NotImplementedError

    async def _abort(self) -> None:
        """ROLLBACK, if a transaction is open; an error doing so is not raised."""
        raise NotImplementedError

    async def schema_version(self) -> int:
        raise NotImplementedError

    def _migration(self, sql: str, version: int) -> list[str]:
        """The statements that apply a migration written in SQLite's dialect, and record
        ``version`` as the schema's."""
        raise NotImplementedError

    async def _migrated(self) -> None:
        """After migrations were applied (the engine resets what they made stale)."""

    async def after_bulk_load(self) -> None:
        """After many rows were written at once (a data move, a generated history): the
        planner's statistics brought up to date. SQLite plans by its indexes alone (and the
        queries that need an order say so); PostgreSQL plans by statistics, which its
        autovacuum refreshes on its own, but only a while later."""

    async def identities_follow(self) -> None:
        """After rows were copied in with their ids: new rows' ids go on after them (SQLite's
        do by themselves)."""

    # ------------------------------------------------------------------ transactions

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """BEGIN … COMMIT, or join the transaction this task already has open.

        Taking the process's lock is the transaction's start; its BEGIN goes to the engine
        with its first statement, and its COMMIT with the writes queued last
        (:meth:`queue`), one trip each. A transaction that ran nothing sends nothing."""
        if self._current.get() is not None:
            yield
            return
        open_ = _Transaction()
        async with self._lock:
            token = self._current.set(open_)
            try:
                await self._recover()
                try:
                    yield
                except BaseException:
                    await self._abort()
                    raise
                try:
                    if open_.begun or open_.queued:
                        await self._trip(open_, None, commit=True)
                except BaseException:
                    await self._abort()
                    raise
            finally:
                self._current.reset(token)
        for call in open_.after:
            try:
                call()
            except Exception:
                _LOGGER.exception("After a commit: %s failed", call)

    async def _recover(self) -> None:
        if self._left_open():
            # A transaction that could not end (a COMMIT refused, a task cancelled while its
            # BEGIN ran): what it wrote is not kept, and kabot goes on.
            _LOGGER.warning("A transaction was left open: rolled back")
            await self._abort()

    async def _trip(
        self, open_: _Transaction, statement: Statement | None, *, commit: bool = False
    ) -> Any:
        """``statement`` inside the open transaction: its BEGIN first if none was sent yet,
        then the writes queued since the last trip."""
        begin, queued = not open_.begun, open_.queued
        open_.begun, open_.queued = True, []
        self.trips += 1
        try:
            result, row_ids = await self._trip_work(begin, queued, statement, commit)
        except self._integrity as exc:
            raise IntegrityError(str(exc)) from exc
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

    async def _one_statement(self, statement: Statement, *, flush: bool = True) -> Any:
        """Run one statement and read its result in one trip. Inside a transaction it joins
        it; alone, the statement is its own transaction, so a read or a one-statement write
        needs no BEGIN and no COMMIT."""
        open_ = self._current.get()
        if open_ is not None:
            return await self._trip(open_, statement)
        async with self._lock:
            await self._recover()
            self.trips += 1
            try:
                return await self._alone(statement, flush=flush)
            except self._integrity as exc:
                raise IntegrityError(str(exc)) from exc

    async def _read(self, how: How, sql: str, params: Params) -> Any:
        """A SELECT asked again in a transaction with no write since gets the answer it got
        (one person's update reads the centre, a customer, twice over several modules)."""
        open_ = self._current.get()
        key = _memo_key(how, sql, params) if open_ is not None else None
        if open_ is None or key is None:
            if open_ is not None:
                open_.wrote(sql)  # an INSERT … RETURNING read as rows is a write
            return await self._one_statement((how, sql, params))
        if key not in open_.reads:
            open_.reads[key] = await self._one_statement((how, sql, params))
        return open_.reads[key]

    async def _write(self, how: How, sql: str, params: Any, *, flush: bool = True) -> Any:
        open_ = self._current.get()
        if open_ is not None:
            open_.wrote(sql)
        return await self._one_statement((how, sql, params), flush=flush)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        row: Row | None = await self._read("one", sql, params)
        return row

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        rows: list[Row] = await self._read("all", sql, params)
        return list(rows)

    async def execute(self, sql: str, params: Params = (), *, flush: bool = True) -> None:
        """Run one statement (its row count is on :meth:`changes`, a new row's id on
        :meth:`insert`).

        ``flush`` False, for a write alone whose loss in a crash of the database server
        would cost a repeat, not a fact (that a message went: it is sent again): its commit
        does not wait for the disk — PostgreSQL's ``synchronous_commit`` off for it, as
        SQLite's commits in WAL mode with ``synchronous=NORMAL`` are anyway. A crash of kabot
        loses nothing either way. Inside a transaction the transaction's commit decides."""
        await self._write("none", sql, params, flush=flush)

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT of one row and return the row's id — by ``RETURNING id``, which
        SQLite and PostgreSQL both speak (a connection's last row id is SQLite's alone)."""
        row = await self._write("one", sql + " RETURNING id", params)
        return int(row[0])

    async def changes(self, sql: str, params: Params = ()) -> int:
        count: int = await self._write("count", sql, params)
        return count

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.transaction():
            open_ = self._current.get()
            assert open_ is not None
            open_.wrote(sql)
            await self._trip(open_, ("many", sql, list(rows)))

    async def queue(
        self, sql: str, params: Params = (), *, then: Callable[[int], None] | None = None
    ) -> None:
        """A write whose result nobody waits for (an audit line, a draft's new state): inside
        a transaction it goes to the engine with the next statement or the COMMIT, in order,
        so it costs no trip of its own; alone, it runs now. An error it raises is raised by
        that next trip, and the whole transaction is rolled back as with any other. ``then``
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

    async def migrate(self) -> None:
        """Apply every ``migrations/NNNN_*.sql`` newer than the schema's version, each in a
        transaction of its own: one history, written in SQLite's dialect, for both engines."""
        current = applied = await self.schema_version()
        for version, _, sql in migrations():
            if version <= current:
                continue
            async with self.transaction():
                for statement in self._migration(sql, version):
                    await self.queue(statement)
            applied = version
        if applied != current:
            await self._migrated()
            _LOGGER.info("Database %s: schema %s → %s", self, current, applied)


class _Transaction:
    """What lives as long as one transaction: whether its BEGIN was sent, the writes queued
    for its next trip, calls for after its commit, the answers to its reads since its last
    write, what repositories kept (until a write names its tables), and their notes."""

    __slots__ = ("after", "begun", "kept", "notes", "queued", "reads")

    def __init__(self) -> None:
        self.begun = False
        self.queued: list[Queued] = []
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


def _memo_key(how: How, sql: str, params: Params) -> tuple[Any, ...] | None:
    """A read's key, or None for what is not a plain SELECT (an INSERT … RETURNING writes)."""
    if sql.lstrip()[:6].upper() != "SELECT":
        return None
    values = tuple(params)
    try:
        hash(values)
    except TypeError:
        return None
    return (how, sql, values)


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) of every migration, oldest first."""
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


def split_sql(script: str) -> list[str]:
    """Split a migration into statements (our migrations hold no triggers or ';' in strings)."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
