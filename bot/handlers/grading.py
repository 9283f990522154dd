"""/grading: the half-yearly customer grading, proposed by kabot, confirmed by the KA centre.

The centre sends the half-year's sheet (a guided form with one file); kabot reads it
(``bot.reminders.grading``), saves the proposal and posts it — the grades it would change,
the customers flagged as lost, a workbook with every line — with two buttons
``gr:<id>:ok|no``. Only the centre (its managers, the directors) decides, once.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import KabotContext
from bot.forms.catalogue import FORMS
from bot.handlers import forms
from bot.handlers.messages import edit_in_place
from bot.models import GRADES, Draft
from bot.reminders import grading, workbook
from bot.roster.model import RosterError
from bot.roster.reading import upload_rows
from bot.store.gradings import Proposal, ProposalLine
from bot.workflow import speaks_for_centre

_LOGGER = logging.getLogger(__name__)
_DATA = re.compile(r"^gr:(\d{1,12}):(ok|no)$")
READABLE = (".xlsx", ".xlsm", ".csv")


async def grading_command(update: Update, context: KabotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    if not speaks_for_centre(context.person, await context.store.units.centre()):
        await context.outbox.message(chat.id, context.label("grading.centre_only"))
        return
    await forms.begin(update, context, FORMS["grading"])


async def submitted(
    chat: Chat, context: KabotContext, draft: Draft, answers: dict[str, Any]
) -> str:
    store, person = context.store, context.person
    await store.drafts.discard(draft.id)
    if not speaks_for_centre(person, await store.units.centre()):
        return context.label("grading.centre_only")
    upload = answers["file"]
    if not str(upload["file_name"]).lower().endswith(READABLE):
        await context.outbox.message(
            chat.id, context.label("grading.save_as", name=upload["file_name"])
        )
        return ""
    await context.outbox.message(chat.id, context.label("grading.reading"))
    data = await (await context.bot.get_file(upload["file_id"])).download_as_bytearray()
    rules = context.rules
    assert rules is not None
    try:
        # Off the event loop: the caps keep it short, a crafted file is refused on the way.
        rows = await asyncio.to_thread(upload_rows, upload["file_name"], bytes(data))
        lines, unknown = await grading.propose(
            store, rules.grading, rows, context.clock.now().date()
        )
    except RosterError as exc:
        problem = exc.problems[0]
        await context.outbox.message(chat.id, context.label(problem.key, **problem.params))
        return ""
    except grading.SheetError as exc:
        await context.outbox.message(chat.id, context.label(exc.key, **exc.params))
        return ""
    proposal_id = await store.gradings.add(
        grading.half_year(context.clock.now().date()),
        person,
        [
            ProposalLine(
                line.customer.id,
                line.customer.grade,
                line.grade,
                line.score,
                line.sales_fen,
                line.profit_fen,
                line.visits,
                line.churn,
            )
            for line in lines
        ],
    )
    proposal = await store.gradings.by_id(proposal_id)
    assert proposal is not None
    await _post(chat, context, proposal, unknown, grading.by_frequency(rows))
    return ""


async def _card(
    context: KabotContext, proposal: Proposal, unknown: list[str], *, by_visits: bool = False
) -> str:
    names = {}
    for line in proposal.lines:
        customer = await context.store.customers.by_id(line.customer_id)
        names[line.customer_id] = customer.name if customer else "?"
    counts = {
        g: (
            sum(1 for line in proposal.lines if line.old_grade == g),
            sum(1 for line in proposal.lines if line.new_grade == g),
        )
        for g in GRADES
    }
    return context.render(
        "grading_card.html",
        by_visits=by_visits,
        proposal=proposal,
        counts=counts,
        names=names,
        changed=[line for line in proposal.lines if line.new_grade != line.old_grade],
        churn=[line for line in proposal.lines if line.churn],
        unknown=unknown,
    )


def _buttons(context: KabotContext, proposal: Proposal) -> InlineKeyboardMarkup | None:
    if proposal.status != "proposed":
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    context.label(f"grading.button.{action}"),
                    callback_data=f"gr:{proposal.id}:{action}",
                )
                for action in ("ok", "no")
            ]
        ]
    )


async def _post(
    chat: Chat, context: KabotContext, proposal: Proposal, unknown: list[str], frequency: bool
) -> None:
    """The proposal goes to the centre's group (where it is decided), or to its author."""
    centre = await context.store.units.centre()
    target = centre.group_chat_id if centre and centre.group_chat_id else chat.id
    text = await _card(context, proposal, unknown, by_visits=not frequency)
    await context.outbox.message(target, text, _buttons(context, proposal))
    book = await workbook.grading(context.store, context.texts, context.lang, proposal)
    name = context.label("workbook.grading_file", period=proposal.period)
    await context.outbox.document(target, book, name=name)
    if target != chat.id:
        await context.outbox.message(chat.id, context.label("grading.posted"))


async def decision_pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    m = _DATA.match(query.data)
    proposal = await context.store.gradings.by_id(int(m[1])) if m else None
    if m is None or proposal is None:
        await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)
        return
    if not speaks_for_centre(context.person, await context.store.units.centre()):
        await context.outbox.answer(query, context.label("answer.not_allowed"), alert=True)
        return
    if not await context.store.gradings.decide(proposal, context.person, m[2] == "ok"):
        await context.outbox.answer(query, context.label("grading.decided_already"), alert=True)
        return
    decided = await context.store.gradings.by_id(proposal.id)
    assert decided is not None
    await context.outbox.answer(query, context.label(f"grading.done.{decided.status}"))
    text = await _card(context, decided, [])
    text += "\n\n" + context.label(f"grading.by.{decided.status}", name=context.person.name)
    await edit_in_place(context, query, text, None)


def handlers() -> list[object]:
    return [
        CommandHandler("grading", grading_command, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(decision_pressed, pattern=r"^gr:"),
    ]
