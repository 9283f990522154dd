"""/visit, /issue, /promo, /data: guided reports, one question at a time, with a summary.

The state of a conversation is the person's draft row (``bot.store.drafts``), written at
every answer, so a restart of the bot loses nothing and old buttons are recognised. The walk
through a form is ``bot.forms.engine``; reading an answer is ``bot.forms.inputs``; this
module only wires them to Telegram.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import date
from typing import Any

from telegram import (
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Forbidden
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import KabotContext
from bot.forms import engine, inputs, present
from bot.forms.catalogue import FORMS, PHOTO_LIMIT, Field, Form, Kind, form_of, is_comment
from bot.forms.keyboards import Buttons, Press, parse
from bot.forms.when import Precision, When
from bot.handlers import decisions, fallback, issue_handling, ledger
from bot.models import REPORT_PREFIXES, BusinessUnit, Customer, Draft, Report, Staff
from bot.policy import customer_scope, may_correct, may_see_customer
from bot.reminders.visits import overdue_for_visit

_LOGGER = logging.getLogger(__name__)

SUGGESTIONS = 5  # customers offered as buttons before anything is typed
SEARCH_RESULTS = 8


# ---------------------------------------------------------------------------- starting


async def begin(update: Update, context: KabotContext, form: Form) -> None:
    """Start ``form`` for the person — or say why not, or offer the draft they have open."""
    chat = update.effective_chat
    assert chat is not None
    if chat.type != Chat.PRIVATE:
        await _to_private_chat(chat, context, form)
        return
    person = context.person
    if person.role not in form.roles or person.unit_id is None:
        await chat.send_message(context.render("form_not_for_you.html", form=form.name))
        return
    if form.fields[0].kind is Kind.PROMOTION and not await _promotions(context):
        await chat.send_message(context.render("form_no_promotions.html"))
        return
    await start_form(chat, context, form)


async def start_form(
    chat: Chat, context: KabotContext, form: Form, *, target: int | None = None
) -> None:
    """Start ``form`` (about report or decision ``target``, for a reply or a decision's
    reason) — unless a draft is open: nothing typed is dropped without asking."""
    restart = form.name if target is None else f"{form.name}-{target}"
    if not await _unfinished(chat, context, form.name, restart):
        await _begin_draft(chat, context, form, target=target)


async def start_in_private(context: KabotContext, form: Form, target: int) -> None:
    """Start ``form`` in the presser's private chat — a button pressed in a group asks
    for words that do not belong in the group (a reply, a reason)."""
    person = context.person
    if person.telegram_id is None:
        return
    private = Chat(person.telegram_id, Chat.PRIVATE)
    private.set_bot(context.bot)
    try:
        await start_form(private, context, form, target=target)
    except Forbidden:
        _LOGGER.info("%s must open a private chat with kabot first", person.code)


async def _unfinished(chat: Chat, context: KabotContext, new_name: str, restart: str) -> bool:
    """Offer to continue the open draft or drop it for ``restart``; False when none is open."""
    draft = await context.store.drafts.of(context.person.id)
    if draft is None:
        return False
    buttons = Buttons(context.texts, context.lang, FORMS[draft.form], draft)
    await chat.send_message(
        context.render(
            "form_unfinished.html", form=draft.form, since=draft.updated_at, new=new_name
        ),
        reply_markup=buttons.unfinished(restart),
    )
    return True


async def _begin_draft(
    chat: Chat,
    context: KabotContext,
    form: Form,
    *,
    target: int | None = None,
    answers: dict[str, Any] | None = None,
) -> None:
    step = engine.SUMMARY if answers else engine.first_step(form)
    draft = await context.store.drafts.begin(
        context.person.id, form.name, step, answers or {}, report_id=target
    )
    await _ask(chat, context, form, draft)


async def correct(chat: Chat, context: KabotContext, report: Report) -> None:
    """Open a saved report as a draft, at its summary, to correct it."""
    form = form_of(report.kind, report.answers)
    if not await _unfinished(chat, context, form.name, f"fix-{report.number}"):
        await _begin_draft(chat, context, form, target=report.id, answers=dict(report.answers))


async def _start_over(chat: Chat, context: KabotContext, restart: str) -> bool:
    """What "drop it and start over" starts: a form, a form about something, a correction."""
    name, _, target = restart.partition("-")
    if name == "fix":
        kind = next((k for k, p in REPORT_PREFIXES.items() if p == target[:1]), None)
        number = target[1:]
        report = (
            await context.store.reports.by_id(kind, int(number))
            if kind is not None and number.isdigit()
            else None
        )
        window = context.settings.edit_window
        if report is None or not may_correct(context.person, report, context.clock.now(), window):
            return False
        await correct(chat, context, report)
        return True
    form = FORMS.get(name)
    if form is None or context.person.role not in form.roles or (target and not target.isdigit()):
        return False
    await _begin_draft(chat, context, form, target=int(target) if target else None)
    return True


async def _to_private_chat(chat: Chat, context: KabotContext, form: Form) -> None:
    """Reports are written in private: a group gets a button that opens the private chat."""
    link = f"https://t.me/{context.bot_data.bot_username}?start={form.name}"
    button = InlineKeyboardButton(context.label("form.button.open_private"), url=link)
    await chat.send_message(
        context.render("form_go_private.html", form=form.name),
        reply_markup=InlineKeyboardMarkup([[button]]),
    )


async def visit_command(update: Update, context: KabotContext) -> None:
    await begin(update, context, FORMS["visit"])


async def issue_command(update: Update, context: KabotContext) -> None:
    await begin(update, context, FORMS["issue"])


async def data_command(update: Update, context: KabotContext) -> None:
    await begin(update, context, FORMS["data"])


async def admission_command(update: Update, context: KabotContext) -> None:
    await begin(update, context, FORMS["admission"])


async def leave_command(update: Update, context: KabotContext) -> None:
    await begin(update, context, FORMS["leave"])


async def penalty_command(update: Update, context: KabotContext) -> None:
    await begin(update, context, FORMS["penalty"])


async def incentive_command(update: Update, context: KabotContext) -> None:
    await begin(update, context, FORMS["incentive"])


async def promo_command(update: Update, context: KabotContext) -> None:
    """A promotion has three reports: the plan, progress updates and the close-out."""
    chat = update.effective_chat
    assert chat is not None
    if chat.type != Chat.PRIVATE:
        await _to_private_chat(chat, context, FORMS["promo"])
        return
    buttons = [
        [InlineKeyboardButton(context.label(f"form.menu.{name}"), callback_data=f"fm:{name}")]
        for name in ("promo", "promo_update", "promo_closeout")
    ]
    await chat.send_message(
        context.render("promo_menu.html"), reply_markup=InlineKeyboardMarkup(buttons)
    )


async def form_menu_pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    form = FORMS.get(query.data.removeprefix("fm:"))
    if form is None:
        await query.answer(context.label("answer.stale_button"), show_alert=True)
        return
    await query.answer()
    await _retire(context, query.message)
    await begin(update, context, form)


async def cancel_command(update: Update, context: KabotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    draft = await context.store.drafts.of(context.person.id)
    if draft is None:
        await chat.send_message(context.render("form_nothing_to_cancel.html"))
        return
    await _cancel(chat, context, draft)


async def _cancel(chat: Chat, context: KabotContext, draft: Draft) -> None:
    await context.store.drafts.discard(draft.id)
    await _retire_prompt(chat, context, draft)
    form = FORMS[draft.form]
    spec = form.field(draft.step)
    removal = ReplyKeyboardRemove() if spec and spec.kind is Kind.LOCATION else None
    await chat.send_message(
        context.render("form_cancelled.html", form=draft.form, correcting=draft.report_id),
        reply_markup=removal,
    )


# ---------------------------------------------------------------------------- asking


async def _ask(
    chat: Chat,
    context: KabotContext,
    form: Form,
    draft: Draft,
    *,
    problem: inputs.Problem | None = None,
    customers: list[Customer] | None = None,
    people: list[Staff] | None = None,
    found: int | None = None,
) -> Draft:
    """Send the draft's current question (or its summary) and remember the message."""
    draft = replace(draft, seq=draft.seq + 1)
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
        )
        markup: Any = buttons.summary()
    else:
        spec = form.field(draft.step)
        assert spec is not None
        text, markup = await _question(
            context, form, draft, spec, buttons, customers=customers, people=people, found=found
        )
        text = f"{problem_text}\n\n{text}" if problem_text else text
    message = await chat.send_message(text, reply_markup=markup)
    draft = replace(draft, prompt_message_id=message.message_id)
    await context.store.drafts.save(draft)
    return draft


async def _question(
    context: KabotContext,
    form: Form,
    draft: Draft,
    spec: Field,
    buttons: Buttons,
    *,
    customers: list[Customer] | None,
    people: list[Staff] | None,
    found: int | None,
) -> tuple[str, Any]:
    store, lang = context.store, context.lang
    params: dict[str, Any] = {
        "form": form.name,
        "field": spec.key,
        "position": form.index(spec.key) + 1,
        "count": len(form.fields),
        "optional": spec.optional,
        "limit": spec.max_length if spec.kind is Kind.TEXT else None,
        "found": found,
        "current": await present.value_text(
            store, context.texts, lang, spec, draft.answers.get(spec.key), form
        ),
        "suggested": False,
        "whens": [],
    }
    keyboard: dict[str, Any] = {}
    if spec.kind in (Kind.CUSTOMER, Kind.CUSTOMERS):
        if customers is None:
            customers = await _suggested_customers(context)
            params["suggested"] = bool(customers)
        if spec.kind is Kind.CUSTOMERS:
            # Those chosen come first, so a tap can take one out again.
            chosen = [
                await _visible_customer(context, int(c)) for c in draft.answers.get(spec.key) or []
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
        keyboard["promotions"] = await _promotions(context)
    elif spec.kind is Kind.UNIT:
        keyboard["units"] = await _units(context)
    elif spec.kind is Kind.STAFF:
        keyboard["people"] = people or []
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
    for customer_id in await store.reports.recent_customer_ids(person.id):
        customer = await store.customers.by_id(customer_id)
        if customer and customer.active and (scope is None or customer.unit_id == scope):
            suggested.append(customer)
    today = context.clock.now().date()
    for customer in await store.customers.assigned_to(person.id):
        if len(suggested) >= SUGGESTIONS:
            break
        if customer not in suggested and overdue_for_visit(customer, today):
            suggested.append(customer)
    return suggested[:SUGGESTIONS]


async def _promotions(context: KabotContext) -> list[Report]:
    store, person = context.store, context.person
    return await store.reports.running_promotions(
        customer_scope(person, await store.units.centre())
    )


async def _retire(context: KabotContext, message: object) -> None:
    """Take the buttons off a question that has been answered."""
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    try:
        await message.edit_reply_markup(None)
    except BadRequest as exc:
        _LOGGER.debug("Could not retire buttons: %s", exc.message)


async def _retire_prompt(chat: Chat, context: KabotContext, draft: Draft) -> None:
    if draft.prompt_message_id is None:
        return
    spec = FORMS[draft.form].field(draft.step)
    if spec is not None and spec.kind is Kind.LOCATION:
        return  # a reply keyboard: it goes with the next message
    try:
        await context.bot.edit_message_reply_markup(chat.id, draft.prompt_message_id)
    except BadRequest as exc:
        _LOGGER.debug("Could not retire buttons: %s", exc.message)


async def _move(chat: Chat, context: KabotContext, form: Form, old: Draft, new: Draft) -> None:
    """Leave the old question (taking its buttons away) and ask the new one."""
    await _retire_prompt(chat, context, old)
    spec = form.field(old.step)
    if spec is not None and spec.kind is Kind.LOCATION:
        location = old.answers.get(spec.key) if new.step != old.step else None
        await chat.send_message(
            context.label("form.location_saved" if location else "form.location_left"),
            reply_markup=ReplyKeyboardRemove(),
        )
    await _ask(chat, context, form, new)


async def _answer(
    chat: Chat, context: KabotContext, form: Form, draft: Draft, value: object
) -> None:
    new = engine.advance(form, engine.with_answer(draft, draft.step, value))
    await _move(chat, context, form, draft, new)


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
    if draft.step == engine.SUMMARY:
        await _retire_prompt(chat, context, draft)
        await _ask(chat, context, form, draft, problem=inputs.Problem("use_buttons"))
        return
    spec = form.field(draft.step)
    assert spec is not None
    if spec.kind is Kind.LOCATION and message.text:
        typed = _bare(message.text)
        if typed in _labels(context, "form.button.skip"):
            await _answer(chat, context, form, draft, None)
            return
        if typed in _labels(context, "form.button.back"):
            previous = engine.back(form, draft)
            assert previous is not None  # location is never the first question
            await _move(chat, context, form, draft, previous)
            return
    reading = await inputs.read(spec, message, context.clock.now())
    match reading:
        case inputs.Accepted(value):
            await _answer(chat, context, form, draft, value)
        case inputs.Problem():
            await _retire_prompt(chat, context, draft)
            await _ask(chat, context, form, draft, problem=reading)
        case inputs.Search(text):
            await _search(chat, context, form, draft, text)
        case inputs.Candidates(whens):
            await _retire_prompt(chat, context, draft)
            pending = engine.with_pending(draft, [w.to_json() for w in whens])
            await _ask(chat, context, form, pending)
        case inputs.PhotoAdded(photo, media_group):
            await _add_photo(chat, context, form, draft, photo, media_group)


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
        await _retire_prompt(chat, context, draft)
        if not people:
            problem = inputs.Problem("person_unknown", {"text": text})
            await _ask(chat, context, form, draft, problem=problem)
            return
        await _ask(chat, context, form, draft, people=people, found=len(people))
        return
    scope = customer_scope(context.person, await store.units.centre())
    page = await store.customers.search(text, unit_id=scope, limit=SEARCH_RESULTS)
    await _retire_prompt(chat, context, draft)
    if page.total == 0:
        elsewhere = scope is not None and (await store.customers.search(text, unit_id=None)).total
        problem = inputs.Problem(
            "customer_other_unit" if elsewhere else "customer_unknown", {"text": text}
        )
        await _ask(chat, context, form, draft, problem=problem)
        return
    await _ask(chat, context, form, draft, customers=list(page.items), found=page.total)


async def _add_photo(
    chat: Chat,
    context: KabotContext,
    form: Form,
    draft: Draft,
    photo: dict[str, str],
    media_group: str | None,
) -> None:
    photos = list(draft.answers.get(draft.step) or [])
    if len(photos) >= PHOTO_LIMIT:
        if media_group is None or media_group != draft.media_group:
            await _retire_prompt(chat, context, draft)
            problem = inputs.Problem("too_many_photos", {"limit": PHOTO_LIMIT})
            await _ask(chat, context, form, draft, problem=problem)
        return
    photos.append(photo)
    updated = replace(engine.with_answer(draft, draft.step, photos), media_group=media_group)
    if media_group is not None and media_group == draft.media_group:
        # The rest of an album: one answer for the whole album is enough.
        await context.store.drafts.save(updated)
        return
    await _retire_prompt(chat, context, draft)
    await _ask(chat, context, form, updated)


# ---------------------------------------------------------------------------- buttons


async def on_button(update: Update, context: KabotContext) -> None:
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and query.data is not None and chat is not None
    press = parse(query.data)
    draft = await context.store.drafts.of(context.person.id)
    if press is None or draft is None or (press.draft_id, press.seq) != (draft.id, draft.seq):
        await query.answer(context.label("answer.stale_button"), show_alert=True)
        if draft is not None and press is not None and press.draft_id == draft.id:
            await _retire(context, query.message)
            await _retire_prompt(chat, context, draft)
            await _ask(chat, context, FORMS[draft.form], draft)
        return
    form = FORMS[draft.form]
    handled = await _act(chat, context, form, draft, press)
    if handled is None:
        await query.answer(context.label("answer.stale_button"), show_alert=True)
    else:
        await query.answer(handled or None, show_alert=bool(handled))


async def _act(
    chat: Chat, context: KabotContext, form: Form, draft: Draft, press: Press
) -> str | None:
    """Do what the button says. Returns "" when done, an alert to show, or None when the
    button does not fit the question (forged data)."""
    action, arg = press.action, press.arg
    if action == "cancel":
        await _cancel(chat, context, draft)
        return ""
    if action == "resume":
        await _retire_prompt(chat, context, draft)
        await _ask(chat, context, form, draft)
        return ""
    if action == "new" and arg is not None:
        await context.store.drafts.discard(draft.id)
        await _retire_prompt(chat, context, draft)
        return "" if await _start_over(chat, context, arg) else context.label("answer.not_allowed")
    if action == "back":
        previous = engine.back(form, draft)
        if previous is None:
            return None
        await _move(chat, context, form, draft, previous)
        return ""
    if draft.step == engine.SUMMARY:
        return await _act_on_summary(chat, context, form, draft, action, arg)
    spec = form.field(draft.step)
    assert spec is not None
    return await _act_on_field(chat, context, form, draft, spec, action, arg)


async def _act_on_summary(
    chat: Chat, context: KabotContext, form: Form, draft: Draft, action: str, arg: str | None
) -> str | None:
    if action == "edit" and arg is not None and arg.isdigit():
        target = engine.revisit(form, draft, int(arg))
        if target is None:
            return None
        await _move(chat, context, form, draft, target)
        return ""
    if action == "submit":
        return await _submit(chat, context, form, draft)
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
    number = int(arg) if arg is not None and arg.isdigit() else None
    if action == "skip" and spec.optional:
        await _answer(chat, context, form, draft, None)
        return ""
    if action == "pick" and number is not None:
        return await _pick(chat, context, form, draft, spec, number)
    if action == "now" and spec.kind is Kind.WHEN:
        now = context.clock.now().replace(second=0, microsecond=0)
        await _answer(chat, context, form, draft, When(now, Precision.MINUTE).to_json())
        return ""
    if action == "when" and number is not None and spec.kind is Kind.WHEN:
        pending = draft.answers.get(engine.PENDING) or []
        if number >= len(pending):
            return None
        await _answer(chat, context, form, draft, pending[number])
        return ""
    if action == "add" and number is not None and spec.kind is Kind.CUSTOMERS:
        return await _toggle_customer(chat, context, form, draft, number)
    if action == "done" and spec.kind in (Kind.PHOTOS, Kind.CUSTOMERS):
        if not draft.answers.get(spec.key):
            return context.label("form.nothing_yet")
        await _answer(chat, context, form, draft, draft.answers[spec.key])
        return ""
    if action == "month" and spec.kind is Kind.MONTH:
        if arg not in inputs.recent_months(context.clock.now().date()):
            return None
        await _answer(chat, context, form, draft, arg)
        return ""
    return None


async def _pick(
    chat: Chat, context: KabotContext, form: Form, draft: Draft, spec: Field, number: int
) -> str | None:
    """A choice, a customer or a promotion — re-checked, never taken from the button."""
    if spec.kind is Kind.CHOICE:
        if number >= len(spec.choices):
            return None
        await _answer(chat, context, form, draft, spec.choices[number])
        return ""
    if spec.kind is Kind.CUSTOMER:
        customer = await _visible_customer(context, number)
        if customer is None:
            return context.label("answer.not_allowed")
        await _answer(chat, context, form, draft, customer.id)
        return ""
    if spec.kind is Kind.STAFF:
        person = await context.store.staff.by_id(number)
        if person is None or not person.active or person.unit_id is None:
            return context.label("answer.not_allowed")
        await _answer(chat, context, form, draft, person.id)
        return ""
    if spec.kind is Kind.UNIT:
        if number not in await _unit_ids(context):
            return context.label("answer.not_allowed")
        await _answer(chat, context, form, draft, number)
        return ""
    if spec.kind is Kind.PROMOTION:
        if number not in {p.id for p in await _promotions(context)}:
            return context.label("answer.not_allowed")
        await _answer(chat, context, form, draft, number)
        return ""
    return None


async def _visible_customer(context: KabotContext, customer_id: int) -> Customer | None:
    store = context.store
    customer = await store.customers.by_id(customer_id)
    if customer is None or not customer.active:
        return None
    if not may_see_customer(context.person, await store.units.centre(), customer):
        return None
    return customer


async def _toggle_customer(
    chat: Chat, context: KabotContext, form: Form, draft: Draft, customer_id: int
) -> str | None:
    customer = await _visible_customer(context, customer_id)
    if customer is None:
        return context.label("answer.not_allowed")
    chosen = list(draft.answers.get(draft.step) or [])
    if customer_id in chosen:
        chosen.remove(customer_id)
    else:
        chosen.append(customer_id)
    await _retire_prompt(chat, context, draft)
    await _ask(chat, context, form, engine.with_answer(draft, draft.step, chosen or None))
    return ""


# ---------------------------------------------------------------------------- saving


async def _submit(chat: Chat, context: KabotContext, form: Form, draft: Draft) -> str | None:
    store, person = context.store, context.person
    answers = engine.answered(draft)
    missing = engine.missing(form, answers)
    if missing:
        target = engine.revisit(form, draft, form.index(missing[0]))
        assert target is not None
        await _move(chat, context, form, draft, target)
        label = context.label(f"form.{form.name}.{missing[0]}.short")
        return context.label("form.missing", field=label)
    if form.report == "decision":
        await _retire_prompt(chat, context, draft)
        return await decisions.comment_submitted(chat, context, form, draft, answers)
    if form.report == "issue_reply":
        await _retire_prompt(chat, context, draft)
        return await issue_handling.reply_submitted(chat, context, draft, answers)
    if form.report == "leave":
        await _retire_prompt(chat, context, draft)
        return await _leave_submitted(chat, context, draft, answers)
    if form.report in ("ledger", "waiver", "appeal", "breach"):
        await _retire_prompt(chat, context, draft)
        return await ledger.submitted(chat, context, form, draft, answers)
    unit_id = await _unit_of(context, form, answers)
    if unit_id is None:
        return context.label("answer.not_allowed")
    if draft.report_id is not None:
        return await _submit_correction(chat, context, form, draft, answers)
    report = await store.file_report(draft, form.report, person, unit_id, answers)
    if report is None:
        return None
    _LOGGER.info("%s filed %s", person.code, report.number)
    await _retire_prompt(chat, context, draft)
    await _confirm(chat, context, form, report, corrected=False)
    if report.kind == "issue":
        await issue_handling.post_to_groups(context, report)
    await decisions.open_step(context, report)
    return ""


async def _leave_submitted(
    chat: Chat, context: KabotContext, draft: Draft, answers: dict[str, Any]
) -> str:
    store, person = context.store, context.person
    stand_in = await store.staff.by_id(int(answers["stand_in"]))
    if stand_in is None or stand_in.id == person.id:
        return context.label("leave.bad_stand_in")
    await store.drafts.discard(draft.id)
    first = date.fromisoformat(answers["period"]["first"])
    last = date.fromisoformat(answers["period"]["last"])
    await store.staff.add_leave(person, first, last, stand_in)
    await chat.send_message(
        context.render("leave_saved.html", first=first, last=last, stand_in=stand_in)
    )
    return ""


async def _unit_of(context: KabotContext, form: Form, answers: dict[str, Any]) -> int | None:
    """The unit a report belongs to: its customer's, its promotion's, or the author's."""
    if "customer" in answers:
        customer = await _visible_customer(context, int(answers["customer"]))
        return customer.unit_id if customer else None
    if "promotion" in answers:
        running = {p.id: p for p in await _promotions(context)}
        promotion = running.get(int(answers["promotion"]))
        return promotion.unit_id if promotion else None
    if "customers" in answers:
        for customer_id in answers["customers"]:
            if await _visible_customer(context, int(customer_id)) is None:
                return None
    if "unit" in answers:
        return int(answers["unit"]) if int(answers["unit"]) in await _unit_ids(context) else None
    return context.person.unit_id


async def _units(context: KabotContext) -> list[BusinessUnit]:
    """The business units a new customer can belong to (not the KA centre)."""
    return [u for u in await context.store.units.all() if not u.is_centre]


async def _unit_ids(context: KabotContext) -> set[int]:
    return {u.id for u in await _units(context)}


async def _submit_correction(
    chat: Chat, context: KabotContext, form: Form, draft: Draft, answers: dict[str, Any]
) -> str | None:
    store, person = context.store, context.person
    assert draft.report_id is not None
    report = await store.reports.by_id(form.report, draft.report_id)
    window = context.settings.edit_window
    if report is None or not may_correct(person, report, context.clock.now(), window):
        await store.drafts.discard(draft.id)
        await _retire_prompt(chat, context, draft)
        await chat.send_message(context.render("report_not_correctable.html"))
        return ""
    corrected = await store.file_correction(draft, report, person, answers)
    if corrected is None:
        return None
    await _retire_prompt(chat, context, draft)
    await _confirm(chat, context, form, corrected, corrected=True)
    if corrected.kind == "issue":
        await issue_handling.update_posts(context, corrected)
    await decisions.resubmitted(context, report, corrected)
    return ""


# Where a person finds each kind of report again.
LIST_COMMANDS = {
    "visit": "/myvisits",
    "issue": "/issues",
    "promotion": "/promos",
    "promotion_report": "/promos",
}


async def _confirm(
    chat: Chat, context: KabotContext, form: Form, report: Report, *, corrected: bool
) -> None:
    window = context.settings.edit_window
    await chat.send_message(
        context.render(
            "form_saved.html",
            form=form.name,
            report=report,
            corrected=corrected,
            list_command=LIST_COMMANDS.get(report.kind),
            window_hours=int(window.total_seconds() // 3600),
        )
    )


def handlers() -> list[object]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("visit", visit_command),
        CommandHandler("issue", issue_command),
        CommandHandler("promo", promo_command),
        CommandHandler("data", data_command),
        CommandHandler("admission", admission_command, filters=private),
        CommandHandler("penalty", penalty_command, filters=private),
        CommandHandler("leave", leave_command, filters=private),
        CommandHandler("incentive", incentive_command, filters=private),
        CommandHandler("cancel", cancel_command, filters=private),
        CallbackQueryHandler(form_menu_pressed, pattern=r"^fm:"),
        CallbackQueryHandler(on_button, pattern=r"^f:"),
        MessageHandler(private & ~filters.COMMAND & ~filters.StatusUpdate.ALL, on_message),
    ]
