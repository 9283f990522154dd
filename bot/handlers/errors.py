"""The one error handler: the log gets the traceback, the person a calm word in their language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden

from bot.context import KabotContext
from bot.models import Staff

_LOGGER = logging.getLogger(__name__)


async def _person(context: KabotContext, telegram_id: int) -> Staff | None:
    try:
        person = await context.store.staff.by_telegram_id(telegram_id)
    except Exception:  # the store may be what failed; the person still deserves an answer
        _LOGGER.warning("Could not look up who to tell about the error", exc_info=True)
        return None
    return person if person is not None and person.active else None


async def on_error(update: object, context: KabotContext) -> None:
    # Ids only: what people typed and their names stay out of the log.
    if isinstance(update, Update):
        _LOGGER.error(
            "Update %s (user %s, chat %s) caused an error",
            update.update_id,
            update.effective_user.id if update.effective_user else None,
            update.effective_chat.id if update.effective_chat else None,
            exc_info=context.error,
        )
    else:
        _LOGGER.error("Background work failed", exc_info=context.error)
    if not isinstance(update, Update):
        return  # a job or the poller; nobody to tell
    if isinstance(context.error, Forbidden):
        return  # the person blocked kabot: telling them is impossible
    user = update.effective_user
    # PTB gives error handlers a fresh context: the gate's person is not on it, so ask.
    person = await _person(context, user.id) if user is not None else None
    language = person.language if person is not None else user.language_code if user else None
    texts = context.texts
    lang = texts.lang("en" if language and language.startswith("en") else language)
    chat = update.effective_chat
    may_speak = chat is not None and (chat.type == chat.PRIVATE or person is not None)
    # What the failed handler did was rolled back, its answers too: this is the only one.
    if update.callback_query is not None:
        await context.outbox.answer(
            update.callback_query, texts.label(lang, "answer.error"), alert=True
        )
    elif chat is not None and may_speak:
        await context.outbox.message(chat.id, texts.render(lang, "error.html"))
