"""``run_bot.py status`` and the webhook's ``GET /healthz``: how kabot is doing, on one screen.

Read from the database without changing it (a read-only connection, next to a running bot),
and judged: the bot not running, due work that has not run for a while, or messages that
have waited too long in the outbox are problems, and the exit status says so (for a monitor).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from bot.delivery.lock import InstanceLock
from bot.settings import Settings
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
    problems: list[str] = field(default_factory=list)  # keys of status.* labels

    @property
    def healthy(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "healthy": self.healthy}


def _one(conn: sqlite3.Connection, sql: str) -> Any:
    row = conn.execute(sql).fetchone()
    return row[0] if row else None


def gather(settings: Settings, now: datetime) -> Status:
    """Blocking (sqlite3): call it off the event loop."""
    try:
        package = version("kabot")
    except PackageNotFoundError:
        package = "?"
    db = settings.db_path
    lock = InstanceLock(db)
    running = not lock.try_acquire()
    if not running:
        lock.release()
    status = Status(package, str(db), 0, running)
    if not db.exists():
        status.problems.append("no_database")
        return status
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        status.schema = int(_one(conn, "PRAGMA user_version") or 0)
        status.last_update = _one(conn, "SELECT MAX(received_at) FROM inbox")
        facts = dict(conn.execute("SELECT key, value FROM bot_facts").fetchall())
        status.due_work_at = facts.get("due_work_at")
        seconds = facts.get("due_work_seconds")
        status.due_work_seconds = float(seconds) if seconds else None
        status.last_backup = facts.get("backup_at")
        status.outbox_depth, status.outbox_oldest = conn.execute(
            "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE status IN ('pending', 'sending')"
        ).fetchone()
        status.waiting_for_start = int(
            _one(conn, "SELECT COUNT(DISTINCT chat_id) FROM outbox WHERE status = 'waiting'") or 0
        )
        status.refused = int(
            _one(conn, "SELECT COUNT(DISTINCT chat_id) FROM outbox WHERE status = 'failed'") or 0
        )
        status.never_wrote = int(
            _one(conn, "SELECT COUNT(*) FROM staff WHERE active = 1 AND first_seen_at IS NULL")
            or 0
        )
    status.disk_bytes = sum(p.stat().st_size for p in _data_files(db))
    _judge(status, now)
    return status


def _data_files(db: Path) -> list[Path]:
    folder = db.parent
    return [p for p in folder.rglob("*") if p.is_file()]


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
    status = await asyncio.to_thread(gather, settings, now)
    texts = Texts(default_language=settings.default_language)
    print(texts.render(settings.default_language, "cli/status.txt", s=status))
    return 0 if status.healthy else 1
