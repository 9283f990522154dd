"""A promotion after its two approvals (seed 000 5.5): the agreement negotiated with the
customer, the marketing director's approval of the execution, the signed 活动确认书."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.models import Report, Staff
from bot.store.base import Repository
from bot.store.db import Row


@dataclass(frozen=True, slots=True)
class Chain:
    promotion_id: int
    stage: str  # agreed, returned, execution_approved, confirmed
    conditions: str | None
    contribution: str | None
    agreed_by_name: str | None
    return_reason: str | None
    signed_on: date | None
    signed_by: str | None
    photos: list[Any]


_SELECT = (
    "SELECT c.*, (SELECT name FROM staff WHERE id = c.agreed_by) AS agreed_by_name"
    " FROM promotion_chain c"
)


def _chain(row: Row) -> Chain:
    return Chain(
        promotion_id=row["promotion_id"],
        stage=row["stage"],
        conditions=row["conditions"],
        contribution=row["contribution"],
        agreed_by_name=row["agreed_by_name"],
        return_reason=row["return_reason"],
        signed_on=date.fromisoformat(row["signed_on"]) if row["signed_on"] else None,
        signed_by=row["signed_by"],
        photos=json.loads(row["photos"]) if row["photos"] else [],
    )


class PromotionChainRepository(Repository):
    async def of(self, promotion_id: int) -> Chain | None:
        row = await self.db.fetch_one(_SELECT + " WHERE c.promotion_id = ?", (promotion_id,))
        return _chain(row) if row else None

    async def waiting(self, stages: tuple[str | None, ...]) -> list[tuple[int, str]]:
        """Approved promotions whose chain is at one of ``stages`` (None: not begun): their
        ids and titles, in one query."""
        named = [s for s in stages if s is not None]
        conditions = []
        if None in stages:
            conditions.append("c.promotion_id IS NULL")
        if named:
            conditions.append(f"c.stage IN ({', '.join('?' for _ in named)})")
        rows = await self.db.fetch_all(
            "SELECT p.id, p.title FROM promotions p"
            " LEFT JOIN promotion_chain c ON c.promotion_id = p.id"
            f" WHERE p.status = 'approved' AND ({' OR '.join(conditions)}) ORDER BY p.id DESC",
            named,
        )
        return [(r["id"], r["title"]) for r in rows]

    async def _move(
        self, promotion: Report, by: Staff, action: str, sql: str, params: tuple[object, ...]
    ) -> Chain | None:
        async with self.db.transaction():
            before = await self.of(promotion.id)
            if await self.db.changes(sql, params) == 0:
                return None
            after = await self.of(promotion.id)
            await self.audit(
                by.code, f"promotion.{action}", "promotion_chain", promotion.id, before, after
            )
        return after

    async def agree(
        self, promotion: Report, conditions: str, contribution: str, by: Staff
    ) -> Chain | None:
        """The agreement with the customer: first, or again after the execution went back."""
        now = self.now_text()
        return await self._move(
            promotion,
            by,
            "agreed",
            "INSERT INTO promotion_chain (promotion_id, stage, conditions, contribution,"
            " agreed_by, agreed_at) SELECT ?, 'agreed', ?, ?, ?, ? WHERE NOT EXISTS"
            " (SELECT 1 FROM promotion_chain WHERE promotion_id = ? AND stage != 'returned')"
            " ON CONFLICT (promotion_id) DO UPDATE SET stage = 'agreed',"
            " conditions = excluded.conditions, contribution = excluded.contribution,"
            " agreed_by = excluded.agreed_by, agreed_at = excluded.agreed_at",
            (promotion.id, conditions, contribution, by.id, now, promotion.id),
        )

    async def decide_execution(
        self, promotion: Report, by: Staff, reason: str | None
    ) -> Chain | None:
        """The marketing director approves the execution (no reason) or sends the agreement
        back to be negotiated again (with the reason) — once per agreement."""
        stage = "returned" if reason else "execution_approved"
        return await self._move(
            promotion,
            by,
            stage,
            "UPDATE promotion_chain SET stage = ?, execution_by = ?, execution_at = ?,"
            " return_reason = ? WHERE promotion_id = ? AND stage = 'agreed'",
            (stage, by.id, self.now_text(), reason, promotion.id),
        )

    async def confirm(
        self, promotion: Report, signed_on: date, signed_by: str, photos: list[Any], by: Staff
    ) -> Chain | None:
        """The 活动确认书 signed with the customer: the promotion runs."""
        return await self._move(
            promotion,
            by,
            "confirmed",
            "UPDATE promotion_chain SET stage = 'confirmed', signed_on = ?, signed_by = ?,"
            " photos = ?, confirmed_by = ?, confirmed_at = ?"
            " WHERE promotion_id = ? AND stage = 'execution_approved'",
            (
                signed_on.isoformat(),
                signed_by,
                json.dumps(photos, ensure_ascii=False),
                by.id,
                self.now_text(),
                promotion.id,
            ),
        )
