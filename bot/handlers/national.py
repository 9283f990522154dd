"""/national: the KA centre's national KA monthly report (R3: 全国KA月报, by the 14th) and the
centre director's sign-off (审定, by the 15th) with one button ``nr:<id>:ok``."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import KabotContext
from bot.forms.catalogue import FORMS
from bot.handlers import forms
from bot.handlers.messages import edit_in_place
from bot.models import Draft, Role
from bot.workflow import speaks_for_centre

_LOGGER = logging.getLogger(__name__)
_DATA = re.compile(r"^nr:(\d{1,12}):ok$")


async def national_command(update: Update, context: KabotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    if not speaks_for_centre(context.person, await context.store.units.centre()):
        await context.outbox.message(chat.id, context.label("national.centre_only"))
        return
    await forms.begin(update, context, FORMS["national"])


def _card(context: KabotContext, report: dict[str, Any], lang: str) -> str:
    return context.texts.render(lang, "national_card.html", r=report)


async def submitted(
    chat: Chat, context: KabotContext, draft: Draft, answers: dict[str, Any]
) -> str:
    store, person = context.store, context.person
    await store.drafts.discard(draft.id)
    if not speaks_for_centre(person, await store.units.centre()):
        return context.label("national.centre_only")
    report_id = await store.obligations.file_national_report(
        str(answers["month"]), str(answers["highlights"]), answers.get("file"), person
    )
    report = await store.obligations.national_report(report_id)
    assert report is not None
    told = 0
    for director in await store.staff.deciders("centre"):
        if director.telegram_id is None:
            continue
        lang = context.texts.lang(director.language)
        button = InlineKeyboardButton(
            context.texts.label(lang, "national.sign"), callback_data=f"nr:{report_id}:ok"
        )
        await context.outbox.message(
            director.telegram_id, _card(context, report, lang), InlineKeyboardMarkup([[button]])
        )
        if report["file"]:
            upload = json.loads(str(report["file"]))
            await context.outbox.document(director.telegram_id, upload["file_id"])
        told += 1
    await context.outbox.message(
        chat.id, context.label("national.filed", month=answers["month"], told=told)
    )
    return ""


async def sign_pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    m = _DATA.match(query.data)
    report = await context.store.obligations.national_report(int(m[1])) if m else None
    if m is None or report is None:
        await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)
        return
    if context.person.role is not Role.DIRECTOR:
        await context.outbox.answer(query, context.label("answer.not_allowed"), alert=True)
        return
    if not await context.store.obligations.sign_national_report(int(m[1]), context.person):
        await context.outbox.answer(query, context.label("national.signed_already"), alert=True)
    else:
        await context.outbox.answer(query, context.label("national.signed"))
    report = await context.store.obligations.national_report(int(m[1]))
    assert report is not None
    await edit_in_place(context, query, _card(context, report, context.lang), None)


def handlers() -> list[object]:
    return [
        CommandHandler("national", national_command, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(sign_pressed, pattern=r"^nr:"),
    ]
