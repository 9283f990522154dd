"""Buttons under a reminder: ask for it again in an hour, or tomorrow morning.

A message may list several reminders (one person's, from one run): its buttons put all of
them off, ``sz:<id>.<id>…:<hour|tomorrow>``.
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.context import KabotContext
from bot.handlers.messages import refuse
from bot.reminders.answering import responsible
from bot.reminders.timing import snooze_until

_DATA = re.compile(r"^sz:(\d{1,12}(?:\.\d{1,12}){0,25}):(hour|tomorrow)$")


async def snooze_pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    store, person = context.store, context.person
    m = _DATA.match(query.data)
    ids = sorted({int(i) for i in m[1].split(".")}) if m else []
    obligations = [await store.obligations.by_id(i) for i in ids]
    if m is None or not obligations or None in obligations:
        await refuse(context, query, "malformed")
        return
    rules = context.bot_data.rules
    assert rules is not None
    today = context.clock.now().date()
    for obligation in obligations:
        assert obligation is not None
        rule = rules.rules.get(obligation.rule)
        owner = await responsible(store, rule, obligation) if rule else None
        stand_in = await store.staff.stand_in_for(owner, today) if owner else None
        if person.id not in {p.id for p in (owner, stand_in) if p is not None}:
            # Only whoever the reminder was for (or stands in for them) may put it off.
            await refuse(context, query, "not theirs to snooze")
            return
    open_ = [o for o in obligations if o is not None and o.met_at is None]
    if not open_:
        await context.outbox.answer(query, context.label("snooze.met"), alert=True)
        return
    waiting = [o for o in open_ if not await store.obligations.snoozed(o, person.id)]
    if not waiting:
        await context.outbox.answer(query, context.label("snooze.already"), alert=True)
        return
    until = snooze_until(m[2], context.clock.now(), rules)
    for obligation in waiting:
        await store.obligations.snooze(obligation, person.id, until)
    await context.outbox.answer(query, context.label("snooze.done", at=f"{until:%m-%d %H:%M}"))


def handlers() -> list[object]:
    return [CallbackQueryHandler(snooze_pressed, pattern=r"^sz:")]
