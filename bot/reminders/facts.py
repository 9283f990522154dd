"""The contracts and local contracts the contract rules (R5–R7) read, each looked up once.

The rules engine asks about one obligation at a time and looks each up as asked; a forecast
over every unit reads a hundred thousand local contracts, so it loads them all in two
queries first (``prefetch``) — the same objects the store returns, read by the same code.
"""

from __future__ import annotations

from bot.models import Contract, LocalContract
from bot.store import Store


class Facts:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._contracts: dict[int, Contract | None] = {}
        self._locals: dict[int, LocalContract | None] = {}
        self._complete = False  # prefetched: what is not here does not exist

    async def prefetch(self) -> Facts:
        self._contracts = {c.id: c for c in await self.store.contracts.all()}
        self._locals = {lc.id: lc for lc in await self.store.contracts.locals()}
        self._complete = True
        return self

    async def contract(self, contract_id: int) -> Contract | None:
        if contract_id not in self._contracts and not self._complete:
            self._contracts[contract_id] = await self.store.contracts.by_id(contract_id)
        return self._contracts.get(contract_id)

    async def local(self, local_id: int) -> LocalContract | None:
        if local_id not in self._locals and not self._complete:
            self._locals[local_id] = await self.store.contracts.local_by_id(local_id)
        return self._locals.get(local_id)
