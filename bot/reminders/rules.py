"""The rules file (``rules.toml``, or KABOT_RULES): R1–R18 as data, checked before kabot starts.

A mistake stops kabot with one line: the file, the line and what is wrong — a site's copy
is edited by an office, not a programmer.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from bot.reminders.calendar import OFFICIAL, WorkCalendar
from bot.settings import SettingsError

RESPONSIBLE = (
    "unit_head",
    "unit",
    "centre_head",
    "centre",
    "ka_manager",
    "assigned_staff",
    "reporter",
)
HOLIDAYS = ("keep", "working_days")
FINE_PER = ("day", "item", "time", "none")
ESCALATION = ("unit_group", "manager", "director")
AFTER_UNITS = ("days", "months", "hours", "working_days")
_RULE_ID = re.compile(r"^R\d{1,2}$")
# What each rule's [rules.Rn.settings] may say: (kind, lowest, highest) or bool. Anything else
# is refused, so a typo never leaves an office believing it changed kabot.
# A setting is a whole number in a range, true or false, or one of some words.
RULE_SETTINGS: dict[str, dict[str, tuple[int, int] | type[bool] | frozenset[str]]] = {
    # Whether a unit's KA data counts only once its first responsible person confirms it.
    "R1": {"confirmed_by_head": bool},
    # An urgent customer demand's first answer, within so many hours (the plan: the deadline).
    "R17": {"answer_hours": (1, 168)},
    # The director's judgement of the national report (审定), by this day.
    "R3": {"judgement_day": (1, 28)},
    # Issues reported up to this day are in that month's report, due a reply by the 30th.
    "R4": {"cutoff_day": (1, 28), "per_unit_waiting": bool},
    # The annual KA result's bands (CNY, within the manual's), and from what ratio (percent)
    # of shortfall or excess each band's most applies.
    "R15": {
        "shortfall_least": (3000, 8000),
        "shortfall_most": (3000, 8000),
        "shortfall_full_at": (1, 100),
        "excess_least": (5000, 20000),
        "excess_most": (5000, 20000),
        "excess_full_at": (1, 100),
    },
    # A key SKU's fine (重点品), within the manual's 50–100 CNY a SKU a store; others: the fine.
    "R13": {"key_sku": (50, 100)},
    # Whether the three-month fine comes on top of the two-month one, or replaces it.
    "R6": {"step_up": frozenset({"adds", "replaces"})},
    # Who holds the visit quota: the centre's KA managers and each unit's, or the centre's.
    "R8": {
        "key_customers": (0, 50),
        "key_distributors": (0, 50),
        "quota_holders": frozenset({"centre_and_units", "centre"}),
    },
}
_DEADLINE_KEYS = ("every", "day", "after", "before", "on", *AFTER_UNITS)
# Rules charged when a fact is found, with no date to meet: { on = "<fact>" }.
ON_FACT = ("inspection", "year_result")
# Rules whose amounts the manual bounds: the fine's amount must stay within (CNY).
FINE_RANGE = {"R13": (50, 100)}
# Rules that answer to fewer kinds of responsible person than RESPONSIBLE lists.
RESPONSIBLE_OF = {"R13": ("unit_head", "assigned_staff"), "R15": ("unit_head",)}
_FINE_KEYS = ("per", "amount", "step_up")
DIRECTOR_AFTER_DAYS = 2  # when a site's rules file does not say
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class RulesError(SettingsError):
    """The rules file cannot be used; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Deadline:
    every_month_day: int | None = None  # 1–31, the month's last day when shorter
    last_day_of_month: bool = False
    quarterly: bool = False  # the quarter's last day (R16)
    on: str | None = None  # charged when this fact is found (R13: an inspection), no date
    after: str | None = None  # an event: contract_completed, distributed, reported …
    before: str | None = None  # an event the deadline comes before: launch
    amount: int = 0
    unit: str = "days"  # days, months, hours, working_days


@dataclass(frozen=True, slots=True)
class Fine:
    per: str  # day, item, time, none
    amount_fen: int
    step_up_after_months: int | None = None
    step_up_fen: int | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    obligation: dict[str, str]
    quote: str
    responsible: str
    deadline: Deadline
    holidays: str
    remind_days_before: tuple[int, ...]
    fine: Fine
    escalate_to: tuple[str, ...]
    settings: dict[str, Any] = field(default_factory=dict)
    # Reminders on these days of the deadline's month (R8: the 20th and the 25th), besides
    # any so many days before it.
    remind_on_days: tuple[int, ...] = ()
    clause: str = ""  # where in the manual: "5.3.2", "001 五(三)3"


@dataclass(frozen=True, slots=True)
class GeneralRules:
    quiet_from: time
    quiet_until: time
    reminder_time: time
    digest_time: time
    summary_day: int
    summary_time: time
    group_mentions_max: int
    director_after_days: int  # the director hears of a missed deadline this much later


@dataclass(frozen=True, slots=True)
class Grading:
    """Half-yearly customer grading (SPEC §4): weights in percent, score thresholds."""

    sales: int = 40
    profit: int = 40
    frequency: int = 20  # purchase frequency (消费频次)
    a_from: int = 80  # score (0–100) for grade A
    b_from: int = 60
    c_from: int = 40  # below: D
    churn_months: int = 12  # no business for this long: flagged as lost (流失)
    months: tuple[int, ...] = (1, 7)  # when the centre is asked for the sales sheet


@dataclass(frozen=True, slots=True)
class Rules:
    general: GeneralRules
    rules: dict[str, Rule]
    grading: Grading = field(default_factory=Grading)
    calendar: WorkCalendar = OFFICIAL


class _Reader:
    """Checks one table of the file; knows where in the text each key is, for the message."""

    def __init__(self, path: Path, lines: list[str], section: str, table: Any) -> None:
        self.path, self.lines, self.section = path, lines, section
        if not isinstance(table, dict):
            raise self.error(None, f"[{section}] must be a table")
        self.table: dict[str, Any] = table

    def line_of(self, key: str | None) -> int:
        header = re.compile(rf"^\s*\[\s*{re.escape(self.section)}\s*\]")
        start = next((i for i, line in enumerate(self.lines) if header.match(line)), None)
        if start is None:
            return 1
        if key is None:
            return start + 1
        pattern = re.compile(rf"^\s*{re.escape(key)}(\.|\s*=)")
        for i in range(start + 1, len(self.lines)):
            if self.lines[i].lstrip().startswith("["):
                break
            if pattern.match(self.lines[i]):
                return i + 1
        return start + 1

    def error(self, key: str | None, reason: str) -> RulesError:
        where = f"[{self.section}] {key}" if key else f"[{self.section}]"
        return RulesError(f"{self.path}:{self.line_of(key)}: {where}: {reason}")

    def only(self, allowed: tuple[str, ...]) -> None:
        for key in self.table:
            if key not in allowed:
                raise self.error(key, f"unknown setting (known: {', '.join(allowed)})")

    def get(self, key: str, kind: type | tuple[type, ...], *, optional: bool = False) -> Any:
        if key not in self.table:
            if optional:
                return None
            raise self.error(None, f"{key} is missing")
        value = self.table[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            raise self.error(key, f"{value!r} is not {_describe(kind)}")
        return value

    def choice(self, key: str, allowed: tuple[str, ...]) -> str:
        value = self.get(key, str)
        if value not in allowed:
            raise self.error(key, f"{value!r} is not one of {', '.join(allowed)}")
        return str(value)

    def clock(self, key: str, value: Any = None) -> time:
        text = self.get(key, str) if value is None else value
        m = _CLOCK.match(str(text))
        if m is None:
            raise self.error(key, f"{text!r} is not a time of day like 09:00")
        return time(int(m[1]), int(m[2]))

    def whole(self, key: str, low: int, high: int, value: Any = None) -> int:
        number = self.get(key, int) if value is None else value
        if not isinstance(number, int) or isinstance(number, bool) or not low <= number <= high:
            raise self.error(key, f"{number!r} is not a whole number from {low} to {high}")
        return number


def _describe(kind: type | tuple[type, ...]) -> str:
    names = {
        str: "text",
        int: "a whole number",
        list: "a list",
        dict: "a table",
        bool: "true or false",
    }
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def load_rules(path: Path) -> Rules:
    if not path.is_file():
        raise RulesError(f"{path}: the rules file is missing (KABOT_RULES points at it)")
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        line = m[1] if m else "1"
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise RulesError(f"{path}:{line}: not valid TOML: {reason}") from None
    lines = text.splitlines()
    top = _Reader(path, lines, "", data)
    for key in data:
        if key not in ("settings", "rules", "grading", "calendar"):
            raise RulesError(
                f"{path}:1: unknown section [{key}] (known: settings, rules, grading, calendar)"
            )
    general = _general(_Reader(path, lines, "settings", top.get("settings", dict)))
    rules_table = top.get("rules", dict)
    rules = {}
    for rule_id, table in rules_table.items():
        reader = _Reader(path, lines, f"rules.{rule_id}", table)
        if not _RULE_ID.match(rule_id):
            raise reader.error(None, "a rule is named R1, R2 …")
        rules[rule_id] = _rule(path, lines, rule_id, reader)
    grading = Grading()
    if "grading" in data:
        grading = _grading(_Reader(path, lines, "grading", top.get("grading", dict)))
    work_calendar = OFFICIAL
    if "calendar" in data:
        work_calendar = _calendar(_Reader(path, lines, "calendar", top.get("calendar", dict)))
    return Rules(general, rules, grading, work_calendar)


def _calendar(r: _Reader) -> WorkCalendar:
    """Rest days and working days (调休) an office adds to the official calendar."""
    r.only(("rest_days", "working_days"))
    days: dict[str, frozenset[date]] = {}
    for key in ("rest_days", "working_days"):
        found = set()
        for value in r.get(key, list, optional=True) or []:
            if isinstance(value, datetime):
                value = value.date()
            if not isinstance(value, date):
                raise r.error(key, f"{value!r} is not a date like 2027-01-01")
            found.add(value)
        days[key] = frozenset(found)
    both = days["rest_days"] & days["working_days"]
    if both:
        raise r.error("working_days", f"{min(both)} is both a rest day and a working day")
    return WorkCalendar(rest=days["rest_days"], work=days["working_days"])


def _grading(r: _Reader) -> Grading:
    r.only(("weights", "thresholds", "churn_months", "months"))
    weights = r.get("weights", dict)
    if "visits" in weights:  # its name before the frequency came from the centre's sheet
        raise r.error("weights", "visits is now called frequency (消费频次): rename it")
    for key in weights:
        if key not in ("sales", "profit", "frequency"):
            raise r.error("weights", f"{key}: unknown (known: sales, profit, frequency)")
    parts = [r.whole("weights", 0, 100, weights.get(k)) for k in ("sales", "profit", "frequency")]
    if sum(parts) != 100:
        raise r.error("weights", f"the weights add up to {sum(parts)}, not 100")
    limits = r.get("thresholds", dict)
    a, b, c = (r.whole("thresholds", 1, 100, limits.get(k)) for k in ("A", "B", "C"))
    if not a > b > c:
        raise r.error("thresholds", "A's score must be above B's, and B's above C's")
    months = tuple(r.whole("months", 1, 12, m) for m in r.get("months", list))
    return Grading(
        sales=parts[0],
        profit=parts[1],
        frequency=parts[2],
        a_from=a,
        b_from=b,
        c_from=c,
        churn_months=r.whole("churn_months", 1, 60),
        months=months,
    )


def _general(r: _Reader) -> GeneralRules:
    r.only(
        (
            "time_zone_note",
            "quiet_hours",
            "reminder_time",
            "digest_time",
            "monthly_summary",
            "group_mentions_max",
            "director_after_days",
        )
    )
    quiet = r.get("quiet_hours", str).split("-")
    if len(quiet) != 2:
        raise r.error("quiet_hours", "write it as 21:00-08:00")
    summary = r.get("monthly_summary", dict)
    return GeneralRules(
        quiet_from=r.clock("quiet_hours", quiet[0].strip()),
        quiet_until=r.clock("quiet_hours", quiet[1].strip()),
        reminder_time=r.clock("reminder_time"),
        digest_time=r.clock("digest_time"),
        summary_day=r.whole("monthly_summary", 1, 28, summary.get("day")),
        summary_time=r.clock("monthly_summary", summary.get("time")),
        group_mentions_max=r.whole("group_mentions_max", 1, 50),
        director_after_days=(
            r.whole("director_after_days", 0, 60)
            if "director_after_days" in r.table
            else DIRECTOR_AFTER_DAYS
        ),
    )


def _rule(path: Path, lines: list[str], rule_id: str, r: _Reader) -> Rule:
    r.only(
        (
            "obligation",
            "quote",
            "clause",
            "responsible",
            "deadline",
            "holidays",
            "remind_days_before",
            "remind_on_days",
            "fine",
            "escalate_to",
            "settings",
        )
    )
    obligation = r.get("obligation", dict)
    if not all(
        isinstance(obligation.get(lang), str) and obligation[lang] for lang in ("zh", "en")
    ):
        raise r.error("obligation", "give obligation.zh and obligation.en")
    quote = r.get("quote", str)
    if not quote.strip():
        raise r.error("quote", "quote the manual's line this rule comes from")
    clause = r.get("clause", str, optional=True) or ""
    remind = r.get("remind_days_before", list)
    days = tuple(r.whole("remind_days_before", 0, 90, d) for d in remind)
    on_days = tuple(
        r.whole("remind_on_days", 1, 31, d)
        for d in r.get("remind_on_days", list, optional=True) or []
    )
    if on_days and r.table.get("deadline", {}).get("every") != "month":
        raise r.error("remind_on_days", 'days of the month are for every = "month" deadlines')
    escalate = r.get("escalate_to", list)
    for step in escalate:
        if step not in ESCALATION:
            raise r.error("escalate_to", f"{step!r} is not one of {', '.join(ESCALATION)}")
    fine = _fine(r)
    low, high = FINE_RANGE.get(rule_id, (0, 100_000))
    if not low * 100 <= fine.amount_fen <= high * 100:
        raise r.error("fine", f"{rule_id}'s manual sets the amount from {low} to {high} CNY")
    return Rule(
        id=rule_id,
        obligation={lang: str(obligation[lang]) for lang in ("zh", "en")},
        quote=quote,
        clause=clause.strip(),
        responsible=r.choice("responsible", RESPONSIBLE_OF.get(rule_id, RESPONSIBLE)),
        deadline=_deadline(r),
        holidays=r.choice("holidays", HOLIDAYS),
        remind_days_before=tuple(sorted(set(days), reverse=True)),
        fine=fine,
        escalate_to=tuple(escalate),
        settings=_rule_settings(path, lines, rule_id, r),
        remind_on_days=tuple(sorted(set(on_days))),
    )


def _rule_settings(path: Path, lines: list[str], rule_id: str, r: _Reader) -> dict[str, Any]:
    table = r.get("settings", dict, optional=True) or {}
    known = RULE_SETTINGS.get(rule_id, {})
    reader = _Reader(path, lines, f"rules.{rule_id}.settings", table)
    if not known and table:
        key = next(iter(table))
        raise reader.error(key, f"unknown setting ({rule_id} has no settings)")
    reader.only(tuple(known))
    settings: dict[str, Any] = {}
    for key in table:
        kind = known[key]
        if kind is bool:
            settings[key] = reader.get(key, bool)
        elif isinstance(kind, frozenset):
            settings[key] = reader.choice(key, tuple(sorted(kind)))
        else:
            assert isinstance(kind, tuple)
            low, high = kind
            settings[key] = reader.whole(key, low, high)
    for band in ("shortfall", "excess"):  # R15
        least, most = settings.get(f"{band}_least"), settings.get(f"{band}_most")
        if least is not None and most is not None and least > most:
            raise reader.error(f"{band}_least", f"the least ({least}) is above the most ({most})")
    return settings


def _deadline(r: _Reader) -> Deadline:
    table = r.get("deadline", dict)
    for key in table:
        if key not in _DEADLINE_KEYS:
            raise r.error("deadline", f"{key}: unknown (known: {', '.join(_DEADLINE_KEYS)})")
    if "on" in table:
        if set(table) != {"on"} or table["on"] not in ON_FACT:
            raise r.error("deadline", f"on = one of {', '.join(ON_FACT)}, and nothing else")
        return Deadline(on=table["on"])
    if "every" in table:
        if table["every"] == "quarter" and set(table) == {"every"}:
            return Deadline(quarterly=True)
        if table["every"] != "month":
            raise r.error("deadline", 'repeat every = "month" (with a day) or every = "quarter"')
        day = table.get("day")
        if day == "last":
            return Deadline(last_day_of_month=True)
        return Deadline(every_month_day=r.whole("deadline", 1, 31, day))
    anchor = "after" if "after" in table else "before" if "before" in table else None
    if anchor is None or not isinstance(table[anchor], str):
        raise r.error("deadline", 'give every = "month", after = "<event>" or before = "<event>"')
    units = [u for u in AFTER_UNITS if u in table]
    if len(units) != 1:
        raise r.error("deadline", f"give exactly one of {', '.join(AFTER_UNITS)}")
    amount = r.whole("deadline", 1, 400, table[units[0]])
    if anchor == "after":
        return Deadline(after=table[anchor], amount=amount, unit=units[0])
    return Deadline(before=table[anchor], amount=amount, unit=units[0])


def _fine(r: _Reader) -> Fine:
    table = r.get("fine", dict)
    for key in table:
        if key not in _FINE_KEYS:
            raise r.error("fine", f"{key}: unknown (known: {', '.join(_FINE_KEYS)})")
    per = table.get("per")
    if per not in FINE_PER:
        raise r.error("fine", f"per = {per!r} is not one of {', '.join(FINE_PER)}")
    amount = r.whole("fine", 0, 100_000, table.get("amount", 0))
    if per != "none" and amount == 0:
        raise r.error("fine", 'a fine needs an amount above 0 (or per = "none")')
    step_up = table.get("step_up")
    if step_up is None:
        return Fine(per, amount * 100)
    if not isinstance(step_up, dict) or set(step_up) - {"after_months", "amount"}:
        raise r.error("fine", "step_up is { after_months = 3, amount = 100 }")
    return Fine(
        per,
        amount * 100,
        step_up_after_months=r.whole("fine", 1, 24, step_up.get("after_months")),
        step_up_fen=r.whole("fine", 1, 100_000, step_up.get("amount")) * 100,
    )
