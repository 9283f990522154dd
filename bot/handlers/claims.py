"""A username is not an identity: an account that writes under a roster @username waits
until the information officer confirms it with one tap (or rejects it).

Callback data ``cl:<claim id>:<ok|no>``; every press is checked against the presser (an
information officer?), the claim (still pending?) and the roster row (still unbound?).
"""

from __future__ import annotations

import logging
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot.context import KabotContext
from bot.handlers.messages import edit_in_place
from bot.models import Role, Staff
from bot.store.claims import Claim

_LOGGER = logging.getLogger(__name__)
_DATA = re.compile(r"^cl:(\d{1,12}):(ok|no)$")


async def asked(update: Update, context: KabotContext, person: Staff) -> None:
    """An unknown account wrote under ``person``'s roster username: it waits; the officers
    get a card to confirm or reject (once per account)."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and user.username is not None
    claim, new = await context.store.claims.ask(person, user.id, user.username, user.full_name)
    _LOGGER.info("Telegram user %s claims staff %s by username", user.id, person.code)
    if message is not None:
        name = "claim_rejected.html" if claim.status == "rejected" else "claim_waiting.html"
        text = context.texts.both(name, username=claim.username, telegram_id=user.id)
        await context.outbox.message(message.chat_id, text)
    if not new:
        return
    unit = await context.store.units.by_id(person.unit_id) if person.unit_id else None
    for officer in await context.store.staff.admins():
        if officer.telegram_id is None:
            continue
        lang = context.texts.lang(officer.language)
        text = context.texts.render(
            lang, "claim_card.html", claim=claim, person=person, unit=unit, outcome=None, by=None
        )
        await context.outbox.message(officer.telegram_id, text, _buttons(context, claim, lang))


def _buttons(context: KabotContext, claim: Claim, lang: str) -> InlineKeyboardMarkup:
    label = context.texts.label
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    label(lang, "claim.button.ok"), callback_data=f"cl:{claim.id}:ok"
                ),
                InlineKeyboardButton(
                    label(lang, "claim.button.no"), callback_data=f"cl:{claim.id}:no"
                ),
            ]
        ]
    )


async def pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    store, officer = context.store, context.person
    m = _DATA.match(query.data)
    if officer.role is not Role.ADMIN:
        await context.outbox.answer(query, context.label("answer.not_allowed"), alert=True)
        return
    claim = await store.claims.by_id(int(m[1])) if m else None
    person = await store.staff.by_id(claim.staff_id) if claim else None
    if m is None or claim is None or person is None:
        await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)
        return
    if claim.status != "pending":
        await context.outbox.answer(query, context.label("claim.decided"), alert=True)
        return
    outcome = "confirmed" if m[2] == "ok" else "rejected"
    if outcome == "confirmed":
        bound = await store.staff.bind_telegram(person, claim.telegram_id, f"staff:{officer.id}")
        if bound is None:
            await context.outbox.answer(query, context.label("claim.taken"), alert=True)
            return
        person = await store.staff.mark_seen(bound)  # they wrote to kabot: it may answer
    decided = await store.claims.decide(claim, officer, outcome)
    if decided is None:
        await context.outbox.answer(query, context.label("claim.decided"), alert=True)
        return
    if outcome == "confirmed":
        lang = context.texts.lang(person.language)
        told = context.texts.render(lang, "claim_confirmed.html", person=person)
        await context.outbox.message(claim.telegram_id, told)
        others = await store.claims.others_pending(claim)
    else:
        others = [claim]
    for other in others:  # the row is someone's now, or this account is not them
        if other.id != claim.id:
            await store.claims.decide(other, officer, "rejected")
        refusal = context.texts.both(
            "claim_rejected.html", username=other.username, telegram_id=other.telegram_id
        )
        await context.outbox.message(other.telegram_id, refusal)
    await context.outbox.answer(query, context.label(f"claim.done.{outcome}"))
    unit = await store.units.by_id(person.unit_id) if person.unit_id else None
    card = context.render(
        "claim_card.html", claim=decided, person=person, unit=unit, outcome=outcome, by=officer
    )
    await edit_in_place(context, query, card, None)


def handlers() -> list[object]:
    return [CallbackQueryHandler(pressed, pattern=r"^cl:")]
