"""What the rules will charge if nothing changes: the exposure forecast.

Worked out by the code that charges (``events.charges`` for the amounts and days,
``penalties.source`` for the ledger row each becomes, ``answering.responsible`` for who pays),
from the open obligations kabot has planned: a fine of R4–R7 becomes one line per charge not
on the ledger yet — a per-day fine one line for its days to come — and a deadline of a rule
without an automatic fine a line for its overdue notice (R2's fine per unreported issue is
the centre's to record, so it is named, not counted). A charge is written by the first run on
a working day at or after its day (nothing is charged on rest days), so each line also says
when it will reach the ledger.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.models import Obligation, Staff
from bot.reminders import events, monthly, penalties
from bot.reminders.answering import CENTRE_RESPONSIBLE, responsible
from bot.reminders.calendar import WorkCalendar, is_working_day
from bot.reminders.facts import Facts
from bot.reminders.rules import Rule, Rules
from bot.store import Store

# The contract rules, whose facts are read at once when a forecast covers more than so many.
CONTRACT_RULES = ("R5", "R6", "R7")
PREFETCH_AT = 200
YIELD_EVERY = 200  # obligations worked between two chances for other people's updates

# How far ahead /exposure looks — far enough for R6's step-up a month after its first fine —
# and the managers' digest (its "next 7 days").
AHEAD = timedelta(days=62)
WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Line:
    """One thing the rules will do to a unit if nothing changes, soonest first."""

    rule: Rule
    obligation: Obligation
    subject: str  # what it is about, as the penalty notice names it
    starts_on: date  # the day the money starts (or the overdue notice's day)
    charged_on: date  # when the ledger row is written: the first working day from starts_on
    kind: str  # "item" | "step_up" | "incomplete" | "day" | "notice"
    amount_fen: int  # the charge; a per-day fine: one day's; a notice: the manual's (R2) or 0
    days: int = 0  # a per-day fine: the days to come within the forecast's reach
    running: bool = False  # a per-day fine already charged for earlier days
    prefix: str = ""  # the obligation's ledger sources start so (``penalties.source``)
    person: Staff | None = None  # who pays

    def charges(self) -> list[tuple[str, date, int]]:
        """The ledger rows the line becomes: (source, the day it is charged for, fen)."""
        if self.kind == "notice":
            return []
        if self.kind != "day":
            return [(self.prefix + self.kind, self.starts_on, self.amount_fen)]
        days = (self.starts_on + timedelta(days=n) for n in range(self.days))
        return [(f"{self.prefix}{day}", day, self.amount_fen) for day in days]

    @property
    def total_fen(self) -> int:
        """What the line adds up to within the forecast (a notice counts nothing)."""
        if self.kind == "notice":
            return 0
        return self.amount_fen * self.days if self.kind == "day" else self.amount_fen


def ledger_day(day: date, cal: WorkCalendar) -> date:
    """The day a charge of ``day`` reaches the ledger: the engine charges on working days
    (a charge of a day gone by, say a copy recorded incomplete after the run, by the next)."""
    while not is_working_day(day, cal):
        day += timedelta(days=1)
    return day


async def forecast(
    store: Store,
    rules: Rules,
    now: datetime,
    until: date,
    unit_id: int | None = None,
    *,
    per_unit: bool = False,
    money_only: bool = False,
) -> list[Line]:
    """What the rules will charge or notice from ``now`` to ``until`` (inclusive), for one
    unit or (``unit_id`` None) every unit. Each charge once: R4's day, shared by every unit
    waiting for the centre's reply, is one line — or one per unit with ``per_unit``.
    ``money_only``: the fines alone, without what they are about (the digests' totals)."""
    today = now.date()
    lines: list[Line] = []
    seen: set[tuple[int | None, str]] = set()
    # Who answers, asked once per kind of answer (a unit's head answers its thousand contracts).
    people: dict[tuple[object, ...], Staff | None] = {}
    ledger_days: dict[date, date] = {}  # the official calendar is slow to ask: once a day

    def on_ledger(day: date) -> date:
        if day not in ledger_days:
            ledger_days[day] = ledger_day(day, rules.calendar)
        return ledger_days[day]

    within = await store.obligations.open(due_by=until)
    ids = {o.id for o in within}
    early = [o for o in await store.obligations.breached_early() if o.id not in ids]
    # Thousands of contracts: read them, and what the ledger holds, at once (see Facts).
    big = sum(1 for o in within if o.rule in CONTRACT_RULES) > PREFETCH_AT
    facts = Facts(store)
    if big:
        await facts.prefetch()
    await facts.prefetch_subjects(within + early)
    every = await store.ledger.sources("penalty", "R") if big else None
    for done, obligation in enumerate(within + early):
        if done % YIELD_EVERY == YIELD_EVERY - 1:
            await asyncio.sleep(0)  # read at once, the rest is arithmetic: let replies through
        rule = rules.rules.get(obligation.rule)
        if rule is None or (unit_id is not None and obligation.unit_id != unit_id):
            continue
        fined = rule.fine.per in ("day", "item")
        if money_only and not fined:
            continue
        met = await monthly.met_at(store, rules, obligation, now, facts)
        met_on = met.date() if met is not None and met <= now else None
        whose = _whose(rule, obligation)
        if whose not in people:
            people[whose] = await responsible(store, rule, obligation)
        person = people[whose]
        subject = "" if money_only else await penalties.describe(store, obligation, facts)
        if fined:
            if person is None:
                continue  # nobody answers for it: the engine charges nobody (it logs it)
            shared = obligation.unit_id if per_unit else None
            # Met: what it ran up to that day is still charged by the next run, nothing more.
            found = await _charges(
                store, rule, obligation, until, met_on, seen, shared, facts, every
            )
            lines += [
                Line(rule, obligation, subject, day, on_ledger(max(day, today)), kind,
                     amount, days, running, prefix, person)
                for kind, day, amount, days, running, prefix in found
            ]  # fmt: skip
            continue
        if met_on is not None:
            continue
        notice_on = (obligation.due_at.date() if obligation.due_at else None) or (
            obligation.due_on + timedelta(days=1)
        )
        if today <= notice_on <= until:
            amount = rule.fine.amount_fen if rule.fine.per == "time" else 0
            lines.append(
                Line(rule, obligation, subject, notice_on, on_ledger(notice_on),
                     "notice", amount, person=person)
            )  # fmt: skip
    lines.sort(key=lambda line: (line.starts_on, line.rule.id, line.obligation.id))
    return lines


def _whose(rule: Rule, obligation: Obligation) -> tuple[object, ...]:
    """What ``answering.responsible`` depends on: obligations alike in it share the person."""
    centre = rule.responsible in CENTRE_RESPONSIBLE
    judgement = obligation.rule == "R3" and obligation.subject == monthly.JUDGEMENT
    return (obligation.staff_id, judgement, centre, None if centre else obligation.unit_id)


async def _charges(
    store: Store,
    rule: Rule,
    obligation: Obligation,
    until: date,
    met_on: date | None,
    seen: set[tuple[int | None, str]],
    shared: int | None,
    facts: Facts,
    every: set[str] | None,
) -> list[tuple[str, date, int, int, bool, str]]:
    """The charges of ``obligation`` up to ``until`` not on the ledger yet (nor counted by
    another line of the same shared charge, within ``shared``'s unit); ``every``: all the
    rules' ledger sources, read at once, or None to ask for this obligation's."""
    prefix = penalties.source(rule, obligation)
    charged = every if every is not None else await store.ledger.sources("penalty", prefix)
    possible = await events.charges(store, rule, obligation, until, facts)
    due = [
        c
        for c in possible
        if (met_on is None or c.day <= met_on)
        and prefix + c.key not in charged
        and (shared, prefix + c.key) not in seen
    ]
    seen.update((shared, prefix + c.key) for c in due)
    if rule.fine.per == "day":
        if not due:
            return []
        first = due[0]
        running = any(prefix + c.key in charged for c in possible)
        return [("day", first.day, first.amount_fen, len(due), running, prefix)]
    return [(c.key, c.day, c.amount_fen, 1, False, prefix) for c in due]


def total(lines: list[Line], until: date) -> int:
    """Fen the lines charge by ``until``: a per-day fine its days up to it."""
    fen = 0
    for line in lines:
        if line.kind == "notice" or line.starts_on > until:
            continue
        if line.kind == "day":
            fen += line.amount_fen * min(line.days, (until - line.starts_on).days + 1)
        else:
            fen += line.amount_fen
    return fen


async def by_unit(store: Store, rules: Rules, now: datetime, until: date) -> dict[int, int]:
    """Each unit's exposure to ``until``, in fen, from one pass over the open obligations (the
    managers' digests). A charge shared by several units counts for each of them."""
    found: dict[int, int] = {}
    for line in await forecast(store, rules, now, until, per_unit=True, money_only=True):
        if line.obligation.unit_id is not None:
            unit = line.obligation.unit_id
            found[unit] = found.get(unit, 0) + total([line], until)
    return found
