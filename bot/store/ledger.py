"""The penalty ledger: each fine or incentive written once; appeals and waivers decided once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.models import LedgerEntry, Staff
from bot.store.base import Repository
from bot.store.db import Row

_SELECT = """
SELECT l.*, s.name AS staff_name,
       (SELECT name FROM staff WHERE id = l.recorded_by) AS recorded_by_name,
       (SELECT name FROM staff WHERE id = l.decided_by) AS decided_by_name
  FROM penalty_ledger l JOIN staff s ON s.id = l.staff_id
"""


def _entry(row: Row) -> LedgerEntry:
    return LedgerEntry(
        id=row["id"],
        staff_id=row["staff_id"],
        staff_name=row["staff_name"],
        unit_id=row["unit_id"],
        kind=row["kind"],
        rule=row["rule"],
        period=row["period"],
        amount_fen=row["amount_fen"],
        reason=row["reason"],
        source=row["source"],
        status=row["status"],
        recorded_by_name=row["recorded_by_name"],
        created_at=datetime.fromisoformat(row["created_at"]),
        appeal=row["appeal"],
        decided_by_name=row["decided_by_name"],
        decided_at=datetime.fromisoformat(row["decided_at"]) if row["decided_at"] else None,
        decision_note=row["decision_note"],
    )


@dataclass(frozen=True, slots=True)
class Evidence:
    """A file the fined person attached to their appeal (a photo, a scan, a document)."""

    id: int
    entry_id: int
    kind: str  # photo, document
    file_id: str
    file_unique_id: str
    file_name: str | None
    caption: str | None
    added_by: str
    created_at: datetime


class LedgerRepository(Repository):
    async def by_id(self, entry_id: int) -> LedgerEntry | None:
        row = await self.db.fetch_one(_SELECT + " WHERE l.id = ?", (entry_id,))
        return _entry(row) if row else None

    async def under(self, prefix: str) -> list[LedgerEntry]:
        """The fines whose source starts with ``prefix``: every day of a per-day fine."""
        rows = await self.db.fetch_all(
            _SELECT + " WHERE l.kind = 'penalty' AND l.source >= ? AND l.source < ?"
            " ORDER BY l.source, l.id",
            (prefix, prefix + "\U0010ffff"),
        )
        return [_entry(r) for r in rows]

    async def attach(self, entry: LedgerEntry, files: list[dict[str, str]], by: Staff) -> None:
        """The files of an appeal: photos (``file_id``) and documents (with ``file_name``)."""
        await self.db.execute_many(
            "INSERT INTO ledger_evidence (entry_id, kind, file_id, file_unique_id, file_name,"
            " caption, added_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    entry.id,
                    "document" if f.get("file_name") else "photo",
                    f["file_id"],
                    f["file_unique_id"],
                    f.get("file_name"),
                    f.get("caption"),
                    by.id,
                    self.now_text(),
                )
                for f in files
            ],
        )

    async def evidence(self, entry_ids: list[int]) -> list[Evidence]:
        if not entry_ids:
            return []
        marks = ",".join("?" * len(entry_ids))
        rows = await self.db.fetch_all(
            "SELECT e.*, s.name AS added_by_name FROM ledger_evidence e"
            f" JOIN staff s ON s.id = e.added_by WHERE e.entry_id IN ({marks}) ORDER BY e.id",
            entry_ids,
        )
        return [
            Evidence(
                r["id"], r["entry_id"], r["kind"], r["file_id"], r["file_unique_id"],
                r["file_name"], r["caption"], r["added_by_name"],
                datetime.fromisoformat(r["created_at"]),
            )
            for r in rows
        ]  # fmt: skip

    async def sources(self, kind: str, prefix: str) -> set[str]:
        """The sources already on the ledger under ``prefix`` (an obligation's charges): a
        range over the (kind, source) index, not a LIKE that reads every row."""
        rows = await self.db.fetch_all(
            "SELECT source FROM penalty_ledger WHERE kind = ? AND source >= ? AND source < ?",
            (kind, prefix, prefix + "\U0010ffff"),
        )
        return {r["source"] for r in rows}

    async def record(
        self,
        *,
        person: Staff,
        kind: str,
        amount_fen: int,
        reason: str,
        period: str,
        source: str,
        rule: str | None = None,
        by: Staff | None = None,
    ) -> LedgerEntry | None:
        """Write one entry; None when the same breach is on the ledger already."""
        async with self.db.transaction():
            # One breach, one row: a source is charged once, whoever answers for it now.
            made = await self.db.fetch_one(
                "INSERT INTO penalty_ledger (staff_id, unit_id, kind, rule, period,"
                " amount_fen, reason, source, recorded_by, created_at)"
                " SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS"
                " (SELECT 1 FROM penalty_ledger WHERE kind = ? AND source = ?)"
                " ON CONFLICT DO NOTHING RETURNING id",
                (
                    person.id,
                    person.unit_id,
                    kind,
                    rule,
                    period,
                    amount_fen,
                    reason,
                    source,
                    by.id if by else None,
                    self.now_text(),
                    kind,
                    source,
                ),
            )
            if made is None:
                return None
            row = await self.db.fetch_one(_SELECT + " WHERE l.id = ?", (made["id"],))
            assert row is not None
            entry = _entry(row)
            await self.audit(
                by.code if by else "rules",
                f"ledger.{kind}",
                "penalty_ledger",
                entry.id,
                after=entry,
            )
        return entry

    async def _move(
        self, entry: LedgerEntry, by: Staff, action: str, sql: str, params: tuple[object, ...]
    ) -> LedgerEntry | None:
        async with self.db.transaction():
            if await self.db.changes(sql, params) == 0:
                return None
            moved = await self.by_id(entry.id)
            await self.audit(by.code, f"ledger.{action}", "penalty_ledger", entry.id, entry, moved)
        return moved

    async def appeal(self, entry: LedgerEntry, by: Staff, reason: str) -> LedgerEntry | None:
        """The fined person appeals — once, and only a posted fine of their own."""
        return await self._move(
            entry,
            by,
            "appeal",
            "UPDATE penalty_ledger SET status = 'appealed', appeal = ? WHERE id = ?"
            " AND staff_id = ? AND kind = 'penalty' AND status = 'posted'",
            (reason, entry.id, by.id),
        )

    async def decide(
        self, entry: LedgerEntry, by: Staff, outcome: str, note: str | None
    ) -> LedgerEntry | None:
        """Waive a fine (posted or appealed) or uphold an appealed one — once."""
        allowed = "('posted', 'appealed')" if outcome == "waived" else "('appealed')"
        return await self._move(
            entry,
            by,
            outcome,
            "UPDATE penalty_ledger SET status = ?, decided_by = ?, decided_at = ?,"
            f" decision_note = ? WHERE id = ? AND kind = 'penalty' AND status IN {allowed}",
            (outcome, by.id, self.now_text(), note, entry.id),
        )

    async def month(
        self, period: str, *, staff_id: int | None = None, unit_id: int | None = None
    ) -> list[LedgerEntry]:
        where: list[str] = ["l.period = ?"]
        params: list[object] = [period]
        if staff_id is not None:
            where.append("l.staff_id = ?")
            params.append(staff_id)
        if unit_id is not None:
            where.append("l.unit_id = ?")
            params.append(unit_id)
        rows = await self.db.fetch_all(
            _SELECT + f" WHERE {' AND '.join(where)} ORDER BY l.created_at, l.id", params
        )
        return [_entry(r) for r in rows]

    async def add_post(self, entry: LedgerEntry, chat_id: int, message_id: int) -> None:
        await self.db.execute(
            "INSERT INTO ledger_posts (entry_id, chat_id, message_id) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (entry.id, chat_id, message_id),
        )

    async def posts(self, entry: LedgerEntry) -> list[tuple[int, int]]:
        rows = await self.db.fetch_all(
            "SELECT chat_id, message_id FROM ledger_posts WHERE entry_id = ?", (entry.id,)
        )
        return [(r["chat_id"], r["message_id"]) for r in rows]
