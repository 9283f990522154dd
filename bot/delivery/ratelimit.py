"""Keep within Telegram's limits.

PTB's AIORateLimiter lets more than 20 messages a minute through to a group (PTB #3772) and
leaves RetryAfter to the caller by default, so kabot throttles with exact sliding windows:
at most 30 bulk messages in any second overall and 20 in any minute per group.

Telegram's FAQ puts the 30 a second on *bulk notifications*; a reply in the private chat of
the person whose message or press it answers counts against that chat alone (about one a
second, short bursts allowed), and kabot sends one reply per thing a person did, so the
person's own pace keeps it there. Such replies are not held by the overall window: a busy
morning of people filing visits is not capped at 30 replies a second, and notices go at
their full rate meanwhile. Everything in a group counts against both windows.

Requests that put something in a chat come from the outbox's sender, which decides retries
itself (the row waits in the outbox; nothing is held here): they are throttled, never retried
here. Other requests (setMyCommands, getFile, getMe) wait out a 429 and retry a 5xx with
back-off; a timeout is not retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

_LOGGER = logging.getLogger(__name__)

# Methods that put something in a chat (and so count against Telegram's limits).
SENDING = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "sendLocation",
        "sendVoice",
        "sendVideo",
        "sendAnimation",
        "sendSticker",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "editMessageMedia",
    }
)
# A Bot API call as PTB hands it to the limiter, and what it returns.
ApiResult = bool | dict[str, Any] | list[dict[str, Any]]
ApiCall = Callable[..., Coroutine[Any, Any, ApiResult]]

OVERALL_PER_SECOND = 30
GROUP_PER_MINUTE = 20
# Slots of the overall second a bulk message (a notice, a reminder) leaves free, so a reply
# someone is waiting for never queues behind a fan-out; and bulk waits while a reply does.
INTERACTIVE_HEADROOM = 1
# The longest flood wait sat out inside a request (messages never wait here: the outbox does).
RETRY_AFTER_CAP = 10.0


class SlidingWindow:
    """Allows ``limit`` events in any ``period`` seconds.

    An event is recorded when its request starts and moved to when its answer came: Telegram
    counts a message when it arrives, which is somewhere in between, so the window stays
    safe however long a request was under way.
    """

    def __init__(self, limit: int, period: float, clock: Callable[[], float]) -> None:
        self.limit, self.period, self._clock = limit, period, clock
        self._events: deque[list[float]] = deque()

    def wait_time(self, spare: int = 0) -> float:
        """How long until an event fits, leaving ``spare`` of the limit free."""
        now = self._clock()
        while self._events and now - self._events[0][0] >= self.period:
            self._events.popleft()
        allowed = max(self.limit - spare, 1)
        if len(self._events) < allowed:
            return 0.0
        return self.period - (now - self._events[-allowed][0])

    def record(self) -> list[float]:
        event = [self._clock()]
        self._events.append(event)
        return event

    def done(self, event: list[float], arrived: bool = True) -> None:
        """The answer came: the event counts from now — or not at all, when Telegram
        refused the message (a 429: nothing arrived)."""
        if arrived:
            event[0] = self._clock()
            return
        with contextlib.suppress(ValueError):  # already out of the window
            self._events.remove(event)


class _Windows:
    """The windows of one bot: overall and per group, and the lock that guards them."""

    def __init__(self, clock: Callable[[], float], overall: int, per_group: int) -> None:
        self.overall = SlidingWindow(overall, 1.0, clock)
        self.groups: dict[int | str, SlidingWindow] = defaultdict(
            lambda: SlidingWindow(per_group, 60.0, clock)
        )
        # A thread lock, held only to check and record: the bot and an in-process
        # `jobs run-due` (its own thread and event loop) share one bot's windows.
        self.lock = threading.Lock()
        self.replies_waiting = 0  # interactive requests waiting for a slot: bulk yields


# Telegram counts a bot's messages whatever sends them: limiters of one token share windows.
_SHARED: dict[str, _Windows] = {}
_SHARED_LOCK = threading.Lock()


class KabotRateLimiter(BaseRateLimiter[dict[str, Any]]):
    def __init__(
        self,
        *,
        max_retries: int = 5,
        server_error_backoff: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        shared_by: str | None = None,
        overall_per_second: int = OVERALL_PER_SECOND,
        group_per_minute: int = GROUP_PER_MINUTE,
    ) -> None:
        """``shared_by``: the bot's token, so every limiter of that bot in this process
        counts against the same windows (a running bot and a catch-up run, say). The limits
        are Telegram's; a local Bot API without them (a benchmark) may lift them."""
        self.max_retries = max_retries
        self.server_error_backoff = server_error_backoff
        windows = _Windows(clock, overall_per_second, group_per_minute)
        if shared_by is None:
            self._windows = windows
        else:
            with _SHARED_LOCK:
                self._windows = _SHARED.setdefault(shared_by, windows)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def _take_slot(self, chat_id: Any, bulk: bool) -> list[list[float]]:
        """Wait for a free slot in the overall window (and the group's), then take it.

        The lock only guards the check-and-record; waiting happens outside it, so a group
        at its 20-a-minute limit never holds up private replies or other groups. A bulk
        message leaves ``INTERACTIVE_HEADROOM`` slots free and waits while a reply waits.
        """
        group = self._group_of(chat_id)
        if group is None and not bulk:
            return []  # a reply in a private chat: the person's own pace (see above)
        windows = self._windows
        waiting_counted = False
        try:
            while True:
                with windows.lock:
                    spare = INTERACTIVE_HEADROOM if bulk else 0
                    wait = windows.overall.wait_time(spare)
                    if bulk and windows.replies_waiting:
                        wait = max(wait, 0.005)
                    if group is not None:
                        wait = max(wait, windows.groups[group].wait_time())
                    if wait <= 0:
                        events = [windows.overall.record()]
                        if group is not None:
                            events.append(windows.groups[group].record())
                        return events
                    if not bulk and not waiting_counted:
                        windows.replies_waiting += 1
                        waiting_counted = True
                await asyncio.sleep(wait)
        finally:
            if waiting_counted:
                with windows.lock:
                    windows.replies_waiting -= 1

    def _finished(self, chat_id: Any, events: list[list[float]], arrived: bool) -> None:
        if not events:
            return
        windows = self._windows
        with windows.lock:
            windows.overall.done(events[0], arrived)
            group = self._group_of(chat_id)
            if group is not None and len(events) > 1:
                windows.groups[group].done(events[1], arrived)

    @staticmethod
    def _group_of(chat_id: Any) -> int | str | None:
        if isinstance(chat_id, str):
            return chat_id if chat_id.startswith("@") else _group_id(chat_id)
        if isinstance(chat_id, int) and chat_id < 0:
            return chat_id
        return None

    async def process_request(
        self,
        callback: ApiCall,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> ApiResult:
        """``rate_limit_args``: ``{"bulk": True}`` for a notice (the outbox's sender says
        which rows are bulk); anything else is a reply someone waits for."""
        bulk = bool(rate_limit_args and rate_limit_args.get("bulk"))
        if endpoint in SENDING:
            return await self._send(callback, args, kwargs, endpoint, data, bulk)
        attempt = 0
        while True:
            try:
                return await self._send(callback, args, kwargs, endpoint, data, bulk)
            except RetryAfter as exc:
                attempt += 1
                if attempt > self.max_retries:
                    raise
                seconds = retry_after_seconds(exc)
                if seconds > RETRY_AFTER_CAP:
                    # Minutes of flood control are an outage: the caller goes on without it
                    # (a command menu, say) rather than hold a person's update that long.
                    raise
                _LOGGER.warning("%s: flood control, retrying in %ss", endpoint, seconds)
                await asyncio.sleep(seconds + 0.1)
            except (TimedOut, BadRequest):
                # BadRequest is a NetworkError in PTB, but asking again gets the same answer.
                raise
            except NetworkError as exc:
                attempt += 1
                if endpoint == "getUpdates" or attempt > self.max_retries:
                    raise
                delay = self.server_error_backoff * 2 ** (attempt - 1)
                _LOGGER.warning("%s failed (%s), retrying in %.1fs", endpoint, exc, delay)
                await asyncio.sleep(delay)

    async def _send(
        self,
        callback: ApiCall,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        bulk: bool,
    ) -> ApiResult:
        """One request, inside the limits if it puts something in a chat."""
        if endpoint not in SENDING:
            return await callback(*args, **kwargs)
        chat_id = data.get("chat_id")
        # An album arrives as one message per photo, and counts so.
        messages = len(data.get("media") or ()) if endpoint == "sendMediaGroup" else 1
        taken = [await self._take_slot(chat_id, bulk) for _ in range(max(messages, 1))]
        arrived = True
        try:
            return await callback(*args, **kwargs)
        except RetryAfter:
            arrived = False  # refused, not delivered: its slot goes to the next message
            raise
        finally:
            for events in taken:
                self._finished(chat_id, events, arrived)


def retry_after_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after  # a timedelta with PTB_TIMEDELTA (bot/__init__.py), else seconds
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _group_id(text: str) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return None
    return value if value < 0 else None
