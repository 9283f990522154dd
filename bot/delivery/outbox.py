"""What handlers and jobs call to send: rows in the outbox, written in the caller's transaction.

Nothing here talks to Telegram. ``await context.outbox.message(chat_id, text)`` records the
message next to the change that causes it; :class:`bot.delivery.sender.Sender` delivers it
once the transaction has committed. Each method returns the message's *handle* (a negative
number until Telegram gives the message an id), which can be stored and edited like an id.
"""

from __future__ import annotations

import html
import inspect
import re
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, TelegramObject

from bot.botapi.html import EntityParseError, parse_html, telegram_length
from bot.store.outbox import CALLBACK_ANSWER, REPLY, OutboxRepository

MAX_TEXT = 4096
MAX_CAPTION = 1024
# Telegram counts UTF-16 units of the text after HTML parsing; counting the markup too keeps a
# margin, and the splitter closes and reopens tags at each cut.
SPLIT_AT = 4000

Markup = TelegramObject | None

INTERACTIVE, NOTICE = REPLY, REPLY + 1


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)[^>]*>")


def _open_tags(text: str) -> list[str]:
    """The tags still open at the end of ``text``, outermost first (as ``<b>``, ``<a href>``)."""
    stack: list[tuple[str, str]] = []
    for match in _TAG.finditer(text):
        closing, name = match.group(1), match.group(2).lower()
        if not closing:
            stack.append((name, match.group(0)))
        else:
            for i in range(len(stack) - 1, -1, -1):
                if stack[i][0] == name:
                    del stack[i:]
                    break
    return [opening for _, opening in stack]


def _closers(opened: list[str]) -> str:
    return "".join(f"</{_TAG.match(t).group(2)}>" for t in reversed(opened))  # type: ignore[union-attr]


def _safe_cut(line: str, limit: int) -> int:
    """Where to cut an over-long line: at ``limit`` or before, never inside a tag or entity."""
    cut = limit
    while cut > 1:
        head = line[:cut]
        if head.rfind("<") <= head.rfind(">") and head.rfind("&") <= head.rfind(";"):
            break
        cut -= 1
    return max(cut, 1)


def _fits(text: str, limit: int) -> bool:
    """As Telegram counts: the text's UTF-16 units once the HTML is parsed."""
    if _utf16(text) <= limit:
        return True
    try:
        visible, _ = parse_html(text)
    except EntityParseError:
        return False
    return telegram_length(visible) <= limit


def split_html(text: str, limit: int = SPLIT_AT, fits: int = MAX_TEXT) -> list[str]:
    """Cut an HTML message into messages Telegram takes (``fits`` as Telegram counts), at
    line boundaries where it can, each part at most ``limit`` long with its markup; tags open
    at a cut are closed there and opened again in the next part."""
    if _fits(text, fits):
        return [text]
    pieces: list[str] = []
    for line in text.split("\n"):
        while _utf16(line) > limit:
            cut = _safe_cut(line, limit // 2)
            pieces.append(line[:cut])
            line = line[cut:]
        pieces.append(line)
    parts: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}\n{piece}" if current else piece
        if current and _utf16(candidate + _closers(_open_tags(candidate))) > limit:
            opened = _open_tags(current)
            parts.append(current + _closers(opened))
            current = "".join(opened) + piece
        else:
            current = candidate
    if current.strip():
        parts.append(current)
    return [p for p in parts if p.strip()]


def fits(text: str) -> bool:
    """Whether ``text`` goes as one message (else :meth:`Outbox.message` splits it)."""
    return len(split_html(text)) == 1


def _markup(markup: Markup) -> dict[str, Any]:
    if markup is None:
        return {}
    if not isinstance(markup, InlineKeyboardMarkup):
        return {"reply_markup": markup.to_dict()}
    rows = [[_button(b) for b in row] for row in markup.inline_keyboard]
    return {"reply_markup": {"inline_keyboard": rows}}


# Everything a button may carry besides its text and its data.
_BUTTON_EXTRAS = tuple(
    name
    for name in inspect.signature(InlineKeyboardButton).parameters
    if name not in ("text", "callback_data", "api_kwargs")
)


def _button(button: InlineKeyboardButton) -> dict[str, Any]:
    """A button as JSON: kabot's own (text and data) directly, PTB's generic (and slow)
    to_dict for anything else."""
    data = button.callback_data
    plain = isinstance(data, str) and not button.api_kwargs
    if plain and all(getattr(button, name) is None for name in _BUTTON_EXTRAS):
        return {"text": button.text, "callback_data": data}
    return button.to_dict()


class Outbox:
    """The one way out. ``priority``: INTERACTIVE for a reply someone is waiting for,
    NOTICE for reminders, posts and summaries (delivered after people who wait).
    ``replies_to``: the chats of the person an update came from (their private chat, the
    group they pressed in); what goes anywhere else — the director's card for a report just
    filed — is a notice, which keeps to Telegram's bulk rate."""

    def __init__(
        self,
        repository: OutboxRepository,
        priority: int = INTERACTIVE,
        *,
        replies_to: frozenset[int] | None = None,
        before_message: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        """``before_message(chat_id)``: awaited before a new message goes to a chat."""
        self._rows = repository
        self.priority = priority
        self.replies_to = replies_to
        self._before = before_message

    async def _add(self, chat_id: int, method: str, params: dict[str, Any], **row: Any) -> int:
        """A new message (not an edit, not an answer to a press)."""
        if self._before is not None:
            await self._before(chat_id)
        return await self._rows.add(
            chat_id, method, params, priority=self._priority(chat_id), **row
        )

    def _priority(self, chat_id: int) -> int:
        if self.replies_to is None or chat_id in self.replies_to:
            return self.priority
        return NOTICE

    async def message(
        self,
        chat_id: int,
        text: str,
        markup: Markup = None,
        *,
        reply_to: int | None = None,
    ) -> int:
        """A text message (HTML), without link previews. Longer than Telegram allows, it
        goes as several, the buttons under the last; the handle is the last part's."""
        parts = split_html(text)
        handle = 0
        for i, part in enumerate(parts):
            params: dict[str, Any] = {"text": part}
            if i == len(parts) - 1:
                params.update(_markup(markup))
            if reply_to is not None and i == 0:
                params["reply_to_message_id"] = reply_to
            params["link_preview_options"] = {"is_disabled": True}
            handle = await self._add(chat_id, "sendMessage", params)
        return handle

    async def edit(self, chat_id: int, message: int, text: str, markup: Markup = None) -> None:
        """Show ``text`` (and ``markup``; None takes the buttons away) in a message sent
        before. A card too long for one message keeps its first part and the rest is cut."""
        params: dict[str, Any] = {"text": split_html(text)[0], **_markup(markup)}
        params["link_preview_options"] = {"is_disabled": True}
        await self._rows.edit(chat_id, message, "editMessageText", params, self._priority(chat_id))

    async def edit_markup(self, chat_id: int, message: int, markup: Markup = None) -> None:
        await self._rows.edit(
            chat_id, message, "editMessageReplyMarkup", _markup(markup), self._priority(chat_id)
        )

    async def photo(
        self,
        chat_id: int,
        photo: str | bytes,
        *,
        caption: str | None = None,
        name: str = "photo.png",
        reply_to: int | None = None,
    ) -> int:
        """A photo: a Telegram file id, or an image kabot made (kept in the row until sent)."""
        params: dict[str, Any] = {}
        if caption:
            params["caption"] = split_html(caption, MAX_CAPTION - 24, MAX_CAPTION)[0]
        if reply_to is not None:
            params["reply_to_message_id"] = reply_to
        if isinstance(photo, str):
            params["photo"] = photo
            return await self._add(chat_id, "sendPhoto", params)
        return await self._add(chat_id, "sendPhoto", params, upload=photo, upload_name=name)

    async def photos(
        self,
        chat_id: int,
        file_ids: list[str],
        *,
        reply_to: int | None = None,
        captions: list[str] | None = None,
    ) -> None:
        """One photo as a photo, several as albums (Telegram's albums take 2–10), each
        with its caption if ``captions`` has one (HTML, cut to Telegram's 1,024)."""
        shown = [c[:MAX_CAPTION] for c in captions] if captions else [""] * len(file_ids)
        for start in range(0, len(file_ids), 10):
            chunk = file_ids[start : start + 10]
            texts = shown[start : start + 10]
            if len(chunk) == 1:
                await self.photo(chat_id, chunk[0], reply_to=reply_to, caption=texts[0] or None)
                continue
            media: list[Any] = [
                {"file_id": f, "caption": c} if c else f for f, c in zip(chunk, texts, strict=True)
            ]
            params: dict[str, Any] = {"media": media}
            if reply_to is not None:
                params["reply_to_message_id"] = reply_to
            await self._add(chat_id, "sendMediaGroup", params)

    async def document(
        self,
        chat_id: int,
        document: str | bytes,
        *,
        name: str | None = None,
        caption: str | None = None,
        markup: Markup = None,
    ) -> int:
        """A file: a Telegram file id, or bytes kabot made (a workbook) named ``name``."""
        params: dict[str, Any] = {**_markup(markup)}
        if caption:
            params["caption"] = split_html(caption, MAX_CAPTION - 24, MAX_CAPTION)[0]
        if isinstance(document, str):
            params["document"] = document
            return await self._add(chat_id, "sendDocument", params)
        return await self._add(
            chat_id, "sendDocument", params, upload=document, upload_name=name or "kabot.xlsx"
        )

    async def location(
        self, chat_id: int, latitude: float, longitude: float, *, reply_to: int | None = None
    ) -> int:
        params: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if reply_to is not None:
            params["reply_to_message_id"] = reply_to
        return await self._add(chat_id, "sendLocation", params)

    async def answer(
        self,
        query: CallbackQuery,
        text: str | None = None,
        *,
        alert: bool = False,
        url: str | None = None,
    ) -> None:
        """Answer a button press (the toast, an alert, or a t.me link to open)."""
        params: dict[str, Any] = {"callback_query_id": query.id}
        if text:  # plain text, not HTML: labels' escaped parameters read as typed
            params["text"] = html.unescape(text)[:200]
        if alert:
            params["show_alert"] = True
        if url:
            params["url"] = url
        await self._rows.add(query.from_user.id, CALLBACK_ANSWER, params, priority=INTERACTIVE)
