"""Delivers the outbox: in order per chat, chats side by side, within Telegram's limits.

One attempt is one claimed row: the row is marked 'sending' and committed, the request is
made, and its outcome is committed. A crash between the request and the second commit leaves
the row 'sending'; the next start makes it again (the one window in which a message can
arrive twice). What Telegram asks to retry is retried with back-off and without limit in time
(429 after its retry_after, capped; 5xx, timeouts, lost connections); what cannot succeed is
recorded once, never dropped silently and never re-sent forever:

- a person who never wrote to kabot, or blocked it: their messages *wait* for their /start;
- a chat that is gone, or refuses a photo: *failed*, with Telegram's words (digest, /roster);
- an edit of a message that is gone, or the answer to a press that expired: *skipped*.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable
from typing import Any

from telegram import InputFile, InputMediaPhoto
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ExtBot

from bot.delivery import cancel
from bot.delivery.backoff import Backoff
from bot.delivery.outbox import INTERACTIVE
from bot.delivery.ratelimit import retry_after_seconds
from bot.store.outbox import CALLBACK_ANSWER, OutboxRepository, OutboxRow

_LOGGER = logging.getLogger(__name__)

# An edit or an answer whose message or press is gone: nothing to retry, nothing to report.
_GONE = (
    "message to edit not found",
    "message can't be edited",
    "query is too old",
    "query id is invalid",
    "message to delete not found",
)
# Requests whose text or caption is HTML (kabot writes every text so).
_HTML = frozenset(
    {"sendMessage", "editMessageText", "sendPhoto", "sendDocument", "editMessageCaption"}
)
_UPLOAD_FIELD = {"sendPhoto": "photo", "sendDocument": "document"}
REPLY_WORKERS = 4  # of the workers, kept for replies people wait for


class _Retry(Exception):
    def __init__(self, seconds: float | None, reason: str) -> None:
        super().__init__(reason)
        self.seconds, self.reason = seconds, reason


class Sender:
    def __init__(
        self,
        bot: ExtBot[Any],
        outbox: OutboxRepository,
        *,
        workers: int = 16,
        poll_seconds: float = 1.0,
        backoff: Backoff | None = None,
        request_timeout: float = 30.0,
        on_held: Callable[[int], None] | None = None,
    ) -> None:
        """``poll_seconds``: how often the table is looked at for rows another process wrote
        (``jobs run-due`` next to a running bot); rows written here wake the sender at once.
        ``request_timeout``: a slow answer is waited for this long before it counts as
        "maybe delivered" and is tried again."""
        self.bot, self.outbox = bot, outbox
        self.workers, self.poll_seconds = workers, poll_seconds
        self.backoff = backoff or Backoff()
        self.request_timeout = request_timeout
        self._wake = asyncio.Event()
        self._changed = asyncio.Event()
        self._flying: dict[int, asyncio.Task[None]] = {}
        self._flying_bulk: set[int] = set()
        self._resting: dict[int, float] = {}  # chat id → monotonic time it may be tried again
        self._failures: dict[int, int] = {}  # chat id → attempts failed in a row
        self._task: asyncio.Task[None] | None = None
        self._on_held = on_held
        self._backlog = False  # rows were pending that the last look did not start
        self._fresh: set[int] = set()  # rows handed over as their transaction committed
        # Deliveries to record: written together by one task while the store is busy.
        self._delivered: list[tuple[int, int | None, asyncio.Future[None]]] = []
        self._recorder: asyncio.Task[None] | None = None
        self.delivered = 0

    # ------------------------------------------------------------------ running

    def wake(self) -> None:
        self._wake.set()

    def may_take(self, chat_id: int) -> bool:
        return (
            self._task is not None
            and len(self._flying) < self.workers
            and self._resting.get(chat_id, 0) <= time.monotonic()
        )

    def take(self, row: OutboxRow) -> None:
        """A reply written claimed in a transaction that has committed: made at once (nothing
        written after it can have overtaken it yet, so it is not looked for)."""
        self._fresh.add(row.id)
        self._launch(row)

    async def start(self) -> None:
        await self.outbox.recover()
        self.outbox.courier = self
        self._task = asyncio.create_task(self._run(), name="kabot-sender")

    async def stop(self) -> None:
        """Stop taking rows; let the requests under way finish (briefly) so they are recorded."""
        if self.outbox.courier is self:
            self.outbox.courier = None
        await cancel(self._task)
        self._task = None
        if self._flying:
            _, late = await asyncio.wait(list(self._flying.values()), timeout=2.0)
            for task in late:  # left 'sending': made again at the next start
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._recorder is not None:
            await asyncio.wait([self._recorder], timeout=2.0)
            self._recorder.cancel()
            self._recorder = None

    async def _run(self) -> None:
        while True:
            self._wake.clear()  # before the look: a wake during it means look again
            try:
                started = await self._start_due()
            except Exception:  # the store failed for a moment: try again, do not die
                _LOGGER.exception("Outbox: could not read what is due")
                started = 0
            if started:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._pause())

    def _pause(self) -> float:
        now = time.monotonic()
        soonest = min((t - now for t in self._resting.values()), default=self.poll_seconds)
        return max(0.01, min(self.poll_seconds, soonest))

    async def _start_due(self) -> int:
        free = self.workers - len(self._flying)
        if free <= 0:
            return 0
        now = time.monotonic()
        started = 0
        # Bulk rows never take the last workers: a reply someone waits for always has one.
        bulk_free = self.workers - REPLY_WORKERS - len(self._flying_bulk)
        rows, pending = await self.outbox.due(limit=free + len(self._resting) + len(self._flying))
        for row in rows:
            if started >= free:
                break
            if row.id in self._flying or self._resting.get(row.chat_id, 0) > now:
                continue
            bulk = row.priority != INTERACTIVE
            if bulk and bulk_free <= 0:
                continue
            if not await self.outbox.claim(row):
                continue
            self._launch(row)
            if bulk:
                bulk_free -= 1
            started += 1
        # Rows left pending (behind another of their chat, resting, no worker free) are
        # looked for again when a request lands; otherwise a landing needs no look.
        self._backlog = pending > started
        return started

    def _launch(self, row: OutboxRow) -> None:
        task = asyncio.create_task(self._attempt(row), name=f"kabot-send-{row.id}")
        self._flying[row.id] = task
        if row.priority != INTERACTIVE:
            self._flying_bulk.add(row.id)
        task.add_done_callback(functools.partial(self._landed, row.id))

    def _landed(self, row_id: int, _: object) -> None:
        self._fresh.discard(row_id)
        self._flying.pop(row_id, None)
        self._flying_bulk.discard(row_id)
        self._changed.set()
        if self._backlog:
            self._wake.set()

    async def settle(self, within: float = 30.0) -> None:
        """Wait until nothing is due, nothing is under way and no chat is resting (tests, the
        sandbox, ``jobs run-due``); rows that wait for a person's /start do not count."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if not self._flying and not self._resting and not await self.outbox.in_flight():
                return
            self._changed.clear()
            self.wake()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), 0.05)
        raise TimeoutError("the outbox did not empty")

    async def drain(self, budget: float) -> int:
        """Deliver until nothing is due or ``budget`` seconds passed; how many were sent."""
        before = self.delivered
        await self.start()
        try:
            with contextlib.suppress(TimeoutError):
                await self.settle(budget)
        finally:
            await self.stop()
        return self.delivered - before

    # ------------------------------------------------------------------ one attempt

    async def _attempt(self, row: OutboxRow) -> None:
        try:
            await self._deliver(row)
        except _Retry as retry:
            failures = self._failures.get(row.chat_id, 0) + 1
            self._failures[row.chat_id] = failures
            wait = retry.seconds if retry.seconds is not None else self.backoff.after(failures)
            wait = min(wait, self.backoff.retry_after_cap)
            self._resting[row.chat_id] = time.monotonic() + wait
            _LOGGER.warning(
                "Outbox %s to %s: %s; again in %.1fs", row.id, row.chat_id, retry.reason, wait
            )
            await self._record(self.outbox.retry(row, retry.reason))
            asyncio.get_running_loop().call_later(wait, self._rested, row.chat_id)
            return
        except Exception:
            # A bug (or the store) failed after the request: try again later, not in a loop.
            _LOGGER.exception("Outbox %s: delivery failed", row.id)
            self._resting[row.chat_id] = time.monotonic() + self.backoff.most
            asyncio.get_running_loop().call_later(self.backoff.most, self._rested, row.chat_id)
            await self._record(self.outbox.retry(row, "internal error"))
            return
        self._failures.pop(row.chat_id, None)

    def _rested(self, chat_id: int) -> None:
        # A timer may fire a little before the monotonic clock says the rest is over (uvloop
        # keeps its time in milliseconds, read once a turn): it is set again for what is left,
        # or the chat would stay resting, and settle() waiting, for ever.
        left = self._resting.get(chat_id, 0) - time.monotonic()
        if left > 0:
            asyncio.get_running_loop().call_later(left, self._rested, chat_id)
            return
        self._resting.pop(chat_id, None)
        self.wake()

    @staticmethod
    async def _record(step: Any) -> None:
        """Write an outcome; a store that fails now leaves the row 'sending' for next start."""
        try:
            await step
        except Exception:
            _LOGGER.exception("Outbox: could not record an outcome")

    async def _deliver(self, row: OutboxRow) -> None:
        if row.id not in self._fresh and await self.outbox.superseded(row):
            await self.outbox.skip(row, "superseded")
            return
        kwargs = await self._arguments(row)
        if kwargs is None:
            await self.outbox.skip(row, "its message was never delivered")
            return
        if row.priority != INTERACTIVE and getattr(self.bot, "rate_limiter", None):
            kwargs["rate_limit_args"] = {"bulk": True}  # the limiter lets replies go first
        try:
            # The row's parameters as the Bot API takes them: no typed objects built and
            # taken apart again on the way out, nor a Message made of the answer.
            rate_limit_args = kwargs.pop("rate_limit_args", None)
            result = await self.bot.do_api_request(
                row.method,
                api_kwargs=kwargs,
                read_timeout=self.request_timeout,
                write_timeout=self.request_timeout,
                rate_limit_args=rate_limit_args,
            )
        except RetryAfter as exc:
            raise _Retry(retry_after_seconds(exc), "flood control") from exc
        except ChatMigrated as exc:
            await self.outbox.migrate(row.chat_id, exc.new_chat_id)
            raise _Retry(0.0, f"chat moved to {exc.new_chat_id}") from exc
        except Forbidden as exc:
            await self._refused(row, exc.message)
            return
        except BadRequest as exc:
            await self._bad_request(row, exc.message)
            return
        except (NetworkError, InvalidToken) as exc:
            # TimedOut and 5xx are NetworkErrors: Telegram may or may not have it; try again.
            raise _Retry(None, f"{type(exc).__name__}: {exc.message}") from exc
        except TelegramError as exc:
            await self.outbox.fail(row, exc.message)
            _LOGGER.warning("Outbox %s to %s failed: %s", row.id, row.chat_id, exc.message)
            return
        await self._record_delivered(row, _message_id(result))
        self.delivered += 1

    async def _record_delivered(self, row: OutboxRow, message_id: int | None) -> None:
        """Commit that ``row`` was delivered before the attempt ends. Deliveries that land
        while another is being written go together in the next statement (a press's answer
        and its edit, a fan-out's messages): no wait is added, the window in which a crash
        could make a message arrive twice stays the time to the commit."""
        done = asyncio.get_running_loop().create_future()
        self._delivered.append((row.id, message_id, done))
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._write_delivered(), name="kabot-sent")
        await done

    async def _write_delivered(self) -> None:
        while self._delivered:
            batch, self._delivered = self._delivered, []
            try:
                await self.outbox.sent_many(
                    [(row_id, message_id) for row_id, message_id, _ in batch]
                )
            except Exception as exc:
                for _, _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for _, _, done in batch:
                if not done.done():
                    done.set_result(None)

    async def _refused(self, row: OutboxRow, reason: str) -> None:
        if row.method == CALLBACK_ANSWER:
            await self.outbox.skip(row, reason)
        elif row.chat_id > 0:
            waiting = await self.outbox.hold(row, reason)
            _LOGGER.warning("Outbox: %s messages wait for %s (%s)", waiting, row.chat_id, reason)
            if self._on_held is not None:
                self._on_held(row.chat_id)
        else:
            await self.outbox.fail(row, reason)
            _LOGGER.warning("Outbox %s to group %s refused: %s", row.id, row.chat_id, reason)

    async def _bad_request(self, row: OutboxRow, reason: str) -> None:
        lowered = reason.lower()
        if "not modified" in lowered:
            await self.outbox.sent(row, row.target)
        elif any(gone in lowered for gone in _GONE):
            await self.outbox.skip(row, reason)
        else:
            await self.outbox.fail(row, reason)
            _LOGGER.warning("Outbox %s to %s refused: %s", row.id, row.chat_id, reason)

    async def _arguments(self, row: OutboxRow) -> dict[str, Any] | None:
        """The request's parameters; None when the message an edit is for is gone."""
        kwargs: dict[str, Any] = dict(row.params)
        if row.method != CALLBACK_ANSWER:
            kwargs["chat_id"] = row.chat_id
        if row.method in _HTML:
            kwargs["parse_mode"] = ParseMode.HTML
        reply_to = kwargs.pop("reply_to_message_id", None)
        if reply_to is not None:
            resolved = await self._resolve(reply_to)
            if resolved is not None:
                kwargs["reply_parameters"] = {"message_id": resolved}
        if row.target is not None:
            target = await self._resolve(row.target)
            if target is None:
                return None
            kwargs["message_id"] = target
        if row.method == "sendMediaGroup":
            # Each item: a file id, or {"file_id", "caption"} for a photo with its caption
            # (PTB takes an album's items only as its objects).
            kwargs["media"] = [
                InputMediaPhoto(item)
                if isinstance(item, str)
                else InputMediaPhoto(item["file_id"], caption=item.get("caption"))
                for item in kwargs["media"]
            ]
        if row.upload is not None:
            field = _UPLOAD_FIELD[row.method]
            kwargs[field] = InputFile(row.upload, filename=row.upload_name or field)
        return kwargs

    async def _resolve(self, message: int) -> int | None:
        if message > 0:
            return message
        status, message_id = await self.outbox.message_of(message)
        if status == "sent" and message_id is not None:
            return message_id
        if status in ("pending", "sending", "waiting"):
            # Only a reply to a message in another chat can get here before its message.
            raise _Retry(None, "the message it refers to is not delivered yet")
        return None


def _message_id(result: object) -> int | None:
    """The message id in Telegram's answer: a message, an album's messages, or True."""
    if isinstance(result, dict) and isinstance(result.get("message_id"), int):
        return int(result["message_id"])
    if isinstance(result, list) and result and isinstance(result[0], dict):
        first = result[0].get("message_id")
        return first if isinstance(first, int) else None
    return None
