"""Grading proposals: written once from the centre's sheet, confirmed (grades change) or
dropped once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.models import Staff
from bot.store.base import Repository


@dataclass(frozen=True, slots=True)
class ProposalLine:
    customer_id: int
    old_grade: str
    new_grade: str
    score: int
    sales_fen: int
    profit_fen: int
    visits: int
    churn: bool


@dataclass(frozen=True, slots=True)
class Proposal:
    id: int
    period: str
    status: str
    lines: tuple[ProposalLine, ...]


class GradingRepository(Repository):
    async def add(self, period: str, by: Staff, lines: Sequence[ProposalLine]) -> int:
        async with self.db.transaction():
            proposal_id = await self.db.insert(
                "INSERT INTO grading_proposals (period, created_by, created_at) VALUES (?, ?, ?)",
                (period, by.id, self.now_text()),
            )
            await self.db.execute_many(
                "INSERT INTO grading_lines (proposal_id, customer_id, old_grade, new_grade,"
                " score, sales_fen, profit_fen, visits, churn) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        proposal_id,
                        line.customer_id,
                        line.old_grade,
                        line.new_grade,
                        line.score,
                        line.sales_fen,
                        line.profit_fen,
                        line.visits,
                        int(line.churn),
                    )
                    for line in lines
                ],
            )
            await self.audit(by.code, "grading.propose", "grading_proposals", proposal_id)
        return proposal_id

    async def by_id(self, proposal_id: int) -> Proposal | None:
        row = await self.db.fetch_one(
            "SELECT * FROM grading_proposals WHERE id = ?", (proposal_id,)
        )
        if row is None:
            return None
        lines = await self.db.fetch_all(
            "SELECT * FROM grading_lines WHERE proposal_id = ? ORDER BY score DESC, customer_id",
            (proposal_id,),
        )
        return Proposal(
            row["id"],
            row["period"],
            row["status"],
            tuple(
                ProposalLine(
                    r["customer_id"],
                    r["old_grade"],
                    r["new_grade"],
                    r["score"],
                    r["sales_fen"],
                    r["profit_fen"],
                    r["visits"],
                    bool(r["churn"]),
                )
                for r in lines
            ),
        )

    async def decide(self, proposal: Proposal, by: Staff, confirm: bool) -> bool:
        """Confirm (every changed grade is written, each audited) or drop — once."""
        async with self.db.transaction():
            if not await self.db.changes(
                "UPDATE grading_proposals SET status = ?, decided_by = ?, decided_at = ?"
                " WHERE id = ? AND status = 'proposed'",
                ("confirmed" if confirm else "dropped", by.id, self.now_text(), proposal.id),
            ):
                return False
            if confirm:
                for line in proposal.lines:
                    if line.new_grade == line.old_grade:
                        continue
                    await self.db.execute(
                        "UPDATE customers SET grade = ?, updated_at = ? WHERE id = ?",
                        (line.new_grade, self.now_text(), line.customer_id),
                    )
                    await self.audit(
                        by.code,
                        "customer.grade",
                        "customers",
                        line.customer_id,
                        {"grade": line.old_grade},
                        {"grade": line.new_grade, "proposal": proposal.id},
                    )
            await self.audit(
                by.code,
                f"grading.{'confirm' if confirm else 'drop'}",
                "grading_proposals",
                proposal.id,
            )
        return True

    async def call(self, period: str) -> bool:
        """Claim the half-year's call for the sheet; False when it went out already."""
        return (
            await self.db.changes(
                "INSERT INTO grading_calls (period, sent_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (period, self.now_text()),
            )
            > 0
        )
