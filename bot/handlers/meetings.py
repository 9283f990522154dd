"""/meeting: the quarterly business meeting with a KA customer (R16, seed 001 五(二)2) and its
minutes — last quarter's cooperation, the market, the problems, next quarter's plan. Filed by
anyone of the customer's unit (or the centre); the minutes go to the unit's group, and the
customer's R16 obligation of that quarter is met."""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram import Chat, Update
from telegram.ext import CommandHandler

from bot.context import KabotContext
from bot.forms.catalogue import FORMS
from bot.handlers import form_questions as questions
from bot.handlers import forms
from bot.models import Draft
from bot.store.meetings import MINUTES


async def meeting_command(update: Update, context: KabotContext) -> None:
    await forms.begin(update, context, FORMS["meeting"])


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


async def submitted(
    chat: Chat, context: KabotContext, draft: Draft, answers: dict[str, Any]
) -> str:
    store, person = context.store, context.person
    await store.drafts.discard(draft.id)
    customer = await questions.visible_customer(context, int(answers["customer"]))
    if customer is None:
        return context.label("answer.not_allowed")
    held_on = date.fromisoformat(str(answers["day"]))
    minutes = {k: str(answers[k]) for k in MINUTES}
    meeting = await store.meetings.add(
        customer.id, customer.unit_id, held_on, minutes, answers.get("photos"), person
    )
    quarter = quarter_of(held_on)
    await context.outbox.message(
        chat.id, context.label("meeting.recorded", customer=customer.name, quarter=quarter)
    )
    unit = await store.units.by_id(customer.unit_id)
    if unit is not None and unit.group_chat_id is not None:
        text = context.texts.render(
            context.texts.default_language,
            "meeting_card.html",
            meeting=meeting,
            customer=customer,
            quarter=quarter,
            by=person,
        )
        await context.outbox.message(unit.group_chat_id, text)
    return ""


def handlers() -> list[object]:
    return [CommandHandler("meeting", meeting_command)]
