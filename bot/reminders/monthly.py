"""The calendar's obligations (SPEC §3): each unit's KA data by the 8th (R1) and issue report by
the 10th (R2), the centre's national report by the 14th (R3), each centre KA manager's visit
quota (R8) and each confirmed visit plan (R9) by month end — planned every run for the month
it is, and met by the record that fulfils them. Event rules live in ``events``."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.models import Customer, CustomerKind, Obligation, Role, Staff
from bot.reminders import events
from bot.reminders.calendar import day_of_month, deadline_day
from bot.reminders.facts import Facts
from bot.reminders.rules import Rule, Rules
from bot.reminders.visits import overdue_for_visit
from bot.store import Store
from bot.store.obligations import Due


def _previous_month(day: date) -> str:
    first = day.replace(day=1) - timedelta(days=1)
    return f"{first:%Y-%m}"


# Monthly unit obligations the engine follows, and the month each is for: R1 is last month's
# data, R2 this month's issue report.
MONTHLY_UNIT_RULES = {"R1": "previous", "R2": "current"}


# R3's second deadline: the director's judgement (审定) of the national report.
JUDGEMENT = "judgement"
JUDGEMENT_DAY = 15  # when a site's rules file does not say (SPEC §3: by the 15th)


async def plan(store: Store, rules: Rules, today: date, horizon: date | None = None) -> None:
    """The obligations of this month's deadlines, for every business unit — and of next
    month's when ``horizon`` (how far the run looks ahead) reaches into it: the 8th after
    国庆 is reminded before the holiday, in September."""
    for month in sorted({today.replace(day=1), (horizon or today).replace(day=1)}):
        await _plan_month(store, rules, month)
    await _plan_quotas(store, rules, today)
    await _plan_visits(store, rules, today)
    await _plan_meetings(store, rules, today)


def quarter(day: date) -> tuple[str, date, date]:
    """The quarter ``day`` is in: its name (2026-Q4), first and last day."""
    first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    last = day_of_month(first.year, first.month + 2, None)
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}", first, last


async def _plan_meetings(store: Store, rules: Rules, today: date) -> None:
    """R16: a business meeting with each of a unit's KA customers this quarter, answered for
    by the unit's first responsible person — one obligation a unit, its reminders naming the
    customers still to meet."""
    rule = rules.rules.get("R16")
    if rule is None or not rule.deadline.quarterly:
        return
    name, _, last = quarter(today)
    await store.obligations.ensure_all(
        [
            Due("R16", f"unit:{unit_id}", name, last, unit_id)
            for unit_id in await store.meetings.units_with_ka_customers()
        ]
    )


async def meetings_left(store: Store, obligation: Obligation) -> list[str]:
    """R16: the unit's KA customers no meeting was held with this quarter."""
    assert obligation.unit_id is not None
    _, first, last = quarter(obligation.due_on)
    left, _ = await store.meetings.unmet(obligation.unit_id, first, last)
    return left


async def _plan_month(store: Store, rules: Rules, month: date) -> None:
    units = [u for u in await store.units.all() if not u.is_centre]
    for rule_id, which in MONTHLY_UNIT_RULES.items():
        rule = rules.rules.get(rule_id)
        if rule is None or (
            rule.deadline.every_month_day is None and not rule.deadline.last_day_of_month
        ):
            continue
        due = deadline_day(
            rule.holidays,
            day_of_month(month.year, month.month, rule.deadline.every_month_day),
            rules.calendar,
        )
        period = _previous_month(month) if which == "previous" else f"{month:%Y-%m}"
        for unit in units:
            await store.obligations.ensure(rule_id, f"unit:{unit.id}", period, due, unit.id)
    centre, r3 = await store.units.centre(), rules.rules.get("R3")
    if r3 is not None and centre is not None and r3.deadline.every_month_day is not None:
        # R3: last month's national report by the 14th, from the units' data of the 8th;
        # the director's judgement of it by the 15th.
        due = deadline_day(
            r3.holidays,
            day_of_month(month.year, month.month, r3.deadline.every_month_day),
            rules.calendar,
        )
        await store.obligations.ensure("R3", "centre", _previous_month(month), due, centre.id)
        judgement = int(r3.settings.get("judgement_day", JUDGEMENT_DAY))
        judged = deadline_day(
            r3.holidays, day_of_month(month.year, month.month, judgement), rules.calendar
        )
        await store.obligations.ensure("R3", JUDGEMENT, _previous_month(month), judged, centre.id)


async def _plan_visits(store: Store, rules: Rules, today: date) -> None:
    """R9: every person with customers assigned is held to visiting them by their visit
    class by month end — to their confirmed plan if they made one, else to the customers
    their classes make due (whether anything is due is asked when a reminder is)."""
    rule = rules.rules.get("R9")
    if rule is None:
        return
    month = f"{today:%Y-%m}"
    due = deadline_day(
        rule.holidays,
        day_of_month(today.year, today.month, rule.deadline.every_month_day),
        rules.calendar,
    )
    people = dict(await store.customers.holders())
    for staff_id in await store.plans.confirmed(month):
        person = await store.staff.by_id(staff_id)
        if person is not None and person.active:
            people[staff_id] = person.unit_id
    await store.obligations.ensure_all(
        [
            Due("R9", f"staff:{staff_id}", month, due, unit_id, staff_id=staff_id)
            for staff_id, unit_id in people.items()
        ]
    )


async def _due_unplanned(store: Store, obligation: Obligation, today: date) -> list[Customer]:
    """R9 without a plan: the person's customers their visit classes make due, not visited."""
    assert obligation.staff_id is not None
    return [
        c for c in await store.customers.assigned_to(obligation.staff_id)
        if overdue_for_visit(c, today)
    ]  # fmt: skip


async def plan_left(store: Store, obligation: Obligation, today: date) -> list[str]:
    """R9: the customers still to visit this month — of the confirmed plan, or (no plan)
    those due by their visit class."""
    assert obligation.staff_id is not None
    if not await store.plans.confirmed_at(obligation.staff_id, obligation.period):
        return [c.name for c in await _due_unplanned(store, obligation, today)]
    visited = await store.plans.visited(obligation.staff_id, obligation.period)
    left = []
    for customer_id in await store.plans.planned(obligation.staff_id, obligation.period):
        customer = await store.customers.by_id(customer_id)
        if customer is not None and customer_id not in visited:
            left.append(customer.name)
    return left


async def _plan_quotas(store: Store, rules: Rules, today: date) -> None:
    """R8: each KA manager holds this month's visit quota — the centre's (中心KA经理) and,
    unless ``quota_holders = "centre"``, each business unit's (the manual's process table)."""
    rule, centre = rules.rules.get("R8"), await store.units.centre()
    if rule is None or centre is None:
        return
    due = deadline_day(
        rule.holidays,
        day_of_month(today.year, today.month, rule.deadline.every_month_day),
        rules.calendar,
    )
    units = [centre]
    if rule.settings.get("quota_holders", "centre_and_units") == "centre_and_units":
        units += [u for u in await store.units.all() if u.active and not u.is_centre]
    for unit in units:
        for person in await store.staff.in_unit(unit.id):
            if person.role is Role.MANAGER:
                await store.obligations.ensure(
                    "R8", f"staff:{person.id}", f"{today:%Y-%m}", due, unit.id, person.id
                )


def holds_quota(rule: Rule, person: Staff, in_centre: bool) -> bool:
    """Whether ``person`` holds R8's visit quota (see :func:`_plan_quotas`)."""
    if person.role is not Role.MANAGER:
        return False
    return in_centre or rule.settings.get("quota_holders", "centre_and_units") != "centre"


def quota(rule: Rule) -> dict[str, int]:
    """R8's quota by customer kind: key customers (KA retailers) and key distributors."""
    return {
        CustomerKind.KA_RETAILER.value: int(rule.settings.get("key_customers", 1)),
        CustomerKind.KEY_DISTRIBUTOR.value: int(rule.settings.get("key_distributors", 2)),
    }


async def quota_progress(store: Store, rule: Rule, obligation: Obligation) -> dict[str, int]:
    assert obligation.staff_id is not None
    visits = await store.obligations.visits_by_kind(obligation.staff_id, obligation.period)
    done = {kind: 0 for kind in quota(rule)}
    for kind, _ in visits:
        if kind in done:
            done[kind] += 1
    return done


async def met_at(
    store: Store, rules: Rules, obligation: Obligation, now: datetime, facts: Facts | None = None
) -> datetime | None:
    if obligation.rule in events.EVENT_RULES:
        return await events.met_at(store, rules, obligation, now.tzinfo, facts)
    if obligation.rule == "R8" and obligation.staff_id is not None:
        # Met by the visit that completed the quota.
        wanted = quota(rules.rules["R8"])
        done = dict.fromkeys(wanted, 0)
        for kind, at in await store.obligations.visits_by_kind(
            obligation.staff_id, obligation.period
        ):
            if kind in done:
                done[kind] += 1
            if all(done[k] >= wanted[k] for k in wanted):
                return at
        return None
    if obligation.rule == "R9" and obligation.staff_id is not None:
        # Met by the visit that completed the plan; without one, once no customer is due.
        visited = await store.plans.visited(obligation.staff_id, obligation.period)
        if not await store.plans.confirmed_at(obligation.staff_id, obligation.period):
            if await _due_unplanned(store, obligation, now.date()):
                return None
            return max(visited.values(), default=now)
        planned = await store.plans.planned(obligation.staff_id, obligation.period)
        if any(c not in visited for c in planned):
            return None
        if not planned:
            return await store.plans.confirmed_at(obligation.staff_id, obligation.period)
        return max(visited[c] for c in planned)
    if obligation.rule == "R16" and obligation.unit_id is not None:
        _, first, last = quarter(obligation.due_on)
        _, held = await store.meetings.unmet(obligation.unit_id, first, last)
        return held
    if obligation.rule == "R3" and obligation.subject == JUDGEMENT:
        return await store.obligations.national_report_judged(obligation.period)
    if obligation.rule == "R3":
        return await store.obligations.national_report_filed(obligation.period)
    if obligation.unit_id is None:
        return None
    if obligation.rule == "R1":
        return await store.obligations.data_submitted(obligation.unit_id, obligation.period)
    if obligation.rule == "R2":
        return await store.obligations.issues_reported(obligation.unit_id, obligation.period)
    return None
