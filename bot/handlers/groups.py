"""Group chats: /bindgroup makes a group the home of a unit's (or the centre's) notices."""

from __future__ import annotations

import logging

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import KabotContext
from bot.forms import inputs
from bot.handlers.form_questions import retire
from bot.models import BusinessUnit, Role

_LOGGER = logging.getLogger(__name__)


async def bindgroup(update: Update, context: KabotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    if chat.type == Chat.PRIVATE:
        await context.outbox.message(chat.id, context.label("answer.bind_private_only"))
        return
    if context.person.role != Role.ADMIN:
        await context.outbox.message(chat.id, context.label("answer.bind_admin_only"))
        return
    wanted = " ".join(context.args or []).strip()
    if not wanted:
        await send_bind_help(chat, context)
        return
    unit = await context.store.units.find(wanted[:100])
    if unit is None:
        units = await context.store.units.all()
        await context.outbox.message(
            chat.id,
            context.render("bind_unknown_unit.html", wanted=wanted[:100], units=units),
            markup=_unit_buttons(units),
        )
        return
    await _bind(chat, context, unit)


async def send_bind_help(chat: Chat, context: KabotContext) -> None:
    """How to bind this group: the command, and a button per unit to do it with one tap."""
    units = await context.store.units.all()
    await context.outbox.message(
        chat.id, context.render("bind_how.html", units=units), markup=_unit_buttons(units)
    )


def _unit_buttons(units: list[BusinessUnit]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(f"{u.code} · {u.name}", callback_data=f"bind:{u.id}")]
            for u in units
        ]
    )


async def bind_pressed(update: Update, context: KabotContext) -> None:
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and query.data is not None and chat is not None
    if context.person.role != Role.ADMIN:
        await context.outbox.answer(query, context.label("answer.bind_admin_only"), alert=True)
        return
    unit_id = query.data.removeprefix("bind:")
    number = inputs.record_id(unit_id)
    unit = await context.store.units.by_id(number) if number is not None else None
    if unit is None or not unit.active or chat.type == Chat.PRIVATE:
        await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)
        return
    await context.outbox.answer(query)
    await retire(context, query.message)
    await _bind(chat, context, unit)


async def _bind(chat: Chat, context: KabotContext, unit: BusinessUnit) -> None:
    previous = await context.store.units.bind_group(
        unit.id, chat.id, actor=f"staff:{context.person.id}"
    )
    _LOGGER.info("Group %s bound to unit %s by %s", chat.id, unit.code, context.person.code)
    replaced = unit.group_chat_id is not None and unit.group_chat_id != chat.id
    await context.outbox.message(
        chat.id,
        context.render(
            "bind_done.html",
            unit=unit,
            previous=previous if previous and previous.id != unit.id else None,
            replaced=replaced,
        ),
    )


async def group_migrated(update: Update, context: KabotContext) -> None:
    """A group that becomes a supergroup changes id; its unit follows it."""
    message = update.effective_message
    if message is not None and message.migrate_to_chat_id:
        await context.store.units.move_group(message.chat.id, message.migrate_to_chat_id)


def handlers() -> list[object]:
    return [
        CommandHandler("bindgroup", bindgroup),
        CallbackQueryHandler(bind_pressed, pattern=r"^bind:"),
    ]
