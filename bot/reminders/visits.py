"""How often a customer must be visited (SPEC §2.1: 客户拜访频率 by visit class)."""

from __future__ import annotations

from datetime import date

from bot.models import Customer, VisitClass

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
