"""Decisions (review and approval steps) and every card that shows one.

Exactly once: a step is decided by the one ``UPDATE … WHERE status = 'pending'`` that changes
a row; whoever comes second finds it decided, and by whom.
"""

from __future__ import annotations

import json
from datetime import datetime

from bot.models import Answers, Decision, Report, Staff
from bot.store.base import Repository
from bot.store.db import Row
from bot.store.reports import ENTITIES

_SELECT = (
    "SELECT d.*, s.name AS decided_by_name FROM decisions d"
    " LEFT JOIN staff s ON s.id = d.decided_by"
)


def _decision(row: Row) -> Decision:
    return Decision(
        id=row["id"],
        subject_kind=row["subject_kind"],
        subject_id=row["subject_id"],
        subject_version=row["subject_version"],
        step=row["step"],
        approver=row["approver"],
        status=row["status"],
        decided_by=row["decided_by"],
        decided_by_name=row["decided_by_name"],
        decided_at=datetime.fromisoformat(row["decided_at"]) if row["decided_at"] else None,
        comment=json.loads(row["comment"]) if row["comment"] else None,
        created_at=datetime.fromisoformat(row["created_at"]),
    )


class DecisionRepository(Repository):
    async def by_id(self, decision_id: int) -> Decision | None:
        row = await self.db.fetch_one(_SELECT + " WHERE d.id = ?", (decision_id,))
        return _decision(row) if row else None

    async def open(self, subject: Report, step: str, approver: str, actor: str) -> Decision:
        """A new pending step for ``subject`` as it is now (its current version)."""
        async with self.db.transaction():
            decision_id = await self.db.insert(
                "INSERT INTO decisions (subject_kind, subject_id, subject_version, step,"
                " approver, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (subject.kind, subject.id, subject.version, step, approver, self.now_text()),
            )
            decision = await self.by_id(decision_id)
            await self.audit(actor, "decision.open", "decisions", decision_id, after=decision)
        assert decision is not None
        return decision

    async def decide(
        self,
        decision: Decision,
        by: Staff,
        outcome: str,
        comment: Answers | None,
        subject: Report,
        subject_status: str,
    ) -> Decision | None:
        """Record the decision and move its subject on — or None if it was decided already."""
        async with self.db.transaction():
            changed = await self.db.changes(
                "UPDATE decisions SET status = ?, decided_by = ?, decided_at = ?, comment = ?"
                " WHERE id = ? AND status = 'pending'",
                (
                    outcome,
                    by.id,
                    self.now_text(),
                    json.dumps(comment, ensure_ascii=False) if comment else None,
                    decision.id,
                ),
            )
            if changed == 0:
                return None
            await self.db.execute(
                f"UPDATE {ENTITIES[subject.kind]} SET status = ?, updated_at = ? WHERE id = ?",
                (subject_status, self.now_text(), subject.id),
            )
            decided = await self.by_id(decision.id)
            await self.audit(
                by.code, f"decision.{outcome}", "decisions", decision.id, decision, decided
            )
        return decided

    async def withdraw(self, subject: Report, actor: str) -> list[Decision]:
        """Take back the pending steps of a report that changed; returns what was pending."""
        async with self.db.transaction():
            rows = await self.db.fetch_all(
                _SELECT + " WHERE d.subject_kind = ? AND d.subject_id = ?"
                " AND d.status = 'pending'",
                (subject.kind, subject.id),
            )
            await self.db.execute(
                "UPDATE decisions SET status = 'withdrawn' WHERE subject_kind = ?"
                " AND subject_id = ? AND status = 'pending'",
                (subject.kind, subject.id),
            )
            for row in rows:
                await self.audit(actor, "decision.withdraw", "decisions", row["id"])
        return [_decision(r) for r in rows]

    async def of_subject(self, kind: str, subject_id: int) -> list[Decision]:
        rows = await self.db.fetch_all(
            _SELECT + " WHERE d.subject_kind = ? AND d.subject_id = ? ORDER BY d.id",
            (kind, subject_id),
        )
        return [_decision(r) for r in rows]

    async def waiting(self, approvers: tuple[str, ...]) -> list[Decision]:
        """Pending steps that the given kinds of director decide, oldest first."""
        if not approvers:
            return []
        marks = ", ".join("?" for _ in approvers)
        rows = await self.db.fetch_all(
            _SELECT + f" WHERE d.status = 'pending' AND d.approver IN ({marks})"
            " ORDER BY d.created_at, d.id",
            approvers,
        )
        return [_decision(r) for r in rows]

    async def due_reminders(
        self, waited_since: datetime, reminded_before: datetime
    ) -> list[Decision]:
        """Pending since before ``waited_since`` and not reminded since ``reminded_before``."""
        rows = await self.db.fetch_all(
            _SELECT + " WHERE d.status = 'pending' AND d.created_at <= ?"
            " AND (d.reminded_at IS NULL OR d.reminded_at <= ?) ORDER BY d.created_at, d.id",
            (
                waited_since.isoformat(timespec="seconds"),
                reminded_before.isoformat(timespec="seconds"),
            ),
        )
        return [_decision(r) for r in rows]

    async def mark_reminded(self, decision: Decision) -> None:
        await self.db.execute(
            "UPDATE decisions SET reminded_at = ? WHERE id = ?", (self.now_text(), decision.id)
        )

    async def add_card(self, decision: Decision, chat_id: int, message_id: int) -> None:
        await self.db.queue(
            "INSERT INTO decision_cards (decision_id, chat_id, message_id)"
            " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (decision.id, chat_id, message_id),
        )

    async def cards(self, decision: Decision) -> list[tuple[int, int]]:
        rows = await self.db.fetch_all(
            "SELECT chat_id, message_id FROM decision_cards WHERE decision_id = ?",
            (decision.id,),
        )
        return [(r["chat_id"], r["message_id"]) for r in rows]

    async def refused(self, by: Staff, data: str, reason: str) -> None:
        """A press that was not allowed, for the audit log."""
        await self.audit(
            by.code, "decision.refused", "callback", data[:64], after={"reason": reason}
        )
