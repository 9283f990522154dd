"""One bot per database: a second ``run_bot.py`` on the same data refuses to start.

Two processes delivering one outbox, or polling one token, would send twice and fight over
updates (Telegram's 409). The lock is an advisory ``flock`` on a file beside the database,
released by the kernel when the process ends, however it ends (kill -9 included).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class AlreadyRunning(Exception):
    """Another kabot process holds this database; the message is the one line to show."""


class InstanceLock:
    def __init__(self, db_path: Path) -> None:
        self.path = db_path.with_name(db_path.name + ".lock")
        self._fd: int | None = None

    def try_acquire(self) -> bool:
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

    def acquire(self) -> None:
        if not self.try_acquire():
            raise AlreadyRunning(
                f"another kabot is running on {self.path.with_suffix('')} "
                f"(pid {self.holder() or '?'}); stop it first, or give this one its own KABOT_DB"
            )

    def holder(self) -> str | None:
        try:
            return self.path.read_text().strip() or None
        except OSError:
            return None

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
