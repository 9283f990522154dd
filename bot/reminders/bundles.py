"""A person's reminders of one run, sent as one message.

The due run collects each private reminder here instead of sending it; at the end of each
batch's transaction every chat gets one message — headed with the count when there are
several — whose two buttons put all of its reminders off: ``sz:<id>.<id>…:<hour|tomorrow>``
(one id alone is the form reminders always had). A message names no more reminders than
Telegram's 64 bytes of callback data hold; the rest go in the next.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.delivery.outbox import Outbox
from bot.store import Store
from bot.texts import Texts

# Telegram's callback data holds 64 bytes: a "snooze them all" button names at most this many.
SNOOZE_DATA = 64


def _snooze_data(ids: list[int], length: str) -> str:
    """``sz:12.40.41:hour`` (one id alone is what reminders always carried)."""
    return f"sz:{'.'.join(str(i) for i in ids)}:{length}"


class Reminders:
    """The reminders of one batch, by chat: sent as one message a chat when it ends."""

    def __init__(self) -> None:
        self.chats: dict[tuple[int, str], list[tuple[int, str]]] = {}
        self.kinds: dict[int, list[str]] = {}  # obligation → the notices its item carries

    def add(self, chat_id: int, lang: str, obligation_id: int, text: str, kind: str) -> None:
        """One item per obligation: a snoozed reminder that comes back when the next one is
        due is listed once."""
        items = self.chats.setdefault((chat_id, lang), [])
        self.kinds.setdefault(obligation_id, []).append(kind)
        if all(known != obligation_id for known, _ in items):
            items.append((obligation_id, text))

    async def send(self, outbox: Outbox, texts: Texts, store: Store) -> None:
        """Each chat's message, and which notices it carries (the evidence pack reads it)."""
        for (chat_id, lang), items in self.chats.items():
            for part in _parts(items):
                ids = [obligation_id for obligation_id, _ in part]
                text = "\n\n".join(t.strip() for _, t in part)
                if len(part) > 1:
                    header = texts.label(lang, "snooze.several", count=len(part))
                    text = f"{header}\n\n{text}"
                # Put off in an hour, or tomorrow morning: all of the message's reminders.
                markup = InlineKeyboardMarkup(
                    [
                        [
                            InlineKeyboardButton(
                                texts.label(lang, f"snooze.{length}"),
                                callback_data=_snooze_data(ids, length),
                            )
                            for length in ("hour", "tomorrow")
                        ]
                    ]
                )
                handle = await outbox.message(chat_id, text, markup)
                carried = [(i, kind) for i in ids for kind in self.kinds.get(i, [])]
                await store.obligations.carried(carried, handle)


def _parts(items: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """Cut a chat's reminders where the snooze buttons could not name more of them."""
    parts: list[list[tuple[int, str]]] = [[]]
    for item in items:
        ids = [i for i, _ in parts[-1]] + [item[0]]
        if parts[-1] and len(_snooze_data(ids, "tomorrow").encode()) > SNOOZE_DATA:
            parts.append([])
        parts[-1].append(item)
    return parts
