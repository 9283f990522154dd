"""The monthly summary (SPEC §4): on the 1st, to each unit's group and the KA centre's group —
visits against the quota per person, visits by customer grade, issues opened / resolved /
overdue, promotions and their budget, KA data on time, penalties and waivers; as text, a
chart, and (for the centre) the month's workbook.

Sent once per group and month (``summaries_sent``); after downtime it is sent late, once,
and says so.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from bot.delivery.outbox import Outbox
from bot.forms.present import money
from bot.models import GRADES, BusinessUnit, CustomerKind, Role
from bot.reminders import charts, workbook, worker
from bot.reminders.calendar import add_months, day_of_month
from bot.reminders.events import reply_due
from bot.reminders.monthly import holds_quota
from bot.reminders.rules import Rules
from bot.reminders.timing import LATE_AFTER
from bot.store import Store
from bot.store.db import Row
from bot.texts import Texts

_LOGGER = logging.getLogger(__name__)


@dataclass(slots=True)
class PersonLine:
    name: str
    unit: str
    visits: int = 0
    key_customers: int = 0
    key_distributors: int = 0
    quota: tuple[int, int] | None = None  # R8: (key customers, key distributors)

    @property
    def short(self) -> bool:
        return self.quota is not None and (
            self.key_customers < self.quota[0] or self.key_distributors < self.quota[1]
        )


@dataclass(slots=True)
class MonthlySummary:
    month: str
    first: date
    last: date
    unit: BusinessUnit | None  # None: the whole group
    people: list[PersonLine] = field(default_factory=list)
    by_grade: dict[str, int] = field(default_factory=dict)
    issues_opened: int = 0
    issues_resolved: int = 0
    issues_overdue: int = 0  # still unanswered after their reply deadline (R4)
    issues_open: int = 0  # unanswered at the month's end
    promotions: int = 0
    budget_fen: int = 0
    spent_fen: int = 0
    data: list[tuple[str, date | None, bool]] = field(default_factory=list)
    data_month: str = ""  # the month that data is of (R1: filed in this month, for the last)
    data_due: date | None = None
    penalties: int = 0
    penalties_fen: int = 0
    waived: int = 0
    waived_fen: int = 0
    incentives_fen: int = 0
    # Obligations met after a reminder, before their fine started (R4–R7), and the fine each
    # would have started with.
    avoided: int = 0
    avoided_fen: int = 0

    @property
    def visits(self) -> int:
        return sum(self.by_grade.values())


def month_bounds(month: str) -> tuple[date, date]:
    first = date.fromisoformat(f"{month}-01")
    return first, day_of_month(first.year, first.month, None)


async def gather_all(
    store: Store,
    rules: Rules,
    month: str,
    units: Sequence[BusinessUnit | None],
    then: Callable[[MonthlySummary], object] | None = None,
) -> list[MonthlySummary]:
    """The figures of ``month`` for each of ``units`` (the centre, or None: the whole
    group), the month's visits counted once for all of them. ``then(summary)`` is called
    as each is ready (its chart starts while the next unit's figures are summed)."""
    if not units:
        return []
    first, last = month_bounds(month)
    counts = await store.summaries.visit_counts(first, last, None)
    gathered = []
    for unit in units:
        gathered.append(await gather(store, rules, month, unit, counts=counts))
        if then is not None:
            then(gathered[-1])
    return gathered


async def gather(
    store: Store,
    rules: Rules,
    month: str,
    unit: BusinessUnit | None,
    *,
    counts: list[Row] | None = None,
) -> MonthlySummary:
    """The figures of ``month`` for one business unit, or for the whole group. ``counts``:
    the whole group's visit counts of the month, when they were read already."""
    first, last = month_bounds(month)
    scope = None if unit is None or unit.is_centre else unit.id
    summary = MonthlySummary(month, first, last, None if scope is None else unit)
    units = {u.id: u for u in await store.units.all()}
    r8 = rules.rules.get("R8")
    quota = (
        (int(r8.settings.get("key_customers", 1)), int(r8.settings.get("key_distributors", 2)))
        if r8
        else None
    )
    people: dict[int, PersonLine] = {}
    staff = (
        await store.staff.in_unit(scope) if scope is not None else await store.staff.all_active()
    )
    for person in staff:
        if person.role not in (Role.FIELD, Role.MANAGER) or not person.unit_id:
            continue
        is_centre = units[person.unit_id].is_centre
        people[person.id] = PersonLine(
            person.name,
            units[person.unit_id].name,
            quota=quota if r8 is not None and holds_quota(r8, person, is_centre) else None,
        )
    summary.by_grade = dict.fromkeys(GRADES, 0)
    if counts is None:
        counts = await store.summaries.visit_counts(first, last, scope)
    for group in counts:
        if scope is not None and group["unit_id"] != scope:
            continue
        count = int(group["visits"])
        summary.by_grade[group["grade"]] += count
        line = people.setdefault(
            group["staff_id"], PersonLine(group["staff_name"], group["unit_name"])
        )
        line.visits += count
        if group["customer_kind"] == CustomerKind.KA_RETAILER.value:
            line.key_customers += count
        elif group["customer_kind"] == CustomerKind.KEY_DISTRIBUTOR.value:
            line.key_distributors += count
    summary.people = sorted(people.values(), key=lambda p: (p.unit, -p.visits, p.name))
    r4 = rules.rules.get("R4")
    for issue in await store.summaries.issues(first, last, scope):
        reported = datetime.fromisoformat(issue["created_at"]).date()
        replied = (
            datetime.fromisoformat(issue["replied_at"]).date() if issue["replied_at"] else None
        )
        summary.issues_opened += first <= reported
        if replied is not None and replied <= last:
            summary.issues_resolved += 1
            continue
        summary.issues_open += 1
        if r4 is not None and reply_due(r4, reported, rules.calendar) < last:
            summary.issues_overdue += 1
    for promotion in await store.summaries.promotions(first, last, scope):
        summary.promotions += 1
        summary.budget_fen += promotion["budget_fen"]
        summary.spent_fen += promotion["spent_fen"] or 0
    # KA data for the month before, due in this one (R1): submitted, and on time?
    r1 = rules.rules.get("R1")
    data_month = f"{add_months(first, -1):%Y-%m}"
    due = day_of_month(first.year, first.month, r1.deadline.every_month_day if r1 else 8)
    summary.data_month, summary.data_due = data_month, due
    for row in await store.summaries.data_submissions(data_month, scope):
        at = datetime.fromisoformat(row["submitted_at"]).date() if row["submitted_at"] else None
        summary.data.append((row["unit_name"], at, at is not None and at <= due))
    for entry in await store.ledger.month(month, unit_id=scope):
        if entry.kind == "incentive":
            summary.incentives_fen += entry.amount_fen
        elif entry.status == "waived":
            summary.waived += 1
            summary.waived_fen += entry.amount_fen
        else:
            summary.penalties += 1
            summary.penalties_fen += entry.amount_fen
    for row in await store.summaries.met_after_reminder(first, last, scope):
        rule = rules.rules.get(row["rule"])
        met_on = datetime.fromisoformat(row["met_at"]).date()
        fined = rule is not None and rule.fine.per in ("day", "item")
        if fined and rule and met_on <= date.fromisoformat(row["due_on"]):  # charged the day after
            summary.avoided += 1
            summary.avoided_fen += rule.fine.amount_fen
    return summary


# matplotlib's settings (rc_context) are per process: one chart at a time, whichever thread draws.
_DRAWING = threading.Lock()


def chart_in_worker(root: str, default_language: str, lang: str, summary: MonthlySummary) -> bytes:
    """In the worker process (see :mod:`bot.reminders.worker`): the summary's chart."""
    return chart_of(_worker_texts(root, default_language), lang, summary)


@functools.cache
def _worker_texts(root: str, default_language: str) -> Texts:
    """The templates, loaded once per worker process (not once a chart)."""
    return Texts(Path(root), default_language)


def chart_of(texts: Texts, lang: str, summary: MonthlySummary) -> bytes:
    scope = summary.unit.name if summary.unit else texts.label(lang, "chart.whole_group")
    with _DRAWING:
        return _chart(texts, lang, summary, scope)


def _chart(texts: Texts, lang: str, summary: MonthlySummary, scope: str) -> bytes:
    return charts.monthly(
        texts,
        lang,
        title=texts.label(lang, "chart.title", month=summary.month, scope=scope),
        people=[
            charts.Bar(p.name, p.visits, sum(p.quota) if p.quota else None, p.short)
            for p in summary.people
        ],
        by_grade=summary.by_grade,
    )


def previous_month(day: date) -> str:
    return f"{add_months(day.replace(day=1), -1):%Y-%m}"


async def send_summaries(
    outbox: Outbox, store: Store, rules: Rules, texts: Texts, now: datetime
) -> int:
    """This month's summaries of last month not sent yet, once their time has come."""
    general = rules.general
    planned = datetime.combine(
        now.date().replace(day=general.summary_day), general.summary_time, now.tzinfo
    )
    if now < planned:
        return 0
    month, late = previous_month(now.date()), now - planned > LATE_AFTER
    lang = texts.default_language
    units: list[BusinessUnit] = []
    for unit in await store.units.all():
        if not unit.active or await store.summaries.sent(unit.id, month):
            continue
        if unit.group_chat_id is None:
            await store.summaries.claim(unit.id, month, "unreachable")
            continue
        if not units:
            # The chart workers load matplotlib on the other core while the figures are
            # summed here.
            worker.start()
        units.append(unit)
    if not units:
        return 0
    # The centre's last: its summary waits for the month's workbook, the units' do not.
    units.sort(key=lambda unit: unit.is_centre)
    # Charts and the workbook are made in the worker processes (they draw side by side),
    # each chart asked for as soon as its figures are summed, with no transaction open, so
    # every chat goes on meanwhile; then each summary's claim and messages are one commit,
    # each message delivered on its own, a unit's as soon as its chart is drawn.
    root = str(texts.root)
    charts_made: list[asyncio.Future[bytes]] = []

    def draw(summary: MonthlySummary) -> None:
        chart = worker.run(chart_in_worker, root, texts.default_language, lang, summary)
        charts_made.append(asyncio.ensure_future(chart))

    book_made: asyncio.Future[bytes] | None = None
    try:
        gathered = await gather_all(store, rules, month, units, draw)
        due = list(zip(units, gathered, strict=True))
        if any(unit.is_centre for unit in units):
            known = {None if unit.is_centre else unit.id: summary for unit, summary in due}
            made = workbook.month(store, rules, texts, lang, month, known)
            book_made = asyncio.ensure_future(made)
        sent = 0
        for (unit, summary), chart_made in zip(due, charts_made, strict=True):
            chart = await chart_made
            book = await book_made if unit.is_centre and book_made is not None else None
            assert unit.group_chat_id is not None
            async with store.db.transaction():
                if not await store.summaries.claim(unit.id, month, "late" if late else "sent"):
                    continue
                text = texts.render(
                    lang,
                    "monthly_summary.html",
                    s=summary,
                    late=late,
                    money=lambda fen: money(texts, lang, fen),
                )
                await outbox.message(unit.group_chat_id, text)
                await outbox.photo(unit.group_chat_id, chart, name=f"{month}.png")
                if book is not None:
                    name = texts.label(lang, "workbook.file", month=month)
                    await outbox.document(unit.group_chat_id, book, name=name)
            sent += 1
    finally:
        for future in [*charts_made, book_made]:
            if future is not None:
                future.cancel()
    return sent
