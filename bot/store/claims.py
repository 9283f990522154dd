"""Claims of a roster row by an account that wrote under its @username (see 0019)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.models import Staff
from bot.store.base import Repository
from bot.store.db import Row


@dataclass(frozen=True, slots=True)
class Claim:
    id: int
    staff_id: int
    telegram_id: int
    username: str
    name: str
    status: str


def _claim(row: Row) -> Claim:
    return Claim(
        row["id"], row["staff_id"], row["telegram_id"], row["username"], row["name"], row["status"]
    )


class ClaimRepository(Repository):
    async def ask(
        self, staff: Staff, telegram_id: int, username: str, name: str
    ) -> tuple[Claim, bool]:
        """Record that ``telegram_id`` says it is ``staff``; (the claim, whether it is new)."""
        async with self.db.transaction():
            new = await self.db.changes(
                "INSERT INTO username_claims (staff_id, telegram_id, username, name, created_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (staff_id, telegram_id) DO NOTHING",
                (staff.id, telegram_id, username, name[:128], self.now_text()),
            )
            row = await self.db.fetch_one(
                "SELECT * FROM username_claims WHERE staff_id = ? AND telegram_id = ?",
                (staff.id, telegram_id),
            )
            assert row is not None
            claim = _claim(row)
            if new:
                await self.audit(
                    f"telegram:{telegram_id}", "claim.asked", "staff", staff.id, None, claim
                )
            return claim, bool(new)

    async def by_id(self, claim_id: int) -> Claim | None:
        row = await self.db.fetch_one("SELECT * FROM username_claims WHERE id = ?", (claim_id,))
        return _claim(row) if row else None

    async def decide(self, claim: Claim, by: Staff, outcome: str) -> Claim | None:
        """Confirm or reject, once: None if it was decided already."""
        async with self.db.transaction():
            changed = await self.db.changes(
                "UPDATE username_claims SET status = ?, decided_by = ?, decided_at = ?"
                " WHERE id = ? AND status = 'pending'",
                (outcome, by.id, self.now_text(), claim.id),
            )
            if not changed:
                return None
            after = await self.by_id(claim.id)
            await self.audit(
                f"staff:{by.id}", f"claim.{outcome}", "staff", claim.staff_id, claim, after
            )
            return after

    async def others_pending(self, claim: Claim) -> list[Claim]:
        """Other accounts that claimed the same row and still wait (rejected once it is bound)."""
        rows = await self.db.fetch_all(
            "SELECT * FROM username_claims WHERE staff_id = ? AND id != ? AND status = 'pending'",
            (claim.staff_id, claim.id),
        )
        return [_claim(r) for r in rows]
