"""Days as the manual counts them: calendar months, and China's official working days.

"No holiday extension" deadlines (遇节假日不得顺延) stay on their date; working-day rules
(R11) skip weekends and public holidays and count the weekend days made working (调休), as
published by the State Council — kept by the ``chinese_calendar`` library, which knows the
years it has been told about. Beyond those, Monday to Friday is the best guess, and said so.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

_LOGGER = logging.getLogger(__name__)
_warned: set[int] = set()


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """The rules file's ``[calendar]``: days an office adds as rest days, or as working
    days (a 调休 the library does not know yet), over the official calendar."""

    rest: frozenset[date] = frozenset()
    work: frozenset[date] = frozenset()

    def knows(self, year: int) -> bool:
        """Whether the working days of ``year`` are known: published (the library), or
        written into the rules file."""
        if any(d.year == year for d in self.rest | self.work):
            return True
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            return False
        return True


OFFICIAL = WorkCalendar()


def is_working_day(day: date, cal: WorkCalendar = OFFICIAL) -> bool:
    if day in cal.work:
        return True
    if day in cal.rest:
        return False
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if day.year not in _warned:
            _warned.add(day.year)
            _LOGGER.warning(
                "No official holiday calendar for %s yet (update chinese-calendar):"
                " counting Monday to Friday",
                day.year,
            )
        return day.weekday() < 5


def deadline_day(holidays: str, day: date, cal: WorkCalendar = OFFICIAL) -> date:
    """A deadline's day under a rule's ``holidays``: "keep" (遇节假日不得顺延) leaves it where
    it fell; "working_days" moves one that falls on a rest day on to the next working day."""
    if holidays != "working_days":
        return day
    while not is_working_day(day, cal):
        day += timedelta(days=1)
    return day


def working_before(day: date, cal: WorkCalendar = OFFICIAL) -> date:
    """``day`` itself when it is a working day, else the last working day before it: where a
    reminder that would fall on a rest day is sent instead."""
    while not is_working_day(day, cal):
        day -= timedelta(days=1)
    return day


def rest_days_after(day: date, cal: WorkCalendar = OFFICIAL) -> int:
    """How many rest days follow ``day`` before the next working day (国庆: seven or so)."""
    count = 0
    while not is_working_day(day + timedelta(days=count + 1), cal) and count < MAX_REST_RUN:
        count += 1
    return count


# No rest stretch is longer (the Spring Festival and 国庆 are eight or nine days).
MAX_REST_RUN = 31


def add_working_days(start: date, count: int, cal: WorkCalendar = OFFICIAL) -> date:
    """The ``count``-th working day after ``start``."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day, cal):
            count -= 1
    return day


def day_of_month(year: int, month: int, day: int | None) -> date:
    """The ``day``-th of the month, or its last day when the month is shorter (or day is None):
    "the 30th" is 28 February."""
    last = calendar.monthrange(year, month)[1]
    return date(year, month, last if day is None else min(day, last))


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    index = start.year * 12 + start.month - 1 + months
    return day_of_month(index // 12, index % 12 + 1, start.day)
