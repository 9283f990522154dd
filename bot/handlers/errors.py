"""The one error handler: the log gets the traceback, the person a calm word in their language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.context import KabotContext

_LOGGER = logging.getLogger(__name__)


async def on_error(update: object, context: KabotContext) -> None:
    _LOGGER.error("Update %r caused an error", update, exc_info=context.error)
    if not isinstance(update, Update):
        return  # a job or the poller; nobody to tell
    if isinstance(context.error, Forbidden):
        return  # the person blocked kabot: telling them is impossible
    language = None
    person = context.maybe_person
    if person is not None:
        language = person.language
    elif update.effective_user is not None:
        language = update.effective_user.language_code
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
