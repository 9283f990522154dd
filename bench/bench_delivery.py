"""What the durable path costs: kabot (inbox + outbox + one transaction per update) against a
bare python-telegram-bot echo bot, both on the same local Bot API.

    .venv/bin/python bench/bench_delivery.py [--updates 300] [--people 10] [--visits 40]
                                             [--rounds 3]

Each simulated person sends a message and waits for the answer before the next (closed loop):
``/help`` for kabot (read the person, render the help, one sendMessage), the text itself for
the echo bot (one sendMessage). Printed: p50/p99 reply latency for one person alone, updates
per second with ``--people`` at once, the bot's CPU per update, and kabot's figures as ratios
of the echo bot's measured in the same run. Telegram's flood limits are lifted on both sides
so the figures are the bots' own cost, not the 30 messages/s ceiling.

Each bot runs in a process of its own, as it would against Telegram: the local Bot API and
the people typing run in this one, so a bot's CPU is its own (its database thread included),
not the server's, and the two share the machine's cores as a bot and Telegram would not.

Then whole visits (``--visits`` each, by every field person at once, with kabot's own rate
limiter on): /visit, the customer's button, "就是现在", the notes, "提交" — five updates a
visit; printed with the Bot API calls, the store's trips (and how many of them went to
SQLite's thread) and the commits and transactions an update took.

Each bot runs ``--rounds`` times, taking turns; printed is each bot's least disturbed round
(the least CPU an update), as the host's other tenants slow a run by up to twice.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bench import engine
from bot.app import build_application, run, start_polling, stop_application
from bot.botapi import BotApiServer, World
from bot.cli import import_roster
from bot.clock import ManualClock
from bot.delivery.ratelimit import KabotRateLimiter
from bot.settings import DEFAULT_RULES, Settings
from bot.store.db import Database, is_server

TZ = ZoneInfo("Asia/Shanghai")
ROSTER = Path(__file__).resolve().parents[1] / "examples" / "roster"
# The sample organisation's people (any role may ask for /help).
PEOPLE = [
    500200102, 500200101, 500100101, 500100102, 500100103, 500100105, 500400101, 500300101,
    500400104, 500200105, 500200104, 500300102, 500300103, 500400102, 500400103, 500100106,
]  # fmt: skip


# Field staff of the sample organisation, who file visits.
FIELD = [500200102, 500200104, 500300102, 500400102, 500200105, 500300103, 500400103]
NOTES = "业绩：本月同比增长8%\n陈列：端架到位\n下一步：下周补堆头"


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None and update.effective_message is not None
    await context.bot.send_message(update.effective_chat.id, update.effective_message.text or "")


class Run:
    """One bot on its own local Bot API; people who send and wait for the answer."""

    def __init__(self, token: str) -> None:
        self.world = World(token=token, flood_limits=False)
        self.bot_id = self.world.bot_id
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

    def newest(self, person: int) -> dict[str, Any]:
        """The bot's newest message in the person's chat, as it is now ({} if none): read
        from the end, so the people's own waiting costs next to nothing in the figures."""
        bot = self.bot_id
        for message in reversed(self.world.messages[person].values()):
            if message["from"]["id"] == bot:
                return message
        return {}

    def buttons(self, person: int) -> list[tuple[int, str, str]]:
        """(message id, label, data) of the buttons under the bot's newest message."""
        newest = self.newest(person)
        return [
            (newest["message_id"], button["text"], button["callback_data"])
            for row in newest.get("reply_markup", {}).get("inline_keyboard", [])
            for button in row
            if "callback_data" in button
        ]

    async def until(self, done: Callable[[], bool]) -> None:
        condition = self.world.changed()
        async with condition:
            await asyncio.wait_for(condition.wait_for(done), 30)

    async def visit(self, person: int) -> None:
        """One visit the quick way; raises if kabot answers something unexpected."""

        def newest_text() -> str:
            return str(self.newest(person).get("text") or "")

        async def act(update: dict[str, object], done: Callable[[], bool]) -> None:
            del update
            await self.server.deliver()
            await self.until(done)

        def shown(label: str | None) -> Callable[[], bool]:
            return lambda: any(label is None or label in t for _, t, _ in self.buttons(person))

        before = newest_text()
        await act(
            self.world.send_text(person, person, "/visit"),
            lambda: newest_text() != before and shown(None)(),
        )
        message_id, _, data = self.buttons(person)[0]  # the first customer offered
        await act(self.world.press(person, person, message_id, data), shown("就是现在"))
        message_id, _, data = next(b for b in self.buttons(person) if "就是现在" in b[1])
        await act(
            self.world.press(person, person, message_id, data), lambda: "业绩" in newest_text()
        )
        await act(self.world.send_text(person, person, NOTES), shown("提交"))
        message_id, _, data = next(b for b in self.buttons(person) if b[1].endswith("提交"))
        await act(
            self.world.press(person, person, message_id, data),
            lambda: "已提交拜访报告" in newest_text(),
        )

    async def measure(
        self, bot: BotProcess, text: str, updates: int, people: int
    ) -> dict[str, float]:
        for person in PEOPLE[:people]:  # warm up: first contact, caches, dateparser
            await self.ask(person, text)
        alone = [await self.ask(PEOPLE[0], text) for _ in range(updates)]

        async def one(person: int) -> None:
            for _ in range(updates // people):
                await self.ask(person, text)

        async with bot.measured() as spent:
            await asyncio.gather(*(one(p) for p in PEOPLE[:people]))
        done = (updates // people) * people
        return {
            "p50_ms": statistics.median(alone) * 1000,
            "p99_ms": statistics.quantiles(alone, n=100)[98] * 1000,
            "per_s": done / spent["wall"],
            "cpu_ms": spent["cpu"] / done * 1000,
        }


class Statements:
    """What the store ran, from the engine's own trace: statements (BEGIN and COMMIT among
    them; one trip to the store carries a transaction's queued writes with its next
    statement, see ``Database.trips``) and commits (a
    BEGIN … COMMIT — a transaction — or a write alone, which SQLite commits by itself)."""

    def __init__(self) -> None:
        self.statements = self.commits = self.transactions = 0
        self._open = False

    def __call__(self, sql: str) -> None:
        self.statements += 1
        word = sql.lstrip().split(None, 1)[0].upper().rstrip(";") if sql.strip() else ""
        if word == "BEGIN":
            self._open = True
        elif word in ("COMMIT", "ROLLBACK"):
            self._open = False
            self.commits += word == "COMMIT"
            self.transactions += word == "COMMIT"
        elif word in ("INSERT", "UPDATE", "DELETE") and not self._open:
            self.commits += 1


class BotProcess:
    """A bot (``echo``, ``kabot`` with Telegram's limits lifted, or ``limited``: kabot with
    its own limiter on) in a process of its own on the run's local Bot API. ``measured()``
    gives what the bot spent while its block ran: CPU seconds, and for kabot the store's
    trips, statements and commits."""

    def __init__(self, kind: str, run: Run, folder: Path, target: str) -> None:
        self._parent, child = multiprocessing.get_context("spawn").Pipe()
        where = (run.world.token, run.server.url, str(folder), target)
        self._process = multiprocessing.get_context("spawn").Process(
            target=_bot_main, args=(kind, *where, child), daemon=True
        )

    async def __aenter__(self) -> BotProcess:
        self._process.start()
        assert await self._ask(None) == "ready"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._ask("quit")
        await asyncio.to_thread(self._process.join, 60)

    async def _ask(self, command: str | None) -> Any:
        if command is not None:
            self._parent.send(command)
        return await asyncio.to_thread(self._parent.recv)

    @contextlib.asynccontextmanager
    async def measured(self) -> AsyncIterator[dict[str, float]]:
        spent: dict[str, float] = {}
        assert await self._ask("start") == "started"
        wall = time.perf_counter()
        yield spent
        spent["wall"] = time.perf_counter() - wall
        spent.update(await self._ask("stop"))


def _bot_main(kind: str, token: str, url: str, folder: str, target: str, pipe: Connection) -> None:
    """kabot on its own event loop (``bot.app.run``), the echo bot on asyncio's, as a bare
    PTB bot runs."""
    bot = _bot(kind, token, url, Path(folder), target, pipe)
    if kind == "echo":
        asyncio.run(bot)
    else:
        run(bot)


async def _bot(
    kind: str, token: str, url: str, folder: Path, target: str, pipe: Connection
) -> None:
    """The bot process: starts the bot, says "ready", then answers start / stop / quit."""
    if kind == "echo":
        app = (
            Application.builder()
            .token(token)
            .base_url(f"{url}/bot")
            .concurrent_updates(True)
            .build()
        )
        app.add_handler(MessageHandler(filters.TEXT, _echo))
        await app.initialize()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=10)
        await app.start()
    else:
        lifted = KabotRateLimiter(overall_per_second=100_000, group_per_minute=100_000)
        app = build_application(
            _settings(token, url, folder, target),
            ManualClock(datetime(2026, 12, 1, 10, tzinfo=TZ)),
            rate_limiter=lifted if kind == "kabot" else None,
        )
        await start_polling(app)
        with contextlib.redirect_stdout(io.StringIO()):
            await import_roster(app.bot_data.store, app.bot_data.texts, "zh", ROSTER)
    pipe.send("ready")
    database: Database | None = None if kind == "echo" else app.bot_data.store.db
    traced, trips, hops, cpu = Statements(), 0, 0, 0.0
    while (command := await asyncio.to_thread(pipe.recv)) != "quit":
        if command == "start":
            if database is not None:
                traced = Statements()
                await database.trace(traced)
                trips, hops = database.trips, getattr(database, "hops", 0)
            cpu = time.process_time()
            pipe.send("started")
        else:
            figures = {"cpu": time.process_time() - cpu}
            if database is not None:
                await database.trace(None)
                figures["trips"] = database.trips - trips
                figures["hops"] = getattr(database, "hops", 0) - hops
                figures["statements"], figures["commits"] = traced.statements, traced.commits
                figures["transactions"] = traced.transactions
            pipe.send(figures)
    if kind == "echo":
        assert app.updater is not None
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    else:
        await stop_application(app)
    pipe.send("bye")


def _settings(token: str, url: str, folder: Path, target: str) -> Settings:
    return Settings(
        token=token,
        api_url=url,
        db_path=folder / "kabot.db",
        db_url=target if is_server(target) else None,
        tz=TZ,
        rules_path=DEFAULT_RULES,
        default_language="zh",
    )


async def echo_bot(updates: int, people: int, folder: Path) -> dict[str, float]:
    run = Run("111111111:BENCH-echo")
    await run.server.start()
    try:
        async with BotProcess("echo", run, folder, "") as bot:
            return await run.measure(bot, "你好 kabot", updates, people)
    finally:
        await run.server.stop()


async def kabot(updates: int, people: int, folder: Path, target: str) -> dict[str, float]:
    run = Run("222222222:BENCH-kabot")
    await run.server.start()
    try:
        async with BotProcess("kabot", run, folder, target) as bot:
            return await run.measure(bot, "/help", updates, people)
    finally:
        await run.server.stop()


async def kabot_visits(visits: int, folder: Path, target: str) -> dict[str, float]:
    """Whole visits by every field person at once, Telegram's limits kept by kabot's limiter."""
    run = Run("333333333:BENCH-visits")
    for person in FIELD:
        run.world.add_user(person, f"P{person}")
    await run.server.start()
    try:
        async with BotProcess("limited", run, folder, target) as bot:
            for person in FIELD:  # first contact, the first visit's cold paths
                await run.ask(person, "/start")
                await run.visit(person)
            calls_before = len(run.world.calls)

            async def one(person: int) -> None:
                for _ in range(visits):
                    await run.visit(person)

            async with bot.measured() as spent:
                await asyncio.gather(*(one(p) for p in FIELD))
        done = visits * len(FIELD) * 5
        calls = [c for c in run.world.calls[calls_before:] if c.method != "getUpdates"]
        figures = {
            "per_s": done / spent["wall"],
            "cpu_ms": spent["cpu"] / done * 1000,
            "calls": len(calls) / done,
            "statements": spent["statements"] / done,
            "trips": spent["trips"] / done,
            "hops": spent["hops"] / done,
            "commits": spent["commits"] / done,
            "transactions": spent["transactions"] / done,
        }
        for method in sorted({c.method for c in calls}):
            figures[method] = sum(c.method == method for c in calls) / done
        return figures
    finally:
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


_FIGURES = ("per_s", "cpu_ms", "calls", "statements", "trips", "hops", "commits", "transactions")


def _least_disturbed(runs: list[dict[str, float]]) -> dict[str, float]:
    """Of a bot's rounds, the one the machine's other work disturbed least: the least CPU
    an update (all of that round's figures together, not the best of each)."""
    return min(runs, key=lambda figures: figures["cpu_ms"])


async def main(args: argparse.Namespace) -> None:
    updates, people, visits = args.updates, min(args.people, len(PEOPLE)), args.visits
    echoes, helps, flows = [], [], []
    # The bots take turns, round after round: a host whose speed drifts over minutes slows
    # each of them alike.
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as folder:
            echoes.append(await echo_bot(updates, people, Path(folder)))
        with tempfile.TemporaryDirectory() as folder:
            async with engine.database(args, Path(folder)) as target:
                helps.append(await kabot(updates, people, Path(folder), target))
        with tempfile.TemporaryDirectory() as folder:
            async with engine.database(args, Path(folder)) as target:
                flows.append(await kabot_visits(visits, Path(folder), target))
    echo, ours, flow = map(_least_disturbed, (echoes, helps, flows))
    print(f"on {engine.name(target)}, the least disturbed of {args.rounds} rounds each")
    print(f"{updates} updates, 1 person alone (latency) and {people} at once (throughput)")
    print("| bot | p50 ms | p99 ms | updates/s | CPU ms/update | against echo |")
    print("|---|---|---|---|---|---|")
    print(_row("PTB echo bot", echo, None))
    print(_row("kabot /help (inbox + outbox)", ours, echo))
    print()
    print(f"{visits} visits by each of {len(FIELD)} field people at once, kabot's limiter on")
    print(
        f"{flow['per_s']:.0f} updates/s = {flow['per_s'] / echo['per_s']:.2f}× echo; "
        f"CPU {flow['cpu_ms']:.2f} ms an update = {flow['cpu_ms'] / echo['cpu_ms']:.1f}× echo"
    )
    methods = ", ".join(f"{k} {v:.2f}" for k, v in flow.items() if k not in _FIGURES)
    print(f"Bot API calls an update: {flow['calls']:.2f} ({methods})")
    print(
        f"store: {flow['trips']:.1f} trips to the database"
        + (f" ({flow['hops']:.1f} to SQLite's thread)" if engine.name(target) == "SQLite" else "")
        + f", {flow['statements']:.1f} statements, {flow['commits']:.2f} commits an update"
        + f" ({flow['transactions']:.2f} of them transactions, the rest writes alone)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=300)
    parser.add_argument("--people", type=int, default=10)
    parser.add_argument("--visits", type=int, default=40, help="visits per field person")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each bot, in turns")
    engine.add_option(parser)
    asyncio.run(main(parser.parse_args()))
