"""The way in: every update is committed to the inbox before Telegram is told it arrived.

PTB's updater confirms a batch (the next getUpdates carries ``offset = last + 1``) while the
previous one may still be in the handlers, so a crash loses it; its webhook answers 200 before
the handlers run. kabot owns both instead: the poller asks for the next batch only after this
one is stored, and the webhook answers only after the row is committed. Handling happens from
the inbox (see :class:`bot.app.KabotApplication`), and what was stored but not handled when
kabot stopped is handled first at the next start, in order.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError
from telegram.ext import Application

from bot.delivery import cancel
from bot.store.inbox import Inbox

_LOGGER = logging.getLogger(__name__)

RETRY_SECONDS = (0.5, 1, 2, 5, 10)


async def requeue_unhandled(app: Application, inbox: Inbox) -> int:
    """Updates stored before a stop or a crash and not handled: queued first, in order."""
    payloads = await inbox.unhandled()
    for payload in payloads:
        await app.update_queue.put(Update.de_json(payload, app.bot))
    if payloads:
        _LOGGER.info("Handling %s updates received before the last stop", len(payloads))
    return len(payloads)


class Poller:
    def __init__(
        self, app: Application, inbox: Inbox, *, timeout: int, allowed_updates: list[str]
    ) -> None:
        self.app, self.inbox = app, inbox
        self.timeout, self.allowed_updates = timeout, allowed_updates
        self._task: asyncio.Task[None] | None = None
        self._offset: int | None = None

    async def start(self) -> None:
        await requeue_unhandled(self.app, self.inbox)
        last = await self.inbox.last_update_id()
        self._offset = None if last is None else last + 1
        await self.app.bot.delete_webhook()
        self._task = asyncio.create_task(self._loop(), name="kabot-poller")

    async def stop(self) -> None:
        await cancel(self._task)
        self._task = None

    async def _loop(self) -> None:
        failures = 0
        while True:
            try:
                # As Telegram sent them: stored so, and made Update objects only once.
                updates = await self.app.bot.do_api_request(
                    "getUpdates",
                    api_kwargs={
                        "offset": self._offset,
                        "timeout": self.timeout,
                        "allowed_updates": self.allowed_updates,
                    },
                    read_timeout=self.timeout + 10,
                )
            except Conflict:
                _LOGGER.error("Another process polls this bot's token (409); trying again")
                failures += 1
            except (NetworkError, InvalidToken) as exc:
                _LOGGER.warning("getUpdates failed: %s", exc)
                failures += 1
            else:
                failures = 0
                await self._take(list(updates or []))
                continue
            await asyncio.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS)) - 1])

    async def _take(self, updates: list[dict[str, Any]]) -> None:
        if not updates:
            return
        fresh = set(await self.inbox.receive(updates))
        # Only now may Telegram forget them: the next getUpdates confirms this batch.
        self._offset = int(updates[-1]["update_id"]) + 1
        for payload in updates:
            if payload["update_id"] in fresh:
                await self.app.update_queue.put(Update.de_json(payload, self.app.bot))


class WebhookReceiver:
    """Telegram posts each update here; 200 only once it is in the inbox (else it re-posts)."""

    def __init__(
        self,
        app: Application,
        inbox: Inbox,
        *,
        host: str,
        port: int,
        path: str,
        secret: str,
        health: Callable[[], Awaitable[tuple[bool, dict[str, Any]]]] | None = None,
    ) -> None:
        """``health``: what ``GET /healthz`` answers (healthy?, the figures), for a monitor
        or the reverse proxy in front of kabot."""
        self.app, self.inbox = app, inbox
        self.host, self.port, self.path, self.secret = host, port, "/" + path.lstrip("/"), secret
        self.health = health
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        await requeue_unhandled(self.app, self.inbox)
        server = web.Application(client_max_size=1024 * 1024)
        server.router.add_post(self.path, self._post)
        if self.health is not None:
            server.router.add_get("/healthz", self._healthz)
        self._runner = web.AppRunner(server, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, request: web.Request) -> web.Response:
        assert self.health is not None
        healthy, figures = await self.health()
        return web.json_response(figures, status=200 if healthy else 503)

    async def _post(self, request: web.Request) -> web.Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given, self.secret):
            return web.Response(status=403)
        try:
            payload: Any = await request.json()
        except ValueError:
            return web.Response(status=400)
        if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
            return web.Response(status=400)
        fresh = await self.inbox.receive([payload])
        if fresh:
            await self.app.update_queue.put(Update.de_json(payload, self.app.bot))
        return web.Response(status=200)
