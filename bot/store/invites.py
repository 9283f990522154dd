"""Single-use invitation codes behind ``t.me/<bot>?start=<code>`` deep links."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from bot.models import Invite, Role, Staff
from bot.store.base import Repository
from bot.store.db import Row


class Redemption(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


def _invite(row: Row) -> Invite:
    return Invite(
        code=row["code"],
        role=Role(row["role"]),
        unit_id=row["unit_id"],
        created_at=datetime.fromisoformat(row["created_at"]),
        expires_at=datetime.fromisoformat(row["expires_at"]),
        used_at=datetime.fromisoformat(row["used_at"]) if row["used_at"] else None,
        used_by=row["used_by"],
        staff_id=row["staff_id"],
    )


class InviteRepository(Repository):
    async def create(
        self,
        role: Role,
        unit_id: int | None,
        valid_for: timedelta,
        *,
        staff: Staff | None = None,
        actor: str = "cli",
    ) -> Invite:
        """A single-use link; with ``staff``, a personal one that binds that roster row."""
        # 16 url-safe characters: unguessable, and well inside Telegram's 64-character payload.
        code = secrets.token_urlsafe(12)
        now = self.clock.now()
        async with self.db.transaction():
            await self.db.execute(
                "INSERT INTO invites (code, role, unit_id, created_at, expires_at, staff_id)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    code,
                    role.value,
                    unit_id,
                    now.isoformat(timespec="seconds"),
                    (now + valid_for).isoformat(timespec="seconds"),
                    staff.id if staff else None,
                ),
            )
            invite = await self.by_code(code)
            await self.audit(actor, "invite.created", "invite", code, None, invite)
        assert invite is not None
        return invite

    async def by_code(self, code: str) -> Invite | None:
        row = await self.db.fetch_one("SELECT * FROM invites WHERE code = ?", (code,))
        return _invite(row) if row else None

    async def check(self, code: str) -> tuple[Redemption, Invite | None]:
        invite = await self.by_code(code)
        if invite is None:
            return Redemption.UNKNOWN, None
        if invite.used_at is not None:
            return Redemption.USED, invite
        if invite.expires_at <= self.clock.now():
            return Redemption.EXPIRED, invite
        return Redemption.OK, invite

    async def mark_used(self, invite: Invite, staff: Staff) -> None:
        async with self.db.transaction():
            await self.db.execute(
                "UPDATE invites SET used_at = ?, used_by = ? WHERE code = ?",
                (self.now_text(), staff.id, invite.code),
            )
            await self.audit(
                f"staff:{staff.id}",
                "invite.used",
                "invite",
                invite.code,
                invite,
                await self.by_code(invite.code),
            )
