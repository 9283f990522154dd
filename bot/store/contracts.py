"""Contracts and launches: the dated facts R5–R7 and R12 are checked against."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from bot.models import Contract, Launch, LocalContract, Staff
from bot.store.base import Repository
from bot.store.db import Row


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _contract(row: Row) -> Contract:
    return Contract(
        id=row["id"],
        customer_id=row["customer_id"],
        customer_name=row["customer_name"],
        title=row["title"],
        completed_on=date.fromisoformat(row["completed_on"]),
        distributed_on=_day(row["distributed_on"]),
    )


def _local(row: Row) -> LocalContract:
    return LocalContract(
        id=row["id"],
        contract_id=row["contract_id"],
        contract_title=row["contract_title"],
        unit_id=row["unit_id"],
        title=row["title"],
        signed_on=_day(row["signed_on"]),
        copy_on=_day(row["copy_on"]),
        copy_complete=row["copy_complete"] != 0,
    )


def _launch(row: Row) -> Launch:
    return Launch(
        id=row["id"],
        unit_id=row["unit_id"],
        product=row["product"],
        launch_on=date.fromisoformat(row["launch_on"]),
        filed_on=_day(row["filed_on"]),
        received=row["received_at"] is not None,
    )


_CONTRACTS = (
    "SELECT k.*, c.name AS customer_name FROM contracts k JOIN customers c ON c.id = k.customer_id"
)
_LOCALS = (
    "SELECT l.*, k.title AS contract_title FROM local_contracts l"
    " JOIN contracts k ON k.id = l.contract_id"
)


class ContractRepository(Repository):
    async def add(self, customer_id: int, title: str, completed_on: date, by: Staff) -> Contract:
        async with self.db.transaction():
            contract_id = await self.db.insert(
                "INSERT INTO contracts (customer_id, title, completed_on, recorded_by, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (customer_id, title, completed_on.isoformat(), by.id, self.now_text()),
            )
            contract = await self.by_id(contract_id)
            assert contract is not None
            await self.audit(by.code, "contract.add", "contracts", contract_id, after=contract)
        return contract

    async def by_id(self, contract_id: int) -> Contract | None:
        row = await self.db.fetch_one(_CONTRACTS + " WHERE k.id = ?", (contract_id,))
        return _contract(row) if row else None

    async def all(self, *, distributed: bool | None = None) -> list[Contract]:
        where = ""
        if distributed is not None:
            where = " WHERE k.distributed_on IS " + ("NOT NULL" if distributed else "NULL")
        rows = await self.db.fetch_all(_CONTRACTS + where + " ORDER BY k.completed_on, k.id")
        return [_contract(r) for r in rows]

    async def distribute(self, contract: Contract, on: date, by: Staff) -> Contract | None:
        """Record the distribution once; None when it was recorded already."""
        async with self.db.transaction():
            changed = await self.db.changes(
                "UPDATE contracts SET distributed_on = ? WHERE id = ? AND distributed_on IS NULL",
                (on.isoformat(), contract.id),
            )
            if not changed:
                return None
            after = await self.by_id(contract.id)
            await self.audit(
                by.code, "contract.distribute", "contracts", contract.id, contract, after
            )
        return after

    async def add_locals(
        self, contract: Contract, unit_id: int, titles: list[str], by: Staff
    ) -> list[LocalContract]:
        """The local contracts a unit must sign under ``contract``; a title listed twice, or
        listed before, is kept once."""
        async with self.db.transaction():
            for title in titles:
                await self.db.execute(
                    "INSERT INTO local_contracts (contract_id, unit_id, title,"
                    " recorded_by, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (contract.id, unit_id, title, by.id, self.now_text()),
                )
            await self.audit(
                by.code, "contract.locals", "contracts", contract.id, after={"titles": titles}
            )
        return await self.locals(unit_id=unit_id, contract_id=contract.id)

    async def locals(
        self,
        *,
        unit_id: int | None = None,
        contract_id: int | None = None,
        signed: bool | None = None,
        copied: bool | None = None,
    ) -> list[LocalContract]:
        where, params = ["1 = 1"], []
        if unit_id is not None:
            where.append("l.unit_id = ?")
            params.append(unit_id)
        if contract_id is not None:
            where.append("l.contract_id = ?")
            params.append(contract_id)
        if signed is not None:
            where.append("l.signed_on IS " + ("NOT NULL" if signed else "NULL"))
        if copied is not None:
            where.append("l.copy_on IS " + ("NOT NULL" if copied else "NULL"))
        rows = await self.db.fetch_all(
            _LOCALS + f" WHERE {' AND '.join(where)} ORDER BY l.contract_id, l.id", params
        )
        return [_local(r) for r in rows]

    async def local_by_id(self, local_id: int) -> LocalContract | None:
        row = await self.db.fetch_one(_LOCALS + " WHERE l.id = ?", (local_id,))
        return _local(row) if row else None

    async def locals_by_ids(self, ids: Collection[int]) -> dict[int, LocalContract]:
        """The local contracts of ``ids`` that exist, read together."""
        rows = await self.fetch_for_ids(_LOCALS + " WHERE l.id IN ({ids})", ids)
        return {r["id"]: _local(r) for r in rows}

    async def by_ids(self, ids: Collection[int]) -> dict[int, Contract]:
        """The contracts of ``ids`` that exist, read together."""
        rows = await self.fetch_for_ids(_CONTRACTS + " WHERE k.id IN ({ids})", ids)
        return {r["id"]: _contract(r) for r in rows}

    async def mark_local(
        self, local: LocalContract, column: str, on: date, by: Staff, *, complete: bool = True
    ) -> LocalContract | None:
        """Record a local contract's signing or its copy (complete or not), once; the copy
        only once signed."""
        assert column in ("signed_on", "copy_on")
        guard = " AND signed_on IS NOT NULL" if column == "copy_on" else ""
        extra, params = "", [on.isoformat()]
        if column == "copy_on":
            extra, params = ", copy_complete = ?", [on.isoformat(), str(int(complete))]
        async with self.db.transaction():
            changed = await self.db.changes(
                f"UPDATE local_contracts SET {column} = ?{extra} WHERE id = ?"
                f" AND {column} IS NULL" + guard,
                (*params, local.id),
            )
            if not changed:
                return None
            after = await self.local_by_id(local.id)
            await self.audit(by.code, f"local.{column}", "local_contracts", local.id, local, after)
        return after

    async def receive_launch(self, launch: Launch, by: Staff) -> Launch | None:
        """The centre confirms it has the launch's information — once."""
        async with self.db.transaction():
            changed = await self.db.changes(
                "UPDATE launches SET received_by = ?, received_at = ? WHERE id = ?"
                " AND filed_on IS NOT NULL AND received_at IS NULL",
                (by.id, self.now_text(), launch.id),
            )
            if not changed:
                return None
            after = await self.launch_by_id(launch.id)
            await self.audit(by.code, "launch.received", "launches", launch.id, launch, after)
        return after

    async def add_launch(self, unit_id: int, product: str, launch_on: date, by: Staff) -> Launch:
        async with self.db.transaction():
            launch_id = await self.db.insert(
                "INSERT INTO launches (unit_id, product, launch_on, recorded_by, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (unit_id, product, launch_on.isoformat(), by.id, self.now_text()),
            )
            launch = await self.launch_by_id(launch_id)
            assert launch is not None
            await self.audit(by.code, "launch.add", "launches", launch_id, after=launch)
        return launch

    async def launch_by_id(self, launch_id: int) -> Launch | None:
        row = await self.db.fetch_one("SELECT * FROM launches WHERE id = ?", (launch_id,))
        return _launch(row) if row else None

    async def launches(
        self, *, unit_id: int | None = None, filed: bool | None = None
    ) -> list[Launch]:
        where, params = ["1 = 1"], []
        if unit_id is not None:
            where.append("unit_id = ?")
            params.append(unit_id)
        if filed is not None:
            where.append("filed_on IS " + ("NOT NULL" if filed else "NULL"))
        rows = await self.db.fetch_all(
            f"SELECT * FROM launches WHERE {' AND '.join(where)} ORDER BY launch_on, id", params
        )
        return [_launch(r) for r in rows]

    async def file_launch(
        self, launch: Launch, on: date, by: Staff, *, received: bool = False
    ) -> Launch | None:
        """The information was filed on ``on``; ``received``: the centre filed it itself."""
        async with self.db.transaction():
            changed = await self.db.changes(
                "UPDATE launches SET filed_on = ?, received_by = ?, received_at = ?"
                " WHERE id = ? AND filed_on IS NULL",
                (
                    on.isoformat(),
                    by.id if received else None,
                    self.now_text() if received else None,
                    launch.id,
                ),
            )
            if not changed:
                return None
            after = await self.launch_by_id(launch.id)
            await self.audit(by.code, "launch.filed", "launches", launch.id, launch, after)
        return after
