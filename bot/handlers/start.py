"""/start (with invitations), /help, /language and /me — a person's first steps."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import KabotContext
from bot.forms.catalogue import FORMS
from bot.handlers import approvals, forms
from bot.menus import commands_for, main_menu, register_person_commands
from bot.models import Staff
from bot.settings import LANGUAGES

_LOGGER = logging.getLogger(__name__)


async def start(update: Update, context: KabotContext) -> None:
    message = update.effective_message
    assert message is not None
    person = context.maybe_person
    payload = context.args[0] if context.args else None
    if person is None:
        if payload is None:  # the gate lets only /start <code> through for strangers
            return
        person = await _redeem_invite(update, context, payload)
        if person is None:
            return
        context.set_person(person)
    elif payload in FORMS:
        # A deep link from a group: "/visit" there opens the visit report here.
        await forms.begin(update, context, FORMS[payload])
        return
    elif payload == forms.OPEN_DRAFT and update.effective_chat is not None:
        # A group's button (a reply, an appeal) started a form: here it is.
        await forms.open_draft(update.effective_chat, context)
        return
    elif payload is not None:
        await context.outbox.message(message.chat_id, context.render("invite_not_needed.html"))
    await register_person_commands(context.bot, context.texts, person, await context.in_centre())
    await _send_welcome(update, context, person)


async def _redeem_invite(update: Update, context: KabotContext, code: str) -> Staff | None:
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    status, person = await context.store.register_by_invite(
        code[:64],
        telegram_id=user.id,
        username=user.username,
        name=user.full_name,
        language="en" if (user.language_code or "").startswith("en") else "zh",
    )
    if person is None:
        await context.outbox.message(
            message.chat_id, context.texts.both(f"invite_{status.value}.html", telegram_id=user.id)
        )
        return None
    _LOGGER.info("Telegram user %s registered by invitation as %s", user.id, person.code)
    return person


async def _send_welcome(update: Update, context: KabotContext, person: Staff) -> None:
    unit = await context.store.units.by_id(person.unit_id) if person.unit_id else None
    message = update.effective_message
    assert message is not None
    waiting = len(await approvals.waiting_for(context, person))
    await context.outbox.message(
        message.chat_id,
        context.render("welcome.html", person=person, unit=unit, waiting=waiting),
        markup=main_menu(context.texts, person, await context.in_centre()),
    )


async def help_command(update: Update, context: KabotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    group = chat.type != chat.PRIVATE
    await context.outbox.message(
        chat.id,
        context.render(
            "help.html",
            commands=commands_for(
                context.person.role, group=group, in_centre=await context.in_centre()
            ),
            group=group,
        ),
    )


async def language(update: Update, context: KabotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    buttons = [
        InlineKeyboardButton(context.label(f"language.{lang}"), callback_data=f"lang:{lang}")
        for lang in LANGUAGES
    ]
    await context.outbox.message(
        chat.id, context.render("language_choose.html"), markup=InlineKeyboardMarkup([buttons])
    )


async def language_chosen(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    chosen = query.data.removeprefix("lang:")
    if chosen not in LANGUAGES:
        await context.outbox.answer(query, context.label("answer.stale_button"))
        return
    person = await context.store.staff.set_language(context.person, chosen)
    context.set_person(person)
    await context.outbox.answer(query, context.label("answer.language_set"))
    await register_person_commands(context.bot, context.texts, person, await context.in_centre())
    await _send_welcome(update, context, person)


async def me(update: Update, context: KabotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    person = context.person
    store = context.store
    unit = await store.units.by_id(person.unit_id) if person.unit_id else None
    customers = await store.customers.assigned_to(person.id)
    grades = {g: sum(1 for c in customers if c.grade == g) for g in "ABCD"}
    await context.outbox.message(
        chat.id,
        context.render(
            "me.html",
            person=person,
            unit=unit,
            customers=customers[:15],
            customer_count=len(customers),
            grades=grades,
        ),
    )


def handlers() -> list[object]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("start", start, filters=private),
        CommandHandler("help", help_command),
        CommandHandler("language", language, filters=private),
        CommandHandler("me", me, filters=private),
        CallbackQueryHandler(language_chosen, pattern=r"^lang:"),
    ]
