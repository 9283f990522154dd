"""Which commands and menu buttons each role gets, in each kind of chat.

This list is the one place a new command is announced: the Telegram command menu (per role,
language and scope), /help and the /start menu are all derived from it.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.models import Customer, Role, Staff
from bot.settings import LANGUAGES
from bot.texts import Texts

EVERYONE = frozenset(Role)
# Those who file reports: business units' field staff and managers (SPEC §1).
WRITERS = frozenset({Role.FIELD, Role.MANAGER})

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    roles: frozenset[Role]
    menu_button: str | None = None  # callback data of its /start menu button, if it has one
    # Only the KA centre's people use it (a unit's manager has the role, not the right).
    centre_only: bool = False


PRIVATE_COMMANDS = (
    Command("start", EVERYONE),
    Command("visit", WRITERS, "menu:visit"),
    Command("issue", WRITERS, "menu:issue"),
    Command("promo", WRITERS, "menu:promo"),
    Command("data", WRITERS, "menu:data"),
    Command("admission", frozenset({Role.MANAGER}), "menu:admission"),
    Command("approvals", frozenset({Role.DIRECTOR}), "menu:approvals"),
    Command("penalty", frozenset({Role.DIRECTOR, Role.MANAGER}), centre_only=True),
    Command("incentive", frozenset({Role.DIRECTOR})),
    Command("penalties", frozenset({Role.FIELD, Role.MANAGER, Role.DIRECTOR}), "menu:penalties"),
    Command("fine", frozenset({Role.FIELD, Role.MANAGER, Role.DIRECTOR})),
    # A unit's first responsible person (their unit), the KA centre and directors (all).
    Command("exposure", frozenset({Role.MANAGER, Role.DIRECTOR})),
    Command("noissues", WRITERS),
    Command("satisfaction", WRITERS),
    Command("meeting", WRITERS),
    Command("event", frozenset({Role.FIELD, Role.MANAGER, Role.DIRECTOR})),
    Command("inspect", frozenset({Role.FIELD, Role.MANAGER, Role.DIRECTOR})),
    Command("leave", WRITERS),
    Command("plan", WRITERS),
    Command("contract", frozenset({Role.FIELD, Role.MANAGER, Role.DIRECTOR})),
    Command("launch", frozenset({Role.MANAGER, Role.DIRECTOR}), centre_only=True),
    Command("export", EVERYONE),
    Command("grading", frozenset({Role.MANAGER, Role.DIRECTOR}), centre_only=True),
    Command("national", frozenset({Role.MANAGER, Role.DIRECTOR}), centre_only=True),
    Command("kayear", frozenset({Role.MANAGER, Role.DIRECTOR}), centre_only=True),
    Command("myvisits", WRITERS, "menu:myvisits"),
    Command("issues", EVERYONE, "menu:issues"),
    Command("promos", EVERYONE, "menu:promos"),
    Command("cancel", WRITERS),
    Command("me", EVERYONE, "menu:me"),
    Command("customers", EVERYONE, "menu:customers"),
    Command("roster", frozenset({Role.ADMIN}), "menu:roster"),
    Command("language", EVERYONE, "menu:language"),
    Command("help", EVERYONE, "menu:help"),
)
GROUP_COMMANDS = (
    Command("help", EVERYONE),
    Command("visit", WRITERS),
    Command("issue", WRITERS),
    Command("bindgroup", frozenset({Role.ADMIN})),
)
# What a person Telegram has not introduced to kabot yet sees in the menu.
NEWCOMER_COMMANDS = ("start", "help", "language")


def commands_for(role: Role, group: bool = False, *, in_centre: bool = True) -> list[Command]:
    """What a role may use; ``in_centre`` False leaves out what only the KA centre does."""
    pool = GROUP_COMMANDS if group else PRIVATE_COMMANDS
    return [c for c in pool if role in c.roles and (in_centre or not c.centre_only)]


def _bot_commands(texts: Texts, lang: str, names: list[str]) -> list[BotCommand]:
    return [BotCommand(name, texts.label(lang, f"command.{name}")) for name in names]


def main_menu(texts: Texts, person: Staff, in_centre: bool) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(texts.label(person.language, f"button.{c.name}"), callback_data=data)
        for c in commands_for(person.role, in_centre=in_centre)
        if (data := c.menu_button) is not None
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup(rows)


def visit_button(texts: Texts, lang: str, customer: Customer) -> InlineKeyboardButton:
    """📝 a visit report about this customer, the customer question answered (``vs:<id>``,
    ``bot.handlers.forms.visit_for``): on its card, on the digest's overdue lines."""
    return InlineKeyboardButton(
        html.unescape(texts.label(lang, "button.visit_customer", name=customer.name))[:60],
        callback_data=f"vs:{customer.id}",
    )


async def register_default_commands(bot: ExtBot[None], texts: Texts, default_lang: str) -> None:
    """Menus for everyone, per scope and language; a person's own menu is set on /start."""
    everyone = [c.name for c in GROUP_COMMANDS if c.roles == EVERYONE]
    admins = [c.name for c in GROUP_COMMANDS]
    await bot.set_my_commands(
        _bot_commands(texts, default_lang, list(NEWCOMER_COMMANDS)), BotCommandScopeDefault()
    )
    for lang in LANGUAGES:
        await bot.set_my_commands(
            _bot_commands(texts, lang, list(NEWCOMER_COMMANDS)),
            BotCommandScopeAllPrivateChats(),
            language_code=lang,
        )
        await bot.set_my_commands(
            _bot_commands(texts, lang, everyone), BotCommandScopeAllGroupChats(), lang
        )
        await bot.set_my_commands(
            _bot_commands(texts, lang, admins), BotCommandScopeAllChatAdministrators(), lang
        )


async def register_person_commands(
    bot: ExtBot[None], texts: Texts, person: Staff, in_centre: bool
) -> None:
    """The person's role menu in their language, in their private chat with kabot."""
    if person.telegram_id is None:
        return
    names = [c.name for c in commands_for(person.role, in_centre=in_centre)]
    try:
        await bot.set_my_commands(
            _bot_commands(texts, person.language, names), BotCommandScopeChat(person.telegram_id)
        )
    except TelegramError as exc:
        # The menu is a convenience: /help lists the same, and the next /start tries again.
        _LOGGER.warning("Command menu for %s not set: %s", person.code, exc)
