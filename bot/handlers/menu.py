"""The /start menu's buttons: each does what its command does, for the roles that have it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.context import KabotContext
from bot.handlers import approvals, customers, forms, ledger, reports, roster, start
from bot.menus import commands_for

_ACTIONS: dict[str, Callable[[Update, KabotContext], Awaitable[None]]] = {
    "visit": forms.visit_command,
    "issue": forms.issue_command,
    "promo": forms.promo_command,
    "data": forms.data_command,
    "admission": forms.admission_command,
    "approvals": approvals.approvals_command,
    "penalties": ledger.penalties_command,
    "myvisits": reports.myvisits_command,
    "issues": reports.issues_command,
    "promos": reports.promos_list_command,
    "me": start.me,
    "customers": customers.customers_command,
    "roster": roster.roster_overview,
    "language": start.language,
    "help": start.help_command,
}


async def menu_pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    target = query.data.removeprefix("menu:")
    allowed = {
        c.name for c in commands_for(context.person.role, in_centre=await context.in_centre())
    }
    if target not in allowed or target not in _ACTIONS:
        await context.outbox.answer(query, context.label("answer.not_allowed"), alert=True)
        return
    await context.outbox.answer(query)
    await _ACTIONS[target](update, context)


def handlers() -> list[object]:
    return [CallbackQueryHandler(menu_pressed, pattern=r"^menu:")]
