"""The gate every update passes first: who is this, may they use kabot here?

Runs in handler group -1 for every update. It loads the person (an account writing under an
@username imported without a Telegram id waits for the information officer's confirmation),
refuses strangers and deactivated people, and
keeps kabot silent in groups that are not bound to a unit, except to tell an admin how to bind.
"""

from __future__ import annotations

import logging

from telegram import Chat, Update
from telegram.ext import ApplicationHandlerStop

from bot.context import KabotContext
from bot.handlers import claims, groups
from bot.models import Role, Staff
from bot.settings import LANGUAGES
from bot.store import Store

_LOGGER = logging.getLogger(__name__)

# Commands a person not yet known may send: /start with an invitation code.
_INVITE_PREFIX = "/start "


async def gate(update: Update, context: KabotContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or user.is_bot:
        raise ApplicationHandlerStop

    store = context.store
    person, waiting = await store.staff.writing(user.id)
    private = chat.type == Chat.PRIVATE

    if person is not None and not person.active:
        _LOGGER.info("Deactivated staff %s (%s) refused", person.code, user.id)
        if private:  # they wrote: the refusal may reach them
            await store.staff.mark_seen(person)
        await _refuse(update, context, "deactivated.html", private)
        raise ApplicationHandlerStop

    if person is not None:
        person = await store.staff.mark_seen(person)
        await _keep_files(update, context)
    context.set_person(person)
    if person is None:
        text = update.message.text if update.message and update.message.text else ""
        if private and text.startswith(_INVITE_PREFIX):
            return  # the /start handler redeems the invitation
        unbound = await store.staff.unbound_by_username(user.username) if user.username else None
        if private and unbound is not None:
            # A username anyone could have taken: the information officer confirms first.
            await claims.asked(update, context, unbound)
            raise ApplicationHandlerStop
        _LOGGER.info("Unregistered Telegram user %s refused", user.id)
        await _refuse(update, context, "not_registered.html", private)
        raise ApplicationHandlerStop

    if private:
        if waiting:
            await _release(store, person)
        return
    context.group_unit = await store.units.by_group_chat(chat.id)
    if context.group_unit is not None:
        return
    # An unbound group: only an admin hears from kabot, and only about binding.
    if person.role != Role.ADMIN:
        raise ApplicationHandlerStop
    message = update.effective_message
    first_word = (message.text.split() or [""])[0] if message and message.text else ""
    is_bindgroup = first_word.split("@")[0] == "/bindgroup"
    if update.callback_query is not None or is_bindgroup:
        return
    added_me = bool(
        message
        and message.new_chat_members
        and any(m.id == context.bot.id for m in message.new_chat_members)
    )
    if added_me or (message and message.text and message.text.startswith("/")):
        await groups.send_bind_help(chat, context)
    raise ApplicationHandlerStop


async def _keep_files(update: Update, context: KabotContext) -> None:
    """What a registered person sends is evidence: kabot keeps its own copy (see downloads)."""
    message = update.effective_message
    if message is None:
        return
    if message.photo:
        photo = message.photo[-1]
        await context.store.files.want(
            photo.file_unique_id,
            photo.file_id,
            name=None,
            mime_type="image/jpeg",
            size=photo.file_size,
        )
    if message.document is not None:
        doc = message.document
        await context.store.files.want(
            doc.file_unique_id,
            doc.file_id,
            name=doc.file_name,
            mime_type=doc.mime_type,
            size=doc.file_size,
        )
    if (message.photo or message.document) and context.bot_data.downloader is not None:
        context.bot_data.downloader.wake()


async def _release(store: Store, person: Staff) -> None:
    """They wrote to kabot: what waited for them (they had never written, or had blocked
    kabot) is delivered now, oldest first, before the answer to this."""
    assert person.telegram_id is not None
    released = await store.outbox.release(person.telegram_id)
    if released:
        _LOGGER.info("%s messages that waited for %s go out now", released, person.code)


async def note_contact(store: Store, update: Update) -> None:
    """What the gate records of a person writing in private, for an update whose handling
    failed and was rolled back: they did write, so kabot may write to them."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != Chat.PRIVATE:
        return
    person = await store.staff.by_telegram_id(user.id)
    if person is not None and person.active:
        await _release(store, await store.staff.mark_seen(person))


async def _refuse(update: Update, context: KabotContext, template: str, private: bool) -> None:
    """Tell a stranger who they are to kabot — their id, nothing else — in zh and en."""
    user = update.effective_user
    assert user is not None
    if update.callback_query is not None:
        key = f"answer.{template.removesuffix('.html')}"
        short = " / ".join(context.texts.label(lang, key) for lang in LANGUAGES)
        await context.outbox.answer(update.callback_query, short, alert=True)
    elif private and update.effective_message is not None:
        await context.outbox.message(
            update.effective_message.chat_id, context.texts.both(template, telegram_id=user.id)
        )
