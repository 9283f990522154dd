"""Run the real kabot Application against the local Bot API server, and act as people.

    kabot = await Kabot.launch(tmp_path)
    alice = kabot.person(500200102, "周丽")
    await alice.send("/start")
    assert "欢迎" in alice.last_reply()
    await alice.press("🏪 查客户")

Everything goes over HTTP on 127.0.0.1; the database is a real SQLite file in tmp_path (or
a database of its own on the PostgreSQL server KABOT_TEST_DB names: tests/engines.py); the
clock is a ManualClock the test moves.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import build_application, settle, start_polling, stop_application
from bot.botapi import BotApiServer, World
from bot.cli import import_roster
from bot.clock import ManualClock
from bot.context import Resources
from bot.delivery.backoff import Backoff
from bot.delivery.ratelimit import KabotRateLimiter
from bot.settings import DEFAULT_RULES, Settings
from bot.store import Store
from tests import engines

TOKEN = "123456789:TEST-kabot-token"  # each Kabot gets its own, suffixed: see Kabot.token
TZ = ZoneInfo("Asia/Shanghai")
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
# Each action of a person moves the clock on a little, as a person takes a moment per tap.
THINKING_TIME = timedelta(seconds=2)
SETTLE_TIMEOUT = 15.0
_BOTS = itertools.count(1)  # seconds; a deadlock guard, never a timing assertion

JSON = dict[str, Any]


class TestMonotonic:
    """The monotonic clock Telegram's flood windows (the local server's and kabot's limiter's)
    run on in tests: real time, plus however far the test has moved kabot's clock or walked
    the calendar — a day jumped is a day in which the windows empty, as they would."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock, self.start, self.offset = clock, clock.now(), 0.0

    def reach(self, moment: datetime) -> None:
        self.offset = max(self.offset, (moment - self.start).total_seconds())

    def __call__(self) -> float:
        self.reach(self.clock.now())
        return time.monotonic() + self.offset


class Kabot:
    def __init__(self, tmp_path: Path, *, start: datetime | None = None) -> None:
        self.tmp_path = tmp_path
        self.clock = ManualClock(start or datetime(2026, 11, 20, 9, 0, tzinfo=TZ))
        self.monotonic = TestMonotonic(self.clock)
        # A bot of its own per test: Telegram's limits (and kabot's limiter) count per bot.
        self.token = f"{TOKEN}-{next(_BOTS)}"
        self.world = World(
            token=self.token,
            clock=lambda: self.clock.now().timestamp(),
            monotonic=self.monotonic,
        )
        self.server = BotApiServer(self.world)
        self.app: Any = None
        self.scheduled: dict[str, tuple[object, bool]] = {}
        self.settings: Settings | None = None
        self.sent_updates: list[JSON] = []
        # Telegram counts a bot's messages whatever process sends them: one limiter across
        # restarts, or a restart would start a fresh second's worth.
        self.rate_limiter = KabotRateLimiter(
            server_error_backoff=0.01, clock=self.monotonic, shared_by=self.token
        )

    @classmethod
    async def launch(cls, tmp_path: Path, *, database: str | None = None, **kwargs: Any) -> Kabot:
        """``database``: "sqlite" for the file whatever the engine the suite runs on, or a
        server's URL; by default, the suite's engine (tests/engines.py)."""
        kabot = cls(tmp_path, **kwargs)
        await kabot.server.start()
        if database is None:
            database = await engines.database_for()
        elif database == "sqlite":
            database = None
        kabot.settings = Settings(
            token=kabot.token,
            api_url=kabot.server.url,
            db_path=tmp_path / "kabot.db",
            db_url=database,
            tz=TZ,
            rules_path=DEFAULT_RULES,
            default_language="zh",
            # A failed delivery is tried again within moments, not a minute (tests wait).
            delivery_backoff=Backoff(first=0.05, most=0.5, retry_after_cap=2.0),
        )
        try:
            await kabot.start()
        except BaseException:
            await kabot.server.stop()
            raise
        return kabot

    async def start(self) -> None:
        assert self.settings is not None
        self.app = build_application(self.settings, self.clock, rate_limiter=self.rate_limiter)
        await start_polling(self.app, poll_timeout=5)
        # Timed work runs when a test says so (jobs run-due, or the job's function called
        # directly), never because a second of real time passed. What was scheduled is kept.
        self.scheduled = {
            job.job.id: (job.job.misfire_grace_time, job.job.coalesce)
            for job in self.app.job_queue.jobs()
        }
        for job in self.app.job_queue.jobs():
            job.schedule_removal()

    async def stop(self) -> None:
        if self.app is not None:
            await stop_application(self.app)
            self.app = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def close(self) -> None:
        await self.stop()
        await self.server.stop()
        if self.settings is not None and self.settings.db_url is not None:
            await engines.drop(self.settings.db_url)

    @property
    def store(self) -> Store:
        resources: Resources = self.app.bot_data
        assert resources.store is not None
        return resources.store

    async def import_roster(self, path: Path = EXAMPLES / "roster") -> tuple[int, str]:
        """Import a roster through the same code as ``run_bot.py import``; (exit code, text)."""
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            code = await import_roster(self.store, self.app.bot_data.texts, "zh", path)
        return code, buffer.getvalue()

    # ------------------------------------------------------------------ people and groups

    def person(
        self,
        telegram_id: int,
        first_name: str,
        *,
        username: str | None = None,
        language_code: str | None = "zh-hans",
    ) -> Person:
        user = self.world.add_user(
            telegram_id, first_name, username=username, language_code=language_code
        )
        return Person(self, user)

    def group(self, title: str) -> Group:
        return Group(self, self.world.add_group(title))

    async def bound_group(self, unit_code: str, title: str) -> Group:
        """A group the information officer (刘洋, in the sample organisation) bound to a unit."""
        admin = self.person(500100105, "刘洋")
        group = self.group(title)
        await group.add_bot(admin)
        await admin.send(f"/bindgroup {unit_code}", group)
        return group

    async def deliver(self, update: JSON) -> None:
        self.sent_updates.append(update)
        await self.server.deliver()
        await self.settle()

    async def settle(self) -> None:
        """Wait until the bot fetched every update and finished handling it."""
        condition = self.world.changed()
        async with condition:
            await asyncio.wait_for(condition.wait_for(self.world.all_confirmed), SETTLE_TIMEOUT)
        await settle(self.app, SETTLE_TIMEOUT)

    def calls(self, method: str) -> list[JSON]:
        return [c.params for c in self.world.calls if c.method == method and c.ok]


class Chat:
    """What a chat shows: the bot's messages, as they are now (after edits)."""

    def __init__(self, kabot: Kabot, chat: JSON) -> None:
        self.kabot = kabot
        self.chat = chat
        self.id: int = chat["id"]

    def bot_messages(self) -> list[JSON]:
        return self.kabot.world.bot_messages(self.id)

    def texts(self) -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in self.bot_messages()]

    def reminders(self) -> list[str]:
        """Each reminder shown, one by one (one person's reminders of a run share a message)."""
        return [
            part
            for text in self.texts()
            for part in re.split(r"\n\n(?=⏰ )", text)
            if part.startswith("⏰ ")
        ]


class Group(Chat):
    async def add_bot(self, by: Person) -> None:
        update = self.kabot.world.add_to_group(by.id, self.id, self.kabot.world.bot_user)
        await self.kabot.deliver(update)


class Person:
    def __init__(self, kabot: Kabot, user: JSON) -> None:
        self.kabot = kabot
        self.user = user
        self.id: int = user["id"]
        self.private = Chat(kabot, kabot.world.chats[self.id])
        # chat id → (its last message id, the world's last change) before my last action there
        self._marks: dict[int, tuple[int, int]] = {}
        self._pressed: dict[int, int] = {}  # chat id → the message my last action pressed
        self._last_query: str | None = None

    def _mark(self, chat_id: int) -> None:
        """Before each action: remember what was shown; a person takes a moment to act."""
        world = self.kabot.world
        self._marks[chat_id] = (max(world.messages[chat_id], default=0), world.last_change)
        self._pressed.pop(chat_id, None)
        self.kabot.clock.advance(THINKING_TIME)

    def _chat_id(self, chat: Chat | None) -> int:
        return self.id if chat is None else chat.id

    async def send(self, text: str, chat: Chat | None = None) -> None:
        chat_id = self._chat_id(chat)
        self._mark(chat_id)
        await self.kabot.deliver(self.kabot.world.send_text(self.id, chat_id, text))

    async def send_content(self, content: JSON, chat: Chat | None = None) -> None:
        chat_id = self._chat_id(chat)
        self._mark(chat_id)
        await self.kabot.deliver(self.kabot.world.send_content(self.id, chat_id, content))

    async def send_sticker(self, chat: Chat | None = None) -> None:
        sticker = {
            "file_id": "CAACAgIAAxkBAAEsticker",
            "file_unique_id": "AgADsticker",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        await self.send_content({"sticker": sticker}, chat)

    async def send_photo(
        self,
        data: bytes = b"\xff\xd8\xff\xe0 fake jpeg",
        caption: str = "",
        chat: Chat | None = None,
    ) -> None:
        chat_id = self._chat_id(chat)
        self._mark(chat_id)
        await self.kabot.deliver(self.kabot.world.send_photo(self.id, chat_id, data, caption))

    async def send_album(self, count: int, chat: Chat | None = None, caption: str = "") -> None:
        """Several photos sent at once: Telegram delivers one message each, one album id;
        a caption typed for the album comes with its first photo."""
        chat_id = self._chat_id(chat)
        self._mark(chat_id)
        world, last = self.kabot.world, None
        album = f"album{len(world.calls)}{chat_id}"
        for i in range(count):
            data = b"\xff\xd8\xff\xe0 album %d" % i
            last = world.send_photo(self.id, chat_id, data, caption if i == 0 else "")
            last["message"]["media_group_id"] = album
        assert last is not None
        await self.kabot.deliver(last)

    async def send_document(
        self,
        file_name: str,
        data: bytes = b"PK\x03\x04 sheet",
        mime_type: str = "",
        chat: Chat | None = None,
    ) -> None:
        chat_id = self._chat_id(chat)
        self._mark(chat_id)
        update = self.kabot.world.send_document(
            self.id, chat_id, data, file_name, mime_type or "application/octet-stream"
        )
        await self.kabot.deliver(update)

    async def send_location(self, latitude: float = 31.2304, longitude: float = 121.4737) -> None:
        await self.send_content({"location": {"latitude": latitude, "longitude": longitude}})

    async def send_voice(self) -> None:
        voice = {"file_id": "AwACAgIAAxkBvoice", "file_unique_id": "AgADvoice", "duration": 4}
        await self.send_content({"voice": voice})

    def buttons(self, chat: Chat | None = None) -> list[tuple[int, str, str]]:
        """(message id, text, callback data) of every inline button shown, newest first."""
        chat_id = self._chat_id(chat)
        found = []
        for message in reversed(self.kabot.world.bot_messages(chat_id)):
            for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if "callback_data" in button:
                        found.append(
                            (message["message_id"], button["text"], button["callback_data"])
                        )
        return found

    def tap(self, label: str, chat: Chat | None = None) -> JSON:
        """Tap a button without waiting for kabot: for presses that arrive together."""
        chat_id = self._chat_id(chat)
        for message_id, text, data in self.buttons(chat):
            if label in text:
                self._mark(chat_id)
                self._pressed[chat_id] = message_id
                update = self.kabot.world.press(self.id, chat_id, message_id, data)
                self._last_query = update["callback_query"]["id"]
                return update
        raise AssertionError(f"no button {label!r}")

    async def press(self, label: str, chat: Chat | None = None) -> None:
        """Tap the newest inline button whose text contains ``label``."""
        shown = self.buttons(chat)
        for message_id, text, data in shown:
            if label in text:
                await self.press_data(data, message_id, chat)
                return
        raise AssertionError(f"no button {label!r}; shown: {[t for _, t, _ in shown]}")

    async def press_data(self, data: str, message_id: int, chat: Chat | None = None) -> None:
        """Send a callback query with any data (a forged or stale button) under a message."""
        chat_id = self._chat_id(chat)
        self._mark(chat_id)
        self._pressed[chat_id] = message_id
        update = self.kabot.world.press(self.id, chat_id, message_id, data)
        self._last_query = update["callback_query"]["id"]
        await self.kabot.deliver(update)

    def replies(self, chat: Chat | None = None) -> list[str]:
        """Texts the bot sent to this chat since my last action there: the message I pressed
        a button of, if its text changed (a question answered with its own button becomes the
        next one), then the new messages."""
        chat_id = self._chat_id(chat)
        last_id, change = self._marks.get(chat_id, (0, 0))
        pressed = self._pressed.get(chat_id)
        messages = self.kabot.world.bot_messages(chat_id)
        shown = [m for m in messages if m["message_id"] == pressed and m["_change"] > change]
        shown += [m for m in messages if m["message_id"] > last_id]
        return [m.get("text") or m.get("caption") or "" for m in shown]

    def last_reply(self, chat: Chat | None = None) -> str:
        replies = self.replies(chat)
        assert replies, "the bot sent nothing"
        return replies[-1]

    def last_message(self, chat: Chat | None = None) -> JSON:
        messages = self.kabot.world.bot_messages(self._chat_id(chat))
        assert messages, "the bot sent nothing"
        return messages[-1]

    def alert_text(self) -> str:
        """The text of what the bot answered to my last press ("" when it answered silently)."""
        answer = self.last_alert() or {}
        return str(answer.get("text") or "")

    def last_alert(self) -> JSON | None:
        """What the bot answered to my last button press (a toast or an alert)."""
        assert self._last_query is not None, "I pressed nothing"
        return self.kabot.world.callback_answers.get(self._last_query)
