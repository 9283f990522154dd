"""Writing a checked roster: one transaction, updates in place, every change audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.roster import Known, Roster
from bot.store.base import Repository


@dataclass(slots=True)
class SheetCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(slots=True)
class ImportSummary:
    units: SheetCounts = field(default_factory=SheetCounts)
    staff: SheetCounts = field(default_factory=SheetCounts)
    customers: SheetCounts = field(default_factory=SheetCounts)
    stores: SheetCounts = field(default_factory=SheetCounts)
    assortment: SheetCounts = field(default_factory=SheetCounts)
    staff_not_in_roster: list[str] = field(default_factory=list)


class RosterStore(Repository):
    async def known(self) -> Known:
        units = await self.db.fetch_all(
            "SELECT code, name, is_centre, group_chat_id FROM business_units"
        )
        staff = await self.db.fetch_all("SELECT code, telegram_id, username FROM staff")
        customers = await self.db.fetch_all("SELECT code FROM customers")
        centre = next((u["code"] for u in units if u["is_centre"]), None)
        return Known(
            unit_codes=frozenset(u["code"] for u in units),
            unit_names={u["name"]: u["code"] for u in units},
            staff_codes=frozenset(s["code"] for s in staff),
            telegram_ids={s["telegram_id"]: s["code"] for s in staff if s["telegram_id"]},
            usernames={s["username"].lower(): s["code"] for s in staff if s["username"]},
            centre_code=centre,
            customer_codes=frozenset(c["code"].lower() for c in customers),
            group_chats={u["group_chat_id"]: u["code"] for u in units if u["group_chat_id"]},
        )

    async def apply(self, roster: Roster, actor: str) -> ImportSummary:
        summary = ImportSummary()
        async with self.db.transaction():
            for u in roster.units:
                await self._upsert(
                    "business_units",
                    "business_unit",
                    u.code,
                    {"name": u.name, "is_centre": int(u.is_centre)}
                    | ({"group_chat_id": u.group_chat_id} if u.group_chat_id else {}),
                    summary.units,
                    actor,
                )
            unit_ids = await self._unit_ids()
            for s in roster.staff:
                values: dict[str, Any] = {
                    "name": s.name,
                    "role": s.role.value,
                    "unit_id": unit_ids[_key(s.unit, unit_ids)] if s.unit else None,
                    "language": s.language,
                    "active": int(s.active),
                    "director_of": s.director_of,
                }
                if s.telegram_id is not None:
                    values["telegram_id"] = s.telegram_id
                if s.username is not None:
                    values["username"] = s.username
                await self._upsert("staff", "staff", s.code, values, summary.staff, actor)
            staff_ids = await self._staff_ids()
            for u in roster.units:
                if u.responsible:
                    await self._upsert(
                        "business_units",
                        "business_unit",
                        u.code,
                        {"responsible_staff_id": staff_ids[u.responsible.lower()]},
                        None,
                        actor,
                    )
            for c in roster.customers:
                changed = await self._upsert(
                    "customers",
                    "customer",
                    c.code,
                    {
                        "name": c.name,
                        "kind": c.kind.value,
                        "type": c.type.value if c.type else None,
                        "grade": c.grade,
                        "visit_class": c.visit_class.value,
                        "region": c.region,
                        "route": c.route,
                        "unit_id": unit_ids[_key(c.unit, unit_ids)],
                        "active": int(c.active),
                    }
                    | ({"last_visit_on": c.last_visit_on.isoformat()} if c.last_visit_on else {}),
                    summary.customers,
                    actor,
                )
                assigned = await self._set_customer_staff(
                    c.code, [staff_ids[code.lower()] for code in c.staff], actor
                )
                if assigned and not changed:
                    summary.customers.unchanged -= 1
                    summary.customers.updated += 1
            customer_ids = {
                r["code"].lower(): r["id"]
                for r in await self.db.fetch_all("SELECT id, code FROM customers")
            }
            for st in roster.stores:
                await self._upsert(
                    "stores",
                    "store",
                    st.code,
                    {
                        "name": st.name,
                        "customer_id": customer_ids[st.customer.lower()],
                        "region": st.region,
                        "active": int(st.active),
                    },
                    summary.stores,
                    actor,
                )
            for sku in roster.assortment:
                await self._upsert(
                    "assortment_skus",
                    "sku",
                    sku.code,
                    {
                        "name": sku.name,
                        "unit_id": unit_ids[_key(sku.unit, unit_ids)],
                        "key_item": int(sku.key_item),
                        "active": int(sku.active),
                    },
                    summary.assortment,
                    actor,
                )
            if roster.staff:
                listed = {s.code.lower() for s in roster.staff}
                rows = await self.db.fetch_all(
                    "SELECT code, name FROM staff WHERE active = 1 ORDER BY code"
                )
                summary.staff_not_in_roster = [
                    f"{r['code']} {r['name']}" for r in rows if r["code"].lower() not in listed
                ]
        return summary

    async def _unit_ids(self) -> dict[str, int]:
        rows = await self.db.fetch_all("SELECT id, code, name FROM business_units")
        ids = {r["code"].lower(): r["id"] for r in rows}
        ids.update({f"name:{r['name']}": r["id"] for r in rows})
        return ids

    async def _staff_ids(self) -> dict[str, int]:
        rows = await self.db.fetch_all("SELECT id, code FROM staff")
        return {r["code"].lower(): r["id"] for r in rows}

    async def _upsert(
        self,
        table: str,
        entity: str,
        code: str,
        values: dict[str, Any],
        counts: SheetCounts | None,
        actor: str,
    ) -> bool:
        """Insert or update the row with ``code``; audit and count it. True if it changed."""
        now = self.now_text()
        before = await self.db.fetch_one(f"SELECT * FROM {table} WHERE code = ?", (code,))
        if before is None:
            columns = ["code", *values, "created_at", "updated_at"]
            row_id = await self.db.insert(
                f"INSERT INTO {table} ({', '.join(columns)})"
                f" VALUES ({', '.join('?' for _ in columns)})",
                [code, *values.values(), now, now],
            )
            after = await self.db.fetch_one(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
            await self.audit(actor, f"{entity}.imported", entity, row_id, None, _row(after))
            if counts is not None:
                counts.created += 1
            return True
        changed = {k: v for k, v in values.items() if before[k] != v}
        if not changed:
            if counts is not None:
                counts.unchanged += 1
            return False
        assignments = ", ".join(f"{k} = ?" for k in changed)
        await self.db.execute(
            f"UPDATE {table} SET {assignments}, updated_at = ? WHERE id = ?",
            [*changed.values(), now, before["id"]],
        )
        after = await self.db.fetch_one(f"SELECT * FROM {table} WHERE id = ?", (before["id"],))
        await self.audit(
            actor, f"{entity}.reimported", entity, before["id"], _row(before), _row(after)
        )
        if counts is not None:
            counts.updated += 1
        return True

    async def _set_customer_staff(self, code: str, staff_ids: list[int], actor: str) -> bool:
        row = await self.db.fetch_one("SELECT id FROM customers WHERE code = ?", (code,))
        assert row is not None
        customer_id = row["id"]
        current = {
            r["staff_id"]
            for r in await self.db.fetch_all(
                "SELECT staff_id FROM customer_staff WHERE customer_id = ?", (customer_id,)
            )
        }
        wanted = set(staff_ids)
        if current == wanted:
            return False
        await self.db.execute("DELETE FROM customer_staff WHERE customer_id = ?", (customer_id,))
        await self.db.execute_many(
            "INSERT INTO customer_staff (customer_id, staff_id) VALUES (?, ?)",
            [(customer_id, s) for s in sorted(wanted)],
        )
        await self.audit(
            actor,
            "customer.staff_assigned",
            "customer",
            customer_id,
            {"staff_ids": sorted(current)},
            {"staff_ids": sorted(wanted)},
        )
        return True


def _key(text: str, unit_ids: dict[str, int]) -> str:
    """A unit reference in a roster may be its code or its name."""
    return text.lower() if text.lower() in unit_ids else f"name:{text}"


def _row(row: Any) -> dict[str, Any] | None:
    return dict(row) if row is not None else None
