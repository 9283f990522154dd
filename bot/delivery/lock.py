"""One bot per database: a second ``run_bot.py`` on the same data refuses to start (or, on
PostgreSQL, waits as the standby to take over).

Two processes delivering one outbox, or polling one token, would send twice and fight over
updates (Telegram's 409). On SQLite the lock is an advisory ``flock`` on a file beside the
database, released by the kernel when the process ends, however it ends (kill -9 included);
on PostgreSQL it is an advisory lock on the server (:class:`ServerLock`), for hosts that
share nothing else. Both answer the same async calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.settings import Settings


class AlreadyRunning(Exception):
    """Another kabot process holds this database; the message is the one line to show."""


class InstanceLock:
    def __init__(self, db_path: Path) -> None:
        self.path = db_path.with_name(db_path.name + ".lock")
        self._fd: int | None = None

    async def try_acquire(self) -> bool:
        return self.try_acquire_now()

    def try_acquire_now(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    async def acquire(self) -> None:
        if not self.try_acquire_now():
            raise AlreadyRunning(
                f"another kabot is running on {self.path.with_suffix('')} "
                f"(pid {self.holder_now() or '?'}); stop it first,"
                " or give this one its own KABOT_DB"
            )

    async def holder(self) -> str | None:
        return self.holder_now()

    def holder_now(self) -> str | None:
        try:
            return self.path.read_text().strip() or None
        except OSError:
            return None

    async def release(self) -> None:
        self.release_now()

    def release_now(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


# The advisory lock's key: "kabo" in ASCII. One per database: the lead is per office.
LEAD_KEY = 0x6B61626F
# How often the standby asks for the lead, and the leader checks that it still holds it.
LEAD_POLL_SECONDS = 5.0
# The server's TCP keepalives on the lock's connection: a leader whose host vanished (no
# FIN, no RST) loses the lead after about 5 + 5 × 3 = 20 s, inside the 30 s a standby has.
_KEEPALIVES = {
    "tcp_keepalives_idle": "5",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "3",
}


class ServerLock:
    """On PostgreSQL, the lead: one kabot per database does the work — polling or the
    webhook, the outbox's sender, the due work — across hosts. A session advisory lock on a
    connection of its own, released by the server when that connection ends, however it ends
    (the process killed, the host gone: the keepalives above). A second kabot waits for it
    (:meth:`wait`); a leader that loses it stops (:meth:`watch`), so two never work at once.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: Any = None
        self._watching: asyncio.Task[None] | None = None

    async def _connect(self) -> Any:
        import asyncpg

        name = f"kabot {socket.gethostname()} pid {os.getpid()}"
        return await asyncpg.connect(
            self.url, server_settings={"application_name": name[:63], **_KEEPALIVES}
        )

    async def try_acquire(self) -> bool:
        conn = await self._connect()
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", LEAD_KEY):
            await conn.close()
            return False
        self._conn = conn
        return True

    async def wait(self, poll: float = LEAD_POLL_SECONDS) -> None:
        """Until this process leads (a standby's start): asked again every ``poll`` seconds
        (the server tells no one when a session's lock goes)."""
        while not await self.try_acquire():  # noqa: ASYNC110 - nothing to wait on but time
            await asyncio.sleep(poll)

    def watch(self, lost: Callable[[], None], poll: float = LEAD_POLL_SECONDS) -> None:
        """From now until :meth:`release`, ask the lock's connection every ``poll`` seconds,
        and call ``lost()`` when it is gone."""
        self._watching = asyncio.create_task(self._watch(lost, poll), name="kabot-lead")

    async def _watch(self, lost: Callable[[], None], poll: float) -> None:
        while True:
            await asyncio.sleep(poll)
            try:
                await asyncio.wait_for(self._conn.fetchval("SELECT 1"), poll)
            except Exception:
                lost()
                return

    async def holder(self) -> str | None:
        """Who leads (host and pid), or None."""
        conn = await self._connect()
        try:
            name: str | None = await conn.fetchval(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a"
                " ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted"
                " AND l.classid = 0 AND l.objid = $1 AND l.objsubid = 1 AND l.database ="
                " (SELECT oid FROM pg_database WHERE datname = current_database())",
                LEAD_KEY,
            )
        finally:
            await conn.close()
        return name

    async def release(self) -> None:
        if self._watching is not None:
            self._watching.cancel()
            self._watching = None
        if self._conn is not None:
            conn, self._conn = self._conn, None
            # The session ends, and the lock with it; a connection already gone let go too.
            with contextlib.suppress(Exception):
                await conn.close()


def lock_for(settings: Settings) -> InstanceLock | ServerLock:
    """The lock that keeps one kabot working on ``settings``' database."""
    if settings.db_url is not None:
        return ServerLock(settings.db_url)
    return InstanceLock(settings.db_path)
