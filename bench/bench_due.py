"""Due work at size: one run of what kabot does every five minutes, over many open obligations.

    .venv/bin/python bench/bench_due.py [--locals 100000] [--issues 20000] [--years 1]

A seeded history is written straight into a fresh SQLite database of the sample
organisation: national contracts distributed to the units with ``--locals`` local contracts
(R6 open until signed; a tenth signed, so R7 open until their copy), and ``--issues``
issues a year over the past ``--years`` (R4, complaints R10/R11). Then ``run_due`` — the
scheduled job — runs twice at a moment in the middle of a month: the first run plans every
obligation, the second is the steady state that repeats every 300 s. Printed: seconds and
open obligations for each, and the goal (< 5 s a run over 100k open obligations). Last,
kabot itself starts on that database against a local Bot API: the seconds until its first
getUpdates (goal < 3 s) and its memory then.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import engine
from bot.app import build_application, start_polling, stop_application
from bot.botapi import BotApiServer, World
from bot.cli import import_roster
from bot.clock import ManualClock
from bot.reminders import exposure
from bot.reminders.engine import run_due
from bot.reminders.rules import Rules, load_rules
from bot.settings import DEFAULT_RULES, Settings, load_settings
from bot.store import Store
from bot.store.db import Database
from bot.texts import Texts

TZ = ZoneInfo("Asia/Shanghai")
ROSTER = Path(__file__).resolve().parents[1] / "examples" / "roster"
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=TZ)
GOAL_SECONDS = 5.0


async def generate(
    store: Store, rng: random.Random, locals_: int, issues: int, years: int
) -> None:
    """The history, in a few statements (the generator is not what is measured)."""
    db = store.db
    units = [
        r["id"] for r in await db.fetch_all("SELECT id FROM business_units WHERE is_centre = 0")
    ]
    customers = [r["id"] for r in await db.fetch_all("SELECT id FROM customers")]
    staff = [r["id"] for r in await db.fetch_all("SELECT id FROM staff")]
    created = NOW.isoformat()
    async with db.transaction():
        contracts = max(locals_ // 500, 1)
        for n in range(contracts):
            completed = NOW.date() - timedelta(days=rng.randint(20, 50))
            await db.execute(
                "INSERT INTO contracts (customer_id, title, completed_on, distributed_on,"
                " recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    rng.choice(customers),
                    f"联采合同 {n}",
                    completed.isoformat(),
                    (completed + timedelta(days=5)).isoformat(),
                    staff[0],
                    created,
                ),
            )
        rows = []
        for n in range(locals_):
            signed = (NOW.date() - timedelta(days=rng.randint(1, 20))).isoformat()
            rows.append(
                (
                    n % contracts + 1,
                    rng.choice(units),
                    f"地采 {n}",
                    signed if rng.random() < 0.1 else None,
                    staff[0],
                    created,
                )
            )
        await db.execute_many(
            "INSERT INTO local_contracts (contract_id, unit_id, title, signed_on, recorded_by,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        issue_rows = []
        for n in range(issues * years):
            reported = NOW - timedelta(minutes=rng.randint(60, years * 365 * 24 * 60))
            closed = rng.random() < 0.95
            issue_rows.append(
                (
                    rng.choice(staff),
                    rng.choice(units),
                    rng.choice(customers),
                    "complaint" if rng.random() < 0.2 else "price",
                    "medium",
                    "closed" if closed else "open",
                    f'{{"description": "问题 {n}"}}',
                    reported.isoformat(),
                    reported.isoformat(),
                    "已处理" if closed else None,
                    staff[0] if closed else None,
                    (reported + timedelta(days=2)).isoformat() if closed else None,
                )
            )
        await db.execute_many(
            "INSERT INTO issues (staff_id, unit_id, customer_id, category, severity, status,"
            " answers, created_at, updated_at, reply, replied_by, replied_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            issue_rows,
        )


async def main(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="kabot-due-"))
    async with engine.database(args, folder) as target:
        await _measured(args, folder, target)


async def _measured(args: argparse.Namespace, folder: Path, target: str) -> None:
    clock = ManualClock(NOW)
    db = await Database.open(target, clock.tz.key)
    store = Store(db, clock)
    texts = Texts()
    with contextlib.redirect_stdout(io.StringIO()):
        await import_roster(store, texts, "zh", ROSTER)
    await generate(store, random.Random(args.seed), args.locals, args.issues, args.years)
    # A live server's autovacuum has taken the statistics of a history this old long since.
    await db.after_bulk_load()
    rules = load_rules(DEFAULT_RULES)
    settings = load_settings(
        {"KABOT_DB": target, "KABOT_DATA_DIR": str(folder)}, env_file=None, need_token=False
    )
    print(f"on {engine.name(target)}")
    for label in ("first run (plans everything)", "steady state (every 300 s)"):
        started, cpu = time.perf_counter(), time.process_time()
        await run_due(store, rules, texts, clock.now(), settings)
        wall, used = time.perf_counter() - started, time.process_time() - cpu
        row = await db.fetch_one("SELECT COUNT(*) AS n FROM obligations WHERE met_at IS NULL")
        open_now = row["n"] if row else 0
        print(
            f"due work, {label}: {wall:.2f} s ({used:.2f} s CPU) over {open_now} open"
            f" obligations; goal < {GOAL_SECONDS:.0f} s"
        )
        clock.advance(timedelta(minutes=5))
        # Five minutes on, a server's autovacuum has seen the obligations the first made.
        await db.after_bulk_load()
    await db.close()
    await startup(settings, clock)
    # After start-up's memory is measured: a forecast's lines are not what a bot holds.
    db = await Database.open(target, clock.tz.key)
    await forecasts(Store(db, clock), rules, clock.now())
    await db.close()


def _resident_mb() -> float:
    """This process's resident memory now (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


async def forecasts(store: Store, rules: Rules, now: datetime) -> None:
    """What the rules will charge (issue 18) on the same database: the managers' digests
    (every unit, 7 days), the centre's /exposure overview and one unit's list (62 days)."""
    units = [u.id for u in await store.units.all() if not u.is_centre]
    ahead = now.date() + exposure.AHEAD
    for label, work in (
        (
            "digests' 7 days, every unit",
            exposure.by_unit(store, rules, now, now.date() + exposure.WEEK),
        ),
        (
            "/exposure overview, 62 days",
            exposure.forecast(store, rules, now, ahead, per_unit=True),
        ),
        ("/exposure of one unit, 62 days", exposure.forecast(store, rules, now, ahead, units[0])),
    ):
        started = time.perf_counter()
        found = await work
        print(f"forecast, {label}: {time.perf_counter() - started:.2f} s ({len(found)} lines)")


async def startup(on: Settings, clock: ManualClock) -> None:
    """kabot started on the database: seconds until its first getUpdates, and its memory."""
    world = World(token="444444444:BENCH-start")
    server = BotApiServer(world)
    await server.start()
    polled = asyncio.get_running_loop().create_future()

    def seen(method: str) -> bool:
        if method == "getUpdates" and not polled.done():
            polled.set_result(time.perf_counter())
        return False

    world.on_request = seen
    settings = Settings(
        token=world.token,
        api_url=server.url,
        db_path=on.db_path,
        db_url=on.db_url,
        tz=TZ,
        rules_path=DEFAULT_RULES,
        default_language="zh",
    )
    started = time.perf_counter()
    app = build_application(settings, clock)
    try:
        await start_polling(app)
        first = await asyncio.wait_for(polled, 60) - started
        print(
            f"start-up on that database: first getUpdates after {first:.2f} s (goal < 3 s);"
            f" process memory {_resident_mb():.0f} MB (goal < 200 MB)"
        )
    finally:
        await stop_application(app)
        await server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--locals", type=int, default=100_000)
    parser.add_argument("--issues", type=int, default=20_000)
    parser.add_argument("--years", type=int, default=1, help="of issues, --issues a year")
    parser.add_argument("--seed", type=int, default=7)
    engine.add_option(parser)
    asyncio.run(main(parser.parse_args()))
