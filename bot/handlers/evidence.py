"""A fine's evidence pack (issue 18): 🧾 under every penalty notice (``pk:<entry>``, from the
group post, the private one, ``/fine N`` and the director's appeal card) sends the pack to
the presser's private chat — the appeal's attachments first, then the timeline — with
📥 (``pk:<entry>:x``) for the same as a workbook sheet. Who may see it is checked again on
every press: the fined person, their unit's managers, the directors and the KA centre."""

from __future__ import annotations

import asyncio
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot.context import KabotContext
from bot.forms.present import money
from bot.models import LedgerEntry
from bot.policy import may_see_entry
from bot.reminders import evidence

_DATA = re.compile(r"^pk:(\d{1,12})(:x)?$")


async def pack_text(context: KabotContext, entry: LedgerEntry, lang: str) -> str:
    found = await evidence.pack(context.store, context.rules, entry)
    texts = context.texts
    return texts.render(
        lang, "evidence_pack.html", p=found, money=lambda fen: money(texts, lang, fen)
    )


async def send_attachments(context: KabotContext, entry: LedgerEntry, chat_id: int) -> None:
    """The appeal's photos (as albums) and documents, before the card that speaks of them."""
    attached = await context.store.ledger.evidence([entry.id])
    photos = [a for a in attached if a.kind == "photo"]
    if photos:
        captions = [a.caption or "" for a in photos]
        await context.outbox.photos(chat_id, [a.file_id for a in photos], captions=captions)
    for item in attached:
        if item.kind == "document":
            await context.outbox.document(chat_id, item.file_id, caption=item.caption)


async def pack_pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    store, person = context.store, context.person
    m = _DATA.match(query.data)
    entry = await store.ledger.by_id(int(m[1])) if m else None
    if m is None or entry is None or entry.kind != "penalty":
        await store.decisions.refused(person, query.data, "malformed")
        await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)
        return
    if not may_see_entry(person, entry) or person.telegram_id is None:
        await store.decisions.refused(person, query.data, "may not see the fine")
        await context.outbox.answer(query, context.label("answer.not_allowed"), alert=True)
        return
    private = query.message is not None and query.message.chat.id == person.telegram_id
    await context.outbox.answer(query, None if private else context.label("ledger.pack_sent"))
    lang = context.lang
    if m[2]:  # the workbook
        found = await evidence.pack(store, context.rules, entry)
        data = await asyncio.to_thread(evidence.book, context.texts, lang, [found])
        name = context.label("workbook.evidence_file", number=entry.id)
        await context.outbox.document(person.telegram_id, data, name=name)
        return
    await send_attachments(context, entry, person.telegram_id)
    export = InlineKeyboardButton(
        context.label("ledger.button.export"), callback_data=f"pk:{entry.id}:x"
    )
    await context.outbox.message(
        person.telegram_id,
        await pack_text(context, entry, lang),
        InlineKeyboardMarkup([[export]]),
    )


def handlers() -> list[object]:
    return [CallbackQueryHandler(pack_pressed, pattern=r"^pk:")]
