"""Obligations that follow an event rather than the calendar (SPEC §3, seed 000 §5.3–5.7).

- R4: every issue a unit reports is due the KA centre's written reply by the 30th of its
  month when reported up to the reporting day (``cutoff_day``, the 10th), else by the 30th of
  the next month — the last day in February. One obligation per unit and due date; charged
  once a day for them all unless ``per_unit_waiting`` (see penalties).
- R5: a national contract is distributed to the units within 7 days of its completion.
- R6: each local contract is signed within 2 months of the distribution; the step-up charge
  comes at 3 months.
- R7: each local contract's copy is collected within a month of its signing (收集不及时),
  and complete (收集不全面): two breaches of one fine each.
- R10 / R11: a complaint (an issue) is acknowledged within 24 hours and resolved within 5
  working days (China's official calendar, 调休 included).
- R12: a new product's information reaches the centre 45 days before its launch.
- R14: an in-store event or advertising's feasibility plan reaches the centre 2 months
  before the event (seed 000 5.7.4), and the centre approves it.
- R17: an urgent customer demand (an issue of category "demand", severity "urgent") gets a
  first answer (受理) within ``answer_hours`` (24) and a plan (the written reply) within 3
  working days (seed 001 五(三)3).
- R18: once a complaint is resolved (the centre's written reply), its reporter confirms the
  customer's satisfaction within 5 working days — their own obligation (seed 001 五(四)4).

Each is planned from kabot's own tables on every run (``plan``), met by the recorded fact
(``met_at``), and may carry item charges beyond the per-day ones (``item_charges``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.models import Obligation
from bot.reminders.calendar import (
    OFFICIAL,
    WorkCalendar,
    add_months,
    add_working_days,
    day_of_month,
    deadline_day,
)
from bot.reminders.facts import Facts
from bot.reminders.rules import Rule, Rules
from bot.store import Store
from bot.store.obligations import Due, IssueFact

R18_AFTER = "rules.R18.after"  # bot_facts: the newest reply when R18 came (an upgrade)

EVENT_RULES = ("R4", "R5", "R6", "R7", "R10", "R11", "R12", "R14", "R17", "R18")
ANSWER_HOURS = 24  # R17's first answer, when a site's rules file does not say


def _after(rule: Rule, start: date, cal: WorkCalendar) -> date:
    """The deadline ``start`` sets, moved off a rest day when the rule counts working days."""
    return deadline_day(rule.holidays, _counted(rule, start, cal), cal)


def _counted(rule: Rule, start: date, cal: WorkCalendar) -> date:
    deadline = rule.deadline
    match deadline.unit:
        case "months":  # before an event (R14: 2 months before it), or after one
            return add_months(start, -deadline.amount if deadline.before else deadline.amount)
        case "working_days":
            return add_working_days(start, deadline.amount, cal)
        case "hours":  # by its day; R10 keeps the exact moment too (Obligation.due_at)
            return (datetime.combine(start, time(0)) + timedelta(hours=deadline.amount)).date()
    if deadline.before is not None:
        return start - timedelta(days=deadline.amount)
    return start + timedelta(days=deadline.amount)


def plan_due(rules: Rules | None, event_on: date) -> date | None:
    """R14: the day an event's feasibility plan is due (None when the rule is not run)."""
    rule = rules.rules.get("R14") if rules is not None else None
    return _after(rule, event_on, rules.calendar) if rule and rules else None


# The issues a run plans from: reported or answered this recently. Their deadlines (R4's
# latest, reported on the 11th and due the 30th of next month, is 50 days on) are all inside
# it, with room for weeks of downtime; older issues' obligations were planned when they were
# new, and the run does not reread years of history every five minutes.
ISSUE_WINDOW = timedelta(days=100)

CUTOFF_DAY = 10  # R4, when a site's rules file does not say: R2's reporting day


def reply_due(rule: Rule, reported: date, cal: WorkCalendar = OFFICIAL) -> date:
    """R4: the 30th of the month an issue was reported in, up to the cutoff day; else the
    30th of the next month (the month's last day when it is shorter)."""
    cutoff = int(rule.settings.get("cutoff_day", CUTOFF_DAY))
    due_day = rule.deadline.every_month_day or 30
    month = reported if reported.day <= cutoff else add_months(reported.replace(day=1), 1)
    return deadline_day(rule.holidays, day_of_month(month.year, month.month, due_day), cal)


def reported_for(rule: Rule, due: date) -> tuple[date, date]:
    """The days whose issues are due a reply on ``due`` (R4): from the day after the cutoff
    of the month before to the cutoff of the due date's month — a range that contains them
    (``reply_due`` then says which exactly), however long the unit's history."""
    # A due date moved off a rest day may be early in the month after: a month more.
    first = add_months(due.replace(day=1), -2 if rule.holidays == "working_days" else -1)
    cutoff = int(rule.settings.get("cutoff_day", CUTOFF_DAY))
    return first, day_of_month(due.year, due.month, cutoff)


async def plan(store: Store, rules: Rules, today: date) -> None:
    """Ensure an obligation for every recorded event of the rules in the file."""
    active = {rid: rules.rules[rid] for rid in EVENT_RULES if rid in rules.rules}
    centre = await store.units.centre()
    centre_id = centre.id if centre else None

    wanted: list[Due] = []
    # A fact's obligation is worked out once: those already there are not computed again.
    known = await store.obligations.subjects(EVENT_RULES[1:])

    def ensure(rule_id: str, subject: str, due: date, unit_id: int | None) -> None:
        wanted.append(Due(rule_id, subject, f"{due:%Y-%m}", due, unit_id))

    def new(rule_id: str, subject: str) -> bool:
        return (rule_id, subject) not in known

    if rule := active.get("R5"):
        for contract in await store.contracts.all():
            if new("R5", subject := f"contract:{contract.id}"):
                ensure(
                    "R5", subject, _after(rule, contract.completed_on, rules.calendar), centre_id
                )
    distributed = {c.id: c for c in await store.contracts.all(distributed=True)}
    for local in await store.contracts.locals():
        parent = distributed.get(local.contract_id)
        rule = active.get("R6")
        if rule and parent and parent.distributed_on and new("R6", f"local:{local.id}"):
            ensure(
                "R6",
                f"local:{local.id}",
                _after(rule, parent.distributed_on, rules.calendar),
                local.unit_id,
            )
        rule = active.get("R7")
        if rule and local.signed_on and new("R7", f"copy:{local.id}"):
            ensure(
                "R7",
                f"copy:{local.id}",
                _after(rule, local.signed_on, rules.calendar),
                local.unit_id,
            )
    if rule := active.get("R12"):
        for launch in await store.contracts.launches():
            if new("R12", subject := f"launch:{launch.id}"):
                ensure(
                    "R12", subject, _after(rule, launch.launch_on, rules.calendar), launch.unit_id
                )
    if rule := active.get("R14"):
        for event in await store.store_events.all():
            if new("R14", subject := f"event:{event.id}"):
                due = _after(rule, event.event_on, rules.calendar)
                ensure("R14", subject, due, event.unit_id)
    issues = await store.obligations.issue_facts(since=today - ISSUE_WINDOW)
    if rule := active.get("R4"):
        for issue in issues:
            due = reply_due(rule, issue.reported_at.date(), rules.calendar)
            ensure("R4", f"unit:{issue.unit_id}", due, issue.unit_id)
    for rule_id in ("R10", "R11"):
        if rule := active.get(rule_id):
            for issue in issues:
                if issue.category != "complaint" or not new(rule_id, f"issue:{issue.id}"):
                    continue
                if rule.deadline.unit == "hours":  # due at the moment the hours run out
                    at = issue.reported_at + timedelta(hours=rule.deadline.amount)
                    wanted.append(
                        Due(
                            rule_id,
                            f"issue:{issue.id}",
                            f"{at:%Y-%m}",
                            at.date(),
                            issue.unit_id,
                            at,
                        )
                    )
                else:
                    due = _after(rule, issue.reported_at.date(), rules.calendar)
                    ensure(rule_id, f"issue:{issue.id}", due, issue.unit_id)
    if rule := active.get("R17"):
        hours = int(rule.settings.get("answer_hours", ANSWER_HOURS))
        for issue in issues:
            if issue.category != "demand" or issue.severity != "urgent":
                continue
            if new("R17", subject := f"demand:{issue.id}"):  # the first answer, in hours
                at = issue.reported_at + timedelta(hours=hours)
                wanted.append(Due("R17", subject, f"{at:%Y-%m}", at.date(), issue.unit_id, at))
            if new("R17", subject := f"demand_plan:{issue.id}"):  # the plan, in working days
                due = _after(rule, issue.reported_at.date(), rules.calendar)
                ensure("R17", subject, due, issue.unit_id)
    if rule := active.get("R18"):
        # Complaints answered after the upgrade that brought R18 (migration 0028): an
        # office is not told, all at once, of every complaint it ever resolved.
        after = await store.facts.get(R18_AFTER)
        for issue in issues:
            resolved = issue.category == "complaint" and issue.replied_at is not None
            if resolved and new("R18", subject := f"satisfaction:{issue.id}"):
                assert issue.replied_at is not None
                if after is not None and issue.replied_at <= datetime.fromisoformat(after):
                    continue
                due = _after(rule, issue.replied_at.date(), rules.calendar)
                wanted.append(
                    Due("R18", subject, f"{due:%Y-%m}", due, issue.unit_id, None, issue.staff_id)
                )
    await store.obligations.ensure_all(wanted)


def _moment(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(0))


async def met_at(
    store: Store, rules: Rules, obligation: Obligation, tz: object, facts: Facts | None = None
) -> datetime | None:
    """When the event obligation was met, if it was (a recorded day counts from its start)."""
    facts = facts or Facts(store)
    number = obligation.subject.partition(":")[2]
    found: datetime | None = None
    match obligation.rule:
        case "R5":
            contract = await facts.contract(int(number))
            found = _moment(contract.distributed_on if contract else None)
        case "R6" | "R7":
            local = await facts.local(int(number))
            if local is not None:
                found = _moment(local.signed_on if obligation.rule == "R6" else local.copy_on)
        case "R12":
            launch = await store.contracts.launch_by_id(int(number))
            found = _moment(launch.filed_on if launch else None)
        case "R14":
            event = await store.store_events.by_id(int(number))
            found = _moment(event.plan_on if event else None)
        case "R4":
            waiting = await r4_issues(store, rules, obligation)
            if waiting and all(i.replied_at for i in waiting):
                return max(i.replied_at for i in waiting if i.replied_at)
            return None
        case "R10" | "R11" | "R17" | "R18":
            issue = await facts.issue(int(number))
            if issue is not None:
                if obligation.rule == "R18":
                    return issue.satisfied_at
                plan = obligation.rule == "R11" or obligation.subject.startswith("demand_plan:")
                return issue.replied_at if plan else (issue.acknowledged_at or issue.replied_at)
            return None
    if found is None:
        return None
    return found.replace(tzinfo=tz)  # type: ignore[arg-type]


async def r4_issues(store: Store, rules: Rules, obligation: Obligation) -> list[IssueFact]:
    """The unit's issues whose written reply is due on R4's ``obligation``'s day."""
    rule = rules.rules["R4"]
    return [
        i
        for i in await store.obligations.issue_facts(
            unit_id=int(obligation.subject.partition(":")[2]),
            reported=reported_for(rule, obligation.due_on),
        )
        if reply_due(rule, i.reported_at.date(), rules.calendar) == obligation.due_on
    ]


@dataclass(frozen=True, slots=True)
class Charge:
    """One fine a rule may charge: on ``day``, unless the obligation was met before it."""

    key: str  # part of the ledger row's source: a day, or "2m" / "3m" for a contract
    day: date
    amount_fen: int


async def charges(
    store: Store, rule: Rule, obligation: Obligation, today: date, facts: Facts | None = None
) -> list[Charge]:
    """The fines an obligation may have run up by ``today`` (met or not is checked later)."""
    facts = facts or Facts(store)
    fine = rule.fine
    if fine.per == "day":
        first = obligation.due_on + timedelta(days=1)
        return [
            Charge(f"{first + timedelta(days=n)}", first + timedelta(days=n), fine.amount_fen)
            for n in range((today - first).days + 1)
        ]
    if fine.per != "item":
        return []
    found = [Charge("item", obligation.due_on + timedelta(days=1), fine.amount_fen)]
    if rule.id == "R7":
        # 收集不全面: a copy collected incomplete is charged on the day it came, late or not.
        local = await facts.local(int(obligation.subject.partition(":")[2]))
        if local is not None and local.copy_on is not None and not local.copy_complete:
            found.append(Charge("incomplete", local.copy_on, fine.amount_fen))
    if rule.id == "R6" and fine.step_up_after_months and fine.step_up_fen:
        local = await facts.local(int(obligation.subject.partition(":")[2]))
        contract = await facts.contract(local.contract_id) if local else None
        if contract is not None and contract.distributed_on is not None:
            step_day = add_months(contract.distributed_on, fine.step_up_after_months)
            # "replaces": the contract's fine becomes the step-up amount, so what is charged
            # then is the difference; "adds" (the manual, as read by default): on top.
            amount = fine.step_up_fen
            if rule.settings.get("step_up") == "replaces":
                amount = max(fine.step_up_fen - fine.amount_fen, 0)
            found.append(Charge("step_up", step_day + timedelta(days=1), amount))
    return [c for c in found if c.day <= today]
