"""The one place kabot reads the time from.

Handlers, stores and (later) schedules take a :class:`Clock`, so tests and the sandbox's time
machine can move time without sleeping.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    tz: ZoneInfo

    def now(self) -> datetime:
        """The current moment, aware, in kabot's time zone."""
        ...


class SystemClock:
    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def now(self) -> datetime:
        return datetime.now(self.tz)


class ManualClock:
    """A clock that only moves when told to (tests, the sandbox's time machine)."""

    def __init__(self, start: datetime, tz: ZoneInfo | None = None) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self.tz = tz or ZoneInfo(str(start.tzinfo))
        self._now = start.astimezone(self.tz)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.tz)
        self._now = moment.astimezone(self.tz)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class OffsetClock:
    """The system clock moved by an offset: the sandbox's time machine jumps to a date and
    time goes on from there."""

    def __init__(self, tz: ZoneInfo, offset: timedelta = timedelta(0)) -> None:
        self.tz = tz
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(self.tz) + self.offset

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.tz)
        self.offset = moment - datetime.now(self.tz)
