"""R14: in-store events and advertising, and their feasibility plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.models import Staff
from bot.store.base import Repository
from bot.store.db import Row


@dataclass(frozen=True, slots=True)
class StoreEvent:
    id: int
    unit_id: int
    customer_id: int
    customer_name: str
    kind: str
    title: str
    event_on: date
    feasibility: str | None
    budget_fen: int | None
    plan_on: date | None
    approved: bool
    plan_by: int | None = None
    return_reason: str | None = None  # the centre sent the last plan back (R14)
    plan_rev: int = 0  # how many plans have been filed: the centre's card names its own


_SELECT = (
    "SELECT e.*, c.name AS customer_name FROM store_events e"
    " JOIN customers c ON c.id = e.customer_id"
)


def _event(row: Row) -> StoreEvent:
    return StoreEvent(
        id=row["id"],
        unit_id=row["unit_id"],
        customer_id=row["customer_id"],
        customer_name=row["customer_name"],
        kind=row["kind"],
        title=row["title"],
        event_on=date.fromisoformat(row["event_on"]),
        feasibility=row["feasibility"],
        budget_fen=row["budget_fen"],
        plan_on=date.fromisoformat(row["plan_on"]) if row["plan_on"] else None,
        approved=row["approved_at"] is not None,
        plan_by=row["plan_by"],
        return_reason=row["return_reason"],
        plan_rev=row["plan_rev"],
    )


class StoreEventRepository(Repository):
    async def add(
        self, unit_id: int, customer_id: int, kind: str, title: str, event_on: date, by: Staff
    ) -> StoreEvent:
        async with self.db.transaction():
            event_id = await self.db.insert(
                "INSERT INTO store_events (unit_id, customer_id, kind, title, event_on,"
                " recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (unit_id, customer_id, kind, title, event_on.isoformat(), by.id, self.now_text()),
            )
            event = await self.by_id(event_id)
            assert event is not None
            await self.audit(by.code, "store_event.add", "store_events", event_id, after=event)
        return event

    async def by_id(self, event_id: int) -> StoreEvent | None:
        row = await self.db.fetch_one(_SELECT + " WHERE e.id = ?", (event_id,))
        return _event(row) if row else None

    async def all(
        self, *, unit_id: int | None = None, planned: bool | None = None
    ) -> list[StoreEvent]:
        where, params = ["1 = 1"], []
        if unit_id is not None:
            where.append("e.unit_id = ?")
            params.append(unit_id)
        if planned is not None:
            where.append("e.plan_on IS " + ("NOT NULL" if planned else "NULL"))
        rows = await self.db.fetch_all(
            _SELECT + f" WHERE {' AND '.join(where)} ORDER BY e.event_on, e.id", params
        )
        return [_event(r) for r in rows]

    async def file_plan(
        self, event: StoreEvent, feasibility: str, budget_fen: int, on: date, by: Staff
    ) -> StoreEvent | None:
        """The feasibility plan, filed once."""
        async with self.db.transaction():
            changed = await self.db.changes(
                "UPDATE store_events SET feasibility = ?, budget_fen = ?, plan_on = ?,"
                " plan_by = ?, plan_rev = plan_rev + 1 WHERE id = ? AND plan_on IS NULL",
                (feasibility, budget_fen, on.isoformat(), by.id, event.id),
            )
            if not changed:
                return None
            after = await self.by_id(event.id)
            await self.audit(by.code, "store_event.plan", "store_events", event.id, event, after)
        return after

    async def return_plan(self, event: StoreEvent, reason: str, by: Staff) -> StoreEvent | None:
        """Not approved: the plan goes back with the reason — once per plan, not once
        approved — and is due again (R14's obligation reopens)."""
        async with self.db.transaction():
            changed = await self.db.changes(
                "UPDATE store_events SET feasibility = NULL, budget_fen = NULL, plan_on = NULL,"
                " plan_by = NULL, returned_by = ?, returned_at = ?, return_reason = ?"
                " WHERE id = ? AND plan_on IS NOT NULL AND approved_at IS NULL",
                (by.id, self.now_text(), reason, event.id),
            )
            if not changed:
                return None
            await self.db.execute(
                "UPDATE obligations SET met_at = NULL WHERE rule = 'R14' AND subject = ?",
                (f"event:{event.id}",),
            )
            after = await self.by_id(event.id)
            await self.audit(by.code, "store_event.return", "store_events", event.id, event, after)
        return after

    async def approve(self, event: StoreEvent, by: Staff) -> StoreEvent | None:
        """The KA centre approves the filed plan — once."""
        async with self.db.transaction():
            changed = await self.db.changes(
                "UPDATE store_events SET approved_by = ?, approved_at = ?"
                " WHERE id = ? AND plan_on IS NOT NULL AND approved_at IS NULL",
                (by.id, self.now_text(), event.id),
            )
            if not changed:
                return None
            after = await self.by_id(event.id)
            await self.audit(
                by.code, "store_event.approve", "store_events", event.id, event, after
            )
        return after
