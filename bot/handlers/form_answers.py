"""What comes back while a draft is open: a message answers its question, a button acts.

Every private message not taken by a command is an answer to the open draft (or, with none
open, goes to the fallback); every ``f:`` button is checked against the draft's id and
sequence number before it does anything. The notes step and photos are
``bot.handlers.form_notes``.
"""

from __future__ import annotations

import re
from dataclasses import replace

from telegram import (
    Chat,
    Update,
)
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.context import KabotContext
from bot.forms import engine, inputs
from bot.forms.catalogue import FORMS, PHOTO_KINDS, Field, Form, Kind
from bot.forms.keyboards import Press, parse
from bot.forms.when import Precision, When
from bot.handlers import fallback, form_notes, form_offers, forms
from bot.handlers import form_questions as questions
from bot.handlers import form_saving as saving
from bot.models import Draft
from bot.policy import customer_scope
from bot.roster.vocabulary import LIST_SEPARATORS

SEARCH_RESULTS = 8


# ---------------------------------------------------------------------------- messages


async def on_message(update: Update, context: KabotContext) -> None:
    """Whatever the person sends in private while a draft is open is an answer to it."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    draft = await context.store.drafts.of(context.person.id)
    if draft is None:
        await fallback.not_understood(update, context)
        return
    form = FORMS[draft.form]
    if form.sections and draft.step in (engine.NOTES, engine.SUMMARY):
        await form_notes.on_notes(chat, context, form, draft, message)
        return
    if draft.step == engine.SUMMARY:
        await questions.retire_prompt(chat, context, draft)
        await questions.ask(chat, context, form, draft, problem=inputs.Problem("use_buttons"))
        return
    spec = form.field(draft.step)
    assert spec is not None
    if spec.kind is Kind.LOCATION and message.text:
        typed = _bare(message.text)
        if typed in _labels(context, "form.button.skip"):
            await questions.answer(chat, context, form, draft, None)
            return
        if typed in _labels(context, "form.button.back"):
            previous = engine.back(form, draft)
            assert previous is not None  # location is never the first question
            await questions.move(chat, context, form, draft, previous)
            return
    reading = await inputs.read(spec, message, context.clock.now())
    match reading:
        case inputs.Accepted(value):
            from_text = message.text is not None
            await questions.answer(chat, context, form, draft, value, typed=from_text)
        case inputs.Problem():
            await questions.retire_prompt(chat, context, draft)
            await questions.ask(chat, context, form, draft, problem=reading)
        case inputs.Search(text):
            await _search(chat, context, form, draft, text)
        case inputs.Candidates(whens):
            await questions.retire_prompt(chat, context, draft)
            pending = engine.with_pending(draft, [w.to_json() for w in whens])
            await questions.ask(chat, context, form, pending)
        case inputs.PhotoAdded(photo, media_group):
            await form_notes.add_photo(chat, context, form, draft, photo, media_group)


def _bare(text: str) -> str:
    """A reply-keyboard answer without its emoji: "跳过 ⏭" and "跳过" are one answer."""
    return re.sub(r"[^\w]", "", text).lower()


def _labels(context: KabotContext, key: str) -> set[str]:
    return {_bare(context.texts.label(lang, key)) for lang in context.texts.labels}


async def _search(chat: Chat, context: KabotContext, form: Form, draft: Draft, text: str) -> None:
    store = context.store
    spec = form.field(draft.step)
    if spec is not None and spec.kind is Kind.STAFF:
        people = await store.staff.search(text, limit=SEARCH_RESULTS)
        await questions.retire_prompt(chat, context, draft)
        if not people:
            problem = inputs.Problem("person_unknown", {"text": text})
            await questions.ask(chat, context, form, draft, problem=problem)
            return
        await questions.ask(chat, context, form, draft, people=people, found=len(people))
        return
    if spec is not None and spec.kind is Kind.SKUS:
        await _typed_skus(chat, context, form, draft, text)
        return
    scope = customer_scope(context.person, await store.units.centre())
    if spec is not None and spec.kind is Kind.STORE:
        shops, total = await store.inspections.search_stores(
            text, unit_id=scope, limit=SEARCH_RESULTS
        )
        await questions.retire_prompt(chat, context, draft)
        if not shops:
            problem = inputs.Problem("store_unknown", {"text": text})
            await questions.ask(chat, context, form, draft, problem=problem)
            return
        offered = [(s.id, f"{s.label} · {s.code}") for s in shops]
        await questions.ask(chat, context, form, draft, offered=offered, found=total)
        return
    page = await store.customers.search(text, unit_id=scope, limit=SEARCH_RESULTS)
    await questions.retire_prompt(chat, context, draft)
    if page.total == 0:
        elsewhere = scope is not None and (await store.customers.search(text, unit_id=None)).total
        problem = inputs.Problem(
            "customer_other_unit" if elsewhere else "customer_unknown", {"text": text}
        )
        await questions.ask(chat, context, form, draft, problem=problem)
        return
    await questions.ask(chat, context, form, draft, customers=list(page.items), found=page.total)


# ---------------------------------------------------------------------------- buttons


async def on_button(update: Update, context: KabotContext) -> None:
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and query.data is not None and chat is not None
    press = parse(query.data)
    draft = await context.store.drafts.of(context.person.id)
    if press is None or draft is None or (press.draft_id, press.seq) != (draft.id, draft.seq):
        await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)
        if draft is not None and press is not None and press.draft_id == draft.id:
            await questions.retire(context, query.message)
            await questions.retire_prompt(chat, context, draft)
            await questions.ask(chat, context, FORMS[draft.form], draft)
        return
    form = FORMS[draft.form]
    handled = await _act(chat, context, form, draft, press)
    if handled is None:
        await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)
    else:
        await context.outbox.answer(query, handled or None, alert=bool(handled))


async def _act(
    chat: Chat, context: KabotContext, form: Form, draft: Draft, press: Press
) -> str | None:
    """Do what the button says. Returns "" when done, an alert to show, or None when the
    button does not fit the question (forged data)."""
    action, arg = press.action, press.arg
    if action == "cancel":
        await forms.cancel_draft(chat, context, draft)
        return ""
    if action == "resume":
        await questions.retire_prompt(chat, context, draft)
        await questions.ask(chat, context, form, draft)
        return ""
    if action == "new" and arg is not None:
        await context.store.drafts.discard(draft.id)
        await questions.retire_prompt(chat, context, draft)
        return (
            ""
            if await forms.start_over(chat, context, arg)
            else context.label("answer.not_allowed")
        )
    if action == "back":
        previous = engine.back(form, draft)
        if previous is None:
            return None
        await questions.move(chat, context, form, draft, previous)
        return ""
    if draft.step == engine.SUMMARY:
        return await _act_on_summary(chat, context, form, draft, action, arg)
    if draft.step == engine.NOTES:
        return await form_notes.act(chat, context, form, draft, action)
    spec = form.field(draft.step)
    assert spec is not None
    return await _act_on_field(chat, context, form, draft, spec, action, arg)


async def _act_on_summary(
    chat: Chat, context: KabotContext, form: Form, draft: Draft, action: str, arg: str | None
) -> str | None:
    position = inputs.record_id(arg)
    if action == "edit" and position is not None:
        target = engine.revisit(form, draft, position)
        if target is None:
            return None
        await questions.move(chat, context, form, draft, target)
        return ""
    if action == "submit":
        return await saving.submit(chat, context, form, draft)
    return None


async def _act_on_field(
    chat: Chat,
    context: KabotContext,
    form: Form,
    draft: Draft,
    spec: Field,
    action: str,
    arg: str | None,
) -> str | None:
    number = inputs.record_id(arg)
    if action == "skip" and engine.may_skip(form, draft, spec):
        # Photos already sent stay: skipping is "no more", not "throw away".
        kept = draft.answers.get(spec.key) if spec.kind in PHOTO_KINDS else None
        await questions.answer(chat, context, form, draft, kept or None)
        return ""
    if action == "rest" and engine.may_finish(form, draft):
        rest = engine.at(draft, engine.SUMMARY)
        await questions.move(
            chat, context, form, draft, rest, echo=context.label("form.echo_rest")
        )
        return ""
    if action == "pick" and number is not None:
        return await _pick(chat, context, form, draft, spec, number)
    if action == "now" and spec.kind is Kind.WHEN:
        now = context.clock.now().replace(second=0, microsecond=0)
        await questions.answer(chat, context, form, draft, When(now, Precision.MINUTE).to_json())
        return ""
    if action == "today" and spec.kind is Kind.DAY:
        await questions.answer(chat, context, form, draft, context.clock.now().date().isoformat())
        return ""
    if action == "when" and number is not None and spec.kind is Kind.WHEN:
        pending = draft.answers.get(engine.PENDING) or []
        if number >= len(pending):
            return None
        await questions.answer(chat, context, form, draft, pending[number])
        return ""
    if action == "add" and number is not None and spec.kind is Kind.CUSTOMERS:
        return await _toggle_customer(chat, context, form, draft, number)
    if action == "add" and number is not None and spec.kind is Kind.SKUS:
        return await _toggle_sku(chat, context, form, draft, number)
    if action == "done" and (spec.kind in PHOTO_KINDS or spec.kind in (Kind.CUSTOMERS, Kind.SKUS)):
        if not draft.answers.get(spec.key):
            return context.label("form.nothing_yet")
        await questions.answer(chat, context, form, draft, draft.answers[spec.key])
        return ""
    if action == "month" and spec.kind is Kind.MONTH:
        if arg not in inputs.recent_months(context.clock.now().date()):
            return None
        await questions.answer(chat, context, form, draft, arg)
        return ""
    return None


async def _pick(
    chat: Chat, context: KabotContext, form: Form, draft: Draft, spec: Field, number: int
) -> str | None:
    """A choice, a customer or a promotion — re-checked, never taken from the button."""
    if spec.kind is Kind.CHOICE:
        if number >= len(spec.choices):
            return None
        await questions.answer(chat, context, form, draft, spec.choices[number])
        return ""
    if spec.kind is Kind.CUSTOMER:
        customer = await questions.visible_customer(context, number)
        if customer is None:
            return context.label("answer.not_allowed")
        await questions.answer(chat, context, form, draft, customer.id)
        return ""
    if spec.kind is Kind.STAFF:
        person = await context.store.staff.by_id(number)
        if person is None or not person.active or person.unit_id is None:
            return context.label("answer.not_allowed")
        if person.id == context.person.id:
            # No one fines, rewards or stands in for themselves.
            return context.label("form.not_yourself")
        await questions.answer(chat, context, form, draft, person.id)
        return ""
    if spec.kind is Kind.UNIT:
        if number not in await questions.business_unit_ids(context):
            return context.label("answer.not_allowed")
        await questions.answer(chat, context, form, draft, number)
        return ""
    if spec.kind is Kind.PROMOTION:
        if number not in {p.id for p in await questions.promotions(context)}:
            return context.label("answer.not_allowed")
        await questions.answer(chat, context, form, draft, number)
        return ""
    if spec.kind is Kind.STORE:
        if await form_offers.visible_store(context, number) is None:
            return context.label("answer.not_allowed")
        if draft.answers.get(spec.key) not in (None, number):
            # Another store is held to its own unit's standard: what was ticked goes.
            # From the summary too: the ticks are asked again, for the new store.
            draft = replace(engine.with_answer(draft, "missing", None), returning=False)
        await questions.answer(chat, context, form, draft, number)
        return ""
    if spec.kind is Kind.RECORD:
        offered = {n for n, _ in await form_offers.records(context, spec.source)}
        if number not in offered:
            return context.label("answer.stale_button")
        await questions.answer(chat, context, form, draft, number)
        return ""
    return None


async def _toggle_customer(
    chat: Chat, context: KabotContext, form: Form, draft: Draft, customer_id: int
) -> str | None:
    if await questions.visible_customer(context, customer_id) is None:
        return context.label("answer.not_allowed")
    return await _toggle(chat, context, form, draft, customer_id)


async def _toggle_sku(
    chat: Chat, context: KabotContext, form: Form, draft: Draft, sku_id: int
) -> str | None:
    if sku_id not in {k.id for k in await form_offers.standard_of(context, draft)}:
        return context.label("answer.stale_button")
    return await _toggle(chat, context, form, draft, sku_id)


async def _toggle(chat: Chat, context: KabotContext, form: Form, draft: Draft, item: int) -> str:
    """One tap adds a checked item to the question's answer, a second tap takes it out."""
    chosen = list(draft.answers.get(draft.step) or [])
    if item in chosen:
        chosen.remove(item)
    else:
        chosen.append(item)
    await questions.retire_prompt(chat, context, draft)
    await questions.ask(chat, context, form, engine.with_answer(draft, draft.step, chosen or None))
    return ""


async def _typed_skus(
    chat: Chat, context: KabotContext, form: Form, draft: Draft, text: str
) -> None:
    """SKU codes typed (for a long standard): each ticks its SKU; an unknown one is named."""
    standard = {k.code.lower(): k for k in await form_offers.standard_of(context, draft)}
    words = [w for w in LIST_SEPARATORS.split(text) if w]
    unknown = [w for w in words if w.lower() not in standard]
    chosen = list(draft.answers.get(draft.step) or [])
    chosen += [standard[w.lower()].id for w in words if w.lower() in standard]
    chosen = list(dict.fromkeys(chosen))
    ticked = engine.with_answer(draft, draft.step, chosen or None)
    await questions.retire_prompt(chat, context, draft)
    problem = inputs.Problem("sku_unknown", {"text": "、".join(unknown)}) if unknown else None
    await questions.ask(chat, context, form, ticked, problem=problem)


def handlers() -> list[object]:
    private = filters.ChatType.PRIVATE
    return [
        CallbackQueryHandler(on_button, pattern=r"^f:"),
        MessageHandler(private & ~filters.COMMAND & ~filters.StatusUpdate.ALL, on_message),
    ]
