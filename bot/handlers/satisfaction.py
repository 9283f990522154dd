"""R18: after a complaint is resolved, its reporter records the customer's satisfaction.

The message that tells the reporter the complaint was closed carries five stars
(``sf:<issue>:<1-5>``); ``/satisfaction`` lists the reporter's resolved complaints still
waiting, each with them. One answer per complaint, by its reporter; an answer of 1 or 2 is
posted to the KA centre's group, where the complaint can be taken up again.
"""

from __future__ import annotations

import re

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import KabotContext
from bot.handlers.messages import edit_in_place, refuse
from bot.models import Report
from bot.store.satisfactions import Satisfaction
from bot.texts import Texts

_DATA = re.compile(r"^sf:(\d{1,12}):([1-5])$")
# An answer this low is the centre's business: posted to its group.
UNSATISFIED = 2


def waiting_for_answer(report: Report) -> bool:
    """A resolved complaint: what R18 asks the customer about."""
    return report.status == "closed" and report.answers.get("category") == "complaint"


def stars(texts: Texts, lang: str, issue_id: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            texts.label(lang, "satisfaction.star", score=n), callback_data=f"sf:{issue_id}:{n}"
        )
        for n in range(1, 6)
    ]


async def _card(context: KabotContext, report: Report, answer: Satisfaction | None) -> str:
    customer = await context.store.customers.by_id(int(report.answers["customer"]))
    return context.render(
        "satisfaction_card.html",
        report=report,
        customer=customer.name if customer else "",
        satisfaction=answer,
    )


async def command(update: Update, context: KabotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    if chat.type != Chat.PRIVATE:
        await context.outbox.message(chat.id, context.label("satisfaction.private"))
        return
    store = context.store
    waiting = await store.satisfactions.waiting(context.person.id)
    if not waiting:
        await context.outbox.message(chat.id, context.label("satisfaction.none"))
        return
    for issue_id in waiting:
        report = await store.reports.by_id("issue", issue_id)
        if report is None:
            continue
        markup = InlineKeyboardMarkup([stars(context.texts, context.lang, issue_id)])
        await context.outbox.message(chat.id, await _card(context, report, None), markup)


async def pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    store, person = context.store, context.person
    m = _DATA.match(query.data)
    report = await store.reports.by_id("issue", int(m[1])) if m else None
    if m is None or report is None:
        await refuse(context, query, "malformed")
        return
    if report.staff_id != person.id:  # the reporter asks the customer they reported for
        await refuse(context, query, "not the reporter")
        return
    if not waiting_for_answer(report):
        await context.outbox.answer(query, context.label("satisfaction.not_resolved"), alert=True)
        return
    score = int(m[2])
    answer = await store.satisfactions.record(report, score, person)
    if answer is None:
        known = await store.satisfactions.of(report.id)
        shown = known.score if known else score
        await context.outbox.answer(
            query, context.label("satisfaction.already", score=shown), alert=True
        )
        return
    await context.outbox.answer(query, context.label("satisfaction.recorded", score=score))
    await edit_in_place(context, query, await _card(context, report, answer), None)
    centre = await store.units.centre()
    if score <= UNSATISFIED and centre is not None and centre.group_chat_id is not None:
        customer = await store.customers.by_id(int(report.answers["customer"]))
        text = context.texts.render(
            context.texts.default_language,
            "satisfaction_low.html",
            report=report,
            customer=customer.name if customer else "",
            score=score,
            by=person,
        )
        await context.outbox.message(centre.group_chat_id, text)


def handlers() -> list[object]:
    return [
        CommandHandler("satisfaction", command),
        CallbackQueryHandler(pressed, pattern=r"^sf:"),
    ]
