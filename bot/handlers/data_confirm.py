"""R1: a unit's monthly KA data counts once the unit's first responsible person confirms it.

What the head files is confirmed as it is filed. What anyone else of the unit files goes to
the head as a card with **✅ 确认上报** (``dc:<id>``); pressing it is the moment the data
counts (R1 met), and its author hears of it. ``confirmed_by_head = false`` in the rules file
counts every filing at once.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot.context import KabotContext
from bot.forms import present
from bot.forms.catalogue import form_of
from bot.handlers.messages import edit_in_place, refuse
from bot.models import Report, Staff

_DATA = re.compile(r"^dc:(\d{1,12})$")


async def _head(context: KabotContext, report: Report) -> Staff | None:
    unit = await context.store.units.by_id(report.unit_id)
    if unit is None or unit.responsible_staff_id is None:
        return None
    head = await context.store.staff.by_id(unit.responsible_staff_id)
    return head if head is not None and head.active else None


async def _card(context: KabotContext, report: Report, lang: str) -> str:
    return await present.fitting(
        context.store,
        context.texts,
        lang,
        form_of(report.kind, report.answers),
        report.answers,
        "report_card.html",
        report=report,
        posted=True,
    )


async def after_filing(context: KabotContext, report: Report) -> str | None:
    """Confirm the data now (the head filed it, or the rules say so), or ask the head; the
    line for the author's receipt when it waits."""
    rules = context.bot_data.rules
    r1 = rules.rules.get("R1") if rules is not None else None
    head = await _head(context, report)
    required = r1 is not None and r1.settings.get("confirmed_by_head", True)
    if not required or head is None or head.id == context.person.id:
        await context.store.reports.confirm_data(report, context.person)
        return None
    if head.telegram_id is None:  # not on kabot yet: the data waits, and the author knows
        return context.label("data.waits_for_unbound_head", head=head.name)
    note = context.label("data.waits_for_head", head=head.name)
    lang = context.texts.lang(head.language)
    button = InlineKeyboardButton(
        context.texts.label(lang, "data.confirm"), callback_data=f"dc:{report.id}"
    )
    await context.outbox.message(
        head.telegram_id, await _card(context, report, lang), InlineKeyboardMarkup([[button]])
    )
    return note


async def confirm_pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    store, person = context.store, context.person
    m = _DATA.match(query.data)
    report = await store.reports.by_id("data", int(m[1])) if m else None
    if m is None or report is None:
        await refuse(context, query, "malformed")
        return
    head = await _head(context, report)
    if head is None or head.id != person.id:
        await refuse(context, query, "not the unit's head")
        return
    confirmed = await store.reports.confirm_data(report, person)
    if confirmed is None:
        await context.outbox.answer(query, context.label("data.confirmed_already"), alert=True)
        return
    await context.outbox.answer(query, context.label("data.confirmed"))
    await edit_in_place(context, query, await _card(context, confirmed, context.lang), None)
    author = await store.staff.by_id(confirmed.staff_id)
    if author is not None and author.telegram_id is not None:
        lang = context.texts.lang(author.language)
        await context.outbox.message(
            author.telegram_id,
            context.texts.label(
                lang, "data.confirmed_by", number=confirmed.number, head=person.name
            ),
        )


def handlers() -> list[object]:
    return [CallbackQueryHandler(confirm_pressed, pattern=r"^dc:")]
