"""The embedded engine's trips (bot/store/sqlite.py): a statement known quick runs on the
loop's thread, one that turns out slow is stopped there and finished on SQLite's thread, and a
write lock held by another process is waited for asleep, with the loop free."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.store.db import Database
from bot.store.sqlite import SqliteDatabase

# Counts to ?: ten rows take microseconds, five million take about a second.
_COUNT_TO = (
    "SELECT COUNT(*) AS n FROM (WITH RECURSIVE c(x) AS"
    " (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT x FROM c)"
)
_AUDIT = (
    "INSERT INTO audit_log (at, actor, action, entity, entity_id) VALUES ('now', 't', ?, 'y', '1')"
)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    database = await Database.open(tmp_path / "kabot.db")
    assert isinstance(database, SqliteDatabase)
    try:
        yield database
    finally:
        await database.close()


async def _learnt(db: SqliteDatabase, sql: str, params: tuple[object, ...]) -> None:
    """Ask until a run stays on the loop's thread (the first is timed on SQLite's)."""

    async def ask() -> None:
        await db.fetch_one(sql, params)

    await _until_inline(db, ask)


async def _until_inline(db: SqliteDatabase, work: Callable[[], Awaitable[None]]) -> None:
    for _ in range(10):
        hops = db.hops
        await work()
        if db.hops == hops:
            return
    raise AssertionError("never known quick")


async def test_a_statement_seen_quick_runs_without_a_hop_to_the_thread(
    db: SqliteDatabase,
) -> None:
    hops = db.hops
    first = await db.fetch_one(_COUNT_TO, (10,))
    assert first is not None and first["n"] == 10
    assert db.hops == hops + 1  # never seen: timed on SQLite's thread
    await _learnt(db, _COUNT_TO, (10,))
    hops = db.hops
    again = await db.fetch_one(_COUNT_TO, (7,))
    assert again is not None and again["n"] == 7 and db.hops == hops
    # Bulk writes never run on the loop's thread.
    hops = db.hops
    await db.execute_many(_AUDIT, [("bulk",)] * 3)
    assert db.hops > hops


async def test_a_read_that_turns_out_slow_is_finished_on_the_thread_and_stays_there(
    db: SqliteDatabase,
) -> None:
    made: list[int] = []

    async def write_then_read() -> None:
        async with db.transaction():
            await db.queue(_AUDIT, ("learning",), then=made.append)
            await db.fetch_one(_COUNT_TO, (10,))

    await _until_inline(db, write_then_read)
    made.clear()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    beside = asyncio.create_task(ticker())
    try:
        async with db.transaction():
            await db.queue(_AUDIT, ("before the slow read",), then=made.append)
            hops = db.hops
            slow = await db.fetch_one(_COUNT_TO, (5_000_000,))
            assert slow is not None and slow["n"] == 5_000_000  # stopped, run again, whole
            assert db.hops == hops + 1
    finally:
        beside.cancel()
    assert ticks > 0  # the loop went on while the thread counted
    assert len(made) == 1  # the write queued before it ran once, and was committed
    kept = await db.fetch_one(
        "SELECT COUNT(*) AS n FROM audit_log WHERE action = ?", ("before the slow read",)
    )
    assert kept is not None and kept["n"] == 1
    hops = db.hops
    await db.fetch_one(_COUNT_TO, (10,))
    assert db.hops == hops + 1  # slow once: on the thread from now on


async def test_another_process_s_write_lock_is_waited_for_with_the_loop_free(
    db: SqliteDatabase,
) -> None:
    assert db.path is not None
    other = sqlite3.connect(db.path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # as `jobs run-due` in another process would
    ticks = 0

    async def others_work() -> None:
        # The lock goes only after the loop has run this five times: a write waiting in
        # SQLite's busy handler on the loop's thread would never see it go.
        nonlocal ticks
        while ticks < 5:
            await asyncio.sleep(0.01)
            ticks += 1
        other.execute("COMMIT")

    beside = asyncio.create_task(others_work())
    try:
        async with db.transaction():
            await db.execute(_AUDIT, ("after the lock",))
        assert ticks == 5
        done = await db.fetch_one(
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = ?", ("after the lock",)
        )
        assert done is not None and done["n"] == 1
        # A write alone (its own transaction) waits the same way.
        ticks = 0
        other.execute("BEGIN IMMEDIATE")
        beside = asyncio.create_task(others_work())
        await db.execute(_AUDIT, ("alone, after the lock",))
        assert ticks == 5
    finally:
        await beside
        other.close()
