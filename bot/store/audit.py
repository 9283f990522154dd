"""Reading the audit log (writing goes through :meth:`Repository.audit`)."""

from __future__ import annotations

import json
from datetime import datetime

from bot.models import AuditEntry
from bot.store.base import Repository
from bot.store.db import Row


def _entry(row: Row) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        at=datetime.fromisoformat(row["at"]),
        actor=row["actor"],
        action=row["action"],
        entity=row["entity"],
        entity_id=row["entity_id"],
        before=json.loads(row["before"]) if row["before"] else None,
        after=json.loads(row["after"]) if row["after"] else None,
    )


class AuditLog(Repository):
    async def for_entity(self, entity: str, entity_id: object) -> list[AuditEntry]:
        rows = await self.db.fetch_all(
            "SELECT * FROM audit_log WHERE entity = ? AND entity_id = ? ORDER BY id",
            (entity, str(entity_id)),
        )
        return [_entry(r) for r in rows]

    async def latest(self, limit: int = 50, action: str | None = None) -> list[AuditEntry]:
        if action is None:
            rows = await self.db.fetch_all(
                "SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)
            )
        else:
            rows = await self.db.fetch_all(
                "SELECT * FROM audit_log WHERE action = ? ORDER BY id DESC LIMIT ?",
                (action, limit),
            )
        return [_entry(r) for r in rows]
