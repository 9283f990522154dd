"""The inbox: every update, as Telegram sent it, stored before Telegram is told it arrived.

An update is handled from here, and marked done in the same transaction as the change it
causes — so a crash in the middle leaves it 'new', and it is handled again at the next start.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bot.store.base import Repository

JSON = dict[str, Any]


class Inbox(Repository):
    async def receive(self, updates: Sequence[JSON]) -> list[int]:
        """Store a batch in one statement (one commit); the ids of those not seen before."""
        if not updates:
            return []
        now = self.now_text()
        params: list[object] = []
        for update in updates:
            params += [int(update["update_id"]), json.dumps(update, ensure_ascii=False), now]
        rows = await self.db.fetch_all(
            "INSERT INTO inbox (update_id, payload, received_at) VALUES "
            + ", ".join(["(?, ?, ?)"] * len(updates))
            + " ON CONFLICT (update_id) DO NOTHING RETURNING update_id",
            params,
        )
        fresh = {int(r["update_id"]) for r in rows}
        return [int(u["update_id"]) for u in updates if int(u["update_id"]) in fresh]

    async def unhandled(self) -> list[JSON]:
        """Updates stored but not handled (kabot stopped or died meanwhile), oldest first."""
        rows = await self.db.fetch_all(
            "SELECT payload FROM inbox WHERE status = 'new' ORDER BY update_id"
        )
        return [json.loads(r["payload"]) for r in rows]

    async def take(self, update_id: int) -> bool:
        """Mark a new update done, inside the transaction of its own changes (a rollback
        makes it new again); False if it was handled (or given up on) before."""
        return bool(
            await self.db.changes(
                "UPDATE inbox SET status = 'done', handled_at = ?"
                " WHERE update_id = ? AND status = 'new'",
                (self.now_text(), update_id),
            )
        )

    async def known(self, update_id: int) -> bool:
        row = await self.db.fetch_one("SELECT 1 FROM inbox WHERE update_id = ?", (update_id,))
        return row is not None

    async def failed(self, update_id: int, error: str) -> None:
        """The handler raised: its changes were rolled back; the error is kept (its class name,
        never the person's text) and the update is not tried again."""
        await self.db.execute(
            "UPDATE inbox SET status = 'failed', handled_at = ?, error = ? WHERE update_id = ?",
            (self.now_text(), error, update_id),
        )

    async def last_update_id(self) -> int | None:
        row = await self.db.fetch_one("SELECT MAX(update_id) AS last FROM inbox")
        return int(row["last"]) if row and row["last"] is not None else None

    async def prune(self, keep: timedelta = timedelta(days=2)) -> int:
        """Telegram re-sends an update for at most 24 h: handled ones older than two days go."""
        cutoff = (self.clock.now() - keep).isoformat(timespec="seconds")
        return await self.db.changes(
            "DELETE FROM inbox WHERE status != 'new' AND received_at < ?"
            " AND update_id < (SELECT MAX(update_id) FROM inbox)",
            (cutoff,),
        )
