"""When kabot speaks: not in quiet hours nor on rest days; when an obligation becomes
overdue; when a notice counts as late; until when a reminder is put off."""

from __future__ import annotations

from datetime import datetime, time, timedelta, tzinfo

from bot.models import Obligation
from bot.reminders.calendar import is_working_day, rest_days_after
from bot.reminders.rules import GeneralRules, Rules

# A notice sent this long after its moment is marked late (kabot was down, say).
LATE_AFTER = timedelta(hours=1)


def overdue_at(obligation: Obligation, general: GeneralRules, tz: tzinfo | None) -> datetime:
    """When the overdue notice is due: a deadline with its hour (R10's 24 hours) at that
    hour, a deadline day the morning after it, at the reminder time."""
    next_day = obligation.due_on + timedelta(days=1)
    return obligation.due_at or datetime.combine(next_day, general.reminder_time, tz)


def _in_quiet_hours(general: GeneralRules, moment: time) -> bool:
    start, end = general.quiet_from, general.quiet_until
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


def quiet(rules: Rules, now: datetime) -> bool:
    """Whether kabot holds its notices back now: in quiet hours, and all day on rest days
    (weekends, public holidays; a 调休 Saturday is a working day). What waits goes out at the
    next working morning; deadlines stay where they are."""
    return _in_quiet_hours(rules.general, now.timetz().replace(tzinfo=None)) or not is_working_day(
        now.date(), rules.calendar
    )


def snooze_until(length: str, now: datetime, rules: Rules) -> datetime:
    """An hour from now, or the next working day at the reminder time (Monday, when it is
    pressed on a Friday: nothing is sent on rest days)."""
    if length == "hour":
        return now + timedelta(hours=1)
    day = now.date() + timedelta(days=1)
    day += timedelta(days=rest_days_after(now.date(), rules.calendar))
    return datetime.combine(day, rules.general.reminder_time, now.tzinfo)
