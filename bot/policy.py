"""Who may see what. Handlers ask here; the store only filters by what it is told."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.models import BusinessUnit, Customer, LedgerEntry, Report, Role, Staff

# 客户等级为A的客户至少两名对接人员 (SPEC §1): a key customer must not hang on one person.
A_GRADE_MIN_CONTACTS = 2


def customer_scope(person: Staff, centre: BusinessUnit | None) -> int | None:
    """The unit whose customers ``person`` may see, or None for every unit.

    Directors, the information officer and the KA centre's own staff work group-wide; a
    business unit's people see their unit's customers.
    """
    if person.sees_all_units or person.unit_id is None:
        return None
    if centre is not None and person.unit_id == centre.id:
        return None
    return person.unit_id


def may_see_customer(person: Staff, centre: BusinessUnit | None, customer: Customer) -> bool:
    scope = customer_scope(person, centre)
    return scope is None or scope == customer.unit_id


def may_see_report(person: Staff, centre: BusinessUnit | None, report: Report) -> bool:
    """A report is seen by its author, its unit's people and those who work group-wide."""
    if report.staff_id == person.id:
        return True
    scope = customer_scope(person, centre)
    return scope is None or scope == report.unit_id


# A report can be corrected by its author until someone acted on it (reviewed, answered),
# for a while after saving; one returned to them can be corrected until it is resubmitted.
CORRECTABLE_STATUSES = frozenset({"submitted", "open"})


def may_correct(person: Staff, report: Report, now: datetime, window: timedelta) -> bool:
    if report.staff_id != person.id:
        return False
    if report.status == "returned":
        return True
    return report.status in CORRECTABLE_STATUSES and now - report.created_at <= window


def may_see_entry(person: Staff, entry: LedgerEntry) -> bool:
    """A ledger entry and its evidence pack: one's own, a manager's unit's, everyone's for
    directors and the information officer."""
    if person.sees_all_units or entry.staff_id == person.id:
        return True
    return person.role is Role.MANAGER and person.unit_id == entry.unit_id
