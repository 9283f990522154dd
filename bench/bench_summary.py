"""Monthly summaries at size: every unit's summary, its chart and the centre's workbook.

    .venv/bin/python bench/bench_summary.py [--units 20] [--people 5000] [--visits 1000000]
                                            [--month-visits 80000] [--seed 7]

A seeded organisation is written straight into a fresh SQLite database: ``--units``
business units with a group each, ``--people`` field staff among them, ten customers a
person, and ``--visits`` visits over the twelve months before December 2026, of which
``--month-visits`` in November. Then the summaries job runs as on 1 December: the figures
of each unit (SQL aggregates), a chart each (drawn in the worker processes), and the
centre's workbook of every November record (openpyxl write-only, in a worker). Meanwhile a
ticker measures how long the event loop was kept from answering anyone (what a reply would
have waited). The workers are started first, as a running bot has them. Printed: seconds
for figures + charts, for the workbook, its size, and the loop's p99 and worst stall.
Goals: < 2 s for figures + charts, stalls < 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import engine
from bot.clock import ManualClock
from bot.delivery.outbox import NOTICE, Outbox
from bot.reminders import summary, workbook, worker
from bot.reminders.rules import load_rules
from bot.settings import DEFAULT_RULES
from bot.store import Store
from bot.store.db import Database
from bot.texts import Texts

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=TZ)  # the summaries' day: November's
MONTH_START = datetime(2026, 11, 1, tzinfo=TZ)
CHUNK = 50_000


async def generate(db: Database, rng: random.Random, args: argparse.Namespace) -> None:
    """The organisation and its history, in a few statements (not what is measured)."""
    created = NOW.isoformat()
    async with db.transaction():
        await db.execute_many(
            "INSERT INTO business_units (code, name, is_centre, group_chat_id, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            [("KA", "KA中心", 1, -1000, created, created)]
            + [
                (f"U{n}", f"事业本部 {n}", 0, -1001 - n, created, created)
                for n in range(args.units)
            ],
        )
        await db.execute_many(
            "INSERT INTO staff (code, name, role, unit_id, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (f"S{n}", f"员工 {n}", "field", 2 + n % args.units, created, created)
                for n in range(args.people)
            ],
        )
        customers = args.people * 10
        await db.execute_many(
            "INSERT INTO customers (code, name, kind, grade, visit_class, unit_id, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    f"C{n}",
                    f"客户 {n}",
                    rng.choice(("ka_retailer", "key_distributor", "special_channel")),
                    rng.choice("ABCD"),
                    "monthly",
                    2 + (n // 10) % args.units,
                    created,
                    created,
                )
                for n in range(customers)
            ],
        )
    year = (MONTH_START - timedelta(days=335)).timestamp(), MONTH_START.timestamp()
    month = MONTH_START.timestamp(), NOW.replace(day=1, hour=0).timestamp()
    for start in range(0, args.visits, CHUNK):
        rows = []
        for n in range(start, min(start + CHUNK, args.visits)):
            person = rng.randrange(args.people)
            low, high = month if n < args.month_visits else year
            at = datetime.fromtimestamp(rng.uniform(low, high), TZ).isoformat(timespec="minutes")
            rows.append(
                (
                    person + 1,
                    2 + person % args.units,
                    person * 10 + rng.randrange(10) + 1,
                    at,
                    "routine",
                    '{"business_review": "同比增长"}',
                    at,
                    at,
                )
            )
        await db.execute_many(
            "INSERT INTO visits (staff_id, unit_id, customer_id, visited_at, visit_kind,"
            " answers, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


class Ticker:
    """Wakes every 10 ms; how late each wake-up was is how long a reply would have waited."""

    def __init__(self) -> None:
        self.late: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            planned = time.perf_counter() + 0.01
            await asyncio.sleep(0.01)
            self.late.append(max(0.0, time.perf_counter() - planned))

    def __enter__(self) -> Ticker:
        self._task = asyncio.create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with engine.database(args, Path(folder)) as target:
            await _measured(args, target)


async def _measured(args: argparse.Namespace, target: str) -> None:
    print(f"on {engine.name(target)}")
    store, texts = await Store.open(target, ManualClock(NOW)), Texts()
    db = store.db
    rules = load_rules(DEFAULT_RULES)
    loaded = time.perf_counter()
    await generate(db, random.Random(args.seed), args)
    await db.after_bulk_load()  # as a live server's autovacuum would have, long since
    loaded = time.perf_counter() - loaded
    lang, month = texts.default_language, "2026-11"
    # The workers started, as in a bot that has been running.
    await asyncio.gather(*(worker.run(str, n) for n in range(worker.WORKERS)))
    with Ticker() as ticker:
        units = [u for u in await store.units.all() if u.active]
        started = time.perf_counter()
        drawn: list[asyncio.Future[bytes]] = []

        def draw(one: summary.MonthlySummary) -> None:
            # As the job draws them: each asked for as its figures are summed, in the workers.
            root, default = str(texts.root), texts.default_language
            drawn.append(
                asyncio.ensure_future(
                    worker.run(summary.chart_in_worker, root, default, lang, one)
                )
            )

        await summary.gather_all(store, rules, month, units, draw)
        figures = time.perf_counter() - started
        await asyncio.gather(*drawn)
        charts = time.perf_counter() - started - figures
        started = time.perf_counter()
        book = await workbook.month(store, rules, texts, lang, month)
        books = time.perf_counter() - started
        # And the job itself, which also records each summary's messages in the outbox.
        started = time.perf_counter()
        sent = await summary.send_summaries(Outbox(store.outbox, NOTICE), store, rules, texts, NOW)
        job = time.perf_counter() - started
    late = sorted(ticker.late) or [0.0]
    p99 = statistics.quantiles(late, n=100)[98] if len(late) > 1 else late[0]
    print(
        f"{args.visits} visits ({args.month_visits} in the month), {args.units} units,"
        f" {args.people} people; generated in {loaded:.0f} s"
    )
    print(
        f"figures + chart of {len(units)} summaries: {figures + charts:.2f} s (goal < 2 s;"
        f" the figures {figures:.2f} s, the last chart {charts:.2f} s after them);"
        f" the centre's workbook: {books:.2f} s, {len(book) / 2**20:.1f} MB;"
        f" the whole job ({sent} summaries sent): {job:.2f} s"
    )
    print(
        f"the event loop meanwhile: p99 stall {p99 * 1000:.0f} ms, worst"
        f" {late[-1] * 1000:.0f} ms (goal: a reply waits < 100 ms)"
    )
    with contextlib.suppress(Exception):
        await db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--month-visits", type=int, default=80_000)
    parser.add_argument("--seed", type=int, default=7)
    engine.add_option(parser)
    asyncio.run(main(parser.parse_args()))
