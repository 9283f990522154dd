"""A promotion after its two approvals (seed 000 5.5.1.2–5.5.1.3, 5.5.3).

1. The plan approved: the KA centre negotiates with the customer; its KA manager records the
   agreement (/promo → 商谈结果): the conditions and the customer's contribution.
2. The marketing director approves the execution (``px:<id>``) or sends it back to be
   negotiated again with a reason (``px:<id>:back``, written in private).
3. The 活动确认书 signed with the customer is recorded (/promo → 活动确认书: the day, who
   signed, a photo of the signed page); the promotion runs, and the unit reports its progress.

A plan the marketing director rejects runs as the unit's own activity (本部系统内的活动).
Progress updates go to the KA centre's group, the close-out to the centre's and the unit's.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from telegram import Chat, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot.context import KabotContext
from bot.forms import present
from bot.forms.catalogue import FORMS, PROMOTION_CLOSEOUT, PROMOTION_UPDATE
from bot.handlers import form_questions as questions
from bot.handlers import forms
from bot.handlers.messages import choice_row, edit_in_place, refuse
from bot.models import Draft, Report, Role
from bot.store.promotion_chain import Chain

_PRESSED = re.compile(r"^px:(\d{1,12})(:back)?$")


async def _groups(context: KabotContext, promotion: Report, *, unit: bool) -> list[int]:
    """The KA centre's group, and the promotion's unit's group when ``unit``."""
    store = context.store
    found = [await store.units.centre()]
    if unit:
        found.append(await store.units.by_id(promotion.unit_id))
    return list(dict.fromkeys(u.group_chat_id for u in found if u and u.group_chat_id))


async def _tell(context: KabotContext, promotion: Report, template: str, *, unit: bool) -> None:
    chain = await context.store.promotion_chain.of(promotion.id)
    for chat_id in await _groups(context, promotion, unit=unit):
        text = context.texts.render(
            context.texts.default_language, template, report=promotion, chain=chain
        )
        await context.outbox.message(chat_id, text)


async def plan_decided(context: KabotContext, promotion: Report) -> None:
    """Both approvals given (the centre negotiates next), or the marketing director's no (the
    unit runs it as its own activity): the unit's and the centre's groups hear which."""
    await _tell(context, promotion, "promotion_approved.html", unit=True)


def _card(context: KabotContext, promotion: Report, chain: Chain, lang: str) -> str:
    return context.texts.render(
        lang, "promotion_agreement_card.html", report=promotion, chain=chain
    )


def _buttons(context: KabotContext, promotion: Report, lang: str) -> InlineKeyboardMarkup:
    choices = (("approve", ""), ("back", ":back"))
    return choice_row(context.texts, lang, "promotion_chain", f"px:{promotion.id}", choices)


async def agreement_submitted(
    chat: Chat, context: KabotContext, draft: Draft, answers: dict[str, Any]
) -> str:
    store, person = context.store, context.person
    await store.drafts.discard(draft.id)
    promotion = await store.reports.by_id("promotion", int(answers["promotion"]))
    if promotion is None:
        return context.label("answer.stale_button")
    chain = await store.promotion_chain.agree(
        promotion, str(answers["conditions"]), str(answers["contribution"]), person
    )
    if chain is None:
        return context.label("promotion_chain.too_late")
    await questions.conclude(
        chat, context, context.label("promotion_chain.agreed", number=promotion.number)
    )
    for director in await store.staff.deciders("marketing"):
        if director.telegram_id is None or director.first_seen_at is None:
            continue
        lang = context.texts.lang(director.language)
        await context.outbox.message(
            director.telegram_id,
            _card(context, promotion, chain, lang),
            _buttons(context, promotion, lang),
        )
    return ""


async def marketing_pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    store, person = context.store, context.person
    m = _PRESSED.match(query.data)
    promotion = await store.reports.by_id("promotion", int(m[1])) if m else None
    chain = await store.promotion_chain.of(promotion.id) if promotion else None
    if m is None or promotion is None or chain is None:
        await refuse(context, query, "malformed")
        return
    if person.role is not Role.DIRECTOR or person.id not in {
        d.id for d in await store.staff.deciders("marketing")
    }:
        await refuse(context, query, "not the marketing director")
        return
    if chain.stage != "agreed":
        await context.outbox.answer(query, context.label("promotion_chain.too_late"), alert=True)
        return
    if m[2]:
        link = await forms.start_in_private(context, FORMS["execution_return"], promotion.id)
        await context.outbox.answer(
            query, context.label("promotion_chain.reason_in_private"), url=link
        )
        return
    decided = await store.promotion_chain.decide_execution(promotion, person, None)
    if decided is None:
        await context.outbox.answer(query, context.label("promotion_chain.too_late"), alert=True)
        return
    await context.outbox.answer(query, context.label("promotion_chain.approved"))
    done = context.label("promotion_chain.approved_by", who=person.name)
    await edit_in_place(
        context, query, f"{_card(context, promotion, decided, context.lang)}\n{done}", None
    )
    await _tell(context, promotion, "promotion_execution.html", unit=True)


async def execution_returned(
    chat: Chat, context: KabotContext, draft: Draft, answers: dict[str, Any]
) -> str:
    store, person = context.store, context.person
    await store.drafts.discard(draft.id)
    assert draft.report_id is not None
    promotion = await store.reports.by_id("promotion", draft.report_id)
    marketing = {d.id for d in await store.staff.deciders("marketing")}
    if promotion is None or person.role is not Role.DIRECTOR or person.id not in marketing:
        await store.decisions.refused(person, f"px:{draft.report_id}:back", "submit")
        return context.label("answer.not_allowed")
    decided = await store.promotion_chain.decide_execution(
        promotion, person, str(answers["reason"])
    )
    if decided is None:
        return context.label("promotion_chain.too_late")
    await questions.conclude(
        chat, context, context.label("promotion_chain.returned", number=promotion.number)
    )
    await _tell(context, promotion, "promotion_execution.html", unit=False)
    return ""


async def confirmation_submitted(
    chat: Chat, context: KabotContext, draft: Draft, answers: dict[str, Any]
) -> str:
    store, person = context.store, context.person
    await store.drafts.discard(draft.id)
    promotion = await store.reports.by_id("promotion", int(answers["promotion"]))
    if promotion is None:
        return context.label("answer.stale_button")
    photos = list(answers["photos"])
    chain = await store.promotion_chain.confirm(
        promotion,
        date.fromisoformat(str(answers["day"])),
        str(answers["signed_by"]),
        photos,
        person,
    )
    if chain is None:
        return context.label("promotion_chain.too_late")
    await questions.conclude(
        chat, context, context.label("promotion_chain.confirmed", number=promotion.number)
    )
    await _tell(context, promotion, "promotion_execution.html", unit=True)
    centre = await store.units.centre()
    if centre is not None and centre.group_chat_id is not None:
        await context.outbox.photos(centre.group_chat_id, [p["file_id"] for p in photos])
    return ""


async def report_filed(context: KabotContext, report: Report) -> None:
    """A progress update to the KA centre's group; the close-out to the centre's and the
    unit's (seed 000 5.5.1.3: 通报重点客户及各本部)."""
    closing = "actual_cost" in report.answers
    promotion = await context.store.reports.by_id("promotion", int(report.answers["promotion"]))
    if promotion is None:
        return
    form = PROMOTION_CLOSEOUT if closing else PROMOTION_UPDATE
    lang = context.texts.default_language
    text = await present.fitting(
        context.store,
        context.texts,
        lang,
        form,
        report.answers,
        "report_card.html",
        report=report,
        posted=True,
    )
    photos = [p["file_id"] for p in report.answers.get("photos") or []]
    for chat_id in await _groups(context, promotion, unit=closing):
        handle = await context.outbox.message(chat_id, text)
        if photos:
            await context.outbox.photos(chat_id, photos, reply_to=handle)


def handlers() -> list[object]:
    return [CallbackQueryHandler(marketing_pressed, pattern=r"^px:")]
