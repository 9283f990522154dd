"""/national: the KA centre's national KA monthly report (R3: 全国KA月报, by the 14th) and the
centre director's judgement (审定, by the 15th): ``nr:<id>:ok`` signs it off, and the signed
report goes to every unit's group; ``nr:<id>:back`` sends it back to the centre, not up to
standard, with the reason written in private (form ``national_return``)."""

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
_DATA = re.compile(r"^nr:(\d{1,12}):(ok|back)$")


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
        buttons = [
            InlineKeyboardButton(
                context.texts.label(lang, f"national.{label}"),
                callback_data=f"nr:{report_id}:{action}",
            )
            for label, action in (("sign", "ok"), ("back", "back"))
        ]
        await context.outbox.message(
            director.telegram_id, _card(context, report, lang), InlineKeyboardMarkup([buttons])
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
    if report["signed_at"] or report["returned_at"]:
        done = "signed_already" if report["signed_at"] else "returned_already"
        await context.outbox.answer(query, context.label(f"national.{done}"), alert=True)
        return
    if m[2] == "back":
        link = await forms.start_in_private(context, FORMS["national_return"], int(m[1]))
        await context.outbox.answer(query, context.label("national.back_in_private"), url=link)
        return
    if not await context.store.obligations.sign_national_report(int(m[1]), context.person):
        await context.outbox.answer(query, context.label("national.signed_already"), alert=True)
        return
    await context.outbox.answer(query, context.label("national.signed"))
    report = await context.store.obligations.national_report(int(m[1]))
    assert report is not None
    await edit_in_place(context, query, _card(context, report, context.lang), None)
    await _to_units(context, report)


async def _to_units(context: KabotContext, report: dict[str, Any]) -> None:
    """The signed report, to every business unit's group (R3: 下发各事业本部)."""
    lang = context.texts.default_language
    head = context.texts.label(
        lang, "national.to_units", month=report["month"], director=report["signed_by_name"]
    )
    upload = json.loads(str(report["file"])) if report["file"] else None
    for unit in await context.store.units.all():
        if unit.is_centre or not unit.active or unit.group_chat_id is None:
            continue
        await context.outbox.message(
            unit.group_chat_id, f"{head}\n\n{_card(context, report, lang)}"
        )
        if upload is not None:
            await context.outbox.document(unit.group_chat_id, upload["file_id"])


async def returned(
    chat: Chat, context: KabotContext, draft: Draft, answers: dict[str, Any]
) -> str:
    """The reason is written: the report goes back; the centre's author hears why."""
    store, person = context.store, context.person
    await store.drafts.discard(draft.id)
    assert draft.report_id is not None
    if person.role is not Role.DIRECTOR:
        await context.outbox.message(chat.id, context.label("answer.not_allowed"))
        return ""
    reason = str(answers["reason"])
    if not await store.obligations.return_national_report(draft.report_id, person, reason):
        await context.outbox.message(chat.id, context.label("national.returned_already"))
        return ""
    report = await store.obligations.national_report(draft.report_id)
    assert report is not None
    await context.outbox.message(
        chat.id, context.label("national.returned", month=report["month"])
    )
    if report["filed_by_telegram"] is not None:
        lang = context.texts.lang(str(report["filed_by_language"]))
        await context.outbox.message(
            int(str(report["filed_by_telegram"])),
            context.texts.label(
                lang,
                "national.returned_to_centre",
                month=report["month"],
                director=person.name,
                reason=reason,
            ),
        )
    return ""


def handlers() -> list[object]:
    return [
        CommandHandler("national", national_command, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(sign_pressed, pattern=r"^nr:"),
    ]
