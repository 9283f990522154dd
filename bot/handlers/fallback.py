"""Whatever no other handler took: never silence in a private chat, never a guess."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.context import KabotContext
from bot.menus import main_menu


async def not_understood(update: Update, context: KabotContext) -> None:
    message = update.effective_message
    assert message is not None
    await context.outbox.message(
        message.chat_id,
        context.render("not_understood.html"),
        markup=main_menu(context.texts, context.person, await context.in_centre()),
    )


async def unknown_button(update: Update, context: KabotContext) -> None:
    """A button from an old message or forged callback data: say so, change nothing."""
    query = update.callback_query
    assert query is not None
    await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)


def handlers() -> list[object]:
    return [
        MessageHandler(filters.ChatType.PRIVATE, not_understood),
        CallbackQueryHandler(unknown_button),
    ]
