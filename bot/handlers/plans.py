"""/plan: the month's visit plan (拜访计划), made in the first ten days of the month.

The first /plan of a month writes kabot's proposal (``bot.reminders.visits.propose_plan``);
the person taps customers in or out (``vp:<month>:t:<customer>``), adds others with
``/plan <name>``, and confirms (``vp:<month>:ok``). Every tap is saved at once. A confirmed
plan feeds R9's reminders and the managers' digest (planned against visited).
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import KabotContext
from bot.handlers.messages import edit_in_place
from bot.menus import WRITERS
from bot.models import Customer
from bot.policy import customer_scope, may_see_customer
from bot.reminders.visits import propose_plan

_DATA = re.compile(r"^vp:(\d{4}-\d{2}):(t|ok)(?::(\d{1,12}))?$")
QUERY_LIMIT = 40
SHOWN = 24  # buttons on the plan; more than a month's visits is not a plan


def _month(context: KabotContext) -> str:
    return f"{context.clock.now():%Y-%m}"


async def _view(
    context: KabotContext, month: str, extra: list[Customer] | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    store, person = context.store, context.person
    planned_ids = await store.plans.planned(person.id, month)
    planned = [c for c in [await store.customers.by_id(i) for i in planned_ids] if c is not None]
    rules = context.rules
    assert rules is not None
    first = context.clock.now().date().replace(day=1)
    offered = planned + [
        c
        for c in (extra or []) + await propose_plan(store, rules, person, first)
        if c not in planned
    ]
    visited = await store.plans.visited(person.id, month)
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if c in planned else "➕ ")
                + f"{c.name} · {c.grade}"
                + (" 👣" if c.id in visited else ""),
                callback_data=f"vp:{month}:t:{c.id}",
            ),
            # A planned customer is where she is going: the visit report starts here.
            *(
                [InlineKeyboardButton(context.label("plan.visit"), callback_data=f"vs:{c.id}")]
                if c in planned
                else []
            ),
        ]
        for c in list(dict.fromkeys(offered))[:SHOWN]
    ]
    confirmed = await store.plans.confirmed_at(person.id, month)
    rows.append(
        [InlineKeyboardButton(context.label("plan.confirm"), callback_data=f"vp:{month}:ok")]
    )
    text = context.render(
        "plan.html",
        month=month,
        planned=planned,
        visited=visited,
        confirmed=confirmed,
        late=context.clock.now().day > 10,
    )
    return text, InlineKeyboardMarkup(rows)


async def plan_command(update: Update, context: KabotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    store, person = context.store, context.person
    if person.role not in WRITERS or person.unit_id is None:
        await context.outbox.message(chat.id, context.label("plan.not_for_you"))
        return
    month, rules = _month(context), context.rules
    assert rules is not None
    first = context.clock.now().date().replace(day=1)
    proposal = await propose_plan(store, rules, person, first)
    await store.plans.propose(person.id, month, [c.id for c in proposal])
    extra: list[Customer] = []
    query = " ".join(context.args or []).strip()
    if len(query) > QUERY_LIMIT:
        await context.outbox.message(
            chat.id, context.label("plan.query_too_long", limit=QUERY_LIMIT)
        )
        return
    if query:
        scope = customer_scope(person, await store.units.centre())
        extra = list((await store.customers.search(query, unit_id=scope)).items)
        if not extra:
            await context.outbox.message(chat.id, context.label("plan.nothing", text=query))
            return
    text, markup = await _view(context, month, extra)
    await context.outbox.message(chat.id, text, markup=markup)


async def plan_pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    m = _DATA.match(query.data)
    person = context.person
    if m is None or m[1] != _month(context) or person.role not in WRITERS:
        await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)
        return
    month, store = m[1], context.store
    if m[2] == "ok":
        await store.plans.confirm(person.id, month)
        count = len(await store.plans.planned(person.id, month))
        await context.outbox.answer(
            query, context.label("plan.confirmed", count=count), alert=True
        )
    else:
        customer = await store.customers.by_id(int(m[3] or 0))
        centre = await store.units.centre()
        if customer is None or not may_see_customer(person, centre, customer):
            await context.outbox.answer(query, context.label("answer.not_allowed"), alert=True)
            return
        added = await store.plans.toggle(person.id, month, customer.id)
        await context.outbox.answer(
            query, context.label("plan.added" if added else "plan.removed")
        )
    if isinstance(query.message, Message):
        text, markup = await _view(context, month)
        await edit_in_place(context, query, text, markup)


def handlers() -> list[object]:
    return [
        CommandHandler("plan", plan_command, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(plan_pressed, pattern=r"^vp:"),
    ]
