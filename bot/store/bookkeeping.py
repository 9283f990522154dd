"""kabot's own bookkeeping: updates already handled, and facts about the bot itself."""

from __future__ import annotations

from datetime import timedelta

from bot.store.base import Repository


class HandledUpdates(Repository):
    async def seen(self, update_id: int) -> bool:
        row = await self.db.fetch_one(
            "SELECT 1 FROM handled_updates WHERE update_id = ?", (update_id,)
        )
        return row is not None

    async def mark(self, update_id: int) -> None:
        await self.db.execute(
            "INSERT OR IGNORE INTO handled_updates (update_id, at) VALUES (?, ?)",
            (update_id, self.now_text()),
        )

    async def prune(self, keep: timedelta = timedelta(days=2)) -> int:
        """Telegram keeps undelivered updates for 24 h, so two days of memory is plenty."""
        cutoff = (self.clock.now() - keep).isoformat(timespec="seconds")
        return await self.db.changes("DELETE FROM handled_updates WHERE at < ?", (cutoff,))


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
