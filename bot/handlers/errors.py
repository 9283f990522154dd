"""The one error handler: the log gets the traceback, the person a calm word in their language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, TelegramError

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
    _LOGGER.error("Update %r caused an error", update, exc_info=context.error)
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
    try:
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(
                    texts.label(lang, "answer.error"), show_alert=True
                )
                return
            except BadRequest:
                pass  # the handler had answered the press already; say it in the chat
        if chat is not None and may_speak:
            await chat.send_message(texts.render(lang, "error.html"))
    except TelegramError:
        _LOGGER.warning("Could not tell the person about the error", exc_info=True)
