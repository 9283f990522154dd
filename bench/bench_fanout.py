"""Fan-out: how close kabot's sender comes to Telegram's ceiling of 30 messages a second.

    .venv/bin/python bench/bench_fanout.py [--groups 500] [--people 998] [--per-group 3]
        [--per-person 1] [--errors 0.1] [--seed 7]

A seeded batch like a month's first morning — notices to every business unit's group and a
message to each person — is written to a fresh outbox (SQLite in a temp folder) and
delivered by kabot's own sender and rate limiter to the local Bot API, which enforces
Telegram's limits (30 messages a second, 20 a minute per group) and answers with 429s at the
rate ``--errors`` says. Printed: messages per second and the ratio to 30, how many arrived,
how many were missing or doubled, and the limits broken (there must be none).

While the batch goes out, a person answers a question every second (interactive replies,
counted in the rate too): their p50 and p99 wait is printed — an answer must never queue
behind a fan-out.
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
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram.constants import ParseMode
from telegram.ext import Defaults, ExtBot

from bench import engine
from bot.botapi import BotApiServer, World
from bot.botapi.world import Failure
from bot.clock import SystemClock
from bot.delivery.outbox import INTERACTIVE, NOTICE, Outbox
from bot.delivery.ratelimit import OVERALL_PER_SECOND, KabotRateLimiter
from bot.delivery.sender import Sender
from bot.store import Store

TOKEN = "123456:fanout-bench-token"
ASKER = 777_000_001  # the person answering questions meanwhile


class Flaky(World):
    """A share of sends, at random (seeded), answered "429: retry after 1" — flood control
    Telegram applies for its own reasons, not because kabot went too fast."""

    def __init__(self, *, token: str, share: float, rng: random.Random) -> None:
        super().__init__(token=token)
        self.share, self.rng = share, rng

    def take_failure(self, method: str) -> Failure | None:
        found = super().take_failure(method)
        if found is None and method == "sendMessage" and self.rng.random() < self.share:
            return Failure(method, 429, 1, retry_after=1)
        return found


async def run(args: argparse.Namespace) -> dict[str, float]:
    rng = random.Random(args.seed)
    world = Flaky(token=TOKEN, share=args.errors, rng=random.Random(args.seed + 1))
    groups = [world.add_group(f"本部 {i}")["id"] for i in range(args.groups)]
    people = [700_000_000 + i for i in range(args.people)]
    for person in [*people, ASKER]:
        world.add_user(person, f"P{person}")
        world.started.add(person)
    server = BotApiServer(world)
    url = await server.start()
    places = contextlib.AsyncExitStack()
    try:
        folder = Path(tempfile.mkdtemp(prefix="kabot-fanout-"))
        target = await places.enter_async_context(engine.database(args, folder))
        print(f"on {engine.name(target)}")
        store = await Store.open(target, SystemClock(ZoneInfo("Asia/Shanghai")))
        db = store.db
        bot = ExtBot(
            TOKEN,
            base_url=f"{url}/bot",
            defaults=Defaults(parse_mode=ParseMode.HTML),
            rate_limiter=KabotRateLimiter(),
        )
        batch = [(g, f"⏰ 提醒 {n}") for g in groups for n in range(args.per_group)]
        batch += [(p, f"📋 简报 {n}") for p in people for n in range(args.per_person)]
        rng.shuffle(batch)
        notices = Outbox(store.outbox, NOTICE)
        async with db.transaction():
            for chat, text in batch:
                await notices.message(chat, text)
        waits: list[float] = []
        async with bot:
            sender = Sender(bot, store.outbox)
            started = time.perf_counter()
            await sender.start()

            async def ask() -> None:
                replies = Outbox(store.outbox, INTERACTIVE)
                for n in range(10_000):
                    before = len(world.messages[ASKER])
                    asked = time.perf_counter()
                    await replies.message(ASKER, f"下一题 {n}")
                    sender.wake()
                    condition = world.changed()
                    async with condition:
                        await asyncio.wait_for(
                            condition.wait_for(lambda n=before: len(world.messages[ASKER]) > n), 30
                        )
                    waits.append(time.perf_counter() - asked)
                    await asyncio.sleep(1.0)

            asker = asyncio.create_task(ask())
            while await store.outbox.depth() > 0 or sender.delivered < len(batch):
                if time.perf_counter() - started > args.timeout:
                    break
                await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - started
            asker.cancel()
            await asyncio.gather(asker, return_exceptions=True)
            await sender.stop()
        await db.close()
    finally:
        await places.aclose()
        await server.stop()
    arrived: Counter[tuple[int, str]] = Counter()
    for chat in {c for c, _ in batch}:
        for message in world.bot_messages(chat):
            arrived[(chat, message.get("text", ""))] += 1
    wanted = Counter(batch)
    missing = sum((wanted - arrived).values())
    doubled = sum((arrived - wanted).values())
    rate = (len(batch) - missing + len(waits)) / elapsed
    return {
        "messages": len(batch) + len(waits),
        "seconds": elapsed,
        "rate": rate,
        "ratio": rate / OVERALL_PER_SECOND,
        "missing": missing,
        "doubled": doubled,
        "violations": len(world.violations),
        "p50_ms": statistics.median(waits) * 1000 if waits else float("nan"),
        "p99_ms": (statistics.quantiles(waits, n=100)[98] if len(waits) > 1 else float("nan"))
        * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--people", type=int, default=998)
    parser.add_argument("--per-group", type=int, default=3)
    parser.add_argument("--per-person", type=int, default=1)
    parser.add_argument("--errors", type=float, default=0.0, help="share of 429s injected")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=600.0)
    engine.add_option(parser)
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    print(
        f"fan-out: {figures['messages']:.0f} messages in {figures['seconds']:.1f} s ="
        f" {figures['rate']:.1f} msg/s = {figures['ratio']:.2f}× Telegram's"
        f" {OVERALL_PER_SECOND} msg/s; missing {figures['missing']:.0f},"
        f" doubled {figures['doubled']:.0f}, limits broken {figures['violations']:.0f};"
        f" interactive reply meanwhile p50 {figures['p50_ms']:.0f} ms,"
        f" p99 {figures['p99_ms']:.0f} ms"
    )


if __name__ == "__main__":
    main()
