"""All of kabot's SQL lives in this package; :class:`Store` gathers the repositories."""

from __future__ import annotations

from pathlib import Path

from bot.clock import Clock
from bot.store.audit import AuditLog
from bot.store.bookkeeping import BotFacts, HandledUpdates
from bot.store.customers import CustomerRepository
from bot.store.db import Database
from bot.store.invites import InviteRepository
from bot.store.roster import RosterStore
from bot.store.staff import StaffRepository
from bot.store.units import UnitRepository


class Store:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self.units = UnitRepository(db, clock)
        self.staff = StaffRepository(db, clock)
        self.customers = CustomerRepository(db, clock)
        self.invites = InviteRepository(db, clock)
        self.audit = AuditLog(db, clock)
        self.roster = RosterStore(db, clock)
        self.handled_updates = HandledUpdates(db, clock)
        self.facts = BotFacts(db, clock)

    @classmethod
    async def open(cls, path: Path, clock: Clock) -> Store:
        return cls(await Database.open(path), clock)

    async def close(self) -> None:
        await self.db.close()
