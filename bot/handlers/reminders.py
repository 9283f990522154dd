"""Buttons under a reminder: ask for it again in an hour, or tomorrow morning."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.context import KabotContext
from bot.reminders.engine import snooze_until

_DATA = re.compile(r"^sz:(\d{1,12}):(hour|tomorrow)$")


async def snooze_pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    store, person = context.store, context.person
    m = _DATA.match(query.data)
    obligation = await store.obligations.by_id(int(m[1])) if m else None
    if m is None or obligation is None:
        await store.decisions.refused(person, query.data, "malformed")
        await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)
        return
    if obligation.met_at is not None:
        await context.outbox.answer(query, context.label("snooze.met"), alert=True)
        return
    rules = context.bot_data.rules
    assert rules is not None
    until = snooze_until(m[2], context.clock.now(), rules.general)
    await store.obligations.snooze(obligation, person.id, until)
    await context.outbox.answer(query, context.label("snooze.done", at=f"{until:%m-%d %H:%M}"))


def handlers() -> list[object]:
    return [CallbackQueryHandler(snooze_pressed, pattern=r"^sz:")]
