"""R13: the stores of KA customers, each unit's A-class assortment standard, and the store
inspections (巡查) that find SKUs missing from a shelf."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.models import Staff
from bot.store.base import Repository
from bot.store.db import Row


@dataclass(frozen=True, slots=True)
class ShopFloor:
    """One store (门店) of a KA customer."""

    id: int
    code: str
    name: str
    customer_id: int
    customer_name: str
    unit_id: int  # the customer's business unit: whose standard the store is held to
    region: str

    @property
    def label(self) -> str:
        return f"{self.customer_name} · {self.name}"


@dataclass(frozen=True, slots=True)
class Sku:
    id: int
    code: str
    name: str
    unit_id: int
    key_item: bool  # 重点品: fined at the higher amount


@dataclass(frozen=True, slots=True)
class Finding:
    sku: Sku
    amount_fen: int


@dataclass(frozen=True, slots=True)
class Inspection:
    id: int
    store: ShopFloor
    unit_id: int
    inspected_on: date
    recorded_by: int
    recorded_by_name: str
    responsible_id: int | None
    photos: list[Any]
    note: str | None
    status: str  # clear, proposed, confirmed, force_majeure
    findings: tuple[Finding, ...]
    decided_by_name: str | None
    decision_note: str | None

    @property
    def total_fen(self) -> int:
        return sum(f.amount_fen for f in self.findings)


_STORE = (
    "SELECT s.id, s.code, s.name, s.customer_id, c.name AS customer_name, c.unit_id, s.region"
    " FROM stores s JOIN customers c ON c.id = s.customer_id"
)


def _store(row: Row) -> ShopFloor:
    return ShopFloor(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        customer_id=row["customer_id"],
        customer_name=row["customer_name"],
        unit_id=row["unit_id"],
        region=row["region"],
    )


def _sku(row: Row) -> Sku:
    return Sku(row["id"], row["code"], row["name"], row["unit_id"], bool(row["key_item"]))


class InspectionRepository(Repository):
    # ------------------------------------------------------------------ stores, standard

    async def any_store(self) -> bool:
        return await self.db.fetch_one("SELECT 1 FROM stores WHERE active = 1 LIMIT 1") is not None

    async def store(self, store_id: int) -> ShopFloor | None:
        row = await self.db.fetch_one(
            _STORE + " WHERE s.id = ? AND s.active = 1 AND c.active = 1", (store_id,)
        )
        return _store(row) if row else None

    async def search_stores(
        self, query: str, *, unit_id: int | None, limit: int
    ) -> tuple[list[ShopFloor], int]:
        """Active stores whose code is ``query`` or whose name, or customer's name, contains
        it, in ``unit_id``'s customers (every unit's when None); and how many there are."""
        where = (
            "s.active = 1 AND c.active = 1 AND (s.code = ? OR instr(lower(s.name), lower(?)) > 0"
            " OR instr(lower(c.name), lower(?)) > 0)"
        )
        params: list[object] = [query, query, query]
        if unit_id is not None:
            where += " AND c.unit_id = ?"
            params.append(unit_id)
        total = await self.db.fetch_one(
            f"SELECT COUNT(*) FROM stores s JOIN customers c ON c.id = s.customer_id"
            f" WHERE {where}",
            params,
        )
        rows = await self.db.fetch_all(
            _STORE + f" WHERE {where} ORDER BY c.name, s.code LIMIT ?", [*params, limit]
        )
        return [_store(r) for r in rows], int(total[0]) if total else 0

    async def recent_stores(self, staff_id: int, limit: int) -> list[ShopFloor]:
        """The stores a person inspected last, newest first."""
        rows = await self.db.fetch_all(
            _STORE + " JOIN (SELECT store_id, MAX(id) AS last FROM store_inspections"
            " WHERE recorded_by = ? GROUP BY store_id) i ON i.store_id = s.id"
            " WHERE s.active = 1 AND c.active = 1 ORDER BY i.last DESC LIMIT ?",
            (staff_id, limit),
        )
        return [_store(r) for r in rows]

    async def standard(self, unit_id: int) -> list[Sku]:
        """A unit's A-class standard: key SKUs first."""
        rows = await self.db.fetch_all(
            "SELECT * FROM assortment_skus WHERE unit_id = ? AND active = 1"
            " ORDER BY key_item DESC, code",
            (unit_id,),
        )
        return [_sku(r) for r in rows]

    async def skus(self, sku_ids: list[int]) -> list[Sku]:
        if not sku_ids:
            return []
        marks = ", ".join("?" for _ in sku_ids)
        rows = await self.db.fetch_all(
            f"SELECT * FROM assortment_skus WHERE id IN ({marks})", sku_ids
        )
        return [_sku(r) for r in rows]

    # ------------------------------------------------------------------ inspections

    async def add(
        self,
        store: ShopFloor,
        inspected_on: date,
        findings: list[Finding],
        responsible: Staff | None,
        photos: list[Any] | None,
        note: str | None,
        by: Staff,
    ) -> Inspection:
        async with self.db.transaction():
            inspection_id = await self.db.insert(
                "INSERT INTO store_inspections (store_id, unit_id, inspected_on, recorded_by,"
                " responsible_id, photos, note, status, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    store.id,
                    store.unit_id,
                    inspected_on.isoformat(),
                    by.id,
                    responsible.id if responsible else None,
                    json.dumps(photos, ensure_ascii=False) if photos else None,
                    note,
                    "proposed" if findings else "clear",
                    self.now_text(),
                ),
            )
            await self.db.execute_many(
                "INSERT INTO inspection_findings (inspection_id, sku_id, amount_fen)"
                " VALUES (?, ?, ?)",
                [(inspection_id, f.sku.id, f.amount_fen) for f in findings],
            )
            inspection = await self.by_id(inspection_id)
            assert inspection is not None
            await self.audit(
                by.code,
                "inspection.recorded",
                "store_inspections",
                inspection_id,
                None,
                inspection,
            )
        return inspection

    async def by_id(self, inspection_id: int) -> Inspection | None:
        row = await self.db.fetch_one(
            "SELECT i.*, (SELECT name FROM staff WHERE id = i.recorded_by) AS by_name,"
            " (SELECT name FROM staff WHERE id = i.decided_by) AS decided_by_name"
            " FROM store_inspections i WHERE i.id = ?",
            (inspection_id,),
        )
        if row is None:
            return None
        store_row = await self.db.fetch_one(_STORE + " WHERE s.id = ?", (row["store_id"],))
        assert store_row is not None
        findings = await self.db.fetch_all(
            "SELECT k.*, f.amount_fen FROM inspection_findings f"
            " JOIN assortment_skus k ON k.id = f.sku_id WHERE f.inspection_id = ?"
            " ORDER BY k.key_item DESC, k.code",
            (inspection_id,),
        )
        return Inspection(
            id=row["id"],
            store=_store(store_row),
            unit_id=row["unit_id"],
            inspected_on=date.fromisoformat(row["inspected_on"]),
            recorded_by=row["recorded_by"],
            recorded_by_name=row["by_name"],
            responsible_id=row["responsible_id"],
            photos=json.loads(row["photos"]) if row["photos"] else [],
            note=row["note"],
            status=row["status"],
            findings=tuple(Finding(_sku(f), f["amount_fen"]) for f in findings),
            decided_by_name=row["decided_by_name"],
            decision_note=row["decision_note"],
        )

    async def add_card(self, inspection: Inspection, chat_id: int, message_id: int) -> None:
        """Where the centre's card of an inspection is, to show its outcome there."""
        await self.db.execute(
            "UPDATE store_inspections SET card_chat_id = ?, card_message_id = ? WHERE id = ?",
            (chat_id, message_id, inspection.id),
        )

    async def card(self, inspection: Inspection) -> tuple[int, int] | None:
        row = await self.db.fetch_one(
            "SELECT card_chat_id, card_message_id FROM store_inspections WHERE id = ?",
            (inspection.id,),
        )
        if row is None or row["card_chat_id"] is None:
            return None
        return int(row["card_chat_id"]), int(row["card_message_id"])

    async def decide(
        self, inspection: Inspection, outcome: str, note: str | None, by: Staff
    ) -> Inspection | None:
        """The centre confirms the proposed fines, or finds force majeure — once."""
        async with self.db.transaction():
            changed = await self.db.changes(
                "UPDATE store_inspections SET status = ?, decided_by = ?, decided_at = ?,"
                " decision_note = ? WHERE id = ? AND status = 'proposed'",
                (outcome, by.id, self.now_text(), note, inspection.id),
            )
            if changed == 0:
                return None
            decided = await self.by_id(inspection.id)
            await self.audit(
                by.code, f"inspection.{outcome}", "store_inspections", inspection.id,
                inspection, decided,
            )  # fmt: skip
        return decided
