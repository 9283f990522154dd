"""Staff: who may use kabot, in which role, unit and language."""

from __future__ import annotations

from datetime import date, datetime

from bot.models import Role, Staff
from bot.store import drafts, outbox, units
from bot.store.base import Repository
from bot.store.db import Row


def _staff(row: Row) -> Staff:
    return Staff(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        role=Role(row["role"]),
        unit_id=row["unit_id"],
        telegram_id=row["telegram_id"],
        username=row["username"],
        language=row["language"],
        active=bool(row["active"]),
        first_seen_at=datetime.fromisoformat(row["first_seen_at"])
        if row["first_seen_at"]
        else None,
        director_of=row["director_of"],
    )


class StaffRepository(Repository):
    async def by_id(self, staff_id: int) -> Staff | None:
        row = await self.db.fetch_one("SELECT * FROM staff WHERE id = ?", (staff_id,))
        return _staff(row) if row else None

    async def by_code(self, code: str) -> Staff | None:
        row = await self.db.fetch_one("SELECT * FROM staff WHERE code = ?", (code,))
        return _staff(row) if row else None

    async def by_telegram_id(self, telegram_id: int) -> Staff | None:
        row = await self.db.fetch_one("SELECT * FROM staff WHERE telegram_id = ?", (telegram_id,))
        return _staff(row) if row else None

    async def writing(self, telegram_id: int) -> tuple[Staff | None, bool]:
        """The person writing to kabot, and whether messages wait for them (they had never
        written, or had blocked kabot): asked together, as every update asks, with what the
        update's outbox rows and form steps would ask next (the chat's state, the draft)."""
        row = await self.db.fetch_one(
            "SELECT s.*, EXISTS (SELECT 1 FROM outbox o WHERE o.chat_id = s.telegram_id"
            " AND o.status = 'waiting') AS waiting, EXISTS (SELECT 1 FROM outbox o"
            " WHERE o.chat_id = s.telegram_id AND o.status IN ('pending', 'sending')"
            " AND o.method != 'answerCallbackQuery') AS behind, "
            + drafts.JOINED
            + ", p.status AS prompt_status, p.message_id AS prompt_message, "
            + units.JOINED_CENTRE
            + " FROM staff s LEFT JOIN drafts d ON d.staff_id = s.id"
            " LEFT JOIN outbox p ON p.id = -d.prompt_message_id"
            " LEFT JOIN business_units c ON c.is_centre = 1 WHERE s.telegram_id = ?",
            (telegram_id,),
        )
        if row is None:
            return None, False
        drafts.note_joined(self.db, row["id"], row)
        units.note_centre(self.db, row)
        if row["prompt_status"] is not None:
            outbox.note_handle(
                self.db,
                row["draft_prompt_message_id"],
                row["prompt_status"],
                row["prompt_message"],
            )
        if not row["waiting"] and row["first_seen_at"] is not None:
            # The reply's outbox row need not ask again whether this chat is held or busy.
            outbox.note_open(self.db, telegram_id, bool(row["behind"]))
        return _staff(row), bool(row["waiting"])

    async def in_unit(self, unit_id: int) -> list[Staff]:
        rows = await self.db.fetch_all(
            "SELECT * FROM staff WHERE unit_id = ? AND active = 1 ORDER BY role, code",
            (unit_id,),
        )
        return [_staff(r) for r in rows]

    async def not_yet_started(self) -> list[Staff]:
        """Active people who never wrote to kabot (Telegram lets it message only those who did)."""
        rows = await self.db.fetch_all(
            "SELECT * FROM staff WHERE active = 1 AND first_seen_at IS NULL ORDER BY unit_id, code"
        )
        return [_staff(r) for r in rows]

    async def mark_seen(self, staff: Staff) -> Staff:
        """Remember the first time kabot heard from ``staff``."""
        if staff.first_seen_at is not None:
            return staff
        await self.db.execute(
            "UPDATE staff SET first_seen_at = ? WHERE id = ? AND first_seen_at IS NULL",
            (self.now_text(), staff.id),
        )
        seen = await self.by_id(staff.id)
        assert seen is not None
        return seen

    async def count_active(self) -> int:
        row = await self.db.fetch_one("SELECT COUNT(*) FROM staff WHERE active = 1")
        return int(row[0]) if row else 0

    async def unbound_by_username(self, username: str) -> Staff | None:
        """The active roster row imported under ``username`` that no account holds yet."""
        row = await self.db.fetch_one(
            "SELECT * FROM staff WHERE username = ? COLLATE NOCASE AND telegram_id IS NULL"
            " AND active = 1",
            (username.lstrip("@"),),
        )
        return _staff(row) if row else None

    async def bind_telegram(self, staff: Staff, telegram_id: int, actor: str) -> Staff | None:
        """Give a roster row its Telegram account — only a row that has none, and only an
        account no other row holds. None when either is taken meanwhile."""
        async with self.db.transaction():
            taken = await self.db.fetch_one(
                "SELECT 1 FROM staff WHERE telegram_id = ?", (telegram_id,)
            )
            if taken is not None:
                return None
            changed = await self.db.changes(
                "UPDATE staff SET telegram_id = ?, updated_at = ? WHERE id = ?"
                " AND telegram_id IS NULL",
                (telegram_id, self.now_text(), staff.id),
            )
            if not changed:
                return None
            after = await self.by_id(staff.id)
            await self.audit(actor, "staff.bound", "staff", staff.id, staff, after)
            return after

    async def everyone(self) -> list[Staff]:
        """Everyone on the roster, active or not, by unit and code."""
        rows = await self.db.fetch_all("SELECT * FROM staff ORDER BY unit_id, code")
        return [_staff(r) for r in rows]

    async def all_active(self) -> list[Staff]:
        rows = await self.db.fetch_all("SELECT * FROM staff WHERE active = 1 ORDER BY code")
        return [_staff(r) for r in rows]

    async def admins(self) -> list[Staff]:
        """The information officers (信息员), who let people in."""
        rows = await self.db.fetch_all(
            "SELECT * FROM staff WHERE role = 'admin' AND active = 1 ORDER BY code"
        )
        return [_staff(r) for r in rows]

    async def register_from_invite(
        self,
        *,
        telegram_id: int,
        username: str | None,
        name: str,
        role: Role,
        unit_id: int | None,
        language: str,
    ) -> Staff:
        async with self.db.transaction():
            now = self.now_text()
            staff_id = await self.db.insert(
                "INSERT INTO staff (code, name, role, unit_id, telegram_id, username, language,"
                " active, created_at, updated_at, first_seen_at, director_of)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
                (
                    f"TG{telegram_id}",
                    name,
                    role.value,
                    unit_id,
                    telegram_id,
                    username,
                    language,
                    now,
                    now,
                    now,
                    "centre" if role is Role.DIRECTOR else None,
                ),
            )
            staff = await self.by_id(staff_id)
            await self.audit("telegram", "staff.registered", "staff", staff_id, None, staff)
            assert staff is not None
            return staff

    async def set_language(self, staff: Staff, language: str) -> Staff:
        async with self.db.transaction():
            await self.db.execute(
                "UPDATE staff SET language = ?, updated_at = ? WHERE id = ?",
                (language, self.now_text(), staff.id),
            )
            after = await self.by_id(staff.id)
            await self.audit(
                f"staff:{staff.id}", "staff.language", "staff", staff.id, staff, after
            )
            assert after is not None
            return after

    async def set_active(self, code: str, active: bool, actor: str) -> Staff | None:
        async with self.db.transaction():
            before = await self.by_code(code)
            if before is None:
                return None
            await self.db.execute(
                "UPDATE staff SET active = ?, updated_at = ? WHERE id = ?",
                (int(active), self.now_text(), before.id),
            )
            after = await self.by_id(before.id)
            action = "staff.activated" if active else "staff.deactivated"
            await self.audit(actor, action, "staff", before.id, before, after)
            return after

    async def deciders(self, approver: str) -> list[Staff]:
        """Active directors who decide ``approver``'s steps ("centre" or "marketing").

        An organisation that has not told its directors apart has every director decide.
        """
        rows = await self.db.fetch_all(
            "SELECT * FROM staff WHERE active = 1 AND role = 'director' AND director_of = ?"
            " ORDER BY code",
            (approver,),
        )
        if not rows:
            rows = await self.db.fetch_all(
                "SELECT * FROM staff WHERE active = 1 AND role = 'director' ORDER BY code"
            )
        return [_staff(r) for r in rows]

    async def search(self, text: str, limit: int = 8) -> list[Staff]:
        """Active business-unit staff whose name contains ``text`` or whose code it is."""
        rows = await self.db.fetch_all(
            "SELECT * FROM staff WHERE active = 1 AND role IN ('field', 'manager')"
            " AND (instr(name, ?) > 0 OR code = ? COLLATE NOCASE) ORDER BY code LIMIT ?",
            (text, text, limit),
        )
        return [_staff(r) for r in rows]

    async def add_leave(self, person: Staff, first: date, last: date, stand_in: Staff) -> int:
        async with self.db.transaction():
            leave_id = await self.db.insert(
                "INSERT INTO leaves (staff_id, first_day, last_day, stand_in_id, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (person.id, first.isoformat(), last.isoformat(), stand_in.id, self.now_text()),
            )
            await self.audit(
                person.code,
                "leave",
                "leaves",
                leave_id,
                after={"first": first, "last": last, "stand_in": stand_in.code},
            )
        return leave_id

    async def stand_in_for(self, person: Staff, day: date) -> Staff | None:
        """Who receives ``person``'s reminders on ``day`` while they are on leave."""
        row = await self.db.fetch_one(
            "SELECT s.* FROM leaves l JOIN staff s ON s.id = l.stand_in_id WHERE l.staff_id = ?"
            " AND l.first_day <= ? AND l.last_day >= ? AND s.active = 1 ORDER BY l.id DESC",
            (person.id, day.isoformat(), day.isoformat()),
        )
        return _staff(row) if row else None

    async def managers(self) -> list[Staff]:
        """Active managers: those who receive the daily digest."""
        rows = await self.db.fetch_all(
            "SELECT * FROM staff WHERE active = 1 AND role = 'manager' ORDER BY code"
        )
        return [_staff(r) for r in rows]
