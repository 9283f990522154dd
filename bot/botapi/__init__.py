"""A local Telegram Bot API server: the Telegram kabot's tests and sandbox talk to.

It speaks the real Bot API over HTTP with Telegram's response shapes, holds a small world of
people, chats and messages, enforces Telegram's limits (and records every breach), and can
be told to fail (429 with retry_after, 500, slow answers).
"""

from bot.botapi.server import BotApiServer
from bot.botapi.world import ApiError, World

__all__ = ["ApiError", "BotApiServer", "World"]
