"""A working day with kabot killed over and over: nothing typed is lost, nothing sent twice.

``run_bot.py`` runs as a subprocess against the local Bot API. The API kills it with SIGKILL
as a request arrives (the request is never answered), every few requests, at least 30 times;
a supervisor starts it again at once. Meanwhile Telegram answers some requests with 429s and
500s, some after 7 seconds, and goes down for 30 seconds. People go through the day as they
would — a visit, its review, a complaint, a promotion's two approvals, a fine — and
``jobs run-due`` runs next to the bot for reminders and the monthly summary.

Afterwards: every answer is in its field, every report exists once with its whole routing,
and every message kabot recorded reached its chat exactly once — except where a kill fell in
the one window the outbox cannot close (a request Telegram answered and kabot died before
writing down), which the supervisor counts at each death by comparing the database with what
the API delivered. The seed is in the test's output (KABOT_CHAOS_SEED replays it). With
KABOT_TEST_DB set, the day runs on the PostgreSQL server (tests/engines.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import inspect
import json
import os
import random
import signal
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.botapi import BotApiServer, World
from bot.delivery.lock import ServerLock
from bot.store.postgres import placeholders
from tests import engines

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "424242424:CHAOS-bot-token"
KILLS = 32
DEADLINE = 90.0  # seconds for one step to come through (the outage is 30); a hang guard
SEED = int(os.environ.get("KABOT_CHAOS_SEED", "20261201"))

ZHOU, WANG, LI = 500200102, 500100101, 500100102  # field YT, centre director, marketing
SUN, LIN, ZHANG, LIU = 500200101, 500400101, 500100103, 500100105  # heads, KA mgr, admin
SENDS = ("sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup")

JSON = dict[str, Any]
Key = tuple[int, str, str]  # chat, method, what it carried (text, file name, file id)


def call_key(method: str, params: JSON) -> Key:
    chat = int(params["chat_id"])
    if "text" in params:
        return chat, method, str(params["text"])
    for field in ("photo", "document"):
        value = params.get(field)
        if isinstance(value, tuple):  # an upload: (file name, bytes, type)
            return chat, method, str(value[0])
        if value is not None:
            return chat, method, str(value)
    return chat, method, json.dumps(params.get("media"), ensure_ascii=False)


def row_key(chat: int, method: str, params: JSON, upload_name: str | None) -> Key:
    if "text" in params:
        return chat, method, str(params["text"])
    if upload_name is not None:
        return chat, method, upload_name
    for field in ("photo", "document"):
        if field in params:
            return chat, method, str(params[field])
    return chat, method, json.dumps(params.get("media"), ensure_ascii=False)


class Supervisor:
    """Runs the bot, kills it as requests arrive, starts it again, keeps the books."""

    def __init__(
        self, world: World, server: BotApiServer, folder: Path, server_db: str | None
    ) -> None:
        self.world, self.server, self.folder = world, server, folder
        self.db = folder / "kabot.db"
        self.server_db = server_db  # the PostgreSQL database, if the suite runs on one
        self._pg: Any = None
        self._reading = asyncio.Lock()
        self.rng = random.Random(SEED)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("KABOT_")},
            "KABOT_TOKEN": TOKEN,
            "KABOT_API_URL": server.url,
            "KABOT_DB": server_db or str(self.db),
            "KABOT_DATA_DIR": str(folder),
            "KABOT_LANG": "zh",
        }
        self.proc: asyncio.subprocess.Process | None = None
        self.requests = 0
        self.next_kill = 8
        self.kills = 0
        self.starts = 0
        self.killing = True
        self.window: Counter[Key] = Counter()  # messages the one window may double
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self.log = (folder / "bot.log").open("ab")
        world.on_request = self.on_request

    async def command(self, *args: str) -> str:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "run_bot.py"),
            *args,
            env=self.env,
            cwd=self.folder,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(proc.communicate(), DEADLINE)
        assert proc.returncode == 0, out.decode()
        return out.decode()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._supervise())
        await self.until(self.running)

    async def _spawn(self) -> None:
        self.starts += 1
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "run_bot.py"),
            env=self.env,
            cwd=self.folder,
            stdout=self.log,
            stderr=self.log,
        )

    async def _supervise(self) -> None:
        while not self._stopping:
            await self._spawn()
            assert self.proc is not None
            await self.proc.wait()
            if self._stopping:
                return
            await self._count_window()
            await asyncio.sleep(0.05)

    def on_request(self, method: str) -> bool:
        """Each request as it arrives: now and then, the bot dies right here."""
        proc = self.proc
        if proc is None or proc.returncode is not None or not self.killing:
            return False
        self.requests += 1
        if self.kills >= KILLS or self.requests < self.next_kill:
            return False
        self.kills += 1
        self.next_kill = self.requests + self.rng.randint(3, 14)
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
        return True

    async def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """What the bot's database holds (read beside the bot, whichever engine)."""
        if self.server_db is None:
            return await asyncio.to_thread(self._file_rows, sql, params)
        async with self._reading:  # one connection: the supervisor and the test take turns
            if self._pg is None:
                self._pg = await asyncpg.connect(self.server_db)
            return [dict(r) for r in await self._pg.fetch(placeholders(sql), *params)]

    def _file_rows(self, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        with contextlib.closing(sqlite3.connect(self.db, timeout=0.2)) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute(sql, params).fetchall()]

    async def _count_window(self) -> None:
        """The bot is dead: a row still 'sending' whose request Telegram did answer will go
        out again at the next start — the one window; count it."""
        delivered = Counter(
            call_key(c.method, c.params) for c in self.world.calls if c.ok and c.method in SENDS
        )
        recorded = await self.recorded("sent")
        for key in await self.recorded("sending"):
            if delivered[key] > recorded[key] + self.window[key]:
                self.window[key] += 1

    async def recorded(self, status: str) -> Counter[Key]:
        marks = ",".join("?" * len(SENDS))
        rows = await self.rows(
            "SELECT chat_id, method, params, upload_name FROM outbox"
            f" WHERE status = ? AND method IN ({marks})",
            (status, *SENDS),
        )
        return Counter(
            row_key(r["chat_id"], r["method"], json.loads(r["params"]), r["upload_name"])
            for r in rows
        )

    async def running(self) -> bool:
        """The bot holds its database (so ``jobs run-due`` leaves delivery to it)."""
        if self.server_db is not None:
            return await ServerLock(self.server_db).holder() is not None
        return self._file_locked()

    def _file_locked(self) -> bool:
        lock = self.db.with_name(self.db.name + ".lock")
        if not lock.exists():
            return False
        with lock.open("rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False

    async def caught_up(self) -> bool:
        """Every update fetched and handled, nothing left to send."""
        if not self.world.all_confirmed():
            return False
        if self.server_db is None and not self.db.exists():
            return False
        try:
            (busy,) = await self.rows(
                "SELECT EXISTS (SELECT 1 FROM inbox WHERE status = 'new')"
                " OR EXISTS (SELECT 1 FROM outbox WHERE status IN ('pending', 'sending'))"
                " AS busy"
            )
        except (sqlite3.OperationalError, asyncpg.PostgresError):
            return False  # locked, or not migrated yet: not caught up
        return not busy["busy"]

    async def until(self, condition: Callable[[], bool | Awaitable[bool]]) -> None:
        deadline = time.monotonic() + DEADLINE
        while not await _true(condition()):
            if time.monotonic() > deadline:
                raise AssertionError(f"stuck (seed {SEED}); log: {self.folder / 'bot.log'}")
            await asyncio.sleep(0.05)

    async def settle(self) -> None:
        await self.until(self.caught_up)

    async def stop(self) -> None:
        self._stopping = True
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGINT)
            await asyncio.wait_for(self.proc.wait(), DEADLINE)
        if self._task is not None:
            await self._task
        self.log.close()
        if self._pg is not None:
            await self._pg.close()
            self._pg = None


async def _true(answer: bool | Awaitable[bool]) -> bool:
    return await answer if inspect.isawaitable(answer) else bool(answer)


class Someone:
    def __init__(self, day: Supervisor, telegram_id: int, name: str) -> None:
        self.day, self.id = day, telegram_id
        day.world.add_user(telegram_id, name)

    async def send(self, text: str, chat: int | None = None) -> None:
        self.day.world.send_text(self.id, chat or self.id, text)
        await self.day.server.deliver()
        await self.day.settle()

    async def press(self, label: str, chat: int | None = None) -> None:
        world, chat_id = self.day.world, chat or self.id
        await self.day.until(lambda: self._button(chat_id, label) is not None)
        found = self._button(chat_id, label)
        assert found is not None
        world.press(self.id, chat_id, *found)
        await self.day.server.deliver()
        await self.day.settle()

    def _button(self, chat_id: int, label: str) -> tuple[int, str] | None:
        for message in reversed(self.day.world.bot_messages(chat_id)):
            for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if label in button["text"] and "callback_data" in button:
                        return message["message_id"], button["callback_data"]
        return None

    def texts(self, chat: int | None = None) -> list[str]:
        return [m.get("text") or "" for m in self.day.world.bot_messages(chat or self.id)]


@pytest.fixture
async def day(tmp_path: Path) -> Any:
    world = World(token=TOKEN)
    server = BotApiServer(world)
    await server.start()
    server_db = await engines.database_for()
    supervisor = Supervisor(world, server, tmp_path, server_db)
    try:
        yield supervisor
    finally:
        await supervisor.stop()
        await server.stop()
        if server_db is not None:
            await engines.drop(server_db)


async def test_a_working_day_survives_sigkill_throttling_slowness_and_an_outage(
    day: Supervisor,
) -> None:
    print(f"chaos seed {SEED}")
    world = day.world
    await day.command("import", str(ROOT / "examples" / "roster"))
    await day.start()

    liu = Someone(day, LIU, "刘洋")
    groups = {}
    for code, title in (("YT", "液态奶KA群"), ("KA", "KA中心群")):
        group = world.add_group(title)
        world.add_to_group(LIU, group["id"], world.bot_user)
        await liu.send(f"/bindgroup {code}", group["id"])
        groups[code] = group["id"]
    people = {
        who: Someone(day, who, name)
        for who, name in (
            (ZHOU, "周丽"),
            (WANG, "王建国"),
            (LI, "李志强"),
            (SUN, "孙伟"),
            (LIN, "林峰"),
            (ZHANG, "张敏"),
        )
    }
    for person in people.values():
        await person.send("/start")
    zhou, wang, li, zhang = people[ZHOU], people[WANG], people[LI], people[ZHANG]

    # A visit, under flood control.
    world.fail("sendMessage", 429, retry_after=1, times=2)
    await zhou.send("/visit")
    await zhou.send("家乐福")
    await zhou.press("家乐福（华东区）")
    await zhou.send("昨天下午3点")
    await zhou.send("人员：王经理、李主管\n业绩：10月销量同比增长12%\n合作：端架费用结算慢")
    await zhou.press("提交")
    await wang.press("✅ 通过")

    # A complaint, with Telegram failing now and then.
    world.fail("*", 500, times=3)
    await zhou.send("/issue")
    await zhou.send("永辉")
    await zhou.press("永辉超市（华南区）")
    await zhou.send("深圳南山店")
    await zhou.press("投诉")
    await zhou.press("严重")
    await zhou.send("顾客投诉临期奶未下架")
    await zhou.press("跳过")
    await zhou.press("提交")

    # A promotion's two approvals, with a slow Telegram.
    world.slow("sendMessage", 7.0)
    await zhou.send("/promo")
    await zhou.press("新活动方案")
    await zhou.send("双十二液态奶大促")
    await zhou.send("家乐福")
    await zhou.press("家乐福（华东区）")
    await zhou.press("选好了")
    await zhou.send("提升12月销量20%")
    await zhou.send("温暖过冬，好奶相伴")
    await zhou.press("跳过")
    await zhou.send("12月1日至12月31日")
    await zhou.send("华东区40家门店")
    await zhou.press("跳过")
    await zhou.send("堆头40个")
    await zhou.send("5万")
    await zhou.send("增量销售额30万元")
    await zhou.press("提交")
    await wang.press("✅ 通过")
    await li.press("✅ 通过")

    # A fine recorded by the KA centre.
    await zhang.send("/penalty")
    await zhang.send("周丽")
    await zhang.press("周丽 ·")
    await zhang.send("50")
    await zhang.send("陈列未达标")
    await zhang.press("提交")

    # Telegram goes down for 30 s; the due work runs next to the bot meanwhile.
    await day.until(day.running)
    world.outage(30)
    out = await day.command("jobs", "run-due", "--now", "2026-12-04T09:00")
    assert "kabot" in out
    await day.settle()
    await day.until(day.running)
    await day.command("jobs", "run-due", "--now", "2027-01-04T10:00")
    await day.settle()
    day.killing = False
    assert day.kills >= 30, f"only {day.kills} kills (seed {SEED})"
    await day.stop()

    # ---------------------------------------------------------------- what is stored
    visits = await day.rows("SELECT answers, status FROM visits")
    assert len(visits) == 1, "the visit is stored once"
    answers = json.loads(visits[0]["answers"])
    assert answers["participants"] == "王经理、李主管"
    assert answers["business_review"] == "10月销量同比增长12%"
    assert answers["cooperation"] == "端架费用结算慢"
    assert visits[0]["status"] == "approved"
    issues = await day.rows("SELECT id, answers FROM issues")
    assert len(issues) == 1
    assert json.loads(issues[0]["answers"])["description"] == "顾客投诉临期奶未下架"
    posts = await day.rows("SELECT chat_id FROM report_posts WHERE kind = 'issue'")
    assert sorted(r["chat_id"] for r in posts) == sorted(groups.values())
    promotions = await day.rows("SELECT status FROM promotions")
    assert [r["status"] for r in promotions] == ["approved"]
    steps = await day.rows("SELECT step, status FROM decisions ORDER BY id")
    assert [(r["step"], r["status"]) for r in steps] == [
        ("review", "approved"),
        ("centre", "approved"),
        ("marketing", "approved"),
    ]
    by_hand = await day.rows("SELECT amount_fen, reason FROM penalty_ledger WHERE rule IS NULL")
    assert [(r["amount_fen"], r["reason"]) for r in by_hand] == [(5000, "陈列未达标")]
    # The rules' own fines (R4's late written reply, a day each): each breach once.
    charged = await day.rows(
        "SELECT rule, source, COUNT(*) AS n FROM penalty_ledger WHERE rule IS NOT NULL"
        " GROUP BY rule, source"
    )
    assert charged and all(r["n"] == 1 for r in charged)
    left = await day.rows(
        "SELECT status, COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')"
        " GROUP BY status"
    )
    assert left == []
    assert await day.rows("SELECT update_id FROM inbox WHERE status != 'done'") == []

    # ---------------------------------------------------------------- what was delivered
    delivered = Counter(
        call_key(c.method, c.params) for c in world.calls if c.ok and c.method in SENDS
    )
    recorded = await day.recorded("sent")
    doubled = {k: n - recorded[k] for k, n in delivered.items() if n > recorded[k]}
    assert doubled == {k: day.window[k] for k in doubled}, "only the one window doubles"
    assert sum(day.window.values()) <= 3, day.window
    assert not [k for k, n in recorded.items() if delivered[k] < n], "recorded, not delivered"

    def once(chat: int, needle: str) -> None:
        found = [m for m in world.bot_messages(chat) if needle in (m.get("text") or "")]
        assert len(found) == 1, (chat, needle, found)

    once(ZHOU, "V1：拜访报告审阅已由王建国通过")  # the review reached its author once
    once(ZHOU, "P1：活动方案 · 营销总监审批已由李志强通过")
    once(SUN, "⏰ R1")
    once(LIN, "⏰ R1")
    once(groups["YT"], "顾客投诉临期奶未下架")
    once(groups["KA"], "顾客投诉临期奶未下架")
    once(groups["YT"], "罚款通知")
    # November's summary (due on the 1st, sent late on the 4th) and December's early January:
    # each group gets each once, with its chart; the centre's comes with the workbook.
    for chat in groups.values():
        once(chat, "📊 2026-11 月度汇总")
        once(chat, "📊 2026-12 月度汇总")
        assert len([m for m in world.bot_messages(chat) if m.get("photo")]) == 2, chat
    assert len([m for m in world.bot_messages(groups["KA"]) if m.get("document")]) == 2
    assert not world.violations
    print(f"kills {day.kills}, starts {day.starts}, one-window doubles {dict(day.window)}")
