"""Asking a draft's current question (or its summary) and moving from one to the next.

Every question's buttons carry the draft's id and sequence number. A question answered with
one of its own buttons becomes the next question, edited in place (one request to Telegram);
one answered otherwise (typed text, a photo) keeps its text and loses its buttons, and the
next question is a new message below the answer.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from typing import Any

from telegram import (
    Chat,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardRemove,
)

from bot.context import KabotContext
from bot.delivery.outbox import fits
from bot.forms import engine, inputs, present
from bot.forms.catalogue import FORMS, Field, Form, Kind, is_comment
from bot.forms.keyboards import Buttons
from bot.forms.when import When
from bot.handlers.form_offers import records, standard_of, visible_customer
from bot.models import BusinessUnit, Customer, Draft, Report, Staff
from bot.policy import customer_scope
from bot.reminders.visits import overdue_for_visit
from bot.workflow import speaks_for_centre

_LOGGER = logging.getLogger(__name__)

SUGGESTIONS = 5  # customers offered as buttons before anything is typed


async def ask(
    chat: Chat,
    context: KabotContext,
    form: Form,
    draft: Draft,
    *,
    problem: inputs.Problem | None = None,
    customers: list[Customer] | None = None,
    people: list[Staff] | None = None,
    offered: list[tuple[int, str]] | None = None,
    found: int | None = None,
    echo: str | None = None,
) -> Draft:
    """Send the draft's current question (or its summary) and remember the message.

    ``echo`` opens it: what the last answer was taken as ("✓ 时间：记为 …")."""
    draft = replace(draft, seq=draft.seq + 1)
    text, markup = await _prompt(
        context,
        form,
        draft,
        problem,
        customers=customers,
        people=people,
        offered=offered,
        found=found,
    )
    if echo:
        text = f"{echo}\n\n{text}"
    pressed = context.take_pressed(chat.id)
    if pressed is not None and isinstance(markup, InlineKeyboardMarkup | None) and fits(text):
        await context.outbox.edit(chat.id, pressed, text, markup)
        handle = pressed
    else:
        if pressed is not None:
            await context.outbox.edit_markup(chat.id, pressed, None)
        handle = await context.outbox.message(chat.id, text, markup)
    draft = replace(draft, prompt_message_id=handle)
    await context.store.drafts.save(draft)
    return draft


async def refresh(chat: Chat, context: KabotContext, form: Form, draft: Draft) -> None:
    """Show the draft's current question again in its own message (the rest of an album
    arrived: the count on the screen follows)."""
    await context.store.drafts.save(draft)
    if draft.prompt_message_id is None:
        return
    text, markup = await _prompt(context, form, draft, None)
    await context.outbox.edit(chat.id, draft.prompt_message_id, text, markup)


async def _prompt(
    context: KabotContext,
    form: Form,
    draft: Draft,
    problem: inputs.Problem | None,
    *,
    customers: list[Customer] | None = None,
    people: list[Staff] | None = None,
    offered: list[tuple[int, str]] | None = None,
    found: int | None = None,
) -> tuple[str, Any]:
    buttons = Buttons(context.texts, context.lang, form, draft)
    problem_text = _problem_text(context, problem) if problem else None
    if draft.step == engine.SUMMARY:
        text = await present.fitting(
            context.store,
            context.texts,
            context.lang,
            form,
            engine.answered(draft),
            "form_summary.html",
            correcting=draft.report_id is not None and not is_comment(form),
            problem=problem_text,
            sections=bool(form.sections),
            copied=draft.answers.get(engine.COPIED) or [],
            missing=[
                context.label(f"form.{form.name}.{key}.short")
                for key in engine.missing(form, engine.answered(draft))
            ],
        )
        markup: Any = buttons.summary()
    elif draft.step == engine.NOTES:
        last = await previous_visit(context, draft)
        text = context.render(
            "form_notes.html",
            form=form.name,
            sections=[context.label(f"form.{form.name}.{k}.short") for k in form.sections],
            unmarked=context.label(f"form.{form.name}.{form.unmarked}.short"),
            photos=len(draft.answers.get("photos") or []),
            located="location" in draft.answers,
        )
        text = f"{problem_text}\n\n{text}" if problem_text else text
        markup = buttons.notes(visit_day(last) if last else None)
    else:
        spec = form.field(draft.step)
        assert spec is not None
        text, markup = await _question(
            context,
            form,
            draft,
            spec,
            buttons,
            customers=customers,
            people=people,
            offered=offered,
            found=found,
        )
        text = f"{problem_text}\n\n{text}" if problem_text else text
    return text, markup


async def _question(
    context: KabotContext,
    form: Form,
    draft: Draft,
    spec: Field,
    buttons: Buttons,
    *,
    customers: list[Customer] | None,
    people: list[Staff] | None,
    offered: list[tuple[int, str]] | None,
    found: int | None,
) -> tuple[str, Any]:
    store, lang = context.store, context.lang
    params: dict[str, Any] = {
        "form": form.name,
        "field": spec.key,
        "position": form.index(spec.key) + 1,
        "count": len(form.fields),
        "limit": spec.max_length if spec.kind is Kind.TEXT else None,
        "found": found,
        "people": spec.kind is Kind.STAFF,
        "stores": spec.kind is Kind.STORE,
        "current": await present.value_text(
            store, context.texts, lang, spec, draft.answers.get(spec.key), form
        ),
        "optional": engine.may_skip(form, draft, spec),
        "needed": spec.optional and not engine.may_skip(form, draft, spec),
        "suggested": False,
        "whens": [],
        "no_records": False,
        "no_standard": False,
    }
    keyboard: dict[str, Any] = {}
    if spec.kind in (Kind.CUSTOMER, Kind.CUSTOMERS):
        if customers is None:
            customers = await _suggested_customers(context)
            params["suggested"] = bool(customers)
        if spec.kind is Kind.CUSTOMERS:
            # Those chosen come first, so a tap can take one out again.
            chosen = [
                await visible_customer(context, int(c)) for c in draft.answers.get(spec.key) or []
            ]
            picked = [c for c in chosen if c is not None]
            customers = picked + [c for c in customers if c not in picked]
        keyboard["customers"] = customers
    elif spec.kind is Kind.WHEN and engine.PENDING in draft.answers:
        whens = [When.from_json(w) for w in draft.answers[engine.PENDING]]
        keyboard["whens"] = whens
        params["whens"] = [present.moment(context.texts, lang, w) for w in whens]
    elif spec.kind is Kind.MONTH:
        keyboard["months"] = inputs.recent_months(context.clock.now().date())
    elif spec.kind is Kind.PROMOTION:
        keyboard["promotions"] = await promotions(context)
    elif spec.kind is Kind.UNIT:
        keyboard["units"] = await business_units(context)
    elif spec.kind is Kind.STAFF:
        keyboard["people"] = people or []
    elif spec.kind is Kind.RECORD:
        keyboard["records"] = await records(context, spec.source)
        params["no_records"] = not keyboard["records"]
    elif spec.kind is Kind.STORE:
        if offered is None:
            offered = [(s.id, s.label) for s in await store.inspections.recent_stores(
                context.person.id, SUGGESTIONS
            )]  # fmt: skip
            params["suggested"] = bool(offered)
        keyboard["records"] = offered
    elif spec.kind is Kind.SKUS:
        standard = await standard_of(context, draft)
        keyboard["records"] = [
            (k.id, f"{'⭐' if k.key_item else ''}{k.code} {k.name}") for k in standard
        ]
        params["no_standard"] = not standard
    text = context.render("form_question.html", **params)
    if spec.kind is Kind.LOCATION:
        return text, buttons.location()
    return text, buttons.question(spec, **keyboard)


def _problem_text(context: KabotContext, problem: inputs.Problem) -> str:
    params = dict(problem.params)
    if "sent" in params:
        params["sent"] = context.label(f"sent.{params['sent']}")
    return context.label(f"problem.{problem.key}", **params)


async def _suggested_customers(context: KabotContext) -> list[Customer]:
    """The person's recent customers, then their customers overdue for a visit."""
    store, person = context.store, context.person
    scope = customer_scope(person, await store.units.centre())
    suggested: list[Customer] = []
    # Their own customers first read as a list: the recent ones are mostly among them.
    assigned = await store.customers.assigned_to(person.id)
    for customer_id in await store.reports.recent_customer_ids(person.id):
        customer = await store.customers.by_id(customer_id)
        if customer and customer.active and (scope is None or customer.unit_id == scope):
            suggested.append(customer)
    today = context.clock.now().date()
    for customer in assigned:
        if len(suggested) >= SUGGESTIONS:
            break
        if customer not in suggested and overdue_for_visit(customer, today):
            suggested.append(customer)
    return suggested[:SUGGESTIONS]


async def promotions(context: KabotContext) -> list[Report]:
    store, person = context.store, context.person
    return await store.reports.running_promotions(
        customer_scope(person, await store.units.centre())
    )


# Facts only the KA centre (its managers, the directors) records.
CENTRE_ONLY = frozenset({"contract", "distribute"})
# Facts a business unit records (the centre may record signings and copies too).
UNIT_ONLY = frozenset({"locals"})


async def may_record(context: KabotContext, form: Form) -> bool:
    """Whether the person may fill in a contract or launch form."""
    person = context.person
    if person.role not in form.roles or person.unit_id is None:
        return False
    centre = await context.store.units.centre()
    if form.name in CENTRE_ONLY:
        return speaks_for_centre(person, centre)
    if form.name in UNIT_ONLY:
        return centre is None or person.unit_id != centre.id
    return True


def refusal(context: KabotContext, form: Form) -> str:
    """Why a contract or launch form is not the person's to fill in."""
    if form.name in CENTRE_ONLY:
        return context.label("contracts.centre_only", form=context.label(f"form.name.{form.name}"))
    if form.name in UNIT_ONLY:
        return context.label("contracts.unit_only", form=context.label(f"form.name.{form.name}"))
    return context.render("form_not_for_you.html", form=form.name)


async def conclude(chat: Chat, context: KabotContext, text: str) -> None:
    """Say how a form ended: under the summary it was submitted from when that was pressed
    (the summary stays as the record, without its buttons, in one request), else anew."""
    pressed, summary = context.take_pressed(chat.id), context.pressed
    if pressed is not None and summary is not None and summary.text_html:
        receipt = f"{summary.text_html}\n\n{text}"
        if fits(receipt):
            await context.outbox.edit(chat.id, pressed, receipt)
            return
        await context.outbox.edit_markup(chat.id, pressed, None)
    await context.outbox.message(chat.id, text)


async def retire(context: KabotContext, message: object) -> None:
    """Take the buttons off a question that has been answered."""
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    await context.outbox.edit_markup(message.chat.id, message.message_id, None)


async def retire_prompt(chat: Chat, context: KabotContext, draft: Draft) -> None:
    if draft.prompt_message_id is None:
        return
    spec = FORMS[draft.form].field(draft.step)
    if spec is not None and spec.kind is Kind.LOCATION:
        return  # a reply keyboard: it goes with the next message
    if await context.answered_pressed(chat.id, draft.prompt_message_id):
        return  # the next question takes its place, or its buttons go when the update ends
    await context.outbox.edit_markup(chat.id, draft.prompt_message_id, None)


async def move(
    chat: Chat,
    context: KabotContext,
    form: Form,
    old: Draft,
    new: Draft,
    *,
    echo: str | None = None,
) -> None:
    """Leave the old question (taking its buttons away) and ask the new one."""
    await retire_prompt(chat, context, old)
    spec = form.field(old.step)
    if spec is not None and spec.kind is Kind.LOCATION:
        # What the answer left in the draft, not what was there before it.
        location = new.answers.get(spec.key)
        await context.outbox.message(
            chat.id,
            context.label("form.location_saved" if location else "form.location_left"),
            markup=ReplyKeyboardRemove(),
        )
    await ask(chat, context, form, new, echo=echo)


# Answers read from typed text: echoed as "taken as …", so a misreading is seen at once.
READ_FROM_TEXT = frozenset({Kind.WHEN, Kind.DAY, Kind.PERIOD, Kind.MONEY, Kind.COUNT, Kind.MONTH})


async def answer(
    chat: Chat,
    context: KabotContext,
    form: Form,
    draft: Draft,
    value: object,
    *,
    typed: bool = False,
) -> None:
    """Take ``value`` for the current field and go on; the next message says what was taken
    (prose is the person's own words on the screen, a location has its own reply)."""
    spec = form.field(draft.step)
    assert spec is not None
    new = engine.advance(form, engine.with_answer(draft, draft.step, value))
    await move(chat, context, form, draft, new, echo=await echo(context, form, spec, value, typed))


async def echo(
    context: KabotContext, form: Form, spec: Field, value: object, typed: bool
) -> str | None:
    field = context.label(f"form.{form.name}.{spec.key}.short")
    if value is None:
        return context.label("form.echo_skipped", field=field)
    if spec.kind in (Kind.TEXT, Kind.LOCATION):
        return None
    shown = await present.value_text(context.store, context.texts, context.lang, spec, value, form)
    key = "form.echo_read" if typed and spec.kind in READ_FROM_TEXT else "form.echo"
    return context.label(key, field=field, value=shown)


def visit_day(report: Report) -> date:
    return When.from_json(report.answers["visited_at"]).day


async def previous_visit(context: KabotContext, draft: Draft) -> Report | None:
    """The customer's last visit report the person may see: "same as last time"."""
    customer = draft.answers.get("customer")
    if customer is None or draft.report_id is not None:
        return None
    return await context.store.reports.last_visit(int(customer))


async def business_units(context: KabotContext) -> list[BusinessUnit]:
    """The business units a new customer can belong to (not the KA centre)."""
    return [u for u in await context.store.units.all() if not u.is_centre]


async def business_unit_ids(context: KabotContext) -> set[int]:
    return {u.id for u in await business_units(context)}
