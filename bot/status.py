"""``run_bot.py status`` and the webhook's ``GET /healthz``: how kabot is doing, on one screen.

Read from the database without changing it (a read-only connection, next to a running bot),
and judged: the bot not running, due work that has not run for a while, or messages that
have waited too long in the outbox are problems, and the exit status says so (for a monitor).
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import asyncpg

from bot.delivery.lock import lock_for
from bot.settings import Settings
from bot.store import health
from bot.store.db import StoreUnavailable
from bot.store.postgres import safe_url
from bot.texts import Texts

# Due work runs every five minutes: three missed runs are a problem.
DUE_WORK_STALE = timedelta(minutes=15)
# A message due and not delivered for this long: Telegram is down, or kabot is stuck.
OUTBOX_STALE = timedelta(minutes=10)


@dataclass(slots=True)
class Status:
    version: str
    database: str
    schema: int
    running: bool
    last_update: str | None = None
    due_work_at: str | None = None
    due_work_seconds: float | None = None
    last_backup: str | None = None
    outbox_depth: int = 0
    outbox_oldest: str | None = None
    waiting_for_start: int = 0
    refused: int = 0
    never_wrote: int = 0
    disk_bytes: int = 0
    leader: str | None = None  # on a server: the host and pid that lead
    problems: list[str] = field(default_factory=list)  # keys of status.* labels

    @property
    def healthy(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "healthy": self.healthy}


async def gather(settings: Settings, now: datetime) -> Status:
    """Read, never written: a read-only connection to the file, or a plain one to the
    server (no migration: a status next to an older kabot changes nothing)."""
    try:
        package = version("kabot")
    except PackageNotFoundError:
        package = "?"
    lock = lock_for(settings)
    running = not await lock.try_acquire()
    if not running:
        await lock.release()
    if settings.db_url is not None:
        status = Status(package, safe_url(settings.db_url), 0, running)
        if running:
            status.leader = await lock.holder()
        try:
            _read(status, await health.read_server(settings.db_url, settings.tz.key))
        except (OSError, asyncpg.PostgresError, StoreUnavailable) as exc:
            status.problems.append("no_database")
            status.database += f" ({exc})"
            return status
    else:
        db = settings.db_path
        status = Status(package, str(db), 0, running)
        if not db.exists():
            status.problems.append("no_database")
            return status
        _read(status, await asyncio.to_thread(health.read_file, db))
    status.disk_bytes = await asyncio.to_thread(_disk_bytes, settings.db_path.parent)
    _judge(status, now)
    return status


def _read(status: Status, reading: health.Reading) -> None:
    status.schema, values, facts = reading
    status.last_update = values["last_update"]
    status.outbox_depth = int(values["outbox_depth"] or 0)
    status.outbox_oldest = values["outbox_oldest"]
    status.waiting_for_start = int(values["waiting_for_start"] or 0)
    status.refused = int(values["refused"] or 0)
    status.never_wrote = int(values["never_wrote"] or 0)
    status.due_work_at = facts.get("due_work_at")
    seconds = facts.get("due_work_seconds")
    status.due_work_seconds = float(seconds) if seconds else None
    status.last_backup = facts.get("backup_at")


def _disk_bytes(folder: Path) -> int:
    """The data folder's size: the file and its copies, or (on a server) the kept files."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _judge(status: Status, now: datetime) -> None:
    if not status.running:
        status.problems.append("not_running")
    if status.running and (
        status.due_work_at is None
        or now - datetime.fromisoformat(status.due_work_at) > DUE_WORK_STALE
    ):
        status.problems.append("due_work_stale")
    if status.outbox_oldest and now - datetime.fromisoformat(status.outbox_oldest) > OUTBOX_STALE:
        status.problems.append("outbox_stale")


async def show(settings: Settings) -> int:
    """Print the screen; 0 when all is well, 1 when something needs a look."""
    now = datetime.now(settings.tz)
    status = await gather(settings, now)
    texts = Texts(default_language=settings.default_language)
    print(texts.render(settings.default_language, "cli/status.txt", s=status))
    return 0 if status.healthy else 1
