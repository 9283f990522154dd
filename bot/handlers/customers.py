"""/customers: find a customer by part of its name; pages of buttons that open its card."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import KabotContext
from bot.forms import inputs
from bot.forms.catalogue import FORMS
from bot.handlers.messages import edit_in_place
from bot.menus import visit_button
from bot.models import Customer, Page
from bot.policy import customer_scope, may_see_customer

PAGE_SIZE = 8
MAX_QUERY = 40  # characters; longer is not a name anyone types


async def customers_command(update: Update, context: KabotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    query = " ".join(context.args or []).strip()
    if len(query) > MAX_QUERY:
        await context.outbox.message(
            chat.id, context.render("customers_query_too_long.html", limit=MAX_QUERY)
        )
        return
    search_id = await context.store.customers.remember_search(context.person.id, query)
    text, markup = await _page(context, query, search_id, 0)
    await context.outbox.message(chat.id, text, markup=markup)


async def _page(
    context: KabotContext, query: str, search_id: int, offset: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    store = context.store
    scope = customer_scope(context.person, await store.units.centre())
    page = await store.customers.search(query, unit_id=scope, offset=offset, limit=PAGE_SIZE)
    text = context.render("customers_page.html", query=query, page=page)
    return text, _keyboard(context, page, search_id)


def _keyboard(
    context: KabotContext, page: Page[Customer], search_id: int
) -> InlineKeyboardMarkup | None:
    rows = [
        [
            InlineKeyboardButton(
                f"{c.grade} · {c.name}",
                callback_data=f"cust:o:{c.id}:{search_id}:{page.offset}",
            )
        ]
        for c in page.items
    ]
    nav = []
    if page.has_previous:
        nav.append(
            InlineKeyboardButton(
                context.label("button.previous"),
                callback_data=f"cust:p:{search_id}:{max(page.offset - page.limit, 0)}",
            )
        )
    if page.has_next:
        nav.append(
            InlineKeyboardButton(
                context.label("button.next"),
                callback_data=f"cust:p:{search_id}:{page.offset + page.limit}",
            )
        )
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows) if rows else None


def _ints(data: str, prefix: str, count: int) -> list[int] | None:
    parts = data.removeprefix(prefix).split(":")
    if len(parts) != count or not all(inputs.record_id(p) is not None for p in parts):
        return None
    return [int(p) for p in parts]


async def page_pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    numbers = _ints(query.data, "cust:p:", 2)
    saved = (
        await context.store.customers.saved_search(numbers[0], context.person.id)
        if numbers
        else None
    )
    if numbers is None or saved is None:
        await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)
        return
    search_id, offset = numbers
    text, markup = await _page(context, saved, search_id, offset)
    await context.outbox.answer(query)
    await edit_in_place(context, query, text, markup)


async def customer_pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    numbers = _ints(query.data, "cust:o:", 3)
    store = context.store
    customer = await store.customers.by_id(numbers[0]) if numbers else None
    if numbers is None or customer is None or not customer.active:
        await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)
        return
    if not may_see_customer(context.person, await store.units.centre(), customer):
        await context.outbox.answer(query, context.label("answer.not_allowed"), alert=True)
        return
    _, search_id, offset = numbers
    rows = [
        [
            InlineKeyboardButton(
                context.label("button.back_to_list"),
                callback_data=f"cust:p:{search_id}:{offset}",
            )
        ]
    ]
    if context.person.role in FORMS["visit"].roles:
        rows.insert(0, [visit_button(context.texts, context.lang, customer)])
    back = InlineKeyboardMarkup(rows)
    await context.outbox.answer(query)
    await edit_in_place(context, query, context.render("customer_card.html", c=customer), back)


def handlers() -> list[object]:
    return [
        CommandHandler("customers", customers_command, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(page_pressed, pattern=r"^cust:p:"),
        CallbackQueryHandler(customer_pressed, pattern=r"^cust:o:"),
    ]
