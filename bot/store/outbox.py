"""The outbox: every Bot API request kabot means to make, written in the transaction of the
change that causes it, and delivered afterwards by :mod:`bot.delivery.sender`.

Messages to one chat are delivered in the order they were written; answers to button presses
are not held up behind them. A message is known by its *handle* until Telegram gives it an id:
``-id`` of its outbox row. Handles can be stored (a decision card's copies, a draft's question)
and edited; an edit of a message not yet delivered changes the row that will be delivered.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from bot.store.base import Repository
from bot.store.db import Database

JSON = dict[str, Any]

EDITS = ("editMessageText", "editMessageReplyMarkup", "editMessageCaption")
CALLBACK_ANSWER = "answerCallbackQuery"
REPLY = 0  # the priority of what someone is waiting for (a reply, an answer to a press)
# A row that may be sent now: pending, and an answer to a press or the first open message of
# its chat (messages to one chat go in the order they were written).
_DELIVERABLE = (
    "o.status = 'pending' AND (o.method = 'answerCallbackQuery'"
    " OR NOT EXISTS (SELECT 1 FROM outbox p WHERE p.chat_id = o.chat_id AND p.id < o.id"
    " AND p.status IN ('pending', 'sending', 'waiting') AND p.method != 'answerCallbackQuery'))"
)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    chat_id: int
    method: str
    params: JSON
    upload: bytes | None
    upload_name: str | None
    target: int | None
    priority: int
    status: str
    attempts: int
    message_id: int | None
    error: str | None
    created_at: str


@dataclass(frozen=True, slots=True)
class Undelivered:
    """Messages to one chat that could not be delivered, and why (Telegram's words)."""

    chat_id: int
    status: str  # waiting: for the person's /start; failed: given up
    count: int
    oldest: str
    reason: str | None
    name: str  # the person, or the unit whose group it is ("" if neither)
    unit_id: int | None


class Courier(Protocol):
    """The sender in this process, as the outbox sees it."""

    def may_take(self, chat_id: int) -> bool:
        """Could a reply to this chat start at once (a worker free, the chat not resting)?"""

    def take(self, row: OutboxRow) -> None:
        """Deliver this row, written as 'sending' in a transaction that has committed."""

    def wake(self) -> None:
        """Rows became pending: look at the table."""


def _row(r: Any) -> OutboxRow:
    return OutboxRow(
        id=r["id"],
        chat_id=r["chat_id"],
        method=r["method"],
        params=json.loads(r["params"]),
        upload=r["upload"],
        upload_name=r["upload_name"],
        target=r["target"],
        priority=r["priority"],
        status=r["status"],
        attempts=r["attempts"],
        message_id=r["message_id"],
        error=r["error"],
        created_at=r["created_at"],
    )


def _dumps(params: JSON) -> str:
    return json.dumps(params, ensure_ascii=False, separators=(",", ":"))


def note_handle(db: Database, handle: int, status: str, message_id: int | None) -> None:
    """What the handle of a row stands for, as read with the person writing (their form's
    question): :meth:`OutboxRepository.message_of` asks no more in this transaction. Only
    the sender changes a row's status or message id, in transactions of its own (and
    ``release``, which forgets these notes)."""
    notes = db.notes()
    if notes is not None:
        notes[("outbox.handle", handle)] = (status, message_id)


def note_open(db: Database, chat_id: int, behind: bool) -> None:
    """What the transaction open in this task learnt of a private chat: nothing waits in
    it and its person has written to kabot (not held), and whether a message is still to go
    or under way (behind). Only the transaction's own writes could change either, and those
    are noted over it."""
    notes = db.notes()
    if notes is not None:
        notes[("outbox.clear", chat_id)] = behind


class OutboxRepository(Repository):
    # ------------------------------------------------------------------ writing

    courier: Courier | None = None

    async def add(
        self,
        chat_id: int,
        method: str,
        params: JSON,
        *,
        priority: int = 1,
        upload: bytes | None = None,
        upload_name: str | None = None,
        target: int | None = None,
        keep_handle: bool = True,
    ) -> int:
        """One request to make; its handle (``-id``; 0 for an answer to a press, or when the
        caller keeps no handle: an edit). Joins the caller's transaction.

        A reply that may go at once — nothing before it in its chat, a sender worker free — is
        written claimed ('sending') and handed to the sender when the transaction commits, so
        it costs no second look at the table and no claim; a crash before the request leaves
        it 'sending', made at the next start like any request under way."""
        async with self.db.transaction():
            status, courier = "pending", self.courier
            notes, noted = self.db.notes(), ("outbox.open", chat_id)
            if method == CALLBACK_ANSWER:
                behind = False
            elif notes is not None and noted in notes:
                # A message to this chat was written in this transaction: this one is behind
                # it, and held if it was.
                held, behind = notes[noted], True
            elif notes is not None and ("outbox.clear", chat_id) in notes:
                # The person writing was read with their chat's state (see note_open).
                held, behind = False, notes[("outbox.clear", chat_id)]
            else:
                held, behind = await self._held_or_behind(chat_id)
            if method != CALLBACK_ANSWER and held:
                status = "waiting"
            if (
                status == "pending"
                and not behind
                and priority == REPLY
                and courier is not None
                and courier.may_take(chat_id)
            ):
                status = "sending"
            now = self.now_text()
            insert = (
                "INSERT INTO outbox (chat_id, method, params, upload, upload_name, target,"
                " priority, status, attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            )
            values = (
                chat_id, method, _dumps(params), upload, upload_name, target, priority, status,
                1 if status == "sending" else 0, now,
            )  # fmt: skip

            def made(row_id: int) -> None:
                if courier is not None and status == "sending":
                    row = OutboxRow(
                        row_id, chat_id, method, params, upload, upload_name, target, priority,
                        status, 1, None, None, now,
                    )  # fmt: skip
                    self.db.after_commit(functools.partial(courier.take, row))
                elif courier is not None and status == "pending":
                    self.db.after_commit(courier.wake)

            if notes is not None and method != CALLBACK_ANSWER:
                notes[noted] = status == "waiting"
            if method == CALLBACK_ANSWER or not keep_handle:
                # No handle wanted: the row goes to SQLite with the update's next statement
                # or its commit, in order, and is handed to the sender once it has its id (a
                # row written behind it waits for it in the table, see ``due``).
                await self.db.queue(insert, values, then=made)
                return 0
            row_id = await self.db.insert(insert, values)
            made(row_id)
        return -row_id

    async def _held_or_behind(self, chat_id: int) -> tuple[bool, bool]:
        """Held: a private chat whose messages wait — the person never wrote to kabot
        (Telegram lets no bot write first), or blocked it; what comes later waits behind what
        waits. Behind: a message to the chat is still to go or under way (order per chat)."""
        row = await self.db.fetch_one(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE chat_id = ? AND status = 'waiting')"
            " OR EXISTS (SELECT 1 FROM staff WHERE telegram_id = ? AND first_seen_at IS NULL)"
            " AS held, EXISTS (SELECT 1 FROM outbox WHERE chat_id = ?"
            " AND status IN ('pending', 'sending') AND method != 'answerCallbackQuery') AS behind",
            (chat_id, chat_id, chat_id),
        )
        assert row is not None
        return chat_id > 0 and bool(row["held"]), bool(row["behind"])

    async def edit(
        self, chat_id: int, message: int, method: str, params: JSON, priority: int
    ) -> None:
        """Change a message: one delivered (an id, or the handle of a delivered row), or fold
        the change into the row of one not delivered yet, so it goes out as it is now."""
        async with self.db.transaction():
            target = message
            if message < 0:
                row = await self.get(-message)
                if row is None or row.status in ("failed", "skipped"):
                    return
                if row.status in ("pending", "waiting") and row.method in (
                    "sendMessage",
                    "sendPhoto",
                    "sendDocument",
                ):
                    await self._fold(row, method, params)
                    return
                if row.status == "sent" and row.message_id is not None:
                    target = row.message_id
            await self.add(
                chat_id, method, params, priority=priority, target=target, keep_handle=False
            )

    async def _fold(self, row: OutboxRow, method: str, params: JSON) -> None:
        folded = dict(row.params)
        if method == "editMessageText":
            folded["text"] = params["text"]
        elif method == "editMessageCaption":
            folded["caption"] = params.get("caption")
        folded.pop("reply_markup", None)
        if params.get("reply_markup") is not None:
            folded["reply_markup"] = params["reply_markup"]
        await self.db.execute(
            "UPDATE outbox SET params = ? WHERE id = ?", (_dumps(folded), row.id)
        )

    # ------------------------------------------------------------------ delivering

    async def get(self, row_id: int) -> OutboxRow | None:
        r = await self.db.fetch_one("SELECT * FROM outbox WHERE id = ?", (row_id,))
        return _row(r) if r else None

    async def due(self, limit: int) -> tuple[list[OutboxRow], int]:
        """What may be sent now: the first open message of each chat (answers to presses
        whatever comes before them), people waiting before notices, oldest first; and how
        many rows are pending in all (those behind others too) — read in one statement."""
        rows = await self.db.fetch_all(
            "SELECT d.*, t.pending FROM (SELECT COUNT(*) AS pending FROM outbox"
            " WHERE status = 'pending') t LEFT JOIN (SELECT * FROM outbox o"
            f" WHERE {_DELIVERABLE} ORDER BY o.priority, o.id LIMIT ?) d ON 1 = 1"
            " ORDER BY d.priority, d.id",
            (limit,),
        )
        pending = int(rows[0]["pending"]) if rows else 0
        return [_row(r) for r in rows if r["id"] is not None], pending

    async def in_flight(self) -> bool:
        """A request under way (this process's, or another's), or one due to start — asked
        in one statement, so a row moving from one to the other is never missed."""
        row = await self.db.fetch_one(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE status = 'sending')"
            f" OR EXISTS (SELECT 1 FROM outbox o WHERE {_DELIVERABLE}) AS busy"
        )
        return bool(row and row["busy"])

    async def claim(self, row: OutboxRow) -> bool:
        """Take a row for one attempt; False if another sender took it."""
        return bool(
            await self.db.changes(
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1"
                " WHERE id = ? AND status = 'pending'",
                (row.id,),
            )
        )

    async def superseded(self, row: OutboxRow) -> bool:
        """An edit that a later edit of the same message will overwrite anyway."""
        if row.method not in EDITS or row.target is None:
            return False
        later = ("editMessageText",) if row.method == "editMessageText" else EDITS
        marks = ",".join("?" * len(later))
        found = await self.db.fetch_one(
            f"SELECT 1 FROM outbox WHERE chat_id = ? AND target = ? AND id > ?"
            f" AND status IN ('pending', 'waiting') AND method IN ({marks})",
            (row.chat_id, row.target, row.id, *later),
        )
        return found is not None

    async def message_of(self, handle: int) -> tuple[str, int | None]:
        """What a handle stands for now: (status of its row, Telegram's message id)."""
        notes = self.db.notes()
        if notes is not None and ("outbox.handle", handle) in notes:
            noted: tuple[str, int | None] = notes[("outbox.handle", handle)]
            return noted
        row = await self.get(-handle)
        if row is None:
            return "failed", None
        return row.status, row.message_id

    async def sent(self, row: OutboxRow, message_id: int | None) -> None:
        await self.sent_many([(row.id, message_id)])

    async def sent_many(self, delivered: list[tuple[int, int | None]]) -> None:
        """Rows delivered (row id, Telegram's message id), recorded in one statement, whose
        commit need not wait for the disk: lost in a crash of the database server, the rows
        are 'sending' and made again at the next start — the window a crash between a request
        and its record has anyway, a fraction of a second longer (and a crash of kabot loses
        nothing)."""
        cases = " ".join("WHEN ? THEN CAST(? AS BIGINT)" for _ in delivered)
        marks = ",".join("?" * len(delivered))
        params: list[object] = [value for pair in delivered for value in pair]
        await self.db.execute(
            f"UPDATE outbox SET status = 'sent', message_id = CASE id {cases} END,"
            f" sent_at = ?, upload = NULL, error = NULL WHERE id IN ({marks})",
            (*params, self.now_text(), *(row_id for row_id, _ in delivered)),
            flush=False,
        )

    async def retry(self, row: OutboxRow, error: str) -> None:
        await self.db.execute(
            "UPDATE outbox SET status = 'pending', error = ? WHERE id = ?", (error, row.id)
        )

    async def skip(self, row: OutboxRow, reason: str) -> None:
        await self.db.execute(
            "UPDATE outbox SET status = 'skipped', error = ?, upload = NULL WHERE id = ?",
            (reason, row.id),
        )

    async def fail(self, row: OutboxRow, error: str) -> None:
        await self.db.execute(
            "UPDATE outbox SET status = 'failed', error = ?, upload = NULL WHERE id = ?",
            (error, row.id),
        )

    async def hold(self, row: OutboxRow, error: str) -> int:
        """The person cannot be written to (never wrote, blocked kabot): this message and
        every open one to them wait for their next /start. How many wait now."""
        async with self.db.transaction():
            await self.db.execute(
                "UPDATE outbox SET status = 'waiting', error = ? WHERE id = ?", (error, row.id)
            )
            await self.db.execute(
                "UPDATE outbox SET status = 'waiting' WHERE chat_id = ? AND status = 'pending'"
                " AND method != ?",
                (row.chat_id, CALLBACK_ANSWER),
            )
            return await self.waiting_for(row.chat_id)

    async def release(self, chat_id: int) -> int:
        """The person wrote to kabot: what waited for them is delivered, oldest first."""
        released = await self.db.changes(
            "UPDATE outbox SET status = 'pending' WHERE chat_id = ? AND status = 'waiting'",
            (chat_id,),
        )
        if released:
            notes = self.db.notes()
            if notes is not None:
                notes.pop(("outbox.open", chat_id), None)
                for key in [k for k in notes if k[0] == "outbox.handle"]:
                    del notes[key]
            if self.courier is not None:
                self.db.after_commit(self.courier.wake)
        return released

    async def waiting_for(self, chat_id: int) -> int:
        row = await self.db.fetch_one(
            "SELECT COUNT(*) AS n FROM outbox WHERE chat_id = ? AND status = 'waiting'",
            (chat_id,),
        )
        return int(row["n"]) if row else 0

    async def migrate(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: what is still to go there goes to its new id."""
        await self.db.execute(
            "UPDATE outbox SET chat_id = ? WHERE chat_id = ? AND status IN"
            " ('pending', 'sending', 'waiting')",
            (new_chat_id, old_chat_id),
        )

    async def recover(self) -> int:
        """At start: requests a dead process had under way are made again. Each may have
        reached Telegram — the one window in which a message can arrive twice."""
        return await self.db.changes(
            "UPDATE outbox SET status = 'pending' WHERE status = 'sending'"
        )

    async def prune(self, keep: timedelta = timedelta(days=30)) -> int:
        """Forget what was delivered (or given up on) over ``keep`` ago — the message texts
        with it — except rows whose handle is still stored somewhere: a card's copies, a
        group post, a fine's notice, a draft's question, which may still be edited."""
        cutoff = (self.clock.now() - keep).isoformat(timespec="seconds")
        return await self.db.changes(
            "DELETE FROM outbox WHERE status IN ('sent', 'skipped', 'failed') AND created_at < ?"
            " AND -id NOT IN (SELECT message_id FROM decision_cards WHERE message_id < 0)"
            " AND -id NOT IN (SELECT message_id FROM report_posts WHERE message_id < 0)"
            " AND -id NOT IN (SELECT message_id FROM ledger_posts WHERE message_id < 0)"
            " AND -id NOT IN (SELECT prompt_message_id FROM drafts"
            " WHERE prompt_message_id < 0)",
            (cutoff,),
        )

    # ------------------------------------------------------------------ reading back

    async def depth(self) -> int:
        """Messages not delivered yet (pending or in flight)."""
        row = await self.db.fetch_one(
            "SELECT COUNT(*) AS n FROM outbox WHERE status IN ('pending', 'sending')"
        )
        return int(row["n"]) if row else 0

    async def undelivered(self, chat_ids: list[int] | None = None) -> list[Undelivered]:
        """Chats with messages waiting for a /start or given up on, with whose chat it is
        (answers to presses, which lose their point in seconds, are not counted)."""
        where, params = "", list[object]()
        if chat_ids is not None:
            if not chat_ids:
                return []
            where = f" AND o.chat_id IN ({','.join('?' * len(chat_ids))})"
            params += chat_ids
        rows = await self.db.fetch_all(
            "SELECT o.chat_id, o.status, COUNT(*) AS n, MIN(o.created_at) AS oldest,"
            " MAX(o.error) AS why, COALESCE(s.name, u.name, '') AS name,"
            " COALESCE(s.unit_id, u.id) AS unit_id"
            " FROM outbox o LEFT JOIN staff s ON s.telegram_id = o.chat_id"
            " LEFT JOIN business_units u ON u.group_chat_id = o.chat_id"
            " WHERE o.status IN ('waiting', 'failed') AND o.method != 'answerCallbackQuery'"
            f"{where} GROUP BY o.chat_id, o.status, s.name, u.name, s.unit_id, u.id"
            " ORDER BY oldest",
            params,
        )
        return [
            Undelivered(
                r["chat_id"],
                r["status"],
                int(r["n"]),
                r["oldest"],
                r["why"],
                r["name"],
                r["unit_id"],
            )
            for r in rows
        ]
