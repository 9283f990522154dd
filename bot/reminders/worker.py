"""The month's charts and the centre's workbook are made in a worker process.

A chart takes about 0.1 s of matplotlib and a month's workbook seconds of openpyxl, both
pure Python that holds the interpreter's lock: in a thread next to the event loop they kept
every chat waiting for hundreds of milliseconds at a time. In a process of their own they
cost the bot nothing but the bytes sent back. The worker reads the month's records from
the database itself (SQLite lets a second reader in while kabot writes), so no tens of
thousands of rows are copied across.

Two workers (charts draw side by side), started on first use ("spawn": no copy of the bot's
threads and connections) and kept for the process's life (they end with it); if one dies,
the next call starts them again.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")

WORKERS = 2
_POOL: ProcessPoolExecutor | None = None
_GUARD = threading.Lock()


def _pool() -> ProcessPoolExecutor:
    global _POOL
    with _GUARD:
        if _POOL is None:
            _POOL = ProcessPoolExecutor(
                max_workers=WORKERS,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_warm,
            )
        return _POOL


def _warm() -> None:
    """A new worker loads matplotlib and the CJK font before its first task (about 1.6 s
    here): a worker started ahead of the summaries has it done when they come."""
    from bot.reminders import charts

    charts.cjk_font()


def start() -> None:
    """Start the workers now (they warm up on their own, off the bot's process)."""
    pool = _pool()
    for _ in range(WORKERS):
        pool.submit(int)


def _forget(broken: ProcessPoolExecutor) -> None:
    global _POOL
    with _GUARD:
        if _POOL is broken:
            _POOL = None
    broken.shutdown(wait=False, cancel_futures=True)


async def run(work: Callable[..., T], *args: Any) -> T:
    """``work(*args)`` in the worker process (a module-level function, picklable args)."""
    loop = asyncio.get_running_loop()
    for attempt in (1, 2):
        pool = _pool()
        try:
            return await loop.run_in_executor(pool, work, *args)
        except BrokenProcessPool:
            _forget(pool)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
