"""Small helpers for changing messages already sent."""

from __future__ import annotations

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
)
from telegram.error import BadRequest

from bot.texts import Texts


async def edit_in_place(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Show ``text`` in the pressed message; pressing the button of what is shown is fine."""
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in exc.message:
            raise


async def send_photos(
    bot: Bot, chat_id: int, file_ids: list[str], *, reply_to: int | None = None
) -> None:
    """One photo as a photo, several as an album (Telegram's albums take 2–10)."""
    if len(file_ids) == 1:
        await bot.send_photo(chat_id, file_ids[0], reply_to_message_id=reply_to)
        return
    for start in range(0, len(file_ids), 10):
        chunk = file_ids[start : start + 10]
        if len(chunk) == 1:
            await bot.send_photo(chat_id, chunk[0], reply_to_message_id=reply_to)
        else:
            media = [InputMediaPhoto(file_id) for file_id in chunk]
            await bot.send_media_group(chat_id, media, reply_to_message_id=reply_to)


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
