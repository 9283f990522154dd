"""Keeps every file people send: downloaded from Telegram into the data folder, by content.

The access gate records each photo and document in ``stored_files`` in the transaction of
the update it came with; this task downloads them afterwards (never inside a person's
update), names each by the sha256 of its content (so the same picture sent twice is kept
once), and writes it atomically. Telegram hands out files up to 20 MB to bots: a larger one
is recorded as such. A failed download is tried again later, five times at most.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import threading
from pathlib import Path

from telegram import Bot
from telegram.error import BadRequest, TelegramError

from bot.delivery import cancel
from bot.store.files import FileRepository

_LOGGER = logging.getLogger(__name__)
ATTEMPTS = 5


def write(folder: Path, data: bytes) -> str:
    """Keep ``data`` below ``folder`` under its sha256; the name. Blocking."""
    digest = hashlib.sha256(data).hexdigest()
    target = folder / digest[:2] / digest
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{digest}.{threading.get_ident()}.part")
        partial.write_bytes(data)
        os.replace(partial, target)
    return digest


class Downloader:
    def __init__(self, bot: Bot, files: FileRepository, folder: Path, *, pause: float = 5.0):
        self.bot, self.files, self.folder, self.pause = bot, files, folder, pause
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._pass = asyncio.Lock()  # one pass at a time (the loop's, or one asked for)

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="kabot-downloads")

    async def stop(self) -> None:
        await cancel(self._task)
        self._task = None

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.run_once()
            except Exception:
                _LOGGER.exception("Downloads: could not read what is pending")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.pause)

    async def run_once(self) -> None:
        """Download what is pending now (what fails waits for the next pass)."""
        async with self._pass:
            await self._download_pending()

    async def _download_pending(self) -> None:
        for pending in await self.files.pending(limit=20):
            try:
                handle = await self.bot.get_file(pending.file_id)
                data = bytes(await handle.download_as_bytearray())
            except BadRequest as exc:
                status = "too_large" if "too big" in exc.message.lower() else "failed"
                await self.files.give_up(pending.unique_id, status, exc.message)
                continue
            except TelegramError as exc:
                if await self.files.attempt_failed(pending.unique_id, exc.message) >= ATTEMPTS:
                    await self.files.give_up(pending.unique_id, "failed", exc.message)
                continue
            digest = await asyncio.to_thread(write, self.folder, data)
            await self.files.stored(pending.unique_id, digest, len(data))
