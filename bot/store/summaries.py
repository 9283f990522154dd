"""The month's figures for the monthly summary and the workbook (SPEC §4), and the record of
summaries sent. ``unit_id`` None means the whole group (the KA centre's view)."""

from __future__ import annotations

from datetime import date, timedelta

from bot.store.base import Repository
from bot.store.db import Row


def _unit(column: str, unit_id: int | None) -> tuple[str, tuple[object, ...]]:
    return ("", ()) if unit_id is None else (f" AND {column} = ?", (unit_id,))


class SummaryRepository(Repository):
    async def visits(
        self,
        first: date,
        last: date,
        *,
        unit_id: int | None = None,
        customer_id: int | None = None,
        staff_id: int | None = None,
    ) -> list[Row]:
        """Visits from ``first`` to ``last``: when, who, which customer (kind and grade)."""
        where, params = _visited(first, last)
        for column, value in (
            ("v.unit_id", unit_id),
            ("v.customer_id", customer_id),
            ("v.staff_id", staff_id),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(str(value))
        return await self.db.fetch_all(
            "SELECT v.id, v.visited_at, v.visit_kind, v.staff_id, s.name AS staff_name,"
            " s.code AS staff_code, v.unit_id, u.name AS unit_name, c.code AS customer_code,"
            " c.name AS customer_name, c.kind AS customer_kind, c.grade, v.answers"
            " FROM visits v JOIN staff s ON s.id = v.staff_id JOIN customers c"
            " ON c.id = v.customer_id JOIN business_units u ON u.id = v.unit_id"
            f" WHERE {' AND '.join(where)} ORDER BY v.visited_at, v.id",
            params,
        )

    async def visit_counts(self, first: date, last: date, unit_id: int | None) -> list[Row]:
        """The month's visits counted in SQL by person, unit, customer grade and customer
        kind — a few thousand rows for the summary, however many visits the month had.
        Counted first over the visits and their customers alone (an index holds all the
        visits' columns it reads), the names joined to the counts after."""
        where, params = _visited(first, last)
        if unit_id is not None:
            where.append("v.unit_id = ?")
            params.append(str(unit_id))
        return await self.db.fetch_all(
            "SELECT g.staff_id, s.name AS staff_name, g.unit_id, u.name AS unit_name, g.grade,"
            " g.customer_kind, g.visits FROM (SELECT v.staff_id, v.unit_id, c.grade,"
            " c.kind AS customer_kind, COUNT(*) AS visits"
            " FROM visits v JOIN customers c ON c.id = v.customer_id"
            f" WHERE {' AND '.join(where)} GROUP BY v.staff_id, v.unit_id, c.grade, c.kind) g"
            " JOIN staff s ON s.id = g.staff_id JOIN business_units u ON u.id = g.unit_id"
            " ORDER BY g.staff_id, g.unit_id",
            params,
        )

    async def visit_count(self, customer_id: int, first: date, last: date) -> int:
        row = await self.db.fetch_one(
            "SELECT COUNT(*) FROM visits WHERE customer_id = ?"
            " AND visited_at >= ? AND visited_at < ?",
            (customer_id, first.isoformat(), _after_day(last)),
        )
        return int(row[0]) if row else 0

    async def customer_issues(self, customer_id: int) -> list[Row]:
        return await self.db.fetch_all(
            "SELECT i.id, i.created_at, i.replied_at, i.status, i.category, i.severity,"
            " i.unit_id, u.name AS unit_name, c.name AS customer_name, s.name AS staff_name"
            " FROM issues i JOIN business_units u ON u.id = i.unit_id JOIN customers c"
            " ON c.id = i.customer_id JOIN staff s ON s.id = i.staff_id"
            " WHERE i.customer_id = ? ORDER BY i.id",
            (customer_id,),
        )

    async def customer_promotions(self, customer_id: int) -> list[Row]:
        return await self.db.fetch_all(
            "SELECT p.id, p.title, p.first_day, p.last_day, p.budget_fen, p.status,"
            " u.name AS unit_name,"
            " (SELECT MAX(r.spend_fen) FROM promotion_reports r WHERE r.promotion_id = p.id)"
            " AS spent_fen FROM promotions p JOIN business_units u ON u.id = p.unit_id"
            " JOIN promotion_customers pc ON pc.promotion_id = p.id"
            " WHERE pc.customer_id = ? ORDER BY p.first_day, p.id",
            (customer_id,),
        )

    async def issues(self, first: date, last: date, unit_id: int | None) -> list[Row]:
        """Issues opened up to the month's end and not closed before it began."""
        where, params = _unit("i.unit_id", unit_id)
        return await self.db.fetch_all(
            "SELECT i.id, i.created_at, i.replied_at, i.status, i.category, i.severity,"
            " i.unit_id, u.name AS unit_name, c.name AS customer_name, s.name AS staff_name"
            " FROM issues i JOIN business_units u ON u.id = i.unit_id JOIN customers c"
            " ON c.id = i.customer_id JOIN staff s ON s.id = i.staff_id"
            " WHERE i.created_at < ? AND (i.replied_at IS NULL OR i.replied_at >= ?)"
            + where
            + " ORDER BY i.id",
            ((last + timedelta(days=1)).isoformat(), first.isoformat(), *params),
        )

    async def promotions(self, first: date, last: date, unit_id: int | None) -> list[Row]:
        """Promotions running in the month, with what was spent by its end."""
        where, params = _unit("p.unit_id", unit_id)
        return await self.db.fetch_all(
            "SELECT p.id, p.title, p.first_day, p.last_day, p.budget_fen, p.status,"
            " u.name AS unit_name,"
            " (SELECT MAX(r.spend_fen) FROM promotion_reports r WHERE r.promotion_id = p.id"
            "  AND r.created_at < ?) AS spent_fen"
            " FROM promotions p JOIN business_units u ON u.id = p.unit_id"
            " WHERE p.first_day <= ? AND p.last_day >= ? AND p.status = 'approved'"
            + where
            + " ORDER BY p.first_day, p.id",
            (
                (last + timedelta(days=1)).isoformat(),
                last.isoformat(),
                first.isoformat(),
                *params,
            ),
        )

    async def data_submissions(self, month: str, unit_id: int | None) -> list[Row]:
        """When each unit's KA data for ``month`` first counted (R1: confirmed), if it did."""
        where, params = _unit("u.id", unit_id)
        return await self.db.fetch_all(
            "SELECT u.id AS unit_id, u.name AS unit_name,"
            " (SELECT MIN(d.confirmed_at) FROM data_submissions d WHERE d.unit_id = u.id"
            "  AND d.month = ?) AS submitted_at"
            " FROM business_units u WHERE u.is_centre = 0 AND u.active = 1"
            + where
            + " ORDER BY u.code",
            (month, *params),
        )

    async def met_after_reminder(self, first: date, last: date, unit_id: int | None) -> list[Row]:
        """Obligations met in the month by their deadline after a private reminder was
        delivered: what the summary counts as fines avoided (their rule decides if any)."""
        where, params = _unit("o.unit_id", unit_id)
        return await self.db.fetch_all(
            "SELECT o.rule, o.due_on, o.met_at FROM obligations o"
            " WHERE o.met_at >= ? AND o.met_at < ?"
            " AND EXISTS (SELECT 1 FROM notices_sent n WHERE n.obligation_id = o.id"
            "  AND n.kind >= 'remind:' AND n.kind < 'remind;' AND n.outcome IN ('sent', 'late'))"
            + where
            + " ORDER BY o.id",
            (first.isoformat(), (last + timedelta(days=1)).isoformat(), *params),
        )

    async def sent(self, unit_id: int, month: str) -> bool:
        """Whether the unit's summary of ``month`` was claimed already."""
        row = await self.db.fetch_one(
            "SELECT 1 FROM summaries_sent WHERE unit_id = ? AND month = ?", (unit_id, month)
        )
        return row is not None

    async def claim(self, unit_id: int, month: str, outcome: str) -> bool:
        changed = await self.db.changes(
            "INSERT INTO summaries_sent (unit_id, month, sent_at, outcome)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (unit_id, month, self.now_text(), outcome),
        )
        return changed > 0


def _visited(first: date, last: date) -> tuple[list[str], list[str]]:
    """Visited from ``first`` to ``last``, both included: a range over the ISO times (an
    index can serve it; ``substr`` on the column cannot)."""
    return (["v.visited_at >= ? AND v.visited_at < ?"], [first.isoformat(), _after_day(last)])


def _after_day(day: date) -> str:
    """Above every ISO time of ``day`` and below the next day's ("~" sorts after "T"); no
    overflow for ``date.max`` ("every visit")."""
    return f"{day.isoformat()}~"
