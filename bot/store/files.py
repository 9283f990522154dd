"""The index of the files kabot keeps (see migration 0020); the files live in the data folder."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.base import Repository
from bot.store.db import Row


@dataclass(frozen=True, slots=True)
class StoredFile:
    unique_id: str
    file_id: str
    name: str | None
    mime_type: str | None
    size: int | None
    sha256: str | None
    status: str

    @property
    def relative_path(self) -> str | None:
        """Where it is below the data folder, once stored."""
        return f"files/{self.sha256[:2]}/{self.sha256}" if self.sha256 else None


def _file(row: Row) -> StoredFile:
    return StoredFile(
        row["unique_id"],
        row["file_id"],
        row["name"],
        row["mime_type"],
        row["size"],
        row["sha256"],
        row["status"],
    )


class FileRepository(Repository):
    async def want(
        self,
        unique_id: str,
        file_id: str,
        *,
        name: str | None,
        mime_type: str | None,
        size: int | None,
    ) -> None:
        """A file arrived: it is to be downloaded (once, however often it is sent)."""
        await self.db.execute(
            "INSERT INTO stored_files (unique_id, file_id, name, mime_type, size, received_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (unique_id) DO NOTHING",
            (unique_id, file_id, name, mime_type, size, self.now_text()),
        )

    async def pending(self, limit: int) -> list[StoredFile]:
        rows = await self.db.fetch_all(
            "SELECT * FROM stored_files WHERE status = 'pending' ORDER BY received_at LIMIT ?",
            (limit,),
        )
        return [_file(r) for r in rows]

    async def stored(self, unique_id: str, sha256: str, size: int) -> None:
        await self.db.execute(
            "UPDATE stored_files SET status = 'stored', sha256 = ?, size = ?, stored_at = ?,"
            " error = NULL WHERE unique_id = ?",
            (sha256, size, self.now_text(), unique_id),
        )

    async def attempt_failed(self, unique_id: str, error: str) -> int:
        """One more failed download; how many there have been."""
        async with self.db.transaction():
            await self.db.execute(
                "UPDATE stored_files SET attempts = attempts + 1, error = ? WHERE unique_id = ?",
                (error, unique_id),
            )
            row = await self.db.fetch_one(
                "SELECT attempts FROM stored_files WHERE unique_id = ?", (unique_id,)
            )
        return int(row["attempts"]) if row else 0

    async def give_up(self, unique_id: str, status: str, error: str) -> None:
        """Telegram will not hand it over: over its 20 MB download limit, or gone."""
        await self.db.execute(
            "UPDATE stored_files SET status = ?, error = ? WHERE unique_id = ?",
            (status, error, unique_id),
        )

    async def by_unique_ids(self, unique_ids: list[str]) -> dict[str, StoredFile]:
        if not unique_ids:
            return {}
        marks = ",".join("?" * len(unique_ids))
        rows = await self.db.fetch_all(
            f"SELECT * FROM stored_files WHERE unique_id IN ({marks})", unique_ids
        )
        return {r["unique_id"]: _file(r) for r in rows}
