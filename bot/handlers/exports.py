"""/export: spreadsheets on demand (SPEC §4).

- ``/export`` offers the monthly workbook of the last months as buttons ``ex:m:<YYYY-MM>``
  and the month's fines with their evidence packs ``ex:p:<YYYY-MM>`` (the KA centre, the
  directors and the information officer: it covers every unit).
- ``/export <customer>`` sends a customer's file (客户档案); several matches are offered as
  buttons ``ex:c:<id>``.
- ``/export <person> <period or month>`` sends one person's visits over the period.

Each is checked against what the person may see; field staff export their own visits.
"""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime

from telegram import (
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import KabotContext
from bot.forms import inputs, periods
from bot.models import Customer, Role
from bot.policy import customer_scope, may_see_customer
from bot.reminders import evidence, workbook
from bot.reminders.summary import month_bounds
from bot.workflow import speaks_for_centre

_DATA = re.compile(r"^ex:(m|c|p):([0-9-]{1,12})$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# A person's visits: "周丽 2026-11", "YT002 11月1日至11月30日".
_PERSON = re.compile(r"^(\S+)\s+(.+)$")
MONTHS_OFFERED = 3
QUERY_LIMIT = 60


async def _whole_group(context: KabotContext) -> bool:
    person = context.person
    return person.role is Role.ADMIN or speaks_for_centre(
        person, await context.store.units.centre()
    )


async def export_command(update: Update, context: KabotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    query = " ".join(context.args or []).strip()
    if len(query) > QUERY_LIMIT:
        await context.outbox.message(chat.id, context.label("export.too_long", limit=QUERY_LIMIT))
        return
    if not query:
        await _menu(chat, context)
        return
    if (m := _PERSON.match(query)) and await _person_visits(chat, context, m[1], m[2]):
        return
    await _customer(chat, context, query)


async def _menu(chat: Chat, context: KabotContext) -> None:
    months = inputs.recent_months(context.clock.now().date(), MONTHS_OFFERED)
    buttons = []
    if await _whole_group(context):
        buttons = [
            [
                InlineKeyboardButton(
                    context.label(f"export.{kind}", month=m), callback_data=f"ex:{kind[0]}:{m}"
                )
                for kind in ("month", "packs")
            ]
            for m in months
        ]
        # This month's fines have their packs too (an appeal will not wait for the 1st).
        current = f"{context.clock.now():%Y-%m}"
        label = context.label("export.packs", month=current)
        buttons.insert(0, [InlineKeyboardButton(label, callback_data=f"ex:p:{current}")])
    await context.outbox.message(
        chat.id,
        context.render("export_menu.html", whole_group=bool(buttons), month=months[0]),
        markup=InlineKeyboardMarkup(buttons) if buttons else None,
    )


async def _send(chat: Chat, context: KabotContext, data: bytes, name: str) -> None:
    await context.outbox.document(chat.id, data, name=name)


async def _month(chat: Chat, context: KabotContext, month: str) -> None:
    rules = context.rules
    assert rules is not None
    data = await workbook.month(context.store, rules, context.texts, context.lang, month)
    await _send(chat, context, data, context.label("workbook.file", month=month))


async def _packs(chat: Chat, context: KabotContext, month: str) -> None:
    """Every fine of the month with its evidence pack, for an appeal up the line."""
    packs = await evidence.month_packs(context.store, context.rules, month)
    data = await asyncio.to_thread(evidence.book, context.texts, context.lang, packs)
    await _send(chat, context, data, context.label("workbook.evidence_month_file", month=month))


async def _customer_file(chat: Chat, context: KabotContext, customer: Customer) -> None:
    data = await workbook.customer_file(
        context.store, context.texts, context.lang, customer, context.settings.files
    )
    await _send(chat, context, data, context.label("workbook.customer_file", code=customer.code))


async def _customer(chat: Chat, context: KabotContext, query: str) -> None:
    store, person = context.store, context.person
    scope = customer_scope(person, await store.units.centre())
    found = await store.customers.search(query, unit_id=scope)
    if found.total == 0:
        await context.outbox.message(chat.id, context.label("export.nothing", text=query))
        return
    if found.total == 1:
        await _customer_file(chat, context, found.items[0])
        return
    buttons = [
        [InlineKeyboardButton(f"{c.name} · {c.code}", callback_data=f"ex:c:{c.id}")]
        for c in found.items
    ]
    await context.outbox.message(
        chat.id,
        context.label("export.which", count=found.total),
        markup=InlineKeyboardMarkup(buttons),
    )


async def _period(text: str, now: datetime) -> tuple[date, date] | None:
    if _MONTH.match(text):
        return month_bounds(text)
    period = await asyncio.to_thread(periods.parse_period, text, now)
    return (period.first, period.last) if period else None


async def _person_visits(chat: Chat, context: KabotContext, who: str, span: str) -> bool:
    """One person's visits over a period; False when ``span`` is no period (a customer name
    with a space in it, then)."""
    store, me = context.store, context.person
    bounds = await _period(span, context.clock.now())
    if bounds is None:
        return False
    found = [p for p in await store.staff.search(who) if p.unit_id is not None]
    scope = customer_scope(me, await store.units.centre())
    if me.role is Role.FIELD:
        found = [p for p in found if p.id == me.id]
    elif scope is not None:
        found = [p for p in found if p.unit_id == scope]
    if len(found) != 1:
        key = "export.no_person" if not found else "export.people"
        await context.outbox.message(chat.id, context.label(key, text=who, count=len(found)))
        return True
    person, (first, last) = found[0], bounds
    data = await workbook.person_visits(store, context.texts, context.lang, person, first, last)
    name = context.label("workbook.person_file", code=person.code, first=first, last=last)
    await _send(chat, context, data, name)
    return True


async def export_pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    chat = update.effective_chat
    m = _DATA.match(query.data)
    if m is None or chat is None:
        await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)
        return
    if m[1] in ("m", "p"):
        if not _MONTH.match(m[2]) or not await _whole_group(context):
            await context.outbox.answer(query, context.label("answer.not_allowed"), alert=True)
            return
        await context.outbox.answer(query, context.label("export.preparing"))
        await (_month if m[1] == "m" else _packs)(chat, context, m[2])
        return
    number = inputs.record_id(m[2])
    customer = await context.store.customers.by_id(number) if number is not None else None
    centre = await context.store.units.centre()
    if customer is None or not may_see_customer(context.person, centre, customer):
        await context.outbox.answer(query, context.label("answer.not_allowed"), alert=True)
        return
    await context.outbox.answer(query, context.label("export.preparing"))
    await _customer_file(chat, context, customer)


def handlers() -> list[object]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("export", export_command, filters=private),
        CallbackQueryHandler(export_pressed, pattern=r"^ex:"),
    ]
