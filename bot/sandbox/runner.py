"""Starting, keeping and resetting the sandbox: the local Bot API, kabot, the sample
organisation, one group per business unit, and the time machine's clock."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import pickle
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import Application

from bot.app import build_application, settle, start_polling, stop_application
from bot.botapi import BotApiServer, World
from bot.cli import import_roster
from bot.clock import OffsetClock
from bot.context import Resources
from bot.models import Role, Staff
from bot.reminders.engine import RunReport, run_due
from bot.settings import DEFAULT_RULES, PROJECT_ROOT, Settings
from bot.store import Store

_LOGGER = logging.getLogger(__name__)

TOKEN = "100000001:sandbox-token-nothing-leaves-this-machine"
SAMPLE_ROSTER = PROJECT_ROOT / "examples" / "roster"
# People with only a username in the roster get an id here, so the page can be them.
SANDBOX_IDS_FROM = 900_000_000
SETTLE_SECONDS = 20.0


@dataclass(slots=True)
class Person:
    """Someone the page can be: a person of the organisation and their chats."""

    telegram_id: int
    staff: Staff
    unit: str
    groups: list[int] = field(default_factory=list)


class Sandbox:
    def __init__(self, folder: Path, tz: ZoneInfo, *, language: str = "zh") -> None:
        self.folder = folder
        self.tz = tz
        self.language = language
        self.world = World(token=TOKEN)
        self.api = BotApiServer(self.world)
        self.clock = OffsetClock(tz)
        self.world.clock = lambda: self.clock.now().timestamp()
        self.app: Application | None = None
        self.people: dict[int, Person] = {}
        self.group_titles: dict[int, str] = {}
        self._saving: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ paths

    @property
    def db_path(self) -> Path:
        return self.folder / "kabot.db"

    @property
    def world_path(self) -> Path:
        return self.folder / "chats.pickle"

    @property
    def clock_path(self) -> Path:
        return self.folder / "clock.json"

    @property
    def store(self) -> Store:
        assert self.app is not None
        resources: Resources = self.app.bot_data
        assert resources.store is not None
        return resources.store

    # ------------------------------------------------------------------ life

    async def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fresh = not self.db_path.exists()
        if not fresh and self.world_path.exists():
            self.world.restore(pickle.loads(self.world_path.read_bytes()))
        if self.clock_path.exists():
            offset = json.loads(self.clock_path.read_text(encoding="utf-8"))["offset_seconds"]
            self.clock.offset = timedelta(seconds=offset)
        await self.api.start()
        await self._start_kabot()
        if fresh:
            await self._first_time()
        await self._learn_people()
        self.save()

    async def _start_kabot(self) -> None:
        settings = Settings(
            token=TOKEN,
            api_url=self.api.url,
            db_path=self.db_path,
            tz=self.tz,
            rules_path=DEFAULT_RULES,
            default_language=self.language,
        )
        self.app = build_application(settings, self.clock)
        await start_polling(self.app, poll_timeout=10)

    async def stop(self) -> None:
        if self.app is not None:
            await stop_application(self.app)
            self.app = None
        self.save()
        await self.api.stop()
        self.world.closing = False

    async def reset(self) -> None:
        """Start over: a new database, new chats, today's date."""
        await self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
        self.world = World(token=TOKEN)
        self.world.clock = lambda: self.clock.now().timestamp()
        self.api = BotApiServer(self.world)
        self.clock.offset = timedelta(0)
        self.people, self.group_titles = {}, {}
        await self.start()

    def save(self) -> None:
        """Keep the chats and the clock (kabot keeps its own database)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.world_path.with_suffix(".tmp")
        temporary.write_bytes(pickle.dumps(self.world.snapshot()))
        temporary.replace(self.world_path)
        self.clock_path.write_text(
            json.dumps({"offset_seconds": self.clock.offset.total_seconds()}), encoding="utf-8"
        )

    # ------------------------------------------------------------------ the organisation

    async def _first_time(self) -> None:
        """Load the sample organisation and give every unit a group kabot is bound to."""
        assert self.app is not None
        with contextlib.redirect_stdout(io.StringIO()):
            code = await import_roster(
                self.store, self.app.bot_data.texts, self.language, SAMPLE_ROSTER
            )
        if code != 0:
            raise RuntimeError("the sample organisation in examples/roster did not load")
        await self._learn_people()
        admin = next(p for p in self.people.values() if p.staff.role is Role.ADMIN)
        for unit in await self.store.units.all():
            group = self.world.add_group(f"{unit.name} KA群")
            await self.deliver(
                self.world.add_to_group(admin.telegram_id, group["id"], self.world.bot_user)
            )
            await self.deliver(
                self.world.send_text(admin.telegram_id, group["id"], f"/bindgroup {unit.code}")
            )

    async def _learn_people(self) -> None:
        """Everyone of the organisation, as a Telegram user the page can be."""
        units = {u.id: u for u in await self.store.units.all()}
        groups = {u.group_chat_id: u for u in units.values() if u.group_chat_id is not None}
        self.group_titles = {
            chat_id: self.world.chats[chat_id]["title"]
            for chat_id in groups
            if chat_id in self.world.chats
        }
        rows = await self.store.db.fetch_all(
            "SELECT code FROM staff WHERE active = 1 ORDER BY unit_id, role, code"
        )
        for row in rows:
            staff = await self.store.staff.by_code(row["code"])
            assert staff is not None
            telegram_id = staff.telegram_id or SANDBOX_IDS_FROM + staff.id
            if telegram_id not in self.world.users:
                self.world.add_user(
                    telegram_id,
                    staff.name,
                    username=staff.username,
                    language_code="en" if staff.language == "en" else "zh-hans",
                )
            unit = units.get(staff.unit_id or 0)
            everywhere = staff.role in (Role.DIRECTOR, Role.ADMIN) or (unit and unit.is_centre)
            self.people[telegram_id] = Person(
                telegram_id,
                staff,
                unit.name if unit else "",
                [g for g, u in groups.items() if everywhere or u.id == staff.unit_id],
            )

    # ------------------------------------------------------------------ what people do

    async def deliver(self, update: dict[str, Any]) -> str | None:
        """Hand an update to kabot and wait until it has been handled; a pressed button's
        answer (the toast) comes back."""
        assert self.app is not None
        await self.api.deliver()
        condition = self.world.changed()
        try:
            async with condition:
                await asyncio.wait_for(
                    condition.wait_for(self.world.all_confirmed), SETTLE_SECONDS
                )
            await settle(self.app, SETTLE_SECONDS)
        except TimeoutError:
            _LOGGER.warning("kabot took long over update %s", update.get("update_id"))
        self.save()
        query = update.get("callback_query")
        return self.world.callback_answers.get(query["id"], {}).get("text") if query else None

    async def jump(self, moment: datetime) -> RunReport:
        """The time machine: move the clock to ``moment`` and run what is due by then."""
        assert self.app is not None
        self.clock.set(moment)
        resources: Resources = self.app.bot_data
        assert resources.rules is not None and resources.texts is not None
        assert resources.settings is not None
        report = await run_due(
            self.store, resources.rules, resources.texts, self.clock.now(), resources.settings
        )
        with contextlib.suppress(TimeoutError):
            await settle(self.app, SETTLE_SECONDS)
        self.save()
        await self.world.notify()
        return report
