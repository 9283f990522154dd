"""Visit plans: proposed once a month, changed a customer at a time, confirmed."""

from __future__ import annotations

from datetime import datetime

from bot.store.base import Repository, month_range


class PlanRepository(Repository):
    async def propose(self, staff_id: int, month: str, customer_ids: list[int]) -> bool:
        """Write kabot's proposal, the first time only; False when the month has a plan."""
        async with self.db.transaction():
            if not await self.db.changes(
                "INSERT INTO visit_plan_status (staff_id, month, proposed_at)"
                " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (staff_id, month, self.now_text()),
            ):
                return False
            await self.db.execute_many(
                "INSERT INTO visit_plans (staff_id, month, customer_id, added_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(staff_id, month, c, self.now_text()) for c in customer_ids],
            )
        return True

    async def planned(self, staff_id: int, month: str) -> list[int]:
        rows = await self.db.fetch_all(
            "SELECT customer_id FROM visit_plans WHERE staff_id = ? AND month = ?"
            " ORDER BY added_at, customer_id",
            (staff_id, month),
        )
        return [r["customer_id"] for r in rows]

    async def toggle(self, staff_id: int, month: str, customer_id: int) -> bool:
        """Add the customer to the plan, or take it out; True when it is in now."""
        async with self.db.transaction():
            removed = await self.db.changes(
                "DELETE FROM visit_plans WHERE staff_id = ? AND month = ? AND customer_id = ?",
                (staff_id, month, customer_id),
            )
            if not removed:
                await self.db.execute(
                    "INSERT INTO visit_plans (staff_id, month, customer_id, added_at)"
                    " VALUES (?, ?, ?, ?)",
                    (staff_id, month, customer_id, self.now_text()),
                )
        return not removed

    async def confirm(self, staff_id: int, month: str) -> bool:
        return (
            await self.db.changes(
                "UPDATE visit_plan_status SET confirmed_at = ? WHERE staff_id = ? AND month = ?"
                " AND confirmed_at IS NULL",
                (self.now_text(), staff_id, month),
            )
            > 0
        )

    async def confirmed_at(self, staff_id: int, month: str) -> datetime | None:
        row = await self.db.fetch_one(
            "SELECT confirmed_at FROM visit_plan_status WHERE staff_id = ? AND month = ?",
            (staff_id, month),
        )
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def confirmed(self, month: str) -> list[int]:
        """Who confirmed a plan for ``month``."""
        rows = await self.db.fetch_all(
            "SELECT staff_id FROM visit_plan_status WHERE month = ? AND confirmed_at IS NOT NULL",
            (month,),
        )
        return [r["staff_id"] for r in rows]

    async def visited(self, staff_id: int, month: str) -> dict[int, datetime]:
        """The customers ``staff_id`` visited in ``month``, with when the first visit was filed."""
        rows = await self.db.fetch_all(
            "SELECT customer_id, MIN(created_at) AS at FROM visits WHERE staff_id = ?"
            " AND visited_at >= ? AND visited_at < ? GROUP BY customer_id",
            (staff_id, *month_range(month)),
        )
        return {r["customer_id"]: datetime.fromisoformat(r["at"]) for r in rows}
