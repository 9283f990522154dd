"""``run_bot.py migrate-db``: an office's SQLite file moved onto a PostgreSQL server.

Both databases are brought to the same schema first (their migrations, as at any start);
the target must hold no rows. Every table is copied in one transaction on the target, in an
order where a row's references are there before it (the one cycle, a unit's responsible
person, is a deferred constraint), a thousand rows a statement; then each identity goes on
after the largest id copied, the planner's statistics are taken, and the rows are counted
on both sides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.store.db import Database

BATCH = 1000
# Tables that are the engine's own, not kabot's data.
_OWN = {"kabot_schema", "sqlite_sequence"}


class TransferError(Exception):
    """The move cannot be made (a target in use, counts that differ): one line to show."""


@dataclass(frozen=True, slots=True)
class Moved:
    rows: dict[str, int]  # table → rows, equal on both sides


async def tables(db: Database) -> list[str]:
    """kabot's tables, by name."""
    if db.engine == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    else:
        sql = (
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
    return sorted(r[0] for r in await db.fetch_all(sql) if r[0] not in _OWN)


async def _in_order(source: Database, names: list[str]) -> list[str]:
    """``names`` with every table after those it refers to (deferred references aside)."""
    needs: dict[str, set[str]] = {}
    for name in names:
        refs = await source.fetch_all(
            'SELECT "table", "to" FROM pragma_foreign_key_list(?)', (name,)
        )
        needs[name] = {r[0] for r in refs if r[0] != name}
    # business_units.responsible_staff_id → staff is DEFERRABLE INITIALLY DEFERRED: checked at
    # the commit, when staff is there too.
    needs.get("business_units", set()).discard("staff")
    ordered: list[str] = []
    while needs:
        ready = sorted(t for t, wanted in needs.items() if wanted <= set(ordered))
        if not ready:
            raise TransferError(f"the tables refer to each other in a circle: {sorted(needs)}")
        ordered += ready
        for t in ready:
            del needs[t]
    return ordered


async def counts(db: Database, names: list[str]) -> dict[str, int]:
    found = {}
    for name in names:
        row = await db.fetch_one(f'SELECT COUNT(*) FROM "{name}"')
        found[name] = int(row[0]) if row else 0
    return found


async def move(source: Database, target: Database, progress: Callable[[str, int], None]) -> Moved:
    """Copy every row of ``source`` into the empty ``target``; ``progress(table, rows)``
    after each table."""
    names = await tables(source)
    missing = sorted(set(names) - set(await tables(target)))
    if missing:
        raise TransferError(f"the target has no tables {missing}: is it kabot's?")
    there = {t: n for t, n in (await counts(target, names)).items() if n}
    if there:
        raise TransferError(f"the target is not empty ({there}): give an empty database")
    order = await _in_order(source, names)
    async with target.transaction():
        for name in order:
            columns = [
                r[1] for r in await source.fetch_all("SELECT * FROM pragma_table_info(?)", (name,))
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            insert = f'INSERT INTO "{name}" ({listed}) VALUES ({", ".join("?" * len(columns))})'
            last, copied = None, 0
            while True:
                rows = await source.fetch_all(
                    f'SELECT rowid AS kabot_rowid, {listed} FROM "{name}"'
                    + (" WHERE rowid > ?" if last is not None else "")
                    + " ORDER BY rowid LIMIT ?",
                    (*(() if last is None else (last,)), BATCH),
                )
                if not rows:
                    break
                await target.execute_many(insert, [tuple(r)[1:] for r in rows])
                last, copied = rows[-1][0], copied + len(rows)
            progress(name, copied)
    await target.identities_follow()
    await target.after_bulk_load()
    before, after = await counts(source, names), await counts(target, names)
    if before != after:
        differ = {t: (before[t], after[t]) for t in names if before[t] != after[t]}
        raise TransferError(f"the counts differ after the copy: {differ}")
    return Moved(after)
