"""The manager's daily digest (SPEC §4): what the team logged, what waits, what is due.

Sent at the rules file's digest_time, once a day, skipped when there is nothing to say; after
downtime the day's digest is sent late, once, and says so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from telegram import InlineKeyboardMarkup

from bot.delivery.outbox import Outbox
from bot.menus import visit_button
from bot.models import Customer, Obligation, Staff, VisitClass
from bot.policy import customer_scope
from bot.reminders import exposure
from bot.reminders.calendar import rest_days_after
from bot.reminders.rules import Rules
from bot.reminders.timing import LATE_AFTER
from bot.reminders.visits import overdue_for_visit
from bot.store import Store
from bot.store.outbox import Undelivered
from bot.texts import Texts

_LOGGER = logging.getLogger(__name__)
OVERDUE_SHOWN = 5  # buttons under a digest: the most a thumb reads at breakfast
DUE_SOON = timedelta(days=3)  # what the digest lists as due soon


@dataclass(slots=True)
class Digest:
    logged: dict[str, int] = field(default_factory=dict)  # kind → reports filed in 24 h
    open_issues: int = 0
    oldest_issue_days: int = 0
    awaiting_approval: int = 0
    due_soon: list[tuple[str, str, date]] = field(default_factory=list)  # rule, unit, due
    overdue: list[tuple[str, str, date]] = field(default_factory=list)  # escalated here
    overdue_visits: dict[str, int] = field(default_factory=dict)  # visit class → customers
    # People kabot cannot write to (never wrote to it): reminders and cards miss them.
    unreachable: list[str] = field(default_factory=list)
    # Messages Telegram refused (blocked kabot, a group that is gone or takes no photos).
    undelivered: list[Undelivered] = field(default_factory=list)
    # This month's confirmed visit plans in scope: planned customers visited, planned.
    plan_done: int = 0
    plan_total: int = 0
    # The customers longest overdue for a visit: each line has its 📝 button.
    longest_overdue: list[Customer] = field(default_factory=list)
    # December, and next year's official rest days are not known yet (the centre's digest).
    calendar_unknown: int | None = None
    # What the rules will charge in the next 7 days if nothing changes (/exposure): the
    # unit's, or for the KA centre each unit's, the largest first, in fen.
    exposure: list[tuple[str, int]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.calendar_unknown
            or any(self.logged.values())
            or self.open_issues
            or self.awaiting_approval
            or self.due_soon
            or self.overdue
            or any(self.overdue_visits.values())
            or self.longest_overdue
            or self.unreachable
            or self.undelivered
            or self.exposure
        )


async def gather(
    store: Store, rules: Rules, person: Staff, now: datetime, exposed: dict[int, int]
) -> Digest:
    """The digest of ``person``'s scope: their unit, or every unit for the KA centre;
    ``exposed``: each unit's exposure in the next 7 days (``exposure.by_unit``)."""
    scope = customer_scope(person, await store.units.centre())
    digest = Digest()
    since = now - timedelta(days=1)
    for kind in ("visit", "issue", "promotion", "data"):
        digest.logged[kind] = await store.reports.count_since(kind, scope, since)
    issues = await store.reports.page(
        "issue", unit_id=scope, statuses=("open", "acknowledged"), oldest_first=True, limit=1
    )
    digest.open_issues = issues.total
    if issues.items:
        digest.oldest_issue_days = (now - issues.items[0].created_at).days
    for decision in await store.decisions.waiting(("centre", "marketing")):
        report = await store.reports.by_id(decision.subject_kind, decision.subject_id)
        if report is not None and (scope is None or report.unit_id == scope):
            digest.awaiting_approval += 1
    units = {u.id: u.name for u in await store.units.all()}
    # On the eve of rest days (no digest then), as far ahead as the next working day's.
    horizon = now.date() + DUE_SOON + timedelta(days=rest_days_after(now.date(), rules.calendar))
    for obligation in await store.obligations.open(due_by=horizon):
        in_scope = scope is None or obligation.unit_id == scope
        unit = units.get(obligation.unit_id or 0, "")
        if in_scope and now.date() <= obligation.due_on <= horizon:
            digest.due_soon.append((obligation.rule, unit, obligation.due_on))
        elif in_scope and obligation.due_on < now.date() and _to_managers(rules, obligation):
            # After the group's overdue notice, the manager's digest (SPEC §3's ladder).
            digest.overdue.append((obligation.rule, unit, obligation.due_on))
    digest.exposure = sorted(
        ((name, exposed[unit_id]) for unit_id, name in units.items() if unit_id in exposed),
        key=lambda item: (-item[1], item[0]),
    )
    if scope is not None:
        digest.exposure = [(n, fen) for n, fen in digest.exposure if n == units.get(scope)]
    if scope is None and now.month == 12 and not rules.calendar.knows(now.year + 1):
        # Working-day deadlines of next year would be counted Monday to Friday.
        digest.calendar_unknown = now.year + 1
    digest.unreachable = [
        p.name for p in await store.staff.not_yet_started() if scope is None or p.unit_id == scope
    ]
    never_wrote = set(digest.unreachable)
    digest.undelivered = [
        u
        for u in await store.outbox.undelivered()
        if (scope is None or u.unit_id == scope)
        and not (u.status == "waiting" and u.name in never_wrote)
    ]
    month = f"{now:%Y-%m}"
    for staff_id in await store.plans.confirmed(month):
        member = await store.staff.by_id(staff_id)
        if member is None or (scope is not None and member.unit_id != scope):
            continue
        planned = await store.plans.planned(staff_id, month)
        visited = await store.plans.visited(staff_id, month)
        digest.plan_total += len(planned)
        digest.plan_done += sum(1 for c in planned if c in visited)
    customers = await store.customers.search("", unit_id=scope, limit=10_000)
    digest.overdue_visits = {c.value: 0 for c in VisitClass}
    overdue = [c for c in customers.items if overdue_for_visit(c, now.date())]
    for customer in overdue:
        digest.overdue_visits[customer.visit_class.value] += 1
    digest.longest_overdue = sorted(overdue, key=lambda c: (c.last_visit_on or date.min, c.id))[
        :OVERDUE_SHOWN
    ]
    return digest


async def send_digests(
    outbox: Outbox, store: Store, rules: Rules, texts: Texts, now: datetime
) -> int:
    """Today's digests not sent yet, if their time has come; how many were sent."""
    planned = datetime.combine(now.date(), rules.general.digest_time, now.tzinfo)
    if now < planned:
        return 0
    late = now - planned > LATE_AFTER
    sent = 0
    # A digest is of its scope (a unit, or every unit): gathered once for all its managers.
    gathered: dict[int | None, Digest] = {}
    exposed: dict[int, int] | None = None  # worked out once, when a digest is first due
    centre = await store.units.centre()
    for person in await store.staff.managers():
        # A digest is of its day: none piles up for someone who never wrote to kabot.
        if person.telegram_id is None or person.first_seen_at is None:
            continue
        async with store.db.transaction():
            scope = customer_scope(person, centre)
            if scope not in gathered:
                if exposed is None:
                    until = now.date() + exposure.WEEK
                    exposed = await exposure.by_unit(store, rules, now, until)
                gathered[scope] = await gather(store, rules, person, now, exposed)
            digest = gathered[scope]
            outcome = "empty" if digest.empty else "late" if late else "sent"
            if not await store.obligations.claim_digest(person.id, now.date(), outcome):
                continue
            if digest.empty:
                continue
            lang = texts.lang(person.language)
            text = texts.render(
                lang, "digest.html", digest=digest, person=person, day=now.date(), late=late
            )
            await outbox.message(
                person.telegram_id, text, _visit_buttons(texts, lang, digest.longest_overdue)
            )
        sent += 1
    return sent


def _visit_buttons(
    texts: Texts, lang: str, customers: list[Customer]
) -> InlineKeyboardMarkup | None:
    """📝 for each customer listed as overdue: the visit report starts there."""
    if not customers:
        return None
    return InlineKeyboardMarkup([[visit_button(texts, lang, c)] for c in customers])


def _to_managers(rules: Rules, obligation: Obligation) -> bool:
    """Whether a missed deadline reaches the managers' digests (escalate_to "manager")."""
    rule = rules.rules.get(obligation.rule)
    return rule is not None and "manager" in rule.escalate_to
