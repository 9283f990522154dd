"""The HTTP face of the local Bot API: ``/bot<token>/<method>`` and ``/file/bot<token>/<path>``."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from bot.botapi.methods import METHODS
from bot.botapi.world import JSON, ApiCall, ApiError, World

_LOGGER = logging.getLogger(__name__)

WEBHOOK_ATTEMPTS = 100
WEBHOOK_RETRY_SECONDS = 0.1

# Parameters whose values PTB sends JSON-encoded in form bodies.
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "media",
        "commands",
        "scope",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "allowed_updates",
    }
)
_INT_FIELDS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "from_chat_id",
        "cache_time",
        "reply_to_message_id",
        "message_thread_id",
    }
)
_BOOL_FIELDS = frozenset(
    {"show_alert", "disable_notification", "drop_pending_updates", "protect_content"}
)


def _coerce(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if name in _JSON_FIELDS:
        return json.loads(value)
    if name in _INT_FIELDS:
        try:
            return int(value)
        except ValueError:
            return value  # "@channelusername"
    if name in _BOOL_FIELDS:
        return value.lower() == "true"
    return value


def _public(value: Any) -> Any:
    """Telegram's shape: drop the server's own bookkeeping keys (those starting with _)."""
    if isinstance(value, dict):
        return {k: _public(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [_public(v) for v in value]
    return value


class BotApiServer:
    def __init__(self, world: World, host: str = "127.0.0.1", port: int = 0) -> None:
        self.world = world
        self.host = host
        self.port = port
        self.app = web.Application(client_max_size=50 * 1024 * 1024)
        self.app.router.add_route("*", "/bot{token}/{method}", self._api)
        self.app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner: web.AppRunner | None = None
        self._webhook_lock = asyncio.Lock()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> str:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])  # the port the OS chose for port 0
        _LOGGER.info("Local Bot API listening on %s", self.url)
        return self.url

    async def stop(self) -> None:
        self.world.closing = True
        await self.world.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def deliver(self) -> None:
        """Hand new updates to the bot: wake its long poll, or post them to its webhook."""
        await self.world.notify()
        if self.world.webhook is not None:
            await self._post_to_webhook()

    async def _post_to_webhook(self) -> None:
        hook = self.world.webhook
        assert hook is not None
        headers = {}
        if hook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
        async with self._webhook_lock, ClientSession(timeout=ClientTimeout(total=30)) as http:
            failures = 0
            while failures < WEBHOOK_ATTEMPTS:
                update = self.world.next_unconfirmed()
                if update is None:
                    return
                try:
                    async with http.post(hook["url"], json=update, headers=headers) as response:
                        delivered = response.status == 200
                except ClientError:
                    delivered = False  # not listening yet: Telegram, too, tries again later
                if not delivered:
                    failures += 1
                    await asyncio.sleep(WEBHOOK_RETRY_SECONDS)
                    continue
                self.world.confirm(update["update_id"])
            _LOGGER.warning("Webhook %s unreachable; updates stay pending", hook["url"])

    async def _params(self, request: web.Request) -> JSON:
        params: JSON = dict(request.query)
        if request.content_type == "application/json":
            body = await request.json()
            params.update(body if isinstance(body, dict) else {})
        elif request.can_read_body:
            files: dict[str, tuple[str, bytes, str]] = {}
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    files[name] = (value.filename, value.file.read(), value.content_type)
                else:
                    params[name] = value
            for name, upload in files.items():
                params.setdefault(name, upload)
            params["_files"] = files
        return {k: _coerce(k, v) for k, v in params.items()}

    async def _api(self, request: web.Request) -> web.Response:
        world = self.world
        name = request.match_info["method"]
        if request.match_info["token"] != world.token:
            return _error(401, "Unauthorized")
        handler = METHODS.get(name) or METHODS.get(_canonical(name))
        if handler is None:
            return _error(404, "Not Found: method not found")
        try:
            params = await self._params(request)
        except ValueError:  # a body, or a JSON-valued parameter, that is not JSON
            return _error(400, "Bad Request: can't parse JSON")
        if world.on_request is not None and world.on_request(name):
            return _error(502, "Bad Gateway")  # nobody is listening any more
        if world.monotonic() < world.down_until:
            return _error(502, "Bad Gateway")
        call = ApiCall(name, {k: v for k, v in params.items() if k != "_files"}, world.clock())
        if name != "getUpdates":
            world.calls.append(call)
        failure = world.take_failure(name)
        if failure is not None:
            if failure.delay:
                await asyncio.sleep(failure.delay)
            if failure.status is not None:
                call.ok, call.error = False, f"injected {failure.status}"
                if failure.status == 429:
                    return _error(
                        429,
                        f"Too Many Requests: retry after {failure.retry_after}",
                        {"retry_after": failure.retry_after},
                    )
                return _error(failure.status, failure.description or "Internal Server Error")
        try:
            result = await handler(world, params)
        except ApiError as exc:
            call.ok, call.error = False, exc.description
            return _error(exc.status, exc.description, exc.parameters)
        finally:
            if name != "getUpdates":
                await world.notify()  # whoever watches the chats (tests, the sandbox page)
        return web.json_response({"ok": True, "result": _public(result)})

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.world.token:
            return _error(401, "Unauthorized")
        path = request.match_info["path"]
        for stored in self.world.files.values():
            if stored.file_path == path:
                return web.Response(body=stored.data, content_type=stored.mime_type)
        return _error(404, "Not Found")


def _canonical(name: str) -> str:
    """The Bot API's method names are case-insensitive."""
    lowered = name.lower()
    return next((m for m in METHODS if m.lower() == lowered), name)


def _error(status: int, description: str, parameters: JSON | None = None) -> web.Response:
    body: JSON = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)
