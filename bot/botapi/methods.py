"""The Bot API methods kabot uses, answering with Telegram's shapes and Telegram's errors."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from bot.botapi.html import EntityParseError, parse_html, telegram_length
from bot.botapi.world import JSON, ApiError, World

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200

Method = Callable[[World, JSON], Awaitable[Any]]
METHODS: dict[str, Method] = {}


def method(name: str) -> Callable[[Method], Method]:
    def register(fn: Method) -> Method:
        METHODS[name] = fn
        return fn

    return register


def _bad(world: World, description: str, *, violation: bool = True) -> ApiError:
    if violation:
        world.violate(description)
    return ApiError(400, f"Bad Request: {description}")


def _not_modified(world: World) -> ApiError:
    """Harmless (PITFALLS), so not a breach: editing a message into what it already is."""
    return _bad(
        world,
        "message is not modified: specified new message content and reply markup are "
        "exactly the same",
        violation=False,
    )


def _chat(world: World, params: JSON) -> JSON:
    chat_id = params.get("chat_id")
    if not isinstance(chat_id, int) or chat_id not in world.chats:
        raise _bad(world, "chat not found")
    if chat_id > 0:
        if chat_id not in world.started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        if chat_id in world.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
    chat: JSON = world.chats[chat_id]
    return chat


def _formatted(world: World, params: JSON, key: str, limit: int) -> JSON:
    """Text or caption with its entities, checked against Telegram's limits."""
    raw = params.get(key)
    if raw is None:
        return {}
    raw = str(raw)
    if params.get("parse_mode") == "HTML":
        try:
            text, entities = parse_html(raw)
        except EntityParseError as exc:
            raise _bad(world, f"can't parse entities: {exc}") from None
    else:
        text, entities = raw, list(params.get("entities") or [])
    if key == "text" and not text.strip():
        raise _bad(world, "message text is empty")
    if telegram_length(text) > limit:
        raise _bad(world, f"message {'caption' if key == 'caption' else 'text'} is too long")
    out: JSON = {key: text, "_html": raw}
    if entities:
        out["entities" if key == "text" else "caption_entities"] = entities
    return out


def _markup(world: World, params: JSON) -> JSON:
    markup = params.get("reply_markup")
    if not markup:
        return {}
    if not isinstance(markup, dict):
        raise _bad(world, "can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                raise _bad(world, f"BUTTON_DATA_INVALID ({len(data.encode())} bytes)")
            if not button.get("text"):
                raise _bad(world, "text buttons are unallowed in the inline keyboard")
    if "inline_keyboard" in markup:
        return {"reply_markup": {"inline_keyboard": markup["inline_keyboard"]}}
    return {"_reply_keyboard": markup}


def _post(world: World, params: JSON, method_name: str, **content: Any) -> JSON:
    chat = _chat(world, params)
    world.count_sent(chat["id"], method_name)
    message: JSON = world._new_message(chat["id"], world.bot_user, **content)
    return message


@method("getMe")
async def get_me(world: World, params: JSON) -> JSON:
    return world.bot_user


@method("getUpdates")
async def get_updates(world: World, params: JSON) -> list[JSON]:
    offset = int(params.get("offset") or 0)
    limit = int(params.get("limit") or 100)
    timeout = float(params.get("timeout") or 0)
    condition = world.changed()
    async with condition:
        # A newer poll ends an older one, as on Telegram (a restarted bot's stale request).
        world.poll_generation += 1
        generation = world.poll_generation
        # Asking with an offset confirms everything before it; tell whoever waits for that.
        world.pending_updates(offset, limit)
        condition.notify_all()

        def ready() -> bool:
            return (
                world.closing
                or generation != world.poll_generation
                or bool(world.pending_updates(offset, limit))
            )

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(condition.wait_for(ready), timeout)
        if generation != world.poll_generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure "
                "that only one bot instance is running",
            )
        return [] if world.closing else world.pending_updates(offset, limit)


@method("deleteWebhook")
async def delete_webhook(world: World, params: JSON) -> bool:
    world.webhook = None
    return True


@method("setWebhook")
async def set_webhook(world: World, params: JSON) -> bool:
    url = params.get("url")
    world.webhook = {"url": url, "secret_token": params.get("secret_token")} if url else None
    return True


@method("getWebhookInfo")
async def get_webhook_info(world: World, params: JSON) -> JSON:
    return {
        "url": (world.webhook or {}).get("url", ""),
        "has_custom_certificate": False,
        "pending_update_count": len(world.pending_updates(0, 100)),
    }


def _scope_key(params: JSON) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    key = scope["type"] + (f":{scope['chat_id']}" if "chat_id" in scope else "")
    return key, str(params.get("language_code") or "")


@method("setMyCommands")
async def set_my_commands(world: World, params: JSON) -> bool:
    commands = params.get("commands") or []
    if len(commands) > 100:
        raise _bad(world, "too many commands")
    for command in commands:
        name, description = command.get("command", ""), command.get("description", "")
        if not (1 <= len(name) <= 32 and name.islower()) or not 1 <= len(description) <= 256:
            raise _bad(world, f"BOT_COMMAND_INVALID: {name!r}")
    world.commands[_scope_key(params)] = commands
    return True


@method("getMyCommands")
async def get_my_commands(world: World, params: JSON) -> list[JSON]:
    return world.commands.get(_scope_key(params), [])


@method("deleteMyCommands")
async def delete_my_commands(world: World, params: JSON) -> bool:
    world.commands.pop(_scope_key(params), None)
    return True


@method("sendMessage")
async def send_message(world: World, params: JSON) -> JSON:
    content = _formatted(world, params, "text", MAX_TEXT) | _markup(world, params)
    return _post(world, params, "sendMessage", **content)


@method("sendChatAction")
async def send_chat_action(world: World, params: JSON) -> bool:
    _chat(world, params)
    return True


def _bot_message(world: World, params: JSON) -> JSON:
    chat = _chat(world, params)
    message = world.messages[chat["id"]].get(int(params.get("message_id") or 0))
    if message is None or message.get("_deleted"):
        raise _bad(world, "message to edit not found", violation=False)
    if message["from"]["id"] != world.bot_id:
        raise _bad(world, "message can't be edited")
    return message


@method("editMessageText")
async def edit_message_text(world: World, params: JSON) -> JSON:
    message = _bot_message(world, params)
    content = _formatted(world, params, "text", MAX_TEXT) | _markup(world, params)
    unchanged = content.get("text") == message.get("text") and content.get(
        "reply_markup"
    ) == message.get("reply_markup")
    if unchanged:
        raise _not_modified(world)
    world.count_sent(message["chat"]["id"], "editMessageText")
    message.pop("entities", None)
    message.pop("reply_markup", None)
    message.update(content, edit_date=int(world.clock()))
    world.touch(message)
    return message


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(world: World, params: JSON) -> JSON:
    message = _bot_message(world, params)
    markup = _markup(world, params).get("reply_markup")
    if markup == message.get("reply_markup"):
        raise _not_modified(world)
    world.count_sent(message["chat"]["id"], "editMessageReplyMarkup")
    message.pop("reply_markup", None)
    if markup:
        message["reply_markup"] = markup
    message["edit_date"] = int(world.clock())
    return message


@method("deleteMessage")
async def delete_message(world: World, params: JSON) -> bool:
    message = _bot_message(world, params)
    message["_deleted"] = True
    return True


@method("answerCallbackQuery")
async def answer_callback_query(world: World, params: JSON) -> bool:
    text = str(params.get("text") or "")
    if len(text) > MAX_CALLBACK_ANSWER:
        raise _bad(world, "MESSAGE_TOO_LONG (callback answer over 200 characters)")
    query_id = str(params.get("callback_query_id"))
    if query_id in world.callback_answers:
        raise _bad(
            world,
            "query is too old and response timeout expired or query ID is invalid",
            violation=False,
        )
    url = params.get("url")
    # Telegram opens only a game's url or a link to the bot itself (t.me/<bot>?start=…).
    if url is not None and not str(url).startswith(f"https://t.me/{world.bot_username}?start="):
        raise _bad(world, "URL_INVALID")
    world.callback_answers[query_id] = {"text": text, "show_alert": bool(params.get("show_alert"))}
    if url is not None:
        world.callback_answers[query_id]["url"] = str(url)
    return True


def _media_file(world: World, value: Any, kind: str, files: dict[str, Any]) -> Any:
    """An uploaded file (multipart or attach://name) or the file_id of a known one."""
    if isinstance(value, str) and value.startswith("attach://"):
        value = files.get(value.removeprefix("attach://"))
    if isinstance(value, tuple):  # (file name, bytes, mime type) from the multipart body
        name, data, mime = value
        return world.store_file(data, mime or "application/octet-stream", kind, name)
    if isinstance(value, str) and value in world.files:
        return world.files[value]
    raise _bad(world, f"wrong file identifier/HTTP URL specified for {kind}")


def _photo_sizes(stored: Any) -> list[JSON]:
    return [
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": 1280,
            "height": 960,
            "file_size": len(stored.data),
        }
    ]


def _document(stored: Any) -> JSON:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_name": stored.file_path.rsplit("/", 1)[-1],
        "mime_type": stored.mime_type,
        "file_size": len(stored.data),
    }


@method("sendPhoto")
async def send_photo(world: World, params: JSON) -> JSON:
    caption = _formatted(world, params, "caption", MAX_CAPTION)
    stored = _media_file(world, params.get("photo"), "photos", params.get("_files", {}))
    return _post(
        world, params, "sendPhoto", photo=_photo_sizes(stored), **caption, **_markup(world, params)
    )


@method("sendDocument")
async def send_document(world: World, params: JSON) -> JSON:
    caption = _formatted(world, params, "caption", MAX_CAPTION)
    stored = _media_file(world, params.get("document"), "documents", params.get("_files", {}))
    return _post(
        world,
        params,
        "sendDocument",
        document=_document(stored),
        **caption,
        **_markup(world, params),
    )


@method("sendLocation")
async def send_location(world: World, params: JSON) -> JSON:
    try:
        latitude, longitude = float(params["latitude"]), float(params["longitude"])
    except (KeyError, TypeError, ValueError):
        raise _bad(world, "latitude and longitude must be numbers") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise _bad(world, "wrong latitude or longitude")
    location = {"latitude": latitude, "longitude": longitude}
    return _post(world, params, "sendLocation", location=location, **_markup(world, params))


@method("sendMediaGroup")
async def send_media_group(world: World, params: JSON) -> list[JSON]:
    media = params.get("media") or []
    if not 2 <= len(media) <= 10:
        raise _bad(world, "wrong number of media in the album (2-10)")
    _chat(world, params)
    group_id = str(world.clock()).replace(".", "")
    sent = []
    for item in media:
        caption = _formatted(
            world, item | {"parse_mode": item.get("parse_mode")}, "caption", MAX_CAPTION
        )
        stored = _media_file(world, item.get("media"), "photos", params.get("_files", {}))
        body = (
            {"photo": _photo_sizes(stored)}
            if item.get("type") == "photo"
            else {"document": _document(stored)}
        )
        sent.append(
            _post(world, params, "sendMediaGroup", media_group_id=group_id, **body, **caption)
        )
    return sent


@method("getFile")
async def get_file(world: World, params: JSON) -> JSON:
    stored = world.files.get(str(params.get("file_id")))
    if stored is None:
        raise _bad(world, "invalid file_id", violation=False)
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.file_path,
    }


@method("close")
async def close(world: World, params: JSON) -> bool:
    return True


@method("logOut")
async def log_out(world: World, params: JSON) -> bool:
    return True
