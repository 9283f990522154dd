"""How often a customer must be visited (SPEC §2.1: 客户拜访频率 by visit class)."""

from __future__ import annotations

from datetime import date

from bot.models import Customer, CustomerKind, Role, Staff, VisitClass
from bot.reminders.rules import Rules
from bot.store import Store

# Monthly-class customers every month, bimonthly every two months, quarterly every quarter.
VISIT_INTERVAL_MONTHS = {
    VisitClass.MONTHLY: 1,
    VisitClass.BIMONTHLY: 2,
    VisitClass.QUARTERLY: 3,
}


def _months(day: date) -> int:
    return day.year * 12 + day.month - 1


def overdue_for_visit(customer: Customer, today: date) -> bool:
    """True when the customer's visit period has no visit in it.

    Periods are calendar blocks (a bimonthly customer visited in September is due again in
    November), the way the manual's monthly plans count them.
    """
    if customer.last_visit_on is None:
        return True
    interval = VISIT_INTERVAL_MONTHS[customer.visit_class]
    return _months(today) - _months(customer.last_visit_on) >= interval


async def propose_plan(
    store: Store, rules: Rules, person: Staff, month_first: date
) -> list[Customer]:
    """The month's proposed visit plan (拜访计划): the person's customers due a visit this
    month by their visit class; for a centre KA manager, topped up to the R8 quota with the
    group's key customers and key distributors most overdue (best grade first)."""
    proposal = [
        c
        for c in await store.customers.assigned_to(person.id)
        if overdue_for_visit(c, month_first)
    ]
    centre, r8 = await store.units.centre(), rules.rules.get("R8")
    if (
        r8 is None
        or centre is None
        or person.unit_id != centre.id
        or person.role is not Role.MANAGER
    ):
        return proposal
    quota = {
        CustomerKind.KA_RETAILER: int(r8.settings.get("key_customers", 1)),
        CustomerKind.KEY_DISTRIBUTOR: int(r8.settings.get("key_distributors", 2)),
    }
    everyone = (await store.customers.search("", unit_id=None, limit=10_000)).items
    for kind, wanted in quota.items():
        short = wanted - sum(1 for c in proposal if c.kind is kind)
        candidates = sorted(
            (c for c in everyone if c.kind is kind and c not in proposal),
            key=lambda c: (c.grade, c.last_visit_on or date.min),
        )
        proposal += [c for c in candidates if overdue_for_visit(c, month_first)][: max(short, 0)]
    return proposal
