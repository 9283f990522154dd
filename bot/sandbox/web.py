"""The sandbox's page and its small JSON API, on 127.0.0.1 only.

- ``GET /`` the page (``static/``: plain HTML, CSS and JavaScript, no build step)
- ``GET /api/state`` who one can be, the clock
- ``GET /api/chat?as=&chat=`` a chat as that person sees it: messages, the reply keyboard,
  the command menu
- ``GET /api/events`` server-sent events: something changed, fetch again
- ``POST /api/send`` text; ``POST /api/upload`` a photo or a file; ``POST /api/press`` a button
- ``POST /api/jump`` the time machine; ``POST /api/reset`` start over
- ``GET /files/<file_id>`` a photo, chart or spreadsheet either side sent
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from datetime import datetime
from importlib import resources
from typing import Any
from urllib.parse import unquote, urlsplit

from aiohttp import web

from bot.reminders.charts import cjk_font_path
from bot.sandbox.runner import Sandbox

_LOGGER = logging.getLogger(__name__)
JSON = dict[str, Any]
STATIC = resources.files("bot.sandbox") / "static"
UPLOAD_LIMIT = 20 * 1024 * 1024
ALBUM_LIMIT = 10  # Telegram's albums hold 2-10


def _message(sandbox: Sandbox, m: JSON) -> JSON:
    world = sandbox.world
    out: JSON = {
        "id": m["message_id"],
        "date": m["date"],
        "time": datetime.fromtimestamp(m["date"], sandbox.tz).strftime("%m-%d %H:%M"),
        "from_bot": m["from"]["id"] == world.bot_id,
        "sender": m["from"].get("first_name", ""),
        "text": m.get("text") or m.get("caption") or "",
        "entities": m.get("entities") or m.get("caption_entities") or [],
        "edited": "edit_date" in m,
    }
    if m.get("photo"):
        out["photo"] = f"/files/{m['photo'][-1]['file_id']}"
        out["album"] = bool(m.get("media_group_id"))
    if m.get("document"):
        document = m["document"]
        out["document"] = {
            "name": document.get("file_name") or "file",
            "url": f"/files/{document['file_id']}",
        }
    if m.get("location"):
        out["location"] = m["location"]
    if m.get("sticker"):
        out["sticker"] = m["sticker"].get("emoji") or "🖼"
    for kind in ("voice", "video", "audio", "animation", "video_note", "contact"):
        if kind in m:
            out["other"] = kind
    if m.get("new_chat_members"):
        out["joined"] = [u.get("first_name", "") for u in m["new_chat_members"]]
    inline = (m.get("reply_markup") or {}).get("inline_keyboard")
    if inline:
        out["buttons"] = [
            [{"text": b["text"], "data": b.get("callback_data"), "url": b.get("url")} for b in row]
            for row in inline
        ]
    return out


def _reply_keyboard(sandbox: Sandbox, chat_id: int) -> list[list[JSON]] | None:
    """The keyboard the bot's latest word in the chat left under the input, if any."""
    world = sandbox.world
    for _, message in sorted(world.messages.get(chat_id, {}).items(), reverse=True):
        if message["from"]["id"] != world.bot_id or "_reply_keyboard" not in message:
            continue
        markup = message["_reply_keyboard"]
        if markup.get("remove_keyboard"):
            return None
        return [
            [
                {
                    "text": b if isinstance(b, str) else b["text"],
                    "location": bool(isinstance(b, dict) and b.get("request_location")),
                }
                for b in row
            ]
            for row in markup.get("keyboard", [])
        ]
    return None


def _commands(sandbox: Sandbox, user: JSON, chat_id: int) -> list[JSON]:
    """The command menu as Telegram picks it: the narrowest scope set, in the user's
    language first."""
    lang = (user.get("language_code") or "")[:2]
    private = chat_id > 0
    scopes = [f"chat:{chat_id}", "all_private_chats" if private else "all_group_chats", "default"]
    for scope in scopes:
        for code in (lang, ""):
            found = sandbox.world.commands.get((scope, code))
            if found:
                return found
    return []


class SandboxWeb:
    """The page on 127.0.0.1. Every other site the user visits can reach that address too: a
    cross-site form POST (text/plain, no preflight) could act as anyone, and DNS rebinding
    could read the chats. So every request must name this server as its Host, a POST must
    come from this page's Origin and carry the token this start made (the page has it; other
    sites cannot read the page), and a POST's body must be JSON (the upload: a form)."""

    def __init__(self, sandbox: Sandbox, host: str = "127.0.0.1", port: int = 8080) -> None:
        self.sandbox, self.host, self.port = sandbox, host, port
        self.token = secrets.token_urlsafe(24)
        self.app = web.Application(
            client_max_size=UPLOAD_LIMIT + 1024 * 1024, middlewares=[self._guard]
        )
        self.app.router.add_get("/", self._page)
        self.app.router.add_get("/static/{name}", self._static)
        self.app.router.add_get("/api/state", self._state)
        self.app.router.add_get("/api/chat", self._chat)
        self.app.router.add_get("/api/events", self._events)
        self.app.router.add_post("/api/send", self._send)
        self.app.router.add_post("/api/upload", self._upload)
        self.app.router.add_post("/api/press", self._press)
        self.app.router.add_post("/api/jump", self._jump)
        self.app.router.add_post("/api/reset", self._reset)
        self.app.router.add_get("/files/{file_id}", self._file)
        self.app.router.add_get("/font/cjk.otf", self._font)
        self._runner: web.AppRunner | None = None
        self._lock = asyncio.Lock()  # one person's action at a time, as on one phone
        self.version = 0
        self._closing = False

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def _ours(self) -> set[str]:
        return {f"{name}:{self.port}" for name in (self.host, "127.0.0.1", "localhost")}

    @web.middleware
    async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.host not in self._ours():
            raise web.HTTPMisdirectedRequest(text="this page answers only on its own address")
        origin = request.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc not in self._ours():
            raise web.HTTPForbidden(text="not from the sandbox's page")
        if request.path.startswith(("/api/", "/files/")):
            given = request.headers.get("X-Kabot-Token") or request.query.get("token", "")
            if not hmac.compare_digest(given, self.token):
                raise web.HTTPForbidden(text="the page's token is missing: reload the page")
        if request.method == "POST":
            kind = "multipart/form-data" if request.path == "/api/upload" else "application/json"
            if request.content_type != kind:
                raise web.HTTPUnsupportedMediaType(text=f"{kind} only")
        response: web.StreamResponse = await handler(request)
        return response

    async def start(self) -> str:
        # Ctrl+C stops at once even with a tab open: its live-update stream is not waited for.
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = int(self._runner.addresses[0][1])
        return self.url

    async def stop(self) -> None:
        self._closing = True
        await self.sandbox.world.notify()  # the live-update streams see it and end
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------------ reading

    async def _page(self, request: web.Request) -> web.Response:
        page = (STATIC / "index.html").read_text(encoding="utf-8")
        return web.Response(text=page.replace("{{token}}", self.token), content_type="text/html")

    async def _static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        kinds = {".js": "application/javascript", ".css": "text/css", ".png": "image/png"}
        suffix = name[name.rfind(".") :]
        if "/" in name or suffix not in kinds or not (STATIC / name).is_file():
            raise web.HTTPNotFound()
        return web.Response(body=(STATIC / name).read_bytes(), content_type=kinds[suffix])

    async def _state(self, request: web.Request) -> web.Response:
        sandbox = self.sandbox
        people = [
            {
                "id": p.telegram_id,
                "name": p.staff.name,
                "code": p.staff.code,
                "role": p.staff.role.value,
                "unit": p.unit,
                "chats": [{"id": p.telegram_id, "title": "kabot", "private": True}]
                + [
                    {"id": g, "title": sandbox.group_titles.get(g, str(g)), "private": False}
                    for g in p.groups
                ],
            }
            for p in sandbox.people.values()
        ]
        return web.json_response(
            {"people": people, "now": sandbox.clock.now().isoformat(timespec="minutes")}
        )

    def _person(self, request: web.Request, source: JSON | None = None) -> tuple[JSON, int]:
        values = source if source is not None else request.query
        try:
            user_id, chat_id = int(values["as"]), int(values["chat"])
        except (KeyError, TypeError, ValueError):
            raise web.HTTPBadRequest(text="as and chat are needed") from None
        person = self.sandbox.people.get(user_id)
        if person is None or (chat_id != user_id and chat_id not in person.groups):
            raise web.HTTPForbidden(text="not a chat of this person")
        return self.sandbox.world.users[user_id], chat_id

    async def _chat(self, request: web.Request) -> web.Response:
        user, chat_id = self._person(request)
        world = self.sandbox.world
        messages = [
            _message(self.sandbox, m)
            for _, m in sorted(world.messages.get(chat_id, {}).items())
            if not m.get("_deleted")
        ]
        return web.json_response(
            {
                "messages": messages,
                "keyboard": _reply_keyboard(self.sandbox, chat_id) if chat_id > 0 else None,
                "commands": _commands(self.sandbox, user, chat_id),
                "version": self.version,
                "now": self.sandbox.clock.now().isoformat(timespec="minutes"),
            }
        )

    async def _events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: a line each time the chats change."""
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        ticks = 0
        while not self._closing:
            condition = self.sandbox.world.changed()
            changed = True
            async with condition:
                try:
                    await asyncio.wait_for(condition.wait(), 15)
                except TimeoutError:
                    changed = False
            try:
                if changed:
                    ticks += 1
                    await asyncio.sleep(0.05)  # a burst of calls is one refresh
                    await response.write(f"data: {ticks}\n\n".encode())
                else:
                    await response.write(b": still here\n\n")
            except (ConnectionResetError, RuntimeError):
                break
        return response

    async def _font(self, request: web.Request) -> web.FileResponse:
        """Chinese for machines without a CJK font: the one the charts are drawn in."""
        path = cjk_font_path()
        if path is None:  # the page falls back to the browser's own fonts
            raise web.HTTPNotFound()
        return web.FileResponse(path, headers={"Cache-Control": "max-age=86400"})

    async def _file(self, request: web.Request) -> web.Response:
        stored = self.sandbox.world.files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound()
        name = stored.file_path.rsplit("/", 1)[-1]
        return web.Response(
            body=stored.data,
            content_type=stored.mime_type or "application/octet-stream",
            headers={"Content-Disposition": f'inline; filename="{name}"'},
        )

    # ------------------------------------------------------------------ doing

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        user, chat_id = self._person(request, body)
        world = self.sandbox.world
        async with self._lock:
            if body.get("location"):
                update = world.send_content(
                    user["id"], chat_id, {"location": {"latitude": 31.2304, "longitude": 121.4737}}
                )
            else:
                text = str(body.get("text") or "")
                if not text.strip():
                    raise web.HTTPBadRequest(text="nothing to send")
                update = world.send_text(user["id"], chat_id, text[:4096])
            await self.sandbox.deliver(update)
        return web.json_response({"ok": True})

    async def _upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        user, chat_id = self._person(request, dict(form))
        uploads = [f for f in form.getall("file", []) if isinstance(f, web.FileField)]
        if not uploads or len(uploads) > ALBUM_LIMIT:
            raise web.HTTPBadRequest(text=f"1 to {ALBUM_LIMIT} files are needed")
        upload = uploads[0]
        world = self.sandbox.world
        caption = str(form.get("caption", ""))[:1024]
        photos = form.get("as_photo") and all(
            (f.content_type or "").startswith("image/") for f in uploads
        )
        async with self._lock:
            if photos:
                # Several photos: an album, one message each with one album id, as Telegram
                # delivers them; the caption comes with the first.
                album = f"sandbox{len(world.calls)}" if len(uploads) > 1 else None
                for i, picture in enumerate(uploads):
                    update = world.send_photo(
                        user["id"], chat_id, picture.file.read(), caption if i == 0 else ""
                    )
                    if album is not None:
                        update["message"]["media_group_id"] = album
            elif len(uploads) > 1:
                raise web.HTTPBadRequest(text="one document at a time")
            else:
                data = upload.file.read()
                # Some clients percent-encode a file name that is not ASCII; browsers do not.
                name = unquote(upload.filename or "") or "file"
                update = world.send_document(
                    user["id"],
                    chat_id,
                    data,
                    name,
                    upload.content_type or "application/octet-stream",
                )
            await self.sandbox.deliver(update)
        return web.json_response({"ok": True})

    async def _press(self, request: web.Request) -> web.Response:
        body = await request.json()
        user, chat_id = self._person(request, body)
        world = self.sandbox.world
        try:
            message_id, data = int(body["message"]), str(body["data"])
        except (KeyError, TypeError, ValueError):
            raise web.HTTPBadRequest(text="message and data are needed") from None
        if message_id not in world.messages.get(chat_id, {}):
            raise web.HTTPNotFound(text="no such message")
        async with self._lock:
            answer = await self.sandbox.deliver(world.press(user["id"], chat_id, message_id, data))
        return web.json_response({"answer": answer})

    async def _jump(self, request: web.Request) -> web.Response:
        body = await request.json()
        try:
            moment = datetime.fromisoformat(str(body["to"]))
        except (KeyError, ValueError):
            raise web.HTTPBadRequest(text="to: a date and time, 2026-12-01T09:00") from None
        async with self._lock:
            report = await self.sandbox.jump(moment)
        self.version += 1
        await self.sandbox.world.notify()
        return web.json_response(
            {
                "now": self.sandbox.clock.now().isoformat(timespec="minutes"),
                "sent": report.sent,
                "fines": report.fines,
                "digests": report.digests,
                "summaries": report.summaries,
            }
        )

    async def _reset(self, request: web.Request) -> web.Response:
        async with self._lock:
            await self.sandbox.reset()
        self.version += 1
        return web.json_response({"ok": True})
