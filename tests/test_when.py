"""The time expressions field staff type, read relative to one fixed moment.

"Now" is Friday 2026-11-20 17:30 in Asia/Shanghai. Each row: what a person types, and what
kabot must make of it — a moment (minute), a part of a day, a day, a question back
(several candidates), a refusal (in the future) or "not understood".
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.forms.periods import Period, parse_period
from bot.forms.when import (
    Ambiguous,
    Found,
    InFuture,
    NotUnderstood,
    Part,
    Precision,
    TooVague,
    When,
    parse_when,
)

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 17, 30, tzinfo=TZ)  # a Friday


def at(day: int, hour: int, minute: int = 0, month: int = 11, year: int = 2026) -> str:
    return f"{year}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}"


def on(day: int, month: int = 11, year: int = 2026) -> str:
    return f"{year}-{month:02d}-{day:02d}"


def part(day: int, name: str, month: int = 11) -> str:
    return f"{on(day, month)} {name}"


FUTURE = "future"
UNKNOWN = "unknown"
VAGUE = "vague"

CASES: list[tuple[str, object]] = [
    # -- Chinese: today, clock times, parts of the day
    ("现在", at(20, 17, 30)),
    ("刚才", at(20, 17, 30)),
    ("下午3点", at(20, 15)),
    ("今天下午3点", at(20, 15)),
    ("今天下午三点半", at(20, 15, 30)),
    ("下午两点一刻", at(20, 14, 15)),
    ("上午十点", at(20, 10)),
    ("早上9点", at(20, 9)),
    ("中午12点", at(20, 12)),
    ("中午1点", at(20, 13)),
    ("凌晨2点", at(20, 2)),
    ("十点一刻", at(20, 10, 15)),
    ("10点左右", at(20, 10)),
    ("15:30", at(20, 15, 30)),
    ("１５：３０", at(20, 15, 30)),
    ("今天 14:00", at(20, 14)),
    ("今早", part(20, "morning")),
    ("今天上午", part(20, "morning")),
    ("下午", part(20, "afternoon")),
    # -- Chinese: earlier days
    ("昨天", on(19)),
    ("昨天下午3点", at(19, 15)),
    ("昨天下午3点左右拜访的", at(19, 15)),
    ("昨天9:30", at(19, 9, 30)),
    ("昨晚", part(19, "evening")),
    ("昨天晚上8点", at(19, 20)),
    ("前天", on(18)),
    ("前天晚上", part(18, "evening")),
    ("前天下午两点", at(18, 14)),
    ("大前天", on(17)),
    ("3天前", on(17)),
    ("三天前", on(17)),
    ("半小时前", at(20, 17)),
    ("一个半小时前", at(20, 16)),
    ("2小时前", at(20, 15, 30)),
    ("20分钟前", at(20, 17, 10)),
    # -- Chinese: weekdays
    ("周五", on(20)),
    ("周三上午", part(18, "morning")),
    ("星期一", on(16)),
    ("礼拜一", on(16)),
    ("星期天", on(15)),
    ("本周一", on(16)),
    ("这周二上午", part(17, "morning")),
    ("上周五", on(13)),
    ("上周五下午3点", at(13, 15)),
    ("上周五 下午3点", at(13, 15)),
    ("上礼拜三下午", part(11, "afternoon")),
    ("上星期四上午10点", at(12, 10)),
    # -- Chinese: dates
    ("11月20日", on(20)),
    ("11月18号", on(18)),
    ("十一月十八号", on(18)),
    ("11月18日下午4点", at(18, 16)),
    ("2026年11月18日", on(18)),
    ("2026-11-18", on(18)),
    ("2026-11-18 10:00", at(18, 10)),
    ("11/18", on(18)),
    ("11.18", on(18)),
    ("18号", on(18)),
    ("25号", on(25, month=10)),
    ("12月25日", on(25, month=12, year=2025)),
    # -- English
    ("now", at(20, 17, 30)),
    ("just now", at(20, 17, 30)),
    ("3pm", at(20, 15)),
    ("3:30 pm", at(20, 15, 30)),
    ("at 10", at(20, 10)),
    ("this morning", part(20, "morning")),
    ("in the afternoon", part(20, "afternoon")),
    ("noon", at(20, 12)),
    ("yesterday", on(19)),
    ("yesterday 3pm", at(19, 15)),
    ("yesterday at 3pm", at(19, 15)),
    ("3pm yesterday", at(19, 15)),
    ("last night", part(19, "evening")),
    ("the day before yesterday", on(18)),
    ("2 days ago", on(18)),
    ("half an hour ago", at(20, 17)),
    ("an hour ago", at(20, 16, 30)),
    ("Friday", on(20)),
    ("on Monday", on(16)),
    ("monday 9:30", at(16, 9, 30)),
    ("last Friday", on(13)),
    ("last Friday 10am", at(13, 10)),
    ("Tuesday at 4pm", at(17, 16)),
    ("Nov 18", on(18)),
    ("18 November", on(18)),
    ("November 18th, 2026", on(18)),
    ("18 Nov 14:00", at(18, 14)),
    # -- a bare hour after a day is asked back, never "that day at the current minute"
    ("昨天3", [at(19, 3), at(19, 15)]),
    ("昨天 3", [at(19, 3), at(19, 15)]),
    ("前天 10", [at(18, 10), at(18, 22)]),
    ("yesterday 3", [at(19, 3), at(19, 15)]),
    ("今天 2", [at(20, 2), at(20, 14)]),
    ("周一 3", [at(16, 3), at(16, 15)]),
    ("上周五 4", [at(13, 4), at(13, 16)]),
    ("3号 10", [at(3, 10), at(3, 22)]),
    ("上周三 10点", [at(11, 10), at(11, 22)]),
    ("昨天下午 3", at(19, 15)),
    ("昨晚 8", at(19, 20)),
    ("今天上午 10", at(20, 10)),
    ("yesterday morning 10", at(19, 10)),
    ("今天 20", FUTURE),
    # -- days of a month named from this one
    ("上个月28号", on(28, month=10)),
    ("上月28号", on(28, month=10)),
    ("上个月28号下午2点", at(28, 14, month=10)),
    ("本月3号", on(3)),
    ("这个月5号", on(5)),
    ("本月3号上午", part(3, "morning")),
    ("上上个月1号", on(1, month=9)),
    ("本月25号", FUTURE),
    ("下个月1号", FUTURE),
    # -- 11.2 is 2 November, as Chinese offices write it
    ("11.2", on(2)),
    ("11.2下午3点", at(2, 15)),
    ("10.28", on(28, month=10)),
    ("10.28 14:00", at(28, 14, month=10)),
    # -- noon is 12:00
    ("今天中午", at(20, 12)),
    ("昨天中午", at(19, 12)),
    ("中午", at(20, 12)),
    ("前天中午12点", at(18, 12)),
    ("yesterday noon", at(19, 12)),
    # -- English "last Monday" is the most recent Monday
    ("last monday 9:30", at(16, 9, 30)),
    ("last monday", on(16)),
    ("last thursday", on(19)),
    ("last tuesday afternoon", part(17, "afternoon")),
    ("last Wednesday at 2pm", at(18, 14)),
    # -- more of what field staff type
    ("昨天下午三点十分", at(19, 15, 10)),
    ("昨天 15:00", at(19, 15)),
    ("昨天15点", at(19, 15)),
    ("11月2号上午9点半", at(2, 9, 30)),
    ("今天下午两点", at(20, 14)),
    ("刚刚", at(20, 17, 30)),
    ("1小时前", at(20, 16, 30)),
    ("两天前", on(18)),
    ("一周前", on(13)),
    ("周四下午", part(19, "afternoon")),
    ("星期三下午4点", at(18, 16)),
    ("yesterday evening", part(19, "evening")),
    ("monday morning", part(16, "morning")),
    ("friday 2pm", at(20, 14)),
    ("20号上午", part(20, "morning")),
    ("19号下午3点", at(19, 15)),
    # -- questions back: more than one reading has passed
    ("3点", [at(20, 3), at(20, 15)]),
    ("两点半", [at(20, 2, 30), at(20, 14, 30)]),
    ("昨天3点", [at(19, 3), at(19, 15)]),
    ("yesterday at 3", [at(19, 3), at(19, 15)]),
    ("3/4", [on(4, month=3), on(3, month=4)]),
    # -- in the future: refused, never moved to the past
    ("明天", FUTURE),
    ("后天上午", FUTURE),
    ("下周五", FUTURE),
    ("今晚8点", FUTURE),
    ("晚上十点", FUTURE),
    ("10分钟后", FUTURE),
    ("3天后", FUTURE),
    ("tomorrow", FUTURE),
    ("tonight", FUTURE),
    ("next Monday", FUTURE),
    ("9:30pm", FUTURE),
    # -- not a time at all
    ("", UNKNOWN),
    ("   ", UNKNOWN),
    ("永辉超市", UNKNOWN),
    ("blah", UNKNOWN),
    ("25点", UNKNOWN),
    ("13月40日", UNKNOWN),
    ("3" * 200, UNKNOWN),
    ("3", VAGUE),
    ("2025", VAGUE),
    ("31/11", VAGUE),  # no 31 November: which day, then?
    # -- a week or a month is not a day: asked back
    ("上周", VAGUE),
    ("上个月", VAGUE),
    ("last week", VAGUE),
    ("last month", VAGUE),
]


def describe(when: When) -> str:
    if when.precision is Precision.MINUTE:
        return when.at.strftime("%Y-%m-%d %H:%M")
    if when.precision is Precision.PART:
        assert when.part is not None
        return f"{when.at:%Y-%m-%d} {when.part.value}"
    return when.at.strftime("%Y-%m-%d")


def outcome(text: str) -> object:
    answer = parse_when(text, NOW)
    match answer:
        case Found(when):
            assert when.at.tzinfo is TZ
            return describe(when)
        case Ambiguous(candidates):
            return [describe(c) for c in candidates]
        case InFuture():
            return FUTURE
        case NotUnderstood():
            return UNKNOWN
        case TooVague():
            return VAGUE
    raise AssertionError(answer)


def test_the_table_is_big_enough() -> None:
    assert len(CASES) + len(PERIODS) >= 200
    assert len({text for text, _ in CASES}) == len(CASES), "a phrase is listed twice"


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:20] or "empty" for c in CASES])
def test_reads_what_people_type(text: str, expected: object) -> None:
    assert outcome(text) == expected


def test_parts_of_the_day_are_not_in_the_future_once_begun() -> None:
    morning = datetime(2026, 11, 20, 8, 0, tzinfo=TZ)
    assert isinstance(parse_when("今天上午", morning), Found)
    assert isinstance(parse_when("今天下午", morning), InFuture)
    assert isinstance(parse_when("今天", datetime(2026, 11, 20, 0, 1, tzinfo=TZ)), Found)


def test_a_clock_a_little_ahead_is_forgiven() -> None:
    assert outcome("17:33") == at(20, 17, 33)
    assert outcome("17:40") == FUTURE


def test_when_round_trips_through_json() -> None:
    answer = parse_when("周三上午", NOW)
    assert isinstance(answer, Found)
    assert When.from_json(answer.when.to_json()) == answer.when
    assert answer.when.part is Part.MORNING


PERIODS = [
    ("12月1日至12月31日", (date(2026, 12, 1), date(2026, 12, 31))),
    ("12月1日-31日", (date(2026, 12, 1), date(2026, 12, 31))),
    ("12/1-12/31", (date(2026, 12, 1), date(2026, 12, 31))),
    ("2026-12-01 至 2026-12-31", (date(2026, 12, 1), date(2026, 12, 31))),
    ("2026-12-01 to 2026-12-31", (date(2026, 12, 1), date(2026, 12, 31))),
    ("Dec 1 - 31", (date(2026, 12, 1), date(2026, 12, 31))),
    ("12月20日至1月10日", (date(2026, 12, 20), date(2027, 1, 10))),
    ("下周一到下周五", (date(2026, 11, 23), date(2026, 11, 27))),
    ("11月1日-11月30日", (date(2026, 11, 1), date(2026, 11, 30))),
    ("12月31日至12月1日", None),
    ("双十二", None),
    ("12月1日", None),
    # -- the periods Chinese offices plan and promote by (the next one that has not ended)
    ("上旬", (date(2026, 12, 1), date(2026, 12, 10))),
    ("中旬", (date(2026, 11, 11), date(2026, 11, 20))),
    ("下旬", (date(2026, 11, 21), date(2026, 11, 30))),
    ("12月上旬", (date(2026, 12, 1), date(2026, 12, 10))),
    ("12月下旬", (date(2026, 12, 21), date(2026, 12, 31))),
    ("2月底", (date(2027, 2, 24), date(2027, 2, 28))),
    ("1月中旬", (date(2027, 1, 11), date(2027, 1, 20))),
    ("月初", (date(2026, 12, 1), date(2026, 12, 5))),
    ("月底", (date(2026, 11, 26), date(2026, 11, 30))),
    ("下个月初", (date(2026, 12, 1), date(2026, 12, 5))),
    ("下月底", (date(2026, 12, 27), date(2026, 12, 31))),
    ("本月下旬", (date(2026, 11, 21), date(2026, 11, 30))),
    ("国庆期间", (date(2027, 10, 1), date(2027, 10, 7))),
    ("十一黄金周", (date(2027, 10, 1), date(2027, 10, 7))),
    ("元旦期间", (date(2027, 1, 1), date(2027, 1, 3))),
    ("春节前两周", (date(2027, 1, 22), date(2027, 2, 4))),
    ("春节前3天", (date(2027, 2, 2), date(2027, 2, 4))),
    ("春节期间", (date(2027, 2, 5), date(2027, 2, 11))),
    ("中秋前", (date(2027, 9, 1), date(2027, 9, 14))),
    ("中秋节前一周", (date(2027, 9, 8), date(2027, 9, 14))),
    ("五一前一周", (date(2027, 4, 24), date(2027, 4, 30))),
    ("端午前", (date(2027, 5, 26), date(2027, 6, 8))),
    ("年底", (date(2026, 12, 1), date(2026, 12, 31))),
    ("上半年", (date(2027, 1, 1), date(2027, 6, 30))),
    ("13月上旬", None),
]


@pytest.mark.parametrize(("text", "expected"), PERIODS, ids=[p[0] for p in PERIODS])
def test_reads_promotion_periods(text: str, expected: tuple[date, date] | None) -> None:
    assert parse_period(text, NOW) == (Period(*expected) if expected else None)
