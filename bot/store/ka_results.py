"""R15: each business unit's annual KA result — the year's sales against last year's and the
budget, the amounts proposed, and the director's decision."""

from __future__ import annotations

from dataclasses import dataclass

from bot.models import Staff
from bot.store.base import Repository
from bot.store.db import Row


@dataclass(frozen=True, slots=True)
class KaResult:
    id: int
    unit_id: int
    unit_name: str
    year: int
    last_year_fen: int
    sales_fen: int
    budget_fen: int
    penalty_fen: int
    incentive_fen: int
    status: str  # proposed, confirmed, dismissed
    recorded_by_name: str
    decided_by_name: str | None


_SELECT = (
    "SELECT r.*, u.name AS unit_name, (SELECT name FROM staff WHERE id = r.recorded_by)"
    " AS recorded_by_name, (SELECT name FROM staff WHERE id = r.decided_by) AS decided_by_name"
    " FROM ka_results r JOIN business_units u ON u.id = r.unit_id"
)


def _result(row: Row) -> KaResult:
    return KaResult(
        id=row["id"],
        unit_id=row["unit_id"],
        unit_name=row["unit_name"],
        year=row["year"],
        last_year_fen=row["last_year_fen"],
        sales_fen=row["sales_fen"],
        budget_fen=row["budget_fen"],
        penalty_fen=row["penalty_fen"],
        incentive_fen=row["incentive_fen"],
        status=row["status"],
        recorded_by_name=row["recorded_by_name"],
        decided_by_name=row["decided_by_name"],
    )


class KaResultRepository(Repository):
    async def by_id(self, result_id: int) -> KaResult | None:
        row = await self.db.fetch_one(_SELECT + " WHERE r.id = ?", (result_id,))
        return _result(row) if row else None

    async def record(
        self,
        unit_id: int,
        year: int,
        figures: tuple[int, int, int],
        amounts: tuple[int, int],
        by: Staff,
    ) -> KaResult | None:
        """The unit's year, entered or entered again while undecided; None once decided."""
        last_year, sales, budget = figures
        penalty, incentive = amounts
        async with self.db.transaction():
            before = await self.db.fetch_one(
                _SELECT + " WHERE r.unit_id = ? AND r.year = ?", (unit_id, year)
            )
            if before is not None and before["status"] != "proposed":
                return None
            values = (last_year, sales, budget, penalty, incentive, by.id, self.now_text())
            if before is None:
                result_id = await self.db.insert(
                    "INSERT INTO ka_results (unit_id, year, last_year_fen, sales_fen,"
                    " budget_fen, penalty_fen, incentive_fen, recorded_by, created_at, status)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'proposed')",
                    (unit_id, year, *values),
                )
            else:
                result_id = before["id"]
                await self.db.execute(
                    "UPDATE ka_results SET last_year_fen = ?, sales_fen = ?, budget_fen = ?,"
                    " penalty_fen = ?, incentive_fen = ?, recorded_by = ?, updated_at = ?"
                    " WHERE id = ?",
                    (*values, result_id),
                )
            result = await self.by_id(result_id)
            assert result is not None
            await self.audit(
                by.code,
                "ka_result.recorded",
                "ka_results",
                result_id,
                _result(before) if before else None,
                result,
            )
        return result

    async def add_card(self, result: KaResult, chat_id: int, message_id: int) -> None:
        await self.db.execute(
            "UPDATE ka_results SET card_chat_id = ?, card_message_id = ? WHERE id = ?",
            (chat_id, message_id, result.id),
        )

    async def card_of(self, unit_id: int, year: int) -> tuple[int, int] | None:
        """Where the centre's card of an undecided result is (to mark it superseded)."""
        row = await self.db.fetch_one(
            "SELECT card_chat_id, card_message_id FROM ka_results"
            " WHERE unit_id = ? AND year = ? AND status = 'proposed'",
            (unit_id, year),
        )
        if row is None or row["card_chat_id"] is None:
            return None
        return int(row["card_chat_id"]), int(row["card_message_id"])

    async def decide(self, result: KaResult, outcome: str, by: Staff) -> KaResult | None:
        """The director confirms the proposal into the ledger, or dismisses it — once."""
        async with self.db.transaction():
            changed = await self.db.changes(
                "UPDATE ka_results SET status = ?, decided_by = ?, decided_at = ?"
                " WHERE id = ? AND status = 'proposed'",
                (outcome, by.id, self.now_text(), result.id),
            )
            if changed == 0:
                return None
            decided = await self.by_id(result.id)
            await self.audit(
                by.code, f"ka_result.{outcome}", "ka_results", result.id, result, decided
            )
        return decided
