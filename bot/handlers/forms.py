"""/visit, /issue, /promo, /data …: starting, cancelling and correcting a guided report.

The state of a conversation is the person's draft row (``bot.store.drafts``), written at
every answer, so a restart of the bot loses nothing and old buttons are recognised. The walk
through a form is ``bot.forms.engine``; here it starts (or an open draft is offered again),
``form_questions`` asks, ``form_answers`` reads what comes back, ``form_saving`` saves.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import (
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import KabotContext
from bot.forms import engine, inputs
from bot.forms.catalogue import FORMS, Form, Kind, form_of, is_comment, records_facts
from bot.forms.keyboards import Buttons
from bot.handlers import form_offers
from bot.handlers import form_questions as questions
from bot.models import REPORT_PREFIXES, Customer, Draft, Report
from bot.policy import may_correct
from bot.workflow import speaks_for_centre

_LOGGER = logging.getLogger(__name__)


async def begin(
    update: Update, context: KabotContext, form: Form, *, preset: dict[str, Any] | None = None
) -> None:
    """Start ``form`` for the person — or say why not, or offer the draft they have open.
    ``preset``: answers fixed when the draft starts that no question asks (the year a
    /kayear result is for)."""
    chat = update.effective_chat
    assert chat is not None
    if chat.type != Chat.PRIVATE:
        await _to_private_chat(chat, context, form)
        return
    person = context.person
    if is_comment(form):
        # A reason, a reply, an appeal is about a record: it starts from that record's
        # button, never from a bare command or deep link (it would fail at submit).
        await context.outbox.message(
            chat.id, context.render("form_needs_record.html", form=form.name)
        )
        return
    if records_facts(form) and not await questions.may_record(context, form):
        await context.outbox.message(chat.id, questions.refusal(context, form))
        return
    if person.role not in form.roles or person.unit_id is None:
        await context.outbox.message(
            chat.id, context.render("form_not_for_you.html", form=form.name)
        )
        return
    if not await _may_submit(context, form):
        await context.outbox.message(
            chat.id, context.render("form_centre_only.html", form=form.name)
        )
        return
    if form.fields[0].kind is Kind.PROMOTION and not await questions.promotions(context):
        await context.outbox.message(chat.id, context.render("form_no_promotions.html"))
        return
    first = form.fields[0]
    if first.kind is Kind.RECORD and not await form_offers.records(context, first.source):
        await context.outbox.message(chat.id, context.label(f"contracts.none.{first.source}"))
        return
    await start_form(chat, context, form, preset=preset)


async def start_form(
    chat: Chat,
    context: KabotContext,
    form: Form,
    *,
    target: int | None = None,
    preset: dict[str, Any] | None = None,
) -> None:
    """Start ``form`` (about report or decision ``target``, for a reply or a decision's
    reason) — unless a draft is open: nothing typed is dropped without asking."""
    restart = form.name if target is None else f"{form.name}-{target}"
    if not await _unfinished(chat, context, form.name, restart):
        await _begin_draft(chat, context, form, target=target, preset=preset)


# /start's payload from a group button's link: the form that button started waits there.
OPEN_DRAFT = "draft"


async def start_in_private(context: KabotContext, form: Form, target: int) -> str | None:
    """Start ``form`` in the presser's private chat — a button pressed in a group asks
    for words that do not belong in the group (a reply, a reason). Returns the link that
    opens that chat (the callback answer's url), also for someone who never wrote to kabot:
    the link's /start lets the waiting form through."""
    person = context.person
    if person.telegram_id is None:
        return None
    await start_form(Chat(person.telegram_id, Chat.PRIVATE), context, form, target=target)
    return f"https://t.me/{context.bot_data.bot_username}?start={OPEN_DRAFT}"


async def open_draft(chat: Chat, context: KabotContext) -> None:
    """/start draft: the question of the open draft, at the bottom of the chat."""
    draft = await context.store.drafts.of(context.person.id)
    if draft is None:
        await context.outbox.message(chat.id, context.render("form_nothing_to_cancel.html"))
        return
    if draft.prompt_message_id is not None and draft.prompt_message_id < 0:
        status, _ = await context.store.outbox.message_of(draft.prompt_message_id)
        if status in ("pending", "sending", "waiting"):
            return  # the question itself is on its way: this /start let it through
        if status == "sent":
            # Already in the chat (Telegram sends the link's /start at once): point to it.
            await context.outbox.message(
                chat.id, context.label("form.draft_above"), reply_to=draft.prompt_message_id
            )
            return
    await questions.retire_prompt(chat, context, draft)
    await questions.ask(chat, context, FORMS[draft.form], draft)


async def _unfinished(chat: Chat, context: KabotContext, new_name: str, restart: str) -> bool:
    """Offer to continue the open draft or drop it for ``restart``; False when none is open."""
    draft = await context.store.drafts.of(context.person.id)
    if draft is None:
        return False
    buttons = Buttons(context.texts, context.lang, FORMS[draft.form], draft)
    await context.outbox.message(
        chat.id,
        context.render(
            "form_unfinished.html", form=draft.form, since=draft.updated_at, new=new_name
        ),
        markup=buttons.unfinished(restart),
    )
    return True


async def _begin_draft(
    chat: Chat,
    context: KabotContext,
    form: Form,
    *,
    target: int | None = None,
    answers: dict[str, Any] | None = None,
    given: dict[str, Any] | None = None,
    preset: dict[str, Any] | None = None,
) -> None:
    """A new draft: of a saved report's ``answers`` (at its summary), or from the start with
    the defaults, the ``preset`` answers no question asks, and what the place it started
    from ``given`` (a customer's card: the customer), at the first question still open."""
    if answers:
        step, start = engine.SUMMARY, answers
    else:
        start = {**engine.defaults(form), **(preset or {}), **(given or {})}
        step = engine.first_step(form, given=tuple(given or ()))
    draft = await context.store.drafts.begin(
        context.person.id, form.name, step, start, report_id=target
    )
    echo = None
    if given:
        spec = form.fields[0]
        echo = await questions.echo(context, form, spec, given.get(spec.key), typed=False)
    await questions.ask(chat, context, form, draft, echo=echo)


async def visit_for(update: Update, context: KabotContext) -> None:
    """📝 on a customer's card, a plan's customer or a digest's overdue customer: a visit
    report with the customer answered (``vs:<customer id>``)."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and query.data is not None and chat is not None
    customer = await _visit_customer(context, query.data.removeprefix("vs:"))
    if customer is None:
        await context.outbox.answer(query, context.label("answer.not_allowed"), alert=True)
        return
    await context.outbox.answer(query, context.label("form.visit_started", name=customer.name))
    private = Chat(context.person.telegram_id or chat.id, Chat.PRIVATE)
    if not await _unfinished(private, context, "visit", f"visitfor-{customer.id}"):
        await _begin_draft(private, context, FORMS["visit"], given={"customer": customer.id})


async def begin_with(chat: Chat, context: KabotContext, form: Form, given: dict[str, Any]) -> None:
    """``form`` with its first question answered by the button it started from (a forecast
    line's contract) — unless a draft is open; starting over then starts ``form`` afresh."""
    if not await _unfinished(chat, context, form.name, form.name):
        await _begin_draft(chat, context, form, given=given)


async def _visit_customer(context: KabotContext, number: str) -> Customer | None:
    """The customer a 📝 button (or its "start over") names, if the presser may file a visit
    report about it — checked again, never taken from the button."""
    person = context.person
    customer_id = inputs.record_id(number)
    if customer_id is None or person.role not in FORMS["visit"].roles or person.unit_id is None:
        return None
    return await questions.visible_customer(context, customer_id)


async def correct(chat: Chat, context: KabotContext, report: Report) -> None:
    """Open a saved report as a draft, at its summary, to correct it."""
    form = form_of(report.kind, report.answers)
    if not await _unfinished(chat, context, form.name, f"fix-{report.number}"):
        await _begin_draft(chat, context, form, target=report.id, answers=dict(report.answers))


async def _may_submit(context: KabotContext, form: Form) -> bool:
    """Refused at the first step what would be refused at submit (the check there stays)."""
    return not form.centre_only or speaks_for_centre(
        context.person, await context.store.units.centre()
    )


async def start_over(chat: Chat, context: KabotContext, restart: str) -> bool:
    """What "drop it and start over" starts: a form, a form about something, a correction."""
    name, _, target = restart.partition("-")
    if name == "visitfor":
        customer = await _visit_customer(context, target)
        if customer is None:
            return False
        await _begin_draft(chat, context, FORMS["visit"], given={"customer": customer.id})
        return True
    if name == "fix":
        kind = next((k for k, p in REPORT_PREFIXES.items() if p == target[:1]), None)
        number = target[1:]
        report = (
            await context.store.reports.by_id(kind, int(number))
            if kind is not None and inputs.record_id(number) is not None
            else None
        )
        window = context.settings.edit_window
        if report is None or not may_correct(context.person, report, context.clock.now(), window):
            return False
        await correct(chat, context, report)
        return True
    form = FORMS.get(name)
    if (
        form is None
        or context.person.role not in form.roles
        or (target and inputs.record_id(target) is None)
    ):
        return False
    if (is_comment(form) and not target) or not await _may_submit(context, form):
        return False
    await _begin_draft(chat, context, form, target=int(target) if target else None)
    return True


async def _to_private_chat(chat: Chat, context: KabotContext, form: Form) -> None:
    """Reports are written in private: a group gets a button that opens the private chat."""
    link = f"https://t.me/{context.bot_data.bot_username}?start={form.name}"
    button = InlineKeyboardButton(context.label("form.button.open_private"), url=link)
    await context.outbox.message(
        chat.id,
        context.render("form_go_private.html", form=form.name),
        markup=InlineKeyboardMarkup([[button]]),
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
    names = ["promo", "promo_update", "promo_closeout"]
    if speaks_for_centre(context.person, await context.store.units.centre()):
        names += ["promo_agreement", "promo_confirmation"]  # the centre negotiates and signs
    buttons = [
        [InlineKeyboardButton(context.label(f"form.menu.{name}"), callback_data=f"fm:{name}")]
        for name in names
    ]
    await context.outbox.message(
        chat.id, context.render("promo_menu.html"), markup=InlineKeyboardMarkup(buttons)
    )


async def form_menu_pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    form = FORMS.get(query.data.removeprefix("fm:"))
    if form is None:
        await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)
        return
    await context.outbox.answer(query)
    await questions.retire(context, query.message)
    await begin(update, context, form)


async def cancel_command(update: Update, context: KabotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    draft = await context.store.drafts.of(context.person.id)
    if draft is None:
        await context.outbox.message(chat.id, context.render("form_nothing_to_cancel.html"))
        return
    await cancel_draft(chat, context, draft)


async def cancel_draft(chat: Chat, context: KabotContext, draft: Draft) -> None:
    await context.store.drafts.discard(draft.id)
    await questions.retire_prompt(chat, context, draft)
    form = FORMS[draft.form]
    spec = form.field(draft.step)
    removal = ReplyKeyboardRemove() if spec and spec.kind is Kind.LOCATION else None
    await context.outbox.message(
        chat.id,
        context.render("form_cancelled.html", form=draft.form, correcting=draft.report_id),
        markup=removal,
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
        CallbackQueryHandler(visit_for, pattern=r"^vs:"),
    ]
