"""R18: the customer's satisfaction with a resolved complaint, as its reporter recorded it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.models import Report, Staff
from bot.store.base import Repository


@dataclass(frozen=True, slots=True)
class Satisfaction:
    issue_id: int
    score: int  # 1–5
    recorded_by: int
    recorded_at: datetime


class SatisfactionRepository(Repository):
    async def record(self, issue: Report, score: int, by: Staff) -> Satisfaction | None:
        """The customer's answer — once: ``None`` when it was recorded already."""
        async with self.db.transaction():
            added = await self.db.changes(
                "INSERT INTO satisfactions (issue_id, score, recorded_by, recorded_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (issue_id) DO NOTHING",
                (issue.id, score, by.id, self.now_text()),
            )
            if not added:
                return None
            found = await self.of(issue.id)
            await self.audit(by.code, "satisfaction.recorded", "issues", issue.id, None, found)
        return found

    async def reopened(self, issue: Report, by: Staff) -> None:
        """A complaint reopened was not resolved after all: the customer's answer no longer
        stands (the audit log keeps it), and R18 is asked again after the next reply. The
        obligation of the first reply stays, under a subject of its own, as history."""
        async with self.db.transaction():
            before = await self.of(issue.id)
            subject = f"satisfaction:{issue.id}"
            await self.db.execute(
                "UPDATE obligations SET subject = subject || ':reopened:' || id,"
                " met_at = COALESCE(met_at, ?) WHERE rule = 'R18' AND subject = ?",
                (self.now_text(), subject),
            )
            if before is not None:
                await self.db.execute("DELETE FROM satisfactions WHERE issue_id = ?", (issue.id,))
                await self.audit(
                    by.code, "satisfaction.withdrawn", "issues", issue.id, before, None
                )

    async def of(self, issue_id: int) -> Satisfaction | None:
        row = await self.db.fetch_one(
            "SELECT issue_id, score, recorded_by, recorded_at FROM satisfactions"
            " WHERE issue_id = ?",
            (issue_id,),
        )
        if row is None:
            return None
        return Satisfaction(
            row["issue_id"],
            row["score"],
            row["recorded_by"],
            datetime.fromisoformat(row["recorded_at"]),
        )

    async def waiting(self, staff_id: int, limit: int = 20) -> list[int]:
        """The person's resolved complaints whose customer has not been asked yet, oldest
        first."""
        rows = await self.db.fetch_all(
            "SELECT i.id FROM issues i LEFT JOIN satisfactions s ON s.issue_id = i.id"
            " WHERE i.staff_id = ? AND i.category = 'complaint' AND i.status = 'closed'"
            " AND s.issue_id IS NULL ORDER BY i.id LIMIT ?",
            (staff_id, limit),
        )
        return [r["id"] for r in rows]
