"""What the durable path costs: kabot (inbox + outbox + one transaction per update) against a
bare python-telegram-bot echo bot, both on the same local Bot API in this process.

    .venv/bin/python bench/bench_delivery.py [--updates 300] [--people 10]

Each simulated person sends a message and waits for the answer before the next (closed loop):
``/help`` for kabot (read the person, render the help, one sendMessage), the text itself for
the echo bot (one sendMessage). Printed: p50/p99 reply latency for one person alone, updates
per second with ``--people`` at once, process CPU per update, and kabot's figures as ratios
of the echo bot's measured in the same run. Telegram's flood limits are lifted on both sides
so the figures are the bots' own cost, not the 30 messages/s ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.app import build_application, start_polling, stop_application
from bot.botapi import BotApiServer, World
from bot.cli import import_roster
from bot.clock import ManualClock
from bot.delivery.ratelimit import KabotRateLimiter
from bot.settings import DEFAULT_RULES, Settings

TZ = ZoneInfo("Asia/Shanghai")
ROSTER = Path(__file__).resolve().parents[1] / "examples" / "roster"
# The sample organisation's people (any role may ask for /help).
PEOPLE = [
    500200102, 500200101, 500100101, 500100102, 500100103, 500100105, 500400101, 500300101,
    500400104, 500200105, 500200104, 500300102, 500300103, 500400102, 500400103, 500100106,
]  # fmt: skip


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None and update.effective_message is not None
    await context.bot.send_message(update.effective_chat.id, update.effective_message.text or "")


class Run:
    """One bot on its own local Bot API; people who send and wait for the answer."""

    def __init__(self, token: str) -> None:
        self.world = World(token=token, flood_limits=False)
        self.server = BotApiServer(self.world)
        for person in PEOPLE:
            self.world.add_user(person, f"P{person}")

    async def ask(self, person: int, text: str) -> float:
        """Send ``text``; seconds until the bot's next message in that chat."""
        before = len(self.world.messages[person])
        started = time.perf_counter()
        self.world.send_text(person, person, text)
        await self.server.deliver()
        condition = self.world.changed()
        async with condition:
            await asyncio.wait_for(
                condition.wait_for(lambda: len(self.world.messages[person]) >= before + 2), 30
            )
        return time.perf_counter() - started

    async def measure(self, text: str, updates: int, people: int) -> dict[str, float]:
        for person in PEOPLE[:people]:  # warm up: first contact, caches, dateparser
            await self.ask(person, text)
        alone = [await self.ask(PEOPLE[0], text) for _ in range(updates)]
        cpu, wall = time.process_time(), time.perf_counter()

        async def one(person: int) -> None:
            for _ in range(updates // people):
                await self.ask(person, text)

        await asyncio.gather(*(one(p) for p in PEOPLE[:people]))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        done = (updates // people) * people
        return {
            "p50_ms": statistics.median(alone) * 1000,
            "p99_ms": statistics.quantiles(alone, n=100)[98] * 1000,
            "per_s": done / wall,
            "cpu_ms": cpu / done * 1000,
        }


async def echo_bot(updates: int, people: int) -> dict[str, float]:
    run = Run("111111111:BENCH-echo")
    await run.server.start()
    app = (
        Application.builder()
        .token(run.world.token)
        .base_url(f"{run.server.url}/bot")
        .concurrent_updates(True)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    await app.initialize()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=10)
    await app.start()
    try:
        return await run.measure("你好 kabot", updates, people)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await run.server.stop()


async def kabot(updates: int, people: int, folder: Path) -> dict[str, float]:
    run = Run("222222222:BENCH-kabot")
    await run.server.start()
    settings = Settings(
        token=run.world.token,
        api_url=run.server.url,
        db_path=folder / "kabot.db",
        tz=TZ,
        rules_path=DEFAULT_RULES,
        default_language="zh",
    )
    limiter = KabotRateLimiter(overall_per_second=100_000, group_per_minute=100_000)
    app = build_application(
        settings, ManualClock(datetime(2026, 12, 1, 10, tzinfo=TZ)), rate_limiter=limiter
    )
    await start_polling(app)
    with contextlib.redirect_stdout(io.StringIO()):
        await import_roster(app.bot_data.store, app.bot_data.texts, "zh", ROSTER)
    try:
        return await run.measure("/help", updates, people)
    finally:
        await stop_application(app)
        await run.server.stop()


def _row(name: str, figures: dict[str, float], base: dict[str, float] | None) -> str:
    cells = [f"{figures['p50_ms']:.1f}", f"{figures['p99_ms']:.1f}", f"{figures['per_s']:.0f}"]
    cells.append(f"{figures['cpu_ms']:.2f}")
    if base is not None:
        cells.append(
            f"{figures['p50_ms'] - base['p50_ms']:+.1f} ms p50, "
            f"{figures['per_s'] / base['per_s']:.2f}× updates/s, "
            f"{figures['cpu_ms'] / base['cpu_ms']:.1f}× CPU"
        )
    else:
        cells.append("reference")
    return f"| {name} | " + " | ".join(cells) + " |"


async def main(updates: int, people: int) -> None:
    echo = await echo_bot(updates, people)
    with tempfile.TemporaryDirectory() as folder:
        ours = await kabot(updates, people, Path(folder))
    print(f"{updates} updates, 1 person alone (latency) and {people} at once (throughput)")
    print("| bot | p50 ms | p99 ms | updates/s | CPU ms/update | against echo |")
    print("|---|---|---|---|---|---|")
    print(_row("PTB echo bot", echo, None))
    print(_row("kabot /help (inbox + outbox)", ours, echo))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=300)
    parser.add_argument("--people", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(main(args.updates, min(args.people, len(PEOPLE))))
