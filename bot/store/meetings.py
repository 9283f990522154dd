"""R16: the quarterly business meetings held with KA customers, with their minutes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.models import Staff
from bot.store.base import Repository


@dataclass(frozen=True, slots=True)
class Meeting:
    id: int
    customer_id: int
    unit_id: int
    staff_id: int
    held_on: date
    minutes: dict[str, str]  # last_quarter, market, problems, next_quarter
    created_at: datetime


MINUTES = ("last_quarter", "market", "problems", "next_quarter")


class MeetingRepository(Repository):
    async def add(
        self,
        customer_id: int,
        unit_id: int,
        held_on: date,
        minutes: dict[str, str],
        photos: list[Any] | None,
        by: Staff,
    ) -> Meeting:
        async with self.db.transaction():
            meeting_id = await self.db.insert(
                "INSERT INTO customer_meetings (customer_id, unit_id, staff_id, held_on,"
                " last_quarter, market, problems, next_quarter, photos, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    customer_id,
                    unit_id,
                    by.id,
                    held_on.isoformat(),
                    *(minutes[k] for k in MINUTES),
                    json.dumps(photos, ensure_ascii=False) if photos else None,
                    self.now_text(),
                ),
            )
            meeting = await self.by_id(meeting_id)
            assert meeting is not None
            await self.audit(
                by.code, "meeting.recorded", "customer_meetings", meeting_id, None, meeting
            )
        return meeting

    async def by_id(self, meeting_id: int) -> Meeting | None:
        row = await self.db.fetch_one(
            "SELECT * FROM customer_meetings WHERE id = ?", (meeting_id,)
        )
        if row is None:
            return None
        return Meeting(
            row["id"],
            row["customer_id"],
            row["unit_id"],
            row["staff_id"],
            date.fromisoformat(row["held_on"]),
            {k: row[k] for k in MINUTES},
            datetime.fromisoformat(row["created_at"]),
        )

    async def unmet(
        self, unit_id: int, first: date, last: date
    ) -> tuple[list[str], datetime | None]:
        """R16 for a unit from ``first`` to ``last``: the names of its active KA customers
        (KA零售系统) no meeting was held with, and — when there are none — when the last of
        their meetings was recorded."""
        rows = await self.db.fetch_all(
            "SELECT c.name, (SELECT MIN(m.created_at) FROM customer_meetings m"
            " WHERE m.customer_id = c.id AND m.held_on >= ? AND m.held_on <= ?) AS recorded"
            " FROM customers c WHERE c.unit_id = ? AND c.active = 1 AND c.kind = 'ka_retailer'"
            " ORDER BY c.name",
            (first.isoformat(), last.isoformat(), unit_id),
        )
        left = [r["name"] for r in rows if r["recorded"] is None]
        if left or not rows:
            return left, None
        return [], max(datetime.fromisoformat(r["recorded"]) for r in rows)

    async def units_with_ka_customers(self) -> list[int]:
        """The units R16 holds to quarterly meetings: those with an active KA customer."""
        rows = await self.db.fetch_all(
            "SELECT DISTINCT unit_id FROM customers WHERE active = 1 AND kind = 'ka_retailer'"
            " ORDER BY unit_id"
        )
        return [r["unit_id"] for r in rows]
