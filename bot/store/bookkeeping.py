"""kabot's own bookkeeping: facts about the bot itself."""

from __future__ import annotations

from bot.store.base import Repository


class BotFacts(Repository):
    async def get(self, key: str) -> str | None:
        row = await self.db.fetch_one("SELECT value FROM bot_facts WHERE key = ?", (key,))
        return row["value"] if row else None

    async def set(self, key: str, value: str) -> None:
        await self.db.execute(
            "INSERT INTO bot_facts (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
