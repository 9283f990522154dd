"""The way in and the way out: the inbox, the outbox and its sender, the rate limiter."""

from __future__ import annotations

import asyncio
import contextlib


async def cancel(task: asyncio.Task[None] | None) -> None:
    """Stop a background loop (the poller's, the sender's) and wait until it has."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
