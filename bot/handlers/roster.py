"""/roster: the information officer's view of the organisation, and the work done from it.

Buttons under the overview (callback data ``rs:…``, re-checked against the presser's role
every time): an invitation link for a role and unit; personal links for everyone who has no
Telegram account yet; a person's access withdrawn or given back, after a confirmation. Each
is in the audit log with the officer who did it.
"""

from __future__ import annotations

import re
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import KabotContext
from bot.handlers.messages import edit_in_place
from bot.models import Role
from bot.policy import A_GRADE_MIN_CONTACTS

INVITE_DAYS = 7
PEOPLE_SHOWN = 40
_DATA = re.compile(r"^rs:(inv|unbound|people|tog|yes)(?::([a-z]{0,10}))?(?::(\d{1,12}))?$")


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def _actions(context: KabotContext) -> InlineKeyboardMarkup:
    label = context.label
    return InlineKeyboardMarkup(
        [
            [_button(label("roster.button.invite"), "rs:inv")],
            [_button(label("roster.button.unbound"), "rs:unbound")],
            [_button(label("roster.button.people"), "rs:people")],
        ]
    )


async def roster_overview(update: Update, context: KabotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    if context.person.role != Role.ADMIN:
        await context.outbox.message(chat.id, context.label("answer.not_allowed"))
        return
    store = context.store
    await context.outbox.message(
        chat.id,
        context.render(
            "roster_overview.html",
            units=await store.units.all(),
            staff_count=await store.staff.count_active(),
            customer_count=await store.customers.count_active(),
            not_started=await store.staff.not_yet_started(),
            undelivered=await store.outbox.undelivered(),
            orphans=await store.customers.orphans(),
            short=await store.customers.short_of_contacts("A", A_GRADE_MIN_CONTACTS),
            minimum=A_GRADE_MIN_CONTACTS,
        ),
        _actions(context),
    )


async def pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    m = _DATA.match(query.data)
    if context.person.role != Role.ADMIN:
        await context.outbox.answer(query, context.label("answer.not_allowed"), alert=True)
        return
    if m is None:
        await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)
        return
    action, word, number = m[1], m[2], int(m[3]) if m[3] else None
    await context.outbox.answer(query)
    if action == "inv":
        await _invite(update, context, word, number)
    elif action == "unbound":
        await _unbound(update, context)
    elif action == "people":
        await _people(update, context)
    else:
        await _toggle(update, context, number, confirmed=action == "yes")


async def _invite(
    update: Update, context: KabotContext, role_word: str | None, unit_id: int | None
) -> None:
    """Role first, then (field staff and managers) the unit; then the link."""
    query, store = update.callback_query, context.store
    assert query is not None
    role = Role(role_word) if role_word in {r.value for r in Role} else None
    if role is None:
        rows = [[_button(context.label(f"role.{r.value}"), f"rs:inv:{r.value}")] for r in Role]
        await edit_in_place(
            context, query, context.label("roster.which_role"), InlineKeyboardMarkup(rows)
        )
        return
    unit = await store.units.by_id(unit_id) if unit_id is not None else None
    if unit is None and role in (Role.FIELD, Role.MANAGER):
        rows = [
            [_button(f"{u.code} · {u.name}", f"rs:inv:{role.value}:{u.id}")]
            for u in await store.units.all()
            if u.active
        ]
        await edit_in_place(
            context, query, context.label("roster.which_unit"), InlineKeyboardMarkup(rows)
        )
        return
    invite = await store.invites.create(
        role,
        unit.id if unit else None,
        timedelta(days=INVITE_DAYS),
        actor=f"staff:{context.person.id}",
    )
    text = context.render(
        "roster_invite.html", invite=invite, unit=unit, username=context.bot_data.bot_username
    )
    await edit_in_place(context, query, text, None)


async def _unbound(update: Update, context: KabotContext) -> None:
    """A personal link for each person without a Telegram account; the names of those who
    have one and never wrote (only they can open the chat: the officer reminds them)."""
    query, store = update.callback_query, context.store
    assert query is not None
    links = []
    for person in await store.staff.all_active():
        if person.telegram_id is None:
            invite = await store.invites.create(
                person.role,
                person.unit_id,
                timedelta(days=INVITE_DAYS),
                staff=person,
                actor=f"staff:{context.person.id}",
            )
            links.append((person, invite))
    silent = [p for p in await store.staff.not_yet_started() if p.telegram_id is not None]
    text = context.render(
        "roster_unbound.html",
        links=links,
        silent=silent,
        username=context.bot_data.bot_username,
    )
    await context.outbox.message(query.from_user.id, text)


async def _people(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None
    rows = [
        [_button(f"{'✅' if p.active else '🚫'} {p.code} · {p.name}"[:60], f"rs:tog::{p.id}")]
        for p in (await context.store.staff.everyone())[:PEOPLE_SHOWN]
        if p.id != context.person.id
    ]
    await edit_in_place(context, query, context.label("roster.people"), InlineKeyboardMarkup(rows))


async def _toggle(
    update: Update, context: KabotContext, staff_id: int | None, *, confirmed: bool
) -> None:
    query, store = update.callback_query, context.store
    assert query is not None
    person = await store.staff.by_id(staff_id) if staff_id is not None else None
    if person is None or person.id == context.person.id:  # nobody locks themselves out
        await edit_in_place(context, query, context.label("answer.stale_button"), None)
        return
    verb = "on" if not person.active else "off"
    if not confirmed:
        ask = context.label(f"roster.confirm.{verb}", name=person.name, code=person.code)
        yes = _button(context.label(f"roster.button.{verb}"), f"rs:yes::{person.id}")
        await edit_in_place(context, query, ask, InlineKeyboardMarkup([[yes]]))
        return
    changed = await store.staff.set_active(
        person.code, not person.active, actor=f"staff:{context.person.id}"
    )
    assert changed is not None
    done = context.label(f"roster.done.{verb}", name=changed.name, code=changed.code)
    await edit_in_place(context, query, done, None)


def handlers() -> list[object]:
    return [
        CommandHandler("roster", roster_overview, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(pressed, pattern=r"^rs:"),
    ]
