"""Buttons under a reminder: ask for it again in an hour, or tomorrow morning."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.context import KabotContext
from bot.reminders.engine import responsible, snooze_until

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
    rule = rules.rules.get(obligation.rule)
    owner = await responsible(store, rule, obligation) if rule else None
    stand_in = await store.staff.stand_in_for(owner, context.clock.now().date()) if owner else None
    if person.id not in {p.id for p in (owner, stand_in) if p is not None}:
        # Only whoever the reminder was for (or stands in for them) may put it off.
        await store.decisions.refused(person, query.data, "not theirs to snooze")
        await context.outbox.answer(query, context.label("answer.not_allowed"), alert=True)
        return
    if await store.obligations.snoozed(obligation, person.id):
        await context.outbox.answer(query, context.label("snooze.already"), alert=True)
        return
    until = snooze_until(m[2], context.clock.now(), rules.general)
    await store.obligations.snooze(obligation, person.id, until)
    await context.outbox.answer(query, context.label("snooze.done", at=f"{until:%m-%d %H:%M}"))


def handlers() -> list[object]:
    return [CallbackQueryHandler(snooze_pressed, pattern=r"^sz:")]
