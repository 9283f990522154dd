"""Drafts of reports being written — written through on every answer, so a restart loses none."""

from __future__ import annotations

import json
from datetime import datetime

from bot.models import Answers, Draft
from bot.store.base import Repository
from bot.store.db import Row


def _draft(row: Row) -> Draft:
    return Draft(
        id=row["id"],
        staff_id=row["staff_id"],
        form=row["form"],
        step=row["step"],
        seq=row["seq"],
        answers=json.loads(row["answers"]),
        returning=bool(row["back_to_summary"]),
        report_id=row["report_id"],
        prompt_message_id=row["prompt_message_id"],
        media_group=row["media_group"],
        updated_at=datetime.fromisoformat(row["updated_at"]),
    )


def _json(answers: Answers) -> str:
    return json.dumps(answers, ensure_ascii=False, sort_keys=True)


class DraftRepository(Repository):
    async def of(self, staff_id: int) -> Draft | None:
        row = await self.db.fetch_one("SELECT * FROM drafts WHERE staff_id = ?", (staff_id,))
        return _draft(row) if row else None

    async def begin(
        self,
        staff_id: int,
        form: str,
        step: str,
        answers: Answers,
        *,
        report_id: int | None = None,
    ) -> Draft:
        """A new draft, replacing whatever draft the person had."""
        now = self.now_text()
        async with self.db.transaction():
            await self.db.execute("DELETE FROM drafts WHERE staff_id = ?", (staff_id,))
            draft_id = await self.db.execute(
                "INSERT INTO drafts (staff_id, form, step, answers, report_id, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (staff_id, form, step, _json(answers), report_id, now, now),
            )
            row = await self.db.fetch_one("SELECT * FROM drafts WHERE id = ?", (draft_id,))
        assert row is not None
        return _draft(row)

    async def save(self, draft: Draft) -> Draft:
        """Write the draft as it is now (its id must still be the person's draft)."""
        now = self.now_text()
        await self.db.execute(
            "UPDATE drafts SET step = ?, seq = ?, answers = ?, back_to_summary = ?,"
            " prompt_message_id = ?, media_group = ?, updated_at = ? WHERE id = ?",
            (
                draft.step,
                draft.seq,
                _json(draft.answers),
                int(draft.returning),
                draft.prompt_message_id,
                draft.media_group,
                now,
                draft.id,
            ),
        )
        return draft

    async def discard(self, draft_id: int) -> bool:
        """Drop a draft; False when it was gone already (submitted or cancelled)."""
        return await self.db.changes("DELETE FROM drafts WHERE id = ?", (draft_id,)) > 0
