"""Organisation rosters: read (:mod:`.reading`), check (:mod:`.checking`), then the store
writes them (:mod:`bot.store.roster`)."""

from bot.roster.checking import read_roster
from bot.roster.model import (
    CustomerRow,
    Known,
    Problem,
    Roster,
    RosterError,
    SkuRow,
    StaffRow,
    StoreRow,
    UnitRow,
)

__all__ = [
    "CustomerRow",
    "Known",
    "Problem",
    "Roster",
    "RosterError",
    "SkuRow",
    "StaffRow",
    "StoreRow",
    "UnitRow",
    "read_roster",
]
