"""The rules file: the shipped R1–R12, and every kind of mistake refused with its line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.reminders.calendar import add_months, add_working_days, day_of_month, is_working_day
from bot.reminders.rules import RulesError, load_rules
from bot.settings import DEFAULT_RULES
from tests.cli import run_cli
from tests.harness import Kabot

SHIPPED = DEFAULT_RULES.read_text(encoding="utf-8")


def test_the_shipped_rules_hold_every_rule_with_the_manuals_words() -> None:
    rules = load_rules(DEFAULT_RULES)
    assert list(rules.rules) == [f"R{n}" for n in range(1, 19)]
    assert all(rule.quote and rule.obligation["zh"] for rule in rules.rules.values())
    r2, r4, r6 = rules.rules["R2"], rules.rules["R4"], rules.rules["R6"]
    assert (r2.deadline.every_month_day, r2.fine.per, r2.fine.amount_fen) == (10, "time", 5000)
    assert "50元/次" in r2.quote and r2.settings == {}
    assert r4.settings == {"cutoff_day": 10, "per_unit_waiting": False}
    assert r6.settings == {"step_up": "adds"}
    assert (r6.fine.amount_fen, r6.fine.step_up_after_months, r6.fine.step_up_fen) == (
        5000,
        3,
        10000,
    )
    assert rules.rules["R11"].holidays == "working_days"
    assert rules.rules["R1"].remind_days_before == (3, 1, 0)
    assert (
        rules.rules["R8"].remind_on_days == (20, 25) and not rules.rules["R8"].remind_days_before
    )
    assert rules.general.quiet_from.hour == 21 and rules.general.quiet_until.hour == 8
    r14 = rules.rules["R14"]
    assert (r14.deadline.before, r14.deadline.unit, r14.deadline.amount) == (
        "store_event",
        "months",
        2,
    )
    assert rules.rules["R16"].deadline.quarterly and "每季度" in rules.rules["R16"].quote
    r17, r18 = rules.rules["R17"], rules.rules["R18"]
    assert r17.settings == {"answer_hours": 24} and r17.deadline.amount == 3
    assert r18.responsible == "reporter" and r18.deadline.unit == "working_days"
    assert "满意" in r18.quote and "紧急需求" in r17.quote


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# (what to change, into what, what the message says)
MISTAKES = [
    ('holidays = "keep"', 'holidays = "keep', "not valid TOML"),
    ('responsible = "centre"', 'responsible = "boss"', "'boss' is not one of unit_head"),
    (
        'fine = { per = "day", amount = 50 }',
        'fine = { per = "day", amount = 0 }',
        "needs an amount",
    ),
    (
        'deadline = { after = "contract_completed", days = 7 }',
        'deadline = { after = "contract_completed" }',
        "exactly one of days",
    ),
    (
        "remind_days_before = [3, 1, 0]",
        "remind_days_before = [3, -1, 0]",
        "-1 is not a whole number from 0 to 90",
    ),
    ('quiet_hours = "21:00-08:00"', 'quiet_hours = "21:00"', "write it as 21:00-08:00"),
    ('reminder_time = "09:00"', 'reminder_time = "9 am"', "'9 am' is not a time of day"),
    ('escalate_to = ["manager"]', 'escalate_to = ["ceo"]', "'ceo' is not one of unit_group"),
    ('quote = "每月至少拜访一个重点客户和两个重点经销商"', 'quote = ""', "quote the manual"),
    (
        'holidays = "working_days"',
        'holidays = "working_days"\nfines = 3',
        "fines: unknown setting",
    ),
    ("[rules.R12]", "[rules.X12]", "a rule is named R1"),
    # Every key a rule may have is known: a typo is refused, never silently ignored.
    ("cutoff_day = 10", "cutof_day = 10", "cutof_day: unknown setting"),
    ("cutoff_day = 10", "cutoff_day = 31", "31 is not a whole number from 1 to 28"),
    ("per_unit_waiting = false", 'per_unit_waiting = "no"', "'no' is not true or false"),
    ('step_up = "adds"', 'step_up = "both"', "'both' is not one of adds, replaces"),
    ("remind_on_days = [20, 25]", "remind_on_days = [20, 32]", "32 is not a whole number from 1"),
    ("rest_days = []", 'rest_days = ["soon"]', "'soon' is not a date like 2027-01-01"),
    ("working_days = []", "working_days = []\nholidays = []", "holidays: unknown setting"),
    ("key_customers = 1", "key_customers = 1\nquota_days = [20, 25]", "quota_days: unknown"),
    (
        'deadline = { every = "month", day = 8 }',
        'deadline = { every = "month", day = 8, shift = 1 }',
        "shift: unknown (known: every",
    ),
    (
        'fine = { per = "time", amount = 50 }',
        'fine = { per = "time", amount = 50, cap = 300 }',
        "cap: unknown (known: per",
    ),
    # The frequency's weight had another name before it came from the centre's sheet.
    ("frequency = 20", "visits = 20", "visits is now called frequency"),
    ("frequency = 20", "frequency = 10, visit = 10", "visit: unknown (known: sales"),
]


@pytest.mark.parametrize(("old", "new", "reason"), MISTAKES, ids=[m[2][:24] for m in MISTAKES])
def test_a_mistake_is_refused_with_its_line(
    tmp_path: Path, old: str, new: str, reason: str
) -> None:
    assert old in SHIPPED, old
    text = SHIPPED.replace(old, new, 1)
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    message = str(caught.value)
    assert reason in message
    line = int(message.split(":")[1])
    changed = new.split("\n")[-1]
    assert line == line_of(text, changed) or line == line_of(text, changed.split(" = ")[0])
    assert "\n" not in message


def test_a_missing_rules_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="the rules file is missing"):
        load_rules(tmp_path / "nowhere.toml")


async def test_kabot_will_not_start_on_a_broken_rules_file(
    kabot: Kabot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "site-rules.toml"
    broken.write_text(
        SHIPPED.replace('responsible = "centre"', 'responsible = "boss"', 1), "utf-8"
    )
    monkeypatch.setenv("KABOT_RULES", str(broken))
    code, out, err = await run_cli(kabot, monkeypatch, "run")
    assert code == 2 and out == ""
    assert err.startswith(f"kabot: {broken}:") and "'boss'" in err and "Traceback" not in err


def test_working_days_follow_chinas_official_calendar() -> None:
    assert is_working_day(date(2026, 1, 4))  # a Sunday made a working day (调休)
    assert not is_working_day(date(2026, 10, 1))  # National Day
    assert is_working_day(date(2026, 10, 10))  # a Saturday made a working day
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert add_working_days(date(2026, 11, 20), 5) == date(2026, 11, 27)


def test_months_as_the_manual_counts_them() -> None:
    assert day_of_month(2026, 2, 30) == date(2026, 2, 28)  # "the 30th" in February
    assert day_of_month(2028, 2, None) == date(2028, 2, 29)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


def test_the_calendar_section_adds_rest_days_and_working_days(tmp_path: Path) -> None:
    from bot.reminders.calendar import WorkCalendar, deadline_day

    text = SHIPPED.replace("rest_days = []", "rest_days = [2026-12-31]").replace(
        "working_days = []", "working_days = [2026-12-27]"
    )
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    cal = load_rules(path).calendar
    assert not is_working_day(date(2026, 12, 31), cal) and is_working_day(date(2026, 12, 31))
    assert is_working_day(date(2026, 12, 27), cal)  # a Sunday made working
    # R11's five working days from Wednesday 23 December: Thu, Fri, (Sun 27), Mon, Tue.
    assert add_working_days(date(2026, 12, 23), 5, cal) == date(2026, 12, 29)
    assert add_working_days(date(2026, 12, 23), 5) == date(2026, 12, 30)
    # 2027 is not published yet: Friday 1 January counts as working (what the digest warns of).
    assert deadline_day("working_days", date(2026, 12, 31), cal) == date(2027, 1, 1)
    assert cal.knows(2026) and not cal.knows(2027)
    known = WorkCalendar(rest=frozenset({date(2027, 1, 1)}))
    assert known.knows(2027) and deadline_day("working_days", date(2027, 1, 1), known) == date(
        2027, 1, 4
    )
