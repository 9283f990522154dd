"""Customers (KA retailers, key distributors, special-channel customers) and who serves them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.models import Customer, CustomerKind, CustomerType, Page, Report, VisitClass
from bot.store.base import Repository
from bot.store.db import Database, Row

_SELECT = """
SELECT c.*, u.name AS unit_name,
       (SELECT group_concat(s.name, '、') FROM customer_staff cs
          JOIN staff s ON s.id = cs.staff_id
         WHERE cs.customer_id = c.id AND s.active = 1) AS staff_names
  FROM customers c JOIN business_units u ON u.id = c.unit_id
"""


def _customer(row: Row) -> Customer:
    return Customer(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        kind=CustomerKind(row["kind"]),
        type=CustomerType(row["type"]) if row["type"] else None,
        grade=row["grade"],
        visit_class=VisitClass(row["visit_class"]),
        region=row["region"],
        route=row["route"],
        unit_id=row["unit_id"],
        unit_name=row["unit_name"],
        last_visit_on=date.fromisoformat(row["last_visit_on"]) if row["last_visit_on"] else None,
        active=bool(row["active"]),
        staff_names=tuple(row["staff_names"].split("、")) if row["staff_names"] else (),
    )


# What a customer as read here is made of: a write naming one of these forgets it.
_TABLES = ("customers", "customer_staff", "staff", "business_units")


async def visited(db: Database, customer_id: int, on: str) -> None:
    """A visit on ``on`` (an ISO date): the customer's last visit moves up to it, and the
    customer kept in this transaction with it (the director's card reads it next)."""
    known, kept = db.recall(("customer", customer_id))
    await db.queue(
        "UPDATE customers SET last_visit_on = ? WHERE id = ?"
        " AND (last_visit_on IS NULL OR last_visit_on < ?)",
        (on, customer_id, on),
    )
    if known and kept is not None:
        day = date.fromisoformat(on)
        if kept.last_visit_on is None or kept.last_visit_on < day:
            kept = replace(kept, last_visit_on=day)
        db.remember(("customer", customer_id), kept, _TABLES)


class CustomerRepository(Repository):
    def _kept(self, customer: Customer) -> Customer:
        """Kept for the rest of the transaction: an update's steps read the customer
        several times, with writes of other tables between."""
        self.db.remember(("customer", customer.id), customer, _TABLES)
        return customer

    async def by_id(self, customer_id: int) -> Customer | None:
        known, kept = self.db.recall(("customer", customer_id))
        if known:
            customer: Customer = kept
            return customer
        row = await self.db.fetch_one(_SELECT + " WHERE c.id = ?", (customer_id,))
        return self._kept(_customer(row)) if row else None

    async def by_code(self, code: str) -> Customer | None:
        row = await self.db.fetch_one(_SELECT + " WHERE c.code = ?", (code,))
        return _customer(row) if row else None

    async def search(
        self, query: str, *, unit_id: int | None, offset: int = 0, limit: int = 8
    ) -> Page[Customer]:
        """Active customers whose name or code contains ``query`` (all when it is empty).

        ``unit_id`` limits the search to one business unit; None searches every unit.
        """
        where = "c.active = 1 AND (? = '' OR instr(lower(c.name), lower(?)) > 0 OR c.code = ?)"
        params: list[object] = [query, query, query]
        if unit_id is not None:
            where += " AND c.unit_id = ?"
            params.append(unit_id)
        total_row = await self.db.fetch_one(
            f"SELECT COUNT(*) FROM customers c WHERE {where}", params
        )
        rows = await self.db.fetch_all(
            _SELECT + f" WHERE {where} ORDER BY c.grade, c.name LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return Page(
            items=tuple(_customer(r) for r in rows),
            offset=offset,
            total=int(total_row[0]) if total_row else 0,
            limit=limit,
        )

    async def assigned_to(self, staff_id: int) -> list[Customer]:
        rows = await self.db.fetch_all(
            _SELECT + " JOIN customer_staff cs ON cs.customer_id = c.id"
            " WHERE cs.staff_id = ? AND c.active = 1 ORDER BY c.grade, c.name",
            (staff_id,),
        )
        return [self._kept(_customer(r)) for r in rows]

    async def serving(self, customer_id: int) -> list[int]:
        """The active people assigned to a customer, by staff code."""
        rows = await self.db.fetch_all(
            "SELECT s.id FROM customer_staff cs JOIN staff s ON s.id = cs.staff_id"
            " WHERE cs.customer_id = ? AND s.active = 1 ORDER BY s.code",
            (customer_id,),
        )
        return [r["id"] for r in rows]

    async def holders(self) -> list[tuple[int, int | None]]:
        """(staff id, unit id) of every active person with an active customer assigned."""
        rows = await self.db.fetch_all(
            "SELECT DISTINCT s.id, s.unit_id FROM staff s JOIN customer_staff cs"
            " ON cs.staff_id = s.id JOIN customers c ON c.id = cs.customer_id"
            " WHERE s.active = 1 AND c.active = 1 ORDER BY s.id"
        )
        return [(r["id"], r["unit_id"]) for r in rows]

    async def orphans(self) -> list[Customer]:
        """Active customers with no active staff assigned (a leaver's customers, say)."""
        rows = await self.db.fetch_all(
            _SELECT + " WHERE c.active = 1 AND NOT EXISTS (SELECT 1 FROM customer_staff cs"
            " JOIN staff s ON s.id = cs.staff_id WHERE cs.customer_id = c.id AND s.active = 1)"
            " ORDER BY u.code, c.name"
        )
        return [_customer(r) for r in rows]

    async def short_of_contacts(self, grade: str, minimum: int) -> list[Customer]:
        """Active customers of ``grade`` served by fewer than ``minimum`` active staff."""
        rows = await self.db.fetch_all(
            _SELECT + " WHERE c.active = 1 AND c.grade = ? AND (SELECT COUNT(*)"
            " FROM customer_staff cs JOIN staff s ON s.id = cs.staff_id"
            " WHERE cs.customer_id = c.id AND s.active = 1) < ? ORDER BY u.code, c.name",
            (grade, minimum),
        )
        return [_customer(r) for r in rows]

    async def count_active(self) -> int:
        row = await self.db.fetch_one("SELECT COUNT(*) FROM customers WHERE active = 1")
        return int(row[0]) if row else 0

    async def remember_search(self, staff_id: int, query: str) -> int:
        return await self.db.insert(
            "INSERT INTO customer_searches (staff_id, query, created_at) VALUES (?, ?, ?)",
            (staff_id, query, self.now_text()),
        )

    async def saved_search(self, search_id: int, staff_id: int) -> str | None:
        """The query behind a result page's buttons — only for the person who searched."""
        row = await self.db.fetch_one(
            "SELECT query FROM customer_searches WHERE id = ? AND staff_id = ?",
            (search_id, staff_id),
        )
        return row["query"] if row else None

    async def admit(self, admission: Report, actor: str) -> Customer:
        """Add the customer an approved admission proposed, served by its proposer."""
        answers = admission.answers
        now = self.now_text()
        async with self.db.transaction():
            customer_id = await self.db.insert(
                "INSERT INTO customers (code, name, kind, type, grade, visit_class, unit_id,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    f"N{admission.id:04d}",
                    answers["name"],
                    answers["kind"],
                    answers["type"],
                    answers["grade"],
                    answers["visit_class"],
                    admission.unit_id,
                    now,
                    now,
                ),
            )
            await self.db.execute(
                "INSERT INTO customer_staff (customer_id, staff_id) VALUES (?, ?)",
                (customer_id, admission.staff_id),
            )
            await self.db.execute(
                "UPDATE admissions SET customer_id = ? WHERE id = ?", (customer_id, admission.id)
            )
            customer = await self.by_id(customer_id)
            await self.audit(actor, "customer.admitted", "customers", customer_id, after=customer)
        assert customer is not None
        return customer
