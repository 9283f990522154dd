"""Small helpers for changing messages already sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from bot.texts import Texts

if TYPE_CHECKING:  # the rules engine uses action_row without the handlers' context
    from bot.context import KabotContext


async def edit_in_place(
    context: KabotContext, query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Show ``text`` in the pressed message (pressing the button of what is shown is fine:
    the sender takes Telegram's "not modified" as done)."""
    message = query.message
    if message is None:  # a press under a message too old for Telegram to include
        await context.outbox.message(query.from_user.id, text, markup)
        return
    await context.outbox.edit(message.chat.id, message.message_id, text, markup)


async def refuse(context: KabotContext, query: CallbackQuery, why: str) -> None:
    """A press that does nothing: kept in the refusals log; "malformed" (a forged or stale
    button) answers that the button is out of date, anything else that it is not theirs."""
    assert query.data is not None
    await context.store.decisions.refused(context.person, query.data, why)
    label = "answer.stale_button" if why == "malformed" else "answer.not_allowed"
    await context.outbox.answer(query, context.label(label), alert=True)


def action_row(
    texts: Texts, lang: str, family: str, subject_id: int, actions: tuple[str, ...]
) -> InlineKeyboardMarkup | None:
    """One row of buttons ``<family>:<id>:<action>``, labelled ``<family label>.button.<action>``.

    ``family`` is "<callback prefix>/<label section>": "ih/issue", "pl/ledger".
    """
    prefix, section = family.split("/")
    if not actions:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.label(lang, f"{section}.button.{action}"),
                    callback_data=f"{prefix}:{subject_id}:{action}",
                )
                for action in actions
            ]
        ]
    )


def choice_row(
    texts: Texts, lang: str, section: str, data: str, choices: tuple[tuple[str, str], ...]
) -> InlineKeyboardMarkup:
    """One row of a card's choices: each (label under ``<section>.button``, what follows
    ``data`` in its callback data), e.g. confirm ``in:5`` and force majeure ``in:5:fm``."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.label(lang, f"{section}.button.{name}"), callback_data=data + suffix
                )
                for name, suffix in choices
            ]
        ]
    )
