"""/inspect: a store inspection (巡查) against the unit's A-class assortment standard (R13, seed
000 5.7.1). The inspector picks the store, ticks each missing SKU with one tap, adds photos; a
store short of its standard goes to the KA centre's group as a card proposing the fine — 50 to
100 CNY a SKU — with two buttons ``in:<id>`` (confirm: one ledger entry, posted like every fine,
appealable and waivable) and ``in:<id>:fm`` (force majeure, 不可抗因素: nothing is charged, the
reason is written in private). Each press is checked against the inspection and the presser."""

from __future__ import annotations

import re
from typing import Any

from telegram import Chat, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import KabotContext
from bot.forms.catalogue import FORMS
from bot.forms.present import money
from bot.handlers import form_offers, forms
from bot.handlers import form_questions as questions
from bot.handlers.messages import choice_row, edit_in_place, refuse
from bot.models import Draft
from bot.reminders import inspections
from bot.store.inspections import Inspection
from bot.workflow import speaks_for_centre

_PRESSED = re.compile(r"^in:(\d{1,12})(:fm)?$")


async def inspect_command(update: Update, context: KabotContext) -> None:
    chat = update.effective_chat
    if (
        chat is not None
        and chat.type == Chat.PRIVATE
        and not await context.store.inspections.any_store()
    ):
        await context.outbox.message(chat.id, context.label("inspection.none"))
        return
    await forms.begin(update, context, FORMS["inspect"])


async def card(context: KabotContext, inspection: Inspection, lang: str) -> str:
    store, texts = context.store, context.texts
    unit = await store.units.by_id(inspection.unit_id)
    who = await store.staff.by_id(inspection.responsible_id) if inspection.responsible_id else None
    return texts.render(
        lang,
        "inspection_card.html",
        inspection=inspection,
        unit=unit.name if unit else "",
        who=who.name if who else "",
        amounts=[money(texts, lang, f.amount_fen) for f in inspection.findings],
        total=money(texts, lang, inspection.total_fen),
    )


def _buttons(context: KabotContext, inspection: Inspection, lang: str) -> InlineKeyboardMarkup:
    choices = (("confirm", ""), ("force_majeure", ":fm"))
    return choice_row(context.texts, lang, "inspection", f"in:{inspection.id}", choices)


async def submitted(
    chat: Chat, context: KabotContext, draft: Draft, answers: dict[str, Any]
) -> str:
    """The inspection is saved; a store short of its standard goes to the KA centre."""
    store, person = context.store, context.person
    await store.drafts.discard(draft.id)
    shop = await form_offers.visible_store(context, int(answers["store"]))
    rule = context.rules.rules.get(inspections.RULE) if context.rules else None
    if shop is None or rule is None:
        return context.label("answer.not_allowed")
    standard = {k.id: k for k in await store.inspections.standard(shop.unit_id)}
    ticked = [int(k) for k in answers.get("missing") or []]
    if any(k not in standard for k in ticked):  # the standard changed under the draft
        return context.label("inspection.standard_changed")
    findings = inspections.findings(rule, [standard[k] for k in ticked])
    inspection = await store.inspections.add(
        shop,
        context.clock.now().date(),
        findings,
        await inspections.responsible(store, rule, shop),
        answers.get("photos"),
        answers.get("note"),
        person,
    )
    if not findings:
        await questions.conclude(
            chat, context, context.label("inspection.clear", store=shop.label)
        )
        return ""
    centre = await store.units.centre()
    await questions.conclude(
        chat,
        context,
        context.label(
            "inspection.proposed",
            store=shop.label,
            count=len(findings),
            total=money(context.texts, context.lang, inspection.total_fen),
        ),
    )
    if centre is not None and centre.group_chat_id is not None:
        lang = context.texts.default_language
        handle = await context.outbox.message(
            centre.group_chat_id,
            await card(context, inspection, lang),
            _buttons(context, inspection, lang),
        )
        await store.inspections.add_card(inspection, centre.group_chat_id, handle)
        photos = [p["file_id"] for p in inspection.photos]
        if photos:
            await context.outbox.photos(centre.group_chat_id, photos, reply_to=handle)
    return ""


async def centre_pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    store, person = context.store, context.person
    m = _PRESSED.match(query.data)
    inspection = await store.inspections.by_id(int(m[1])) if m else None
    if m is None or inspection is None:
        await refuse(context, query, "malformed")
        return
    if not speaks_for_centre(person, await store.units.centre()):
        await refuse(context, query, "not the KA centre")
        return
    if inspection.status != "proposed":
        await context.outbox.answer(query, context.label("inspection.decided_already"), alert=True)
        return
    if m[2]:  # force majeure: the reason is written in private
        link = await forms.start_in_private(context, FORMS["force_majeure"], inspection.id)
        await context.outbox.answer(query, context.label("inspection.reason_in_private"), url=link)
        return
    decided = await store.inspections.decide(inspection, "confirmed", None, person)
    if decided is None:
        await context.outbox.answer(query, context.label("inspection.decided_already"), alert=True)
        return
    assert context.rules is not None  # an inspection is only proposed under R13
    entry = await inspections.charge(
        context.outbox, store, context.rules, context.texts, decided, person
    )
    await context.outbox.answer(
        query,
        context.label("inspection.confirmed", number=entry.id if entry else "—"),
    )
    await edit_in_place(context, query, await card(context, decided, context.lang), None)


async def force_majeure_submitted(
    chat: Chat, context: KabotContext, draft: Draft, answers: dict[str, Any]
) -> str:
    """The reason is written: nothing is charged; the card and the unit's group say why."""
    store, person = context.store, context.person
    await store.drafts.discard(draft.id)
    assert draft.report_id is not None
    inspection = await store.inspections.by_id(draft.report_id)
    if inspection is None or not speaks_for_centre(person, await store.units.centre()):
        await store.decisions.refused(person, f"in:{draft.report_id}:fm", "submit")
        return context.label("answer.not_allowed")
    decided = await store.inspections.decide(
        inspection, "force_majeure", str(answers["reason"]), person
    )
    if decided is None:
        return context.label("inspection.decided_already")
    lang = context.texts.default_language
    text = await card(context, decided, lang)
    posted = await store.inspections.card(decided)
    if posted is not None:
        await context.outbox.edit(*posted, text, None)
    unit = await store.units.by_id(decided.unit_id)
    if unit is not None and unit.group_chat_id is not None:
        await context.outbox.message(unit.group_chat_id, text)
    done = context.label("inspection.force_majeure_done", store=decided.store.label)
    await questions.conclude(chat, context, done)
    return ""


def handlers() -> list[object]:
    return [
        CommandHandler("inspect", inspect_command),
        CallbackQueryHandler(centre_pressed, pattern=r"^in:"),
    ]
