"""Drafts of reports being written — written through on every answer, so a restart loses none."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import datetime

from bot.models import Answers, Draft
from bot.store.base import Repository
from bot.store.db import Database, Row

_COLUMNS = (
    "id", "staff_id", "form", "step", "seq", "answers", "back_to_summary", "report_id",
    "prompt_message_id", "media_group", "updated_at",
)  # fmt: skip
# A draft's columns read along with its person (see StaffRepository.writing): "draft_"…
JOINED = ", ".join(f"d.{c} AS draft_{c}" for c in _COLUMNS)


def _draft(row: Row, prefix: str = "") -> Draft:
    return Draft(
        id=row[prefix + "id"],
        staff_id=row[prefix + "staff_id"],
        form=row[prefix + "form"],
        step=row[prefix + "step"],
        seq=row[prefix + "seq"],
        answers=json.loads(row[prefix + "answers"]),
        returning=bool(row[prefix + "back_to_summary"]),
        report_id=row[prefix + "report_id"],
        prompt_message_id=row[prefix + "prompt_message_id"],
        media_group=row[prefix + "media_group"],
        updated_at=datetime.fromisoformat(row[prefix + "updated_at"]),
    )


def note_joined(db: Database, staff_id: int, row: Row) -> None:
    """The person's draft (or none) as read with ``JOINED``: the transaction open in this
    task asks no more, until it writes a draft."""
    _note(db, staff_id, _draft(row, "draft_") if row["draft_id"] is not None else None)


def _note(db: Database, staff_id: int, draft: Draft | None) -> None:
    kept = None if draft is None else replace(draft, answers=copy.deepcopy(draft.answers))
    db.remember(("draft", staff_id), kept, ("drafts",))


def _json(answers: Answers) -> str:
    return json.dumps(answers, ensure_ascii=False, sort_keys=True)


class DraftRepository(Repository):
    async def of(self, staff_id: int) -> Draft | None:
        known, noted = self.db.recall(("draft", staff_id))
        if known:
            # A copy: answers changed by a caller and not saved stay out of what is kept.
            return None if noted is None else replace(noted, answers=copy.deepcopy(noted.answers))
        row = await self.db.fetch_one("SELECT * FROM drafts WHERE staff_id = ?", (staff_id,))
        draft = _draft(row) if row else None
        _note(self.db, staff_id, draft)
        return draft

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
            await self.db.queue("DELETE FROM drafts WHERE staff_id = ?", (staff_id,))
            row = await self.db.fetch_one(
                "INSERT INTO drafts (staff_id, form, step, answers, report_id, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
                (staff_id, form, step, _json(answers), report_id, now, now),
            )
            assert row is not None
            draft = _draft(row)
            _note(self.db, staff_id, draft)
        return draft

    async def save(self, draft: Draft) -> Draft:
        """Write the draft as it is now (its id must still be the person's draft); queued
        with the update's next statement or its commit."""
        now = self.now_text()
        await self.db.queue(
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
        _note(self.db, draft.staff_id, replace(draft, updated_at=datetime.fromisoformat(now)))
        return draft

    async def discard(self, draft_id: int) -> bool:
        """Drop a draft; False when it was gone already (submitted or cancelled)."""
        return await self.db.changes("DELETE FROM drafts WHERE id = ?", (draft_id,)) > 0
