"""/roster: the information officer's view of the organisation kabot knows."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.context import KabotContext
from bot.models import Role
from bot.policy import A_GRADE_MIN_CONTACTS


async def roster_overview(update: Update, context: KabotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    if context.person.role != Role.ADMIN:
        await context.outbox.message(chat.id, context.label("answer.not_allowed"))
        return
    store = context.store
    await context.outbox.message(
        chat.id,
        context.render(
            "roster_overview.html",
            units=await store.units.all(),
            staff_count=await store.staff.count_active(),
            customer_count=await store.customers.count_active(),
            not_started=await store.staff.not_yet_started(),
            undelivered=await store.outbox.undelivered(),
            orphans=await store.customers.orphans(),
            short=await store.customers.short_of_contacts("A", A_GRADE_MIN_CONTACTS),
            minimum=A_GRADE_MIN_CONTACTS,
        ),
    )


def handlers() -> list[object]:
    return [CommandHandler("roster", roster_overview, filters=filters.ChatType.PRIVATE)]
