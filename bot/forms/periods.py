"""Periods: a promotion's or a leave's first and last day, as people write them — two days
("12月1日至12月31日", "12/1-12/31", "Dec 1 - 31") read with the day grammar of
``bot.forms.when``, or the words offices plan by (上旬, 月底, 国庆期间, 春节前两周, 年底 …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from lunardate import LunarDate

from bot.forms.when import (
    _CN_NUM,
    _MONTH_OFFSETS_ZH,
    _NOISE,
    _TRAILING,
    _alternation,
    _chinese_number,
    _read,
    _shift_month,
    normalise,
)


@dataclass(frozen=True, slots=True)
class Period:
    """A promotion's period: first and last day, both included."""

    first: date
    last: date


_PERIOD_SEPARATORS = ("至", "到", "~", "—", "–", " to ", " until ", " till ", "-")
_BARE_DAY = re.compile(r"^(\d{1,2})\s*(?:日|号|th|st|nd|rd)?$")


def _one_day(text: str, now: datetime, after: date | None) -> date | None:
    text = _TRAILING.sub("", _NOISE.sub("", text.strip()))
    if after is not None and (m := _BARE_DAY.match(text)):
        try:
            return after.replace(day=int(m[1]))
        except ValueError:
            return None
    found = _read(text, now, "near")
    # 12/1 in a period is month/day: a promotion's dates are written the Chinese way.
    return found[0].day if found else None


# The words Chinese offices plan and promote by. Parts of a month: first and last day (a
# negative day counts from the month's end: 月底 is its last five days).
_TENS = {"上旬": (1, 10), "中旬": (11, 20), "下旬": (21, -1), "月初": (1, 5), "初": (1, 5)}
_TENS |= {"月中": (11, 20), "中": (11, 20), "月底": (-5, -1), "月末": (-5, -1), "底": (-5, -1)}
_MONTH_PART = re.compile(
    rf"^(?:(\d{{1,2}})\s*月|({_alternation(_MONTH_OFFSETS_ZH)}))?\s*({_alternation(_TENS)})$"
)
# Festivals: (month, day) of the solar calendar, or of the lunar one, and how many days the
# holiday lasts from (its offset, its length) — 春节 from 除夕 to 初六. "国庆前后" is the
# holiday itself: 前后 is "about" (``_TRAILING``).
_SOLAR_FESTIVALS = {"国庆": (10, 1, 0, 7), "十一": (10, 1, 0, 7), "元旦": (1, 1, 0, 3)}
_SOLAR_FESTIVALS |= {"五一": (5, 1, 0, 5), "劳动节": (5, 1, 0, 5), "圣诞": (12, 25, 0, 1)}
_LUNAR_FESTIVALS = {"春节": (1, 1, -1, 7), "过年": (1, 1, -1, 7), "中秋": (8, 15, 0, 1)}
_LUNAR_FESTIVALS |= {"端午": (5, 5, 0, 1), "元宵": (1, 15, 0, 1)}
_FESTIVAL = re.compile(
    rf"^({_alternation(_SOLAR_FESTIVALS | _LUNAR_FESTIVALS)})(?:节|黄金周)?\s*"
    rf"(期间|假期|前|后)?\s*(?:(\d+|{_CN_NUM}|半)\s*(?:个)?\s*(周|星期|天|日))?$"
)
# Without a number, "before the festival" is the fortnight a promotion usually runs.
FESTIVAL_LEAD = timedelta(days=14)
_YEAR_PARTS = {"年底": (12, 1, 12, 31), "年末": (12, 1, 12, 31), "年初": (1, 1, 1, 31)}
_YEAR_PARTS |= {"上半年": (1, 1, 6, 30), "下半年": (7, 1, 12, 31)}


def _festival_day(name: str, year: int) -> date:
    if name in _SOLAR_FESTIVALS:
        month, day, _, _ = _SOLAR_FESTIVALS[name]
        return date(year, month, day)
    month, day, _, _ = _LUNAR_FESTIVALS[name]
    return LunarDate(year, month, day).to_solar_date()


def _festival(m: re.Match[str], year: int) -> Period:
    name, relation, amount, unit = m[1], m[2], m[3], m[4]
    day = _festival_day(name, year)
    offset, length = (_SOLAR_FESTIVALS | _LUNAR_FESTIVALS)[name][2:]
    if amount is None:
        span = FESTIVAL_LEAD
    else:
        number = 0.5 if amount == "半" else _chinese_number(amount)
        span = timedelta(days=int(number * (7 if unit in ("周", "星期") else 1)))
    start = day + timedelta(days=offset)
    end = start + timedelta(days=length - 1)
    match relation:
        case "前":
            return Period(start - span, start - timedelta(days=1))
        case "后":
            return Period(end + timedelta(days=1), end + span)
    return Period(start, end)


def _month_part(m: re.Match[str], today: date) -> Period | None:
    first_day, last_day = _TENS[m[3]]
    if m[1] is not None:
        if not 1 <= int(m[1]) <= 12:
            return None
        month = date(today.year, int(m[1]), 1)
        if month < today.replace(day=1):
            month = month.replace(year=today.year + 1)
    else:
        month = _shift_month(today.replace(day=1), _MONTH_OFFSETS_ZH.get(m[2] or "本月", 0))
    days = (_shift_month(month, 1) - month).days

    def pick(day: int) -> date:
        return month.replace(day=day if day > 0 else days + day + 1)

    return Period(pick(first_day), pick(last_day))


def named_period(text: str, today: date) -> Period | None:
    """上旬, 12月下旬, 月底, 国庆期间, 春节前两周, 中秋前, 年底 …: the next such period that
    has not ended (a promotion is planned ahead)."""
    text = _TRAILING.sub("", text.strip())
    if m := _MONTH_PART.match(text):
        period = _month_part(m, today)
        if period is not None and period.last < today and m[1] is None and m[2] is None:
            return _month_part(m, _shift_month(today.replace(day=1), 1))
        return period
    if m := _FESTIVAL.match(text):
        for year in (today.year, today.year + 1):
            period = _festival(m, year)
            if period.last >= today:
                return period
        return None
    if text in _YEAR_PARTS:
        first_month, first_day, last_month, last_day = _YEAR_PARTS[text]
        for year in (today.year, today.year + 1):
            period = Period(date(year, first_month, first_day), date(year, last_month, last_day))
            if period.last >= today:
                return period
    return None


def parse_period(text: str, now: datetime) -> Period | None:
    """ "12月1日至12月31日", "12/1-12/31", "2026-12-01 to 2026-12-31", "Dec 1 - 31", and the
    words of :func:`named_period` (下旬, 国庆期间 …).

    A bare date is read as the next such day; a last day given as a number only ("12月1日-31日")
    takes the first day's month. None when it cannot be read or ends before it starts.
    """
    normal = normalise(text)
    if not normal or len(normal) > 60:
        return None
    if (named := named_period(normal, now.date())) is not None:
        return named
    for separator in _PERIOD_SEPARATORS:
        start = 0
        while (index := normal.find(separator, start)) > 0:
            first = _one_day(normal[:index], now, None)
            last = _one_day(normal[index + len(separator) :], now, first) if first else None
            if first is not None and last is not None:
                if last < first and last.month < first.month:
                    last = last.replace(year=last.year + 1)  # 12月20日至1月10日
                return Period(first, last) if last >= first else None
            start = index + 1
    return None
