"""The state behind the local Bot API: people, chats, messages, files, updates, limits.

People act through :meth:`World.send_text`, :meth:`World.press` and friends; the bot acts
through the HTTP methods in :mod:`bot.botapi.methods`. Every bot call is recorded, and every
breach of Telegram's limits is recorded in :attr:`World.violations`.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.botapi.html import command_entities

JSON = dict[str, Any]

OVERALL_PER_SECOND = 30
GROUP_PER_MINUTE = 20
# Telegram's 30 a second is for bulk notifications: a message into the private chat of a
# person who wrote or pressed within this many seconds is a reply, and not counted in it.
REPLY_SECONDS = 60.0


class ApiError(Exception):
    """An error answer, as Telegram gives it: HTTP status, description, parameters."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass(slots=True)
class ApiCall:
    method: str
    params: JSON
    at: float
    ok: bool = True
    error: str | None = None


@dataclass(slots=True)
class Failure:
    """An injected failure: the next ``times`` calls of ``method`` ("*": any) fail or stall."""

    method: str
    status: int | None  # None: no error, just ``delay``
    times: int
    retry_after: int | None = None
    delay: float = 0.0
    description: str = ""


@dataclass(slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    mime_type: str


@dataclass(slots=True)
class World:
    token: str
    bot_username: str = "kabot_test_bot"
    clock: Callable[[], float] = time.time
    monotonic: Callable[[], float] = time.monotonic

    users: dict[int, JSON] = field(default_factory=dict)
    chats: dict[int, JSON] = field(default_factory=dict)
    messages: dict[int, dict[int, JSON]] = field(default_factory=lambda: defaultdict(dict))
    started: set[int] = field(default_factory=set)  # users who wrote to the bot
    blocked: set[int] = field(default_factory=set)
    calls: list[ApiCall] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    commands: dict[tuple[str, str], list[JSON]] = field(default_factory=dict)
    callback_answers: dict[str, JSON] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    webhook: JSON | None = None
    # Telegram unreachable until this moment (world.monotonic): every request gets a 502.
    down_until: float = 0.0
    # Called with each request's method as it arrives, before anything is done with it; True
    # means the caller is gone (a test killed the bot) and the request is dropped unanswered.
    on_request: Callable[[str], bool] | None = None
    # Telegram's flood limits, enforced; a benchmark of kabot's own cost may lift them.
    flood_limits: bool = True
    poll_generation: int = 0
    closing: bool = False

    _updates: list[JSON] = field(default_factory=list)
    _next_update_id: int = 1
    _confirmed: int = 0
    _message_ids: dict[int, itertools.count[int]] = field(
        default_factory=lambda: defaultdict(lambda: itertools.count(1))
    )
    _callback_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # Each new message and each change of a message's text takes the next number: whether a
    # person saw a message change since a moment.
    _changes: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _last_change: int = 0
    _group_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _sent_overall: deque[float] = field(default_factory=deque)
    _sent_group: dict[int, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _spoke: dict[int, float] = field(default_factory=dict)  # person → when (monotonic)
    _changed: asyncio.Condition | None = None

    @property
    def bot_id(self) -> int:
        return int(self.token.split(":", 1)[0])

    @property
    def bot_user(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "kabot",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def changed(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    async def notify(self) -> None:
        async with self.changed():
            self.changed().notify_all()

    # ------------------------------------------------------------------ keeping it

    def snapshot(self) -> JSON:
        """What the chats hold — people, groups, messages, files, counters — for the sandbox
        to keep across restarts (pickle it; it holds bytes)."""
        return {
            "users": self.users,
            "chats": self.chats,
            "messages": dict(self.messages),
            "started": self.started,
            "blocked": self.blocked,
            "commands": self.commands,
            "files": self.files,
            "next_update_id": self._next_update_id,
            "groups": sum(1 for chat_id in self.chats if chat_id < 0),
            "callbacks": next(self._callback_ids),
        }

    def restore(self, snapshot: JSON) -> None:
        """Take back a :meth:`snapshot`: update ids and message ids go on where they were, so
        kabot's record of handled updates stays true."""
        self.users, self.chats = snapshot["users"], snapshot["chats"]
        self.messages = defaultdict(dict, snapshot["messages"])
        self.started, self.blocked = snapshot["started"], snapshot["blocked"]
        self.commands, self.files = snapshot["commands"], snapshot["files"]
        self._next_update_id = snapshot["next_update_id"]
        self._confirmed = self._next_update_id
        self._updates = []
        self._message_ids = defaultdict(lambda: itertools.count(1))
        for chat_id, messages in self.messages.items():
            self._message_ids[chat_id] = itertools.count(max(messages, default=0) + 1)
        self._group_ids = itertools.count(snapshot["groups"] + 1)
        self._callback_ids = itertools.count(snapshot["callbacks"])
        self._last_change = max(
            (m.get("_change", 0) for chat in self.messages.values() for m in chat.values()),
            default=0,
        )
        self._changes = itertools.count(self._last_change + 1)

    # ------------------------------------------------------------------ people and chats

    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
    ) -> JSON:
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self.users[user_id] = user
        chat: JSON = {"id": user_id, "type": "private", "first_name": first_name}
        if last_name:
            chat["last_name"] = last_name
        if username:
            chat["username"] = username
        self.chats[user_id] = chat
        return user

    def add_group(self, title: str, *, supergroup: bool = True) -> JSON:
        number = next(self._group_ids)
        chat_id = -(1_000_000_000_000 + number) if supergroup else -number
        chat = {"id": chat_id, "type": "supergroup" if supergroup else "group", "title": title}
        self.chats[chat_id] = chat
        return chat

    # ------------------------------------------------------------------ what people do

    def _new_message(self, chat_id: int, sender: JSON, **content: Any) -> JSON:
        message_id = next(self._message_ids[chat_id])
        message: JSON = {
            "message_id": message_id,
            "date": int(self.clock()),
            "chat": self.chats[chat_id],
            "from": sender,
            **content,
        }
        self.messages[chat_id][message_id] = message
        self.touch(message)
        return message

    def touch(self, message: JSON) -> None:
        """The message is new, or its text changed."""
        self._last_change = message["_change"] = next(self._changes)

    @property
    def last_change(self) -> int:
        return self._last_change

    def _push(self, kind: str, payload: JSON) -> JSON:
        person = payload.get("from", {}).get("id")
        if person is not None:
            self._spoke[person] = self.monotonic()
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        self._updates.append(update)
        return update

    def send_text(self, user_id: int, chat_id: int, text: str) -> JSON:
        """The person types ``text`` in ``chat_id`` (their private chat: ``chat_id=user_id``)."""
        content: JSON = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        return self._user_message(user_id, chat_id, content)

    def send_content(self, user_id: int, chat_id: int, content: JSON) -> JSON:
        """Anything else a person can send: a sticker, a voice note, a location, a contact."""
        return self._user_message(user_id, chat_id, content)

    def send_photo(self, user_id: int, chat_id: int, data: bytes, caption: str = "") -> JSON:
        stored = self.store_file(data, "image/jpeg", "photos")
        sizes = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": 1280,
                "height": 960,
                "file_size": len(data),
            }
        ]
        content: JSON = {"photo": sizes}
        if caption:
            content["caption"] = caption
        return self._user_message(user_id, chat_id, content)

    def send_document(
        self, user_id: int, chat_id: int, data: bytes, file_name: str, mime_type: str
    ) -> JSON:
        stored = self.store_file(data, mime_type, "documents", file_name)
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        return self._user_message(user_id, chat_id, {"document": document})

    def _user_message(self, user_id: int, chat_id: int, content: JSON) -> JSON:
        if chat_id == user_id:
            self.started.add(user_id)
            self.blocked.discard(user_id)
        message = self._new_message(chat_id, self.users[user_id], **content)
        return self._push("message", message)

    def add_to_group(self, user_id: int, chat_id: int, new_member: JSON) -> JSON:
        """``user_id`` adds ``new_member`` (a person, or the bot) to the group."""
        message = self._new_message(chat_id, self.users[user_id], new_chat_members=[new_member])
        return self._push("message", message)

    def press(self, user_id: int, chat_id: int, message_id: int, data: str) -> JSON:
        """The person taps an inline button carrying ``data`` under a bot message."""
        message = self.messages[chat_id][message_id]
        query = {
            "id": str(next(self._callback_ids)),
            "from": self.users[user_id],
            "message": message,
            "chat_instance": str(abs(chat_id)),
            "data": data,
        }
        return self._push("callback_query", query)

    def block(self, user_id: int) -> None:
        self.blocked.add(user_id)

    # ------------------------------------------------------------------ updates

    def pending_updates(self, offset: int, limit: int) -> list[JSON]:
        if offset > self._confirmed:
            self._confirmed = offset
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        return self._updates[:limit]

    def next_unconfirmed(self) -> JSON | None:
        """The oldest update the bot has not confirmed yet (what a webhook posts next)."""
        pending = self.pending_updates(self._confirmed, 1)
        return pending[0] if pending else None

    def confirm(self, update_id: int) -> None:
        self.pending_updates(update_id + 1, 1)

    def all_confirmed(self) -> bool:
        """True once the bot has asked for updates past every update handed out so far."""
        return self._confirmed >= self._next_update_id

    def redeliver_from(self, update_id: int, updates: list[JSON]) -> None:
        """Forget confirmations from ``update_id`` on (as after a crash before confirming)."""
        self._confirmed = min(self._confirmed, update_id)
        known = {u["update_id"] for u in self._updates}
        self._updates = sorted(
            [*self._updates, *(u for u in updates if u["update_id"] not in known)],
            key=lambda u: u["update_id"],
        )

    # ------------------------------------------------------------------ files

    def store_file(
        self, data: bytes, mime_type: str, folder: str, name: str | None = None
    ) -> StoredFile:
        unique = secrets.token_hex(8)
        extension = {"image/jpeg": "jpg", "image/png": "png"}.get(mime_type, "bin")
        # Telegram's paths are unique per file: two uploads named alike stay two files.
        path = f"{folder}/{unique}/{name or f'file_{unique}.{extension}'}"
        stored = StoredFile(f"F{unique}{secrets.token_hex(8)}", unique, data, path, mime_type)
        self.files[stored.file_id] = stored
        return stored

    # ------------------------------------------------------------------ failures and limits

    def fail(
        self,
        method: str,
        status: int = 500,
        *,
        times: int = 1,
        retry_after: int | None = None,
        description: str = "",
    ) -> None:
        if status == 429 and retry_after is None:
            retry_after = 1
        self.failures.append(Failure(method, status, times, retry_after, 0.0, description))

    def outage(self, seconds: float) -> None:
        """Telegram is down for ``seconds``: every request is answered 502 Bad Gateway."""
        self.down_until = self.monotonic() + seconds

    def slow(self, method: str, seconds: float, *, times: int = 1) -> None:
        self.failures.append(Failure(method, None, times, delay=seconds))

    def take_failure(self, method: str) -> Failure | None:
        for failure in self.failures:
            if failure.method in (method, "*") and failure.times > 0:
                failure.times -= 1
                if failure.times == 0:
                    self.failures.remove(failure)
                return failure
        return None

    def count_sent(self, chat_id: int, method: str) -> None:
        """Record one message into a chat; note a breach of Telegram's flood limits."""
        if not self.flood_limits:
            return
        now = self.monotonic()
        if chat_id > 0 and now - self._spoke.get(chat_id, -REPLY_SECONDS) < REPLY_SECONDS:
            return  # a reply to what the person just did
        overall = self._sent_overall
        overall.append(now)
        while overall and now - overall[0] >= 1.0:
            overall.popleft()
        if len(overall) > OVERALL_PER_SECOND:
            self.violate(f"{method}: more than {OVERALL_PER_SECOND} messages in one second")
            raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        if chat_id < 0:
            window = self._sent_group[chat_id]
            window.append(now)
            while window and now - window[0] >= 60.0:
                window.popleft()
            if len(window) > GROUP_PER_MINUTE:
                self.violate(
                    f"{method}: more than {GROUP_PER_MINUTE} messages a minute to group {chat_id}"
                )
                raise ApiError(429, "Too Many Requests: retry after 30", {"retry_after": 30})

    def violate(self, what: str) -> None:
        self.violations.append(what)

    # ------------------------------------------------------------------ reading back

    def bot_messages(self, chat_id: int) -> list[JSON]:
        """The bot's messages in a chat, oldest first, as they are now (after edits)."""
        return [
            m
            for _, m in sorted(self.messages[chat_id].items())
            if m["from"]["id"] == self.bot_id and not m.get("_deleted")
        ]
