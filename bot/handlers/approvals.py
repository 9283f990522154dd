"""/approvals: what waits for a director, oldest first, which step each is at and who took
the steps before; the routine visits among them approved together after a confirmation
(``ab:<newest id listed>`` shows them, ``ab:<id>:yes`` approves each through the same checks
as its card's button)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import KabotContext
from bot.forms import present
from bot.handlers import decisions
from bot.models import Decision, Report, Staff


async def waiting_for(context: KabotContext, person: Staff) -> list[Decision]:
    """The steps waiting for ``person``'s decision, oldest first."""
    waiting = []
    for approver in ("centre", "marketing"):
        deciders = await context.store.staff.deciders(approver)
        if person.id in {p.id for p in deciders}:
            waiting += await context.store.decisions.waiting((approver,))
    waiting.sort(key=lambda d: (d.created_at, d.id))
    return waiting


LISTED = 20  # items in the /approvals list; the cards of the first few follow it
CARDS = 5


@dataclass(frozen=True, slots=True)
class Waiting:
    decision: Decision
    report: Report
    age: str
    earlier: list[Decision]  # the steps already approved (a promotion's centre step …)


async def _waiting(context: KabotContext) -> list[Waiting]:
    now = context.clock.now()
    items = []
    for decision in await waiting_for(context, context.person):
        report = await decisions.subject(context, decision)
        if report is None:
            continue
        steps = await context.store.decisions.of_subject(report.kind, report.id)
        earlier = [
            d
            for d in steps
            if d.status == "approved"
            and d.subject_version == report.version
            and d.id != decision.id
        ]
        age = present.age(context.texts, context.lang, decision.created_at, now)
        items.append(Waiting(decision, report, age, earlier))
    return items


def _routine(item: Waiting) -> bool:
    """What may be approved in one go: a routine visit report (例行拜访)."""
    return item.report.kind == "visit" and item.report.answers.get("visit_kind") == "routine"


async def approvals_command(update: Update, context: KabotContext) -> None:
    """What waits for the person, oldest first, which step each is at and who approved the
    steps before; the routine visits may be approved together. The first cards follow."""
    chat = update.effective_chat
    assert chat is not None
    items = await _waiting(context)
    listed = items[:LISTED]
    routine = [i for i in listed if _routine(i)]
    markup = None
    if len(routine) > 1:
        newest = max(i.decision.id for i in routine)
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        context.label("decision.button.approve_routine", count=len(routine)),
                        callback_data=f"ab:{newest}",
                    )
                ]
            ]
        )
    await context.outbox.message(
        chat.id,
        context.render("approvals.html", items=listed, total=len(items), routine=len(routine)),
        markup,
    )
    for item in listed[:CARDS]:
        await decisions.send_card(context, item.decision, context.person)


_BULK = re.compile(r"^ab:(\d{1,12})(:yes)?$")


async def bulk_pressed(update: Update, context: KabotContext) -> None:
    """ "Approve the routine visits": first the list to confirm, then each approved — the
    ones listed then (ids up to the newest shown), still pending, still routine."""
    query = update.callback_query
    assert query is not None and query.data is not None
    m = _BULK.match(query.data)
    if m is None:
        await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)
        return
    chosen = [i for i in await _waiting(context) if _routine(i) and i.decision.id <= int(m[1])][
        :LISTED
    ]
    if not chosen:
        await context.outbox.answer(query, context.label("decision.bulk_none"), alert=True)
        return
    numbers = "、".join(i.report.number for i in chosen)
    if not m[2]:
        await context.outbox.answer(query)
        confirm = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        context.label("decision.button.bulk_confirm", count=len(chosen)),
                        callback_data=f"ab:{m[1]}:yes",
                    )
                ]
            ]
        )
        await context.outbox.message(
            query.message.chat.id if query.message else context.person.telegram_id or 0,
            context.label("decision.bulk_ask", count=len(chosen), numbers=numbers),
            confirm,
        )
        return
    approved = []
    for item in chosen:
        checked = await decisions.check(context, f"d:{item.decision.id}:{item.report.version}:ok")
        if isinstance(checked, str):
            continue
        decision, report, _ = checked
        await decisions.approve(context, decision, report)
        approved.append(report.number)
    await context.outbox.answer(
        query, context.label("decision.bulk_done", count=len(approved)), alert=True
    )
    if isinstance(query.message, Message):
        await context.outbox.edit(
            query.message.chat.id,
            query.message.message_id,
            context.label("decision.bulk_done_list", numbers="、".join(approved) or "—"),
        )


def handlers() -> list[object]:
    return [
        CommandHandler("approvals", approvals_command, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(bulk_pressed, pattern=r"^ab:"),
    ]
