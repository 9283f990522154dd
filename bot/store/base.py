"""What every repository shares: the database, the clock, and the audit trail."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from typing import Any

from bot.clock import Clock
from bot.store.db import Database, Row

# Ids in one statement's IN list at most.
IN_AT_ONCE = 500


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(obj: Any) -> dict[str, Any] | None:
    """A JSON-ready dict of a dataclass (for the audit log's before/after)."""
    if obj is None:
        return None
    data = asdict(obj) if is_dataclass(obj) and not isinstance(obj, type) else dict(obj)
    return {k: _plain(v) for k, v in data.items()}


class Repository:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def now_text(self) -> str:
        return self.clock.now().isoformat(timespec="seconds")

    async def fetch_for_ids(
        self, sql: str, ids: Collection[int], params: Sequence[object] = ()
    ) -> list[Row]:
        """The rows of ``sql`` for every id of ``ids``, where ``{ids}`` in it is an IN list:
        in slices of ``IN_AT_ONCE`` (both engines limit a statement's parameters); ``params``
        go before the ids."""
        ordered, rows = sorted(ids), []
        for start in range(0, len(ordered), IN_AT_ONCE):
            part = ordered[start : start + IN_AT_ONCE]
            marks = ",".join("?" * len(part))
            rows += await self.db.fetch_all(sql.replace("{ids}", marks), (*params, *part))
        return rows

    async def audit(
        self,
        actor: str,
        action: str,
        entity: str,
        entity_id: object,
        before: Any = None,
        after: Any = None,
    ) -> None:
        """Write one audit row; call inside the transaction that makes the change (the row
        goes to SQLite with the transaction's next statement: no trip of its own)."""
        b, a = snapshot(before), snapshot(after)
        await self.db.queue(
            "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                self.now_text(),
                actor,
                action,
                entity,
                str(entity_id),
                None if b is None else json.dumps(b, ensure_ascii=False, sort_keys=True),
                None if a is None else json.dumps(a, ensure_ascii=False, sort_keys=True),
            ),
        )


def month_range(month: str) -> tuple[str, str]:
    """ "2026-11" → ("2026-11-01", "2026-12-01"): the month as a range over ISO times, which
    an index can serve (``substr(column, 1, 7) = month`` reads every row)."""
    year, number = int(month[:4]), int(month[5:7])
    following = f"{year + number // 12:04d}-{number % 12 + 1:02d}-01"
    return f"{month}-01", following
