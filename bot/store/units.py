"""Business units (事业本部) and the KA centre (集团重点客户中心)."""

from __future__ import annotations

from bot.models import BusinessUnit
from bot.store.base import Repository
from bot.store.db import Database, Row

_COLUMNS = ("id", "code", "name", "is_centre", "group_chat_id", "responsible_staff_id", "active")
# The centre's columns read along with the person writing (see StaffRepository.writing).
JOINED_CENTRE = ", ".join(f"c.{c} AS centre_{c}" for c in _COLUMNS)


def _unit(row: Row, prefix: str = "") -> BusinessUnit:
    return BusinessUnit(
        id=row[prefix + "id"],
        code=row[prefix + "code"],
        name=row[prefix + "name"],
        is_centre=bool(row[prefix + "is_centre"]),
        group_chat_id=row[prefix + "group_chat_id"],
        responsible_staff_id=row[prefix + "responsible_staff_id"],
        active=bool(row[prefix + "active"]),
    )


def note_centre(db: Database, row: Row) -> None:
    """The centre as read with ``JOINED_CENTRE``: the transaction open in this task asks no
    more, until it writes a unit."""
    centre = _unit(row, "centre_") if row["centre_id"] is not None else None
    db.remember(_CENTRE, centre, ("business_units",))


_CENTRE = ("unit.centre",)


class UnitRepository(Repository):
    async def all(self, *, include_inactive: bool = False) -> list[BusinessUnit]:
        rows = await self.db.fetch_all(
            "SELECT * FROM business_units WHERE active = 1 OR ? ORDER BY is_centre DESC, code",
            (int(include_inactive),),
        )
        return [_unit(r) for r in rows]

    async def by_id(self, unit_id: int) -> BusinessUnit | None:
        row = await self.db.fetch_one("SELECT * FROM business_units WHERE id = ?", (unit_id,))
        return _unit(row) if row else None

    async def by_code(self, code: str) -> BusinessUnit | None:
        row = await self.db.fetch_one("SELECT * FROM business_units WHERE code = ?", (code,))
        return _unit(row) if row else None

    async def find(self, text: str) -> BusinessUnit | None:
        """A unit by its code or its exact name, as an admin would type it."""
        row = await self.db.fetch_one(
            "SELECT * FROM business_units WHERE active = 1 AND (code = ? OR name = ?)",
            (text.strip(), text.strip()),
        )
        return _unit(row) if row else None

    async def by_group_chat(self, chat_id: int) -> BusinessUnit | None:
        row = await self.db.fetch_one(
            "SELECT * FROM business_units WHERE group_chat_id = ? AND active = 1", (chat_id,)
        )
        return _unit(row) if row else None

    async def bind_group(self, unit_id: int, chat_id: int, actor: str) -> BusinessUnit | None:
        """Make ``chat_id`` the unit's group; returns the unit that had this chat before."""
        async with self.db.transaction():
            previous = await self.by_group_chat(chat_id)
            if previous is not None:
                await self.db.execute(
                    "UPDATE business_units SET group_chat_id = NULL, updated_at = ? WHERE id = ?",
                    (self.now_text(), previous.id),
                )
                await self.audit(
                    actor,
                    "unit.unbind_group",
                    "business_unit",
                    previous.id,
                    previous,
                    await self.by_id(previous.id),
                )
            before = await self.by_id(unit_id)
            await self.db.execute(
                "UPDATE business_units SET group_chat_id = ?, updated_at = ? WHERE id = ?",
                (chat_id, self.now_text(), unit_id),
            )
            await self.audit(
                actor,
                "unit.bind_group",
                "business_unit",
                unit_id,
                before,
                await self.by_id(unit_id),
            )
        return previous

    async def move_group(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group upgraded to a supergroup gets a new id; keep its binding."""
        async with self.db.transaction():
            before = await self.by_group_chat(old_chat_id)
            if before is None:
                return
            await self.db.execute(
                "UPDATE business_units SET group_chat_id = ?, updated_at = ? WHERE id = ?",
                (new_chat_id, self.now_text(), before.id),
            )
            await self.audit(
                "telegram",
                "unit.group_migrated",
                "business_unit",
                before.id,
                before,
                await self.by_id(before.id),
            )

    async def centre(self) -> BusinessUnit | None:
        known, noted = self.db.recall(_CENTRE)
        if known:
            centre: BusinessUnit | None = noted
            return centre
        row = await self.db.fetch_one("SELECT * FROM business_units WHERE is_centre = 1")
        return _unit(row) if row else None
