"""When did it happen? Chinese and English time expressions as field staff type them.

dateparser alone returns nothing for much of what people write in Chinese (下午3点, 上周五,
周三上午, 前天晚上 …) and reads some of it wrongly, so kabot reads the common forms itself:
an optional day (今天, 前天, 上周五, 11月20日, 3天前, last Friday, Nov 18 …), an optional
part of the day (上午, 下午, 晚上, morning, evening …) and an optional clock time (3点半, 15:30,
3pm …). Only what this grammar does not know goes to dateparser.

An answer is never guessed: "3点" when both 03:00 and 15:00 have passed comes back as two
candidates to choose from, and a time in the future is reported as such.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

import dateparser
from dateparser.date import DateDataParser


class Precision(StrEnum):
    MINUTE = "minute"  # 今天下午3点
    PART = "part"  # 周三上午: a part of a day
    DAY = "day"  # 昨天


class Part(StrEnum):
    EARLY = "early"  # 凌晨
    MORNING = "morning"  # 上午, 早上
    NOON = "noon"  # 中午
    AFTERNOON = "afternoon"  # 下午, 傍晚
    EVENING = "evening"  # 晚上


# Where a part of a day starts, and the moment that stands for it when sorting.
PART_STARTS = {
    Part.EARLY: time(0, 0),
    Part.MORNING: time(6, 0),
    Part.NOON: time(11, 0),
    Part.AFTERNOON: time(13, 0),
    Part.EVENING: time(18, 0),
}


@dataclass(frozen=True, slots=True)
class When:
    at: datetime
    precision: Precision
    part: Part | None = None

    @property
    def day(self) -> date:
        return self.at.date()

    def earliest(self) -> datetime:
        """The first moment this answer may mean (for "is it in the future?")."""
        if self.precision is Precision.DAY:
            return datetime.combine(self.day, time(0, 0), self.at.tzinfo)
        if self.precision is Precision.PART and self.part is not None:
            return datetime.combine(self.day, PART_STARTS[self.part], self.at.tzinfo)
        return self.at

    def to_json(self) -> dict[str, str]:
        data = {"at": self.at.isoformat(timespec="minutes"), "precision": self.precision.value}
        if self.part is not None:
            data["part"] = self.part.value
        return data

    @classmethod
    def from_json(cls, data: dict[str, str]) -> When:
        part = data.get("part")
        return cls(
            datetime.fromisoformat(data["at"]),
            Precision(data["precision"]),
            Part(part) if part else None,
        )


@dataclass(frozen=True, slots=True)
class Found:
    when: When


@dataclass(frozen=True, slots=True)
class Ambiguous:
    candidates: tuple[When, ...]


@dataclass(frozen=True, slots=True)
class InFuture:
    when: When


@dataclass(frozen=True, slots=True)
class NotUnderstood:
    pass


@dataclass(frozen=True, slots=True)
class TooVague:
    """A week, a month, a year: not a day of a visit."""


WhenAnswer = Found | Ambiguous | InFuture | NotUnderstood | TooVague

# Minutes of grace for a clock a little ahead of kabot's ("10:05" typed at 10:03).
FUTURE_GRACE = timedelta(minutes=5)

# ---------------------------------------------------------------------------- normalising

_FULL_WIDTH = str.maketrans("０１２３４５６７８９：，．／－　", "0123456789:,./- ")
_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_DIGIT |= {"七": 7, "八": 8, "九": 9}
_WEEKDAY_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_WEEKDAY_ZH |= {str(n): n - 1 for n in range(1, 8)}
_WEEKDAY_EN = {
    name: i
    for i, names in enumerate(
        (
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        )
    )
    for name in names
}
_MONTH_EN = {
    name: i
    for i, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}


def _chinese_number(text: str) -> int:
    """一 … 九十九 (and 两, 〇); digits pass through."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_DIGIT[tens] if tens else 1) * 10 + (_DIGIT[ones] if ones else 0)
    return int("".join(str(_DIGIT[c]) for c in text))


_CN_NUM = "[零〇一二两三四五六七八九十]+"
# Numerals followed by a unit of time or date become digits; 星期一 and 一刻 stay words.
_CN_NUMBER_BEFORE_UNIT = re.compile(
    rf"({_CN_NUM})(?=\s*(?:点|時|时|分|个|個|小时|天|日|号|號|月|年|周前|周后|星期前|礼拜前))"
)

_CN_MINUTES = re.compile(rf"(?<=点)({_CN_NUM})")


def normalise(text: str) -> str:
    text = text.translate(_FULL_WIDTH).strip().lower()
    text = re.sub(r"\s+", " ", text)
    text = text.replace("個", "个").replace("號", "号").replace("時", "时")
    text = text.replace("礼拜", "星期").replace("禮拜", "星期")
    text = _CN_NUMBER_BEFORE_UNIT.sub(lambda m: str(_chinese_number(m.group(1))), text)
    # 3点二十: the minutes after 点 need no unit.
    return _CN_MINUTES.sub(lambda m: str(_chinese_number(m.group(1))), text)


# ---------------------------------------------------------------------------- the grammar


@dataclass(slots=True)
class _Reading:
    """What has been read so far; each piece is optional."""

    day: date | None = None
    day_candidates: tuple[date, ...] = ()
    part: Part | None = None
    hour: int | None = None
    minute: int = 0
    twenty_four: bool = False  # 14:00 and 9:30 mean what they say
    exact: datetime | None = None  # 3小时前, now: a moment, complete by itself


_RELATIVE_DAYS_ZH = {
    "大前天": -3,
    "前天": -2,
    "昨天": -1,
    "昨日": -1,
    "昨儿": -1,
    "今天": 0,
    "今日": 0,
    "今儿": 0,
    "明天": 1,
    "明日": 1,
    "后天": 2,
    "大后天": 3,
}
# 今早, 昨晚 …: a day and a part of it in one word.
_DAY_PARTS_ZH = {
    "今早": (0, Part.MORNING),
    "今晨": (0, Part.MORNING),
    "今晚": (0, Part.EVENING),
    "昨早": (-1, Part.MORNING),
    "昨晚": (-1, Part.EVENING),
    "昨夜": (-1, Part.EVENING),
    "明早": (1, Part.MORNING),
    "明晚": (1, Part.EVENING),
}
_PARTS_ZH = {
    "凌晨": Part.EARLY,
    "清晨": Part.MORNING,
    "早晨": Part.MORNING,
    "早上": Part.MORNING,
    "上午": Part.MORNING,
    "早": Part.MORNING,
    "中午": Part.NOON,
    "午后": Part.AFTERNOON,
    "下午": Part.AFTERNOON,
    "傍晚": Part.AFTERNOON,
    "晚上": Part.EVENING,
    "夜里": Part.EVENING,
    "夜间": Part.EVENING,
    "晚": Part.EVENING,
}
_PARTS_EN = {
    "this morning": (0, Part.MORNING),
    "this afternoon": (0, Part.AFTERNOON),
    "this evening": (0, Part.EVENING),
    "tonight": (0, Part.EVENING),
    "last night": (-1, Part.EVENING),
}
_PART_WORDS_EN = {
    "in the morning": Part.MORNING,
    "in the afternoon": Part.AFTERNOON,
    "in the evening": Part.EVENING,
    "morning": Part.MORNING,
    "lunchtime": Part.NOON,
    "afternoon": Part.AFTERNOON,
    "evening": Part.EVENING,
    "night": Part.EVENING,
}
_RELATIVE_DAYS_EN = {
    "the day before yesterday": -2,
    "day before yesterday": -2,
    "yesterday": -1,
    "today": 0,
    "tomorrow": 1,
    "the day after tomorrow": 2,
}
_NOW_WORDS = ("现在", "刚才", "刚刚", "刚", "now", "just now", "right now")


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_BEFORE_AFTER_ZH = "(前|以前|之前|后|以后|之后)"
_AGO_ZH = re.compile(rf"^(半|\d+)\s*(?:个)?\s*(分钟|分|小时|钟头|天|周|星期)\s*{_BEFORE_AFTER_ZH}")
_AGO_HALF_HOUR_ZH = re.compile(rf"^(\d+)\s*个半\s*(小时|钟头)\s*{_BEFORE_AFTER_ZH}")
_AGO_EN = re.compile(
    r"^(an?|half an|\d+)\s*(minutes?|mins?|hours?|hrs?|days?|weeks?)\s+(ago|later|from now)"
)
_WEEK_ZH = re.compile(r"^(上上|上|这|本|下)?\s*(?:个)?\s*(?:周|星期)([一二三四五六日天七1-7])")
_WEEK_EN = re.compile(rf"^(?:on\s+)?(last|this|next|coming)?\s*({_alternation(_WEEKDAY_EN)})\b")
_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*(?:日|号)?")
_MD_ZH = re.compile(r"^(\d{1,2})\s*月\s*(\d{1,2})\s*(?:日|号)?")
_MD_SLASH = re.compile(r"^(\d{1,2})\s*([/.])\s*(\d{1,2})(?![\d:])")
_D_ZH = re.compile(r"^(\d{1,2})\s*(?:日|号)")
# 上个月28号, 本月3号: a day of a month named relative to this one.
_MONTH_OFFSETS_ZH = {"上上个月": -2, "上个月": -1, "上月": -1, "本月": 0, "这个月": 0, "这月": 0}
_MONTH_OFFSETS_ZH |= {"下个月": 1, "下月": 1}
_RELATIVE_MONTH_DAY_ZH = re.compile(
    rf"^({_alternation(_MONTH_OFFSETS_ZH)})\s*(\d{{1,2}})\s*(?:日|号)?"
)
# 昨天 3, yesterday 3: a bare hour after a day (03:00 or 15:00 — asked, never "now").
_BARE_HOUR = re.compile(r"^(\d{1,2})$")
_MONTH_DAY_EN = re.compile(
    rf"^(?:on\s+)?(?:the\s+)?(?:({_alternation(_MONTH_EN)})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?"
    rf"|(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_alternation(_MONTH_EN)})\.?)(?:,?\s*(\d{{4}}))?"
)
_CLOCK_ZH = re.compile(
    r"^(\d{1,2})\s*(?:点钟|点|时)\s*(半|一刻|三刻|1刻|3刻|(\d{1,2})\s*(?:分)?)?"
)
_CLOCK_COLON = re.compile(r"^(?:at\s+)?(\d{1,2}):(\d{2})\s*(am|pm|a\.m\.|p\.m\.)?")
_CLOCK_EN = re.compile(r"^(?:at\s+)?(\d{1,2})(?:\s*(am|pm|a\.m\.|p\.m\.|o'clock))")
_BARE_AT_EN = re.compile(r"^at\s+(\d{1,2})\b")
_NOISE = re.compile(r"^(?:的|,|左右|大概|大约|约|on\b|in\b|the\b|\s)+")
_TRAILING = re.compile(r"(?:左右|前后|的时候|时候|拜访的?|去的?|了|,|\.|。|!|！|\s)+$")


def _last_weekday(today: date, weekday: int, direction: str) -> date:
    """The nearest such weekday: on or before today looking back, on or after looking ahead."""
    if direction in ("future", "near"):
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    return today - timedelta(days=(today.weekday() - weekday) % 7)


def _shift_month(first: date, months: int) -> date:
    """The first day of the month ``months`` after the one ``first`` opens."""
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _week_day(today: date, prefix: str | None, weekday: int, direction: str) -> date:
    if prefix == "last":
        # English "last Monday" is the most recent Monday before today (上周一 is last
        # week's Monday, which may be eleven days ago).
        return today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)
    monday = today - timedelta(days=today.weekday())
    offsets = {"上上": -14, "上": -7, "last": -7, "这": 0, "本": 0, "this": 0}
    offsets |= {"下": 7, "next": 7}
    if prefix is None or prefix == "coming":
        if prefix == "coming":
            direction = "future"
        return _last_weekday(today, weekday, direction)
    return monday + timedelta(days=offsets[prefix] + weekday)


def _month_day(today: date, month: int, day: int, year: int | None, direction: str) -> date | None:
    try:
        if year is not None:
            return date(year, month, day)
        this_year = date(today.year, month, day)
    except ValueError:
        return None
    if direction == "past" and this_year > today:
        try:
            return date(today.year - 1, month, day)
        except ValueError:
            return None
    if direction == "future" and this_year < today:
        return date(today.year + 1, month, day)
    if direction == "near":
        options = [this_year]
        for year in (today.year - 1, today.year + 1):
            try:
                options.append(date(year, month, day))
            except ValueError:
                continue
        return min(options, key=lambda d: abs((d - today).days))
    return this_year


def _read_day(text: str, now: datetime, reading: _Reading, direction: str) -> str:
    """Consume a day expression at the start of ``text``; return the rest."""
    today = now.date()
    for word in sorted(_DAY_PARTS_ZH, key=len, reverse=True):
        if text.startswith(word):
            offset, part = _DAY_PARTS_ZH[word]
            reading.day, reading.part = today + timedelta(days=offset), part
            return text[len(word) :]
    for word in sorted(_RELATIVE_DAYS_ZH, key=len, reverse=True):
        if text.startswith(word):
            reading.day = today + timedelta(days=_RELATIVE_DAYS_ZH[word])
            return text[len(word) :]
    for phrase, (offset, part) in _PARTS_EN.items():
        if text.startswith(phrase):
            reading.day, reading.part = today + timedelta(days=offset), part
            return text[len(phrase) :]
    for phrase in sorted(_RELATIVE_DAYS_EN, key=len, reverse=True):
        if text.startswith(phrase):
            reading.day = today + timedelta(days=_RELATIVE_DAYS_EN[phrase])
            return text[len(phrase) :]
    if m := _YMD.match(text):
        reading.day = _month_day(today, int(m[2]), int(m[3]), int(m[1]), direction)
        return text[m.end() :] if reading.day else text
    if m := _MD_ZH.match(text):
        reading.day = _month_day(today, int(m[1]), int(m[2]), None, direction)
        return text[m.end() :] if reading.day else text
    if m := _MONTH_DAY_EN.match(text):
        month = _MONTH_EN[m[1] or m[4]]
        day = int(m[2] or m[3])
        reading.day = _month_day(today, month, day, int(m[5]) if m[5] else None, direction)
        return text[m.end() :] if reading.day else text
    if m := _RELATIVE_MONTH_DAY_ZH.match(text):
        opening = _shift_month(today.replace(day=1), _MONTH_OFFSETS_ZH[m[1]])
        reading.day = _month_day(today, opening.month, int(m[2]), opening.year, direction)
        return text[m.end() :] if reading.day else text
    if m := _MD_SLASH.match(text):
        first, second = int(m[1]), int(m[3])
        as_month_day = _month_day(today, first, second, None, direction)
        as_day_month = _month_day(today, second, first, None, direction)
        # 11.2 is 2 November as Chinese offices write it; 3/4 in English text is either.
        english = m[2] == "/" and (
            re.search(r"[a-z]", text) is not None or not re.search(r"[\u4e00-\u9fff]", text)
        )
        if english and as_month_day and as_day_month and first != second:
            reading.day_candidates = (as_month_day, as_day_month)
        else:
            reading.day = as_month_day or as_day_month
        return text[m.end() :] if (reading.day or reading.day_candidates) else text
    if m := _WEEK_ZH.match(text):
        reading.day = _week_day(today, m[1], _WEEKDAY_ZH[m[2]], direction)
        return text[m.end() :]
    if m := _WEEK_EN.match(text):
        reading.day = _week_day(today, m[1], _WEEKDAY_EN[m[2]], direction)
        return text[m.end() :]
    if m := _D_ZH.match(text):
        day = int(m[1])
        candidate = _month_day(today, today.month, day, None, "any")
        if candidate is not None and direction == "past" and candidate > today:
            last_month = today.replace(day=1) - timedelta(days=1)
            candidate = _month_day(last_month, last_month.month, day, last_month.year, "any")
        reading.day = candidate
        return text[m.end() :] if candidate else text
    return text


def _read_part(text: str, reading: _Reading) -> str:
    for word in sorted(_PARTS_ZH, key=len, reverse=True):
        if text.startswith(word):
            reading.part = _PARTS_ZH[word]
            return text[len(word) :]
    for phrase in sorted(_PART_WORDS_EN, key=len, reverse=True):
        if text.startswith(phrase):
            reading.part = _PART_WORDS_EN[phrase]
            return text[len(phrase) :]
    return text


def _read_clock(text: str, reading: _Reading) -> str:
    if m := _CLOCK_ZH.match(text):
        reading.hour = int(m[1])
        extra = m[2]
        if extra == "半":
            reading.minute = 30
        elif extra in ("一刻", "1刻"):
            reading.minute = 15
        elif extra in ("三刻", "3刻"):
            reading.minute = 45
        elif m[3]:
            reading.minute = int(m[3])
        return text[m.end() :]
    if m := _CLOCK_COLON.match(text):
        reading.hour, reading.minute = int(m[1]), int(m[2])
        # 9:30 is a 24-hour clock reading unless am/pm says otherwise.
        reading.twenty_four = m[3] is None
        _apply_meridiem(reading, m[3])
        return text[m.end() :]
    if m := _CLOCK_EN.match(text):
        reading.hour = int(m[1])
        _apply_meridiem(reading, m[2])
        return text[m.end() :]
    if m := _BARE_AT_EN.match(text):
        reading.hour = int(m[1])
        return text[m.end() :]
    if text.startswith(("noon", "midday")):
        reading.hour, reading.part = 12, Part.NOON
        return text[4 if text.startswith("noon") else 6 :]
    if text.startswith("midnight"):
        reading.hour, reading.part = 0, Part.EARLY
        return text[8:]
    return text


def _apply_meridiem(reading: _Reading, meridiem: str | None) -> None:
    if meridiem and meridiem.startswith("p"):
        reading.part = Part.AFTERNOON
    elif meridiem and meridiem.startswith("a"):
        reading.part = Part.MORNING


def _read_ago(text: str, now: datetime, reading: _Reading) -> str:
    amount: float
    if m := _AGO_HALF_HOUR_ZH.match(text):
        amount, unit, sign = int(m[1]) + 0.5, m[2], m[3]
    elif m := _AGO_ZH.match(text):
        amount, unit, sign = (0.5 if m[1] == "半" else int(m[1])), m[2], m[3]
    elif m := _AGO_EN.match(text):
        number = m[1]
        amount = 0.5 if number == "half an" else 1 if number in ("a", "an") else int(number)
        unit, sign = m[2], m[3]
    else:
        return text
    sign_value = -1 if sign in ("前", "以前", "之前", "ago") else 1
    if unit.startswith(("分", "min")):
        reading.exact = now + sign_value * timedelta(minutes=amount)
    elif unit.startswith(("小时", "钟头", "h")):
        reading.exact = now + sign_value * timedelta(hours=amount)
    else:
        days = amount * (7 if unit.startswith(("周", "星期", "w")) else 1)
        reading.day = now.date() + timedelta(days=sign_value * int(days))
    return text[m.end() :]


def _hours_for(hour: int, part: Part | None) -> tuple[int, ...] | None:
    """The 24-hour readings of a clock hour: one when the part of day settles it."""
    if hour > 23:
        return None
    if part in (Part.AFTERNOON, Part.EVENING) and hour < 12:
        return (hour + 12,)
    if part is Part.NOON and 1 <= hour <= 3:
        return (hour + 12,)
    if part in (Part.EARLY, Part.MORNING) and hour == 12:
        return (0,)
    if part is not None or hour == 0 or hour >= 12:
        return (hour,)
    return (hour, hour + 12)


def _resolve(reading: _Reading, now: datetime) -> tuple[When, ...]:
    tz = now.tzinfo
    if reading.exact is not None:
        return (When(reading.exact.replace(second=0, microsecond=0), Precision.MINUTE),)
    days = reading.day_candidates or ((reading.day,) if reading.day else ())
    if reading.hour is not None:
        hours = (
            (reading.hour,)
            if reading.twenty_four and reading.part is None
            else _hours_for(reading.hour, reading.part)
        )
        if hours is None or reading.minute > 59:
            return ()
        if not days:
            days = (now.date(),)
        return tuple(
            When(datetime.combine(d, time(h, reading.minute), tz), Precision.MINUTE)
            for d in days
            for h in hours
        )
    if reading.part is not None:
        if not days:
            days = (now.date(),)
        return tuple(
            When(datetime.combine(d, PART_STARTS[reading.part], tz), Precision.PART, reading.part)
            for d in days
        )
    return tuple(When(datetime.combine(d, time(0, 0), tz), Precision.DAY) for d in days)


def _read(text: str, now: datetime, direction: str) -> tuple[When, ...] | None:
    """Run the grammar over the whole text; None when something is left unread."""
    if text in _NOW_WORDS:
        return (When(now.replace(second=0, microsecond=0), Precision.MINUTE),)
    reading = _Reading()
    rest = _TRAILING.sub("", text)
    rest = _read_ago(rest, now, reading)
    if reading.exact is None:
        rest = _NOISE.sub("", _read_day(_NOISE.sub("", rest), now, reading, direction))
        rest = _NOISE.sub("", _read_part(rest, reading))
        rest = _NOISE.sub("", _read_clock(rest, reading))
        # "3pm yesterday", "10点 昨天": a day may come after the time as well.
        if reading.day is None and not reading.day_candidates:
            rest = _NOISE.sub("", _read_day(rest, now, reading, direction))
        if reading.part is None:
            rest = _NOISE.sub("", _read_part(rest, reading))
        if (m := _BARE_HOUR.match(rest)) and reading.hour is None and reading.day is not None:
            reading.hour, rest = int(m[1]), ""
        if reading.part is Part.NOON and reading.hour is None:
            reading.hour = 12  # 今天中午: noon, as the office means it
    if rest:
        return None
    found = _resolve(reading, now)
    return found or None


def _by_dateparser(text: str, now: datetime, direction: str) -> tuple[When, ...] | TooVague | None:
    """What the grammar does not know. Only a day or a moment is an answer: dateparser reads
    "3" as March and "上周" as a moment last week, and those are questions to ask back."""
    parser = DateDataParser(
        languages=["zh", "en"],
        settings={
            "PREFER_DATES_FROM": "future" if direction == "future" else "past",
            "RETURN_AS_TIMEZONE_AWARE": False,
            "RELATIVE_BASE": now.replace(tzinfo=None),
        },
    )
    data = parser.get_date_data(text)
    if data.date_obj is None:
        return None
    if data.period not in ("day", "time"):
        return TooVague()
    at = data.date_obj.replace(tzinfo=now.tzinfo, second=0, microsecond=0)
    if abs(at.year - now.year) > 1:
        return None
    if data.period == "day" or at.time() == time(0, 0):
        # dateparser fills a day's missing time with the current clock: a day it is.
        return (When(at.replace(hour=0, minute=0), Precision.DAY),)
    return (When(at, Precision.MINUTE),)


def parse_when(text: str, now: datetime, *, direction: str = "past") -> WhenAnswer:
    """Read ``text`` relative to ``now`` (aware, in kabot's time zone).

    ``direction`` says how to read a bare weekday or date: "past" (a visit: the most recent
    such day) or "future" (a promotion's period: the next one). With "past", an answer later
    than now comes back as :class:`InFuture`.
    """
    normal = normalise(text)
    if not normal or len(normal) > 60:
        return NotUnderstood()
    found: tuple[When, ...] | TooVague | None = _read(normal, now, direction)
    if found is None:
        found = _by_dateparser(normal, now, direction)
    if isinstance(found, TooVague):
        return found
    if not found:
        return NotUnderstood()
    if direction != "past":
        return Found(found[0]) if len(found) == 1 else Ambiguous(found)
    past = tuple(w for w in found if w.earliest() <= now + FUTURE_GRACE)
    if not past:
        return InFuture(found[0])
    if len(past) == 1:
        return Found(past[0])
    return Ambiguous(past)


def warm_up() -> None:
    """dateparser's first call loads its language data (~1 s); pay for it at start-up."""
    now = datetime(2026, 1, 1, 12, 0)  # noqa: DTZ001 - any naive moment will do
    dateparser.parse("18 November 2025", languages=["zh", "en"], settings={"RELATIVE_BASE": now})
    dateparser.parse("kabot", languages=["zh", "en"], settings={"RELATIVE_BASE": now})


def parse_day(text: str, now: datetime, direction: str = "past") -> date | None:
    """One calendar day: "今天", "11月3日", "上周五", "2026-12-20", "Dec 20" … A bare date is
    the last such day (``direction`` "past") or the next one ("future")."""
    normal = normalise(text)
    if not normal or len(normal) > 60:
        return None
    found = _read(_TRAILING.sub("", normal), now, direction)
    if not found:
        fallback = _by_dateparser(normal, now, direction)
        found = fallback if isinstance(fallback, tuple) else None
    return found[0].day if found else None
