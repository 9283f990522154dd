"""Runs what is due: reminders before a deadline, the overdue notice after it.

Idempotent by construction: each notice is claimed in ``notices_sent`` before it is sent, so
running the same moment twice — or after a restart, or from ``run_bot.py jobs run-due`` —
sends nothing twice. After downtime, only the latest reminder still before its deadline is
sent (late, once); a deadline that passed meanwhile gets its overdue notice instead.

Calendar rules (R1–R3, R8, R9) are planned and checked in ``monthly``, event rules (R4–R7,
R10–R12) in ``events``; fines are charged to the ledger by ``penalties``. A missed deadline
reaches the directors ``director_after_days`` after the group's overdue notice when the rule
escalates to them (``escalations``); quiet hours, rest days and lateness are ``timing``'s.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.delivery.outbox import NOTICE, Outbox
from bot.mentions import mentions
from bot.models import Obligation
from bot.reminders import approvals, escalations, events, monthly, penalties
from bot.reminders.answering import CENTRE_RESPONSIBLE, answering_unit, responsible
from bot.reminders.bundles import Reminders
from bot.reminders.calendar import day_of_month, is_working_day, rest_days_after, working_before
from bot.reminders.digest import DUE_SOON, send_digests
from bot.reminders.facts import Facts
from bot.reminders.rules import Rule, Rules
from bot.reminders.summary import send_summaries
from bot.reminders.timing import LATE_AFTER, overdue_at, quiet
from bot.settings import Settings
from bot.store import Store
from bot.texts import Texts

_LOGGER = logging.getLogger(__name__)


@dataclass(slots=True)
class RunReport:
    sent: int = 0
    late: int = 0
    skipped: int = 0
    waiting: int = 0  # held back by quiet hours or a rest day
    rest_day: bool = False  # today is a rest day: what is due waits for the next working day
    unreachable: int = 0  # for people who never wrote to kabot: waiting for their /start
    digests: int = 0
    fines: int = 0  # ledger entries the rules charged
    summaries: int = 0  # monthly summaries posted to groups
    approvals: int = 0  # reminders of approvals waiting too long


def reach(rules: Rules, today: date) -> timedelta:
    """How far ahead an obligation can matter today: its earliest reminder, or the
    managers' digest's look ahead (``DUE_SOON``), whichever is further — and further by the
    rest days right after today, whose reminders come today instead."""
    days = [DUE_SOON.days, *(d for r in rules.rules.values() for d in r.remind_days_before)]
    if any(r.remind_on_days for r in rules.rules.values()):
        days.append(31 - min(d for r in rules.rules.values() for d in r.remind_on_days))
    return timedelta(days=max(days) + rest_days_after(today, rules.calendar))


async def run_due(
    store: Store, rules: Rules, texts: Texts, now: datetime, settings: Settings
) -> RunReport:
    """Everything due up to ``now``, recorded in the outbox (the sender delivers it). Each
    obligation's claims, fines and messages are one transaction: a crash in the middle of a
    run leaves each obligation either done or untouched, and the next run does the rest."""
    report = RunReport()
    outbox = Outbox(store.outbox, NOTICE)
    horizon = now.date() + reach(rules, now.date())
    await monthly.plan(store, rules, now.date(), horizon)
    await events.plan(store, rules, now.date())
    held = quiet(rules, now)
    report.rest_day = not is_working_day(now.date(), rules.calendar)
    # An obligation further off than its first reminder has nothing to send or charge yet:
    # the run looks at it when it comes within reach (met early, it is found met then).
    # One person's obligations are worked together, so their reminders go as one message;
    # each batch is one transaction (its claims, fines and that message), kept short.
    batches: dict[tuple[object, ...], list[tuple[Rule, Obligation]]] = {}
    within = await store.obligations.open(due_by=horizon)
    seen = {o.id for o in within}
    early = [o for o in await store.obligations.breached_early() if o.id not in seen]
    for obligation in within + early:
        rule = rules.rules.get(obligation.rule)
        if rule is not None:
            batches.setdefault(_whose(rule, obligation), []).append((rule, obligation))
    for batch in batches.values():
        for start in range(0, len(batch), BATCH):
            chunk = batch[start : start + BATCH]
            async with store.db.transaction():
                reminders = Reminders()
                facts = await Facts(store).prefetch_batch([o for _, o in chunk], now)
                for rule, obligation in chunk:
                    await _obligation(
                        outbox, store, rules, texts, rule, obligation, now, held, report,
                        reminders, facts,
                    )  # fmt: skip
                await reminders.send(outbox, texts, store)
    if not held:  # a digest, summary or approval reminder missed while down waits too
        sent, unreachable = await escalations.send(outbox, store, rules, texts, now)
        report.sent += sent
        report.unreachable += unreachable
        report.digests = await send_digests(outbox, store, rules, texts, now)
        report.summaries = await send_summaries(outbox, store, rules, texts, now)
        report.sent += await _grading_call(outbox, store, rules, texts, now)
        report.approvals = await approvals.remind(
            outbox, store, texts, now, settings.approval_reminder
        )
    return report


# Obligations worked in one transaction at most (a person's reminders beyond go in another
# message): the store's lock is never held long while people wait for replies.
BATCH = 50


def _whose(rule: Rule, obligation: Obligation) -> tuple[object, ...]:
    """Who answers for an obligation, without asking the store (see :func:`responsible`): a
    person's own, the KA centre's, or a unit's first responsible person."""
    if obligation.staff_id is not None:
        return ("staff", obligation.staff_id)
    if obligation.rule == "R3" and obligation.subject == monthly.JUDGEMENT:
        return ("director",)
    if rule.responsible in CENTRE_RESPONSIBLE:
        return ("centre",)
    return ("unit", obligation.unit_id)


async def _obligation(
    outbox: Outbox,
    store: Store,
    rules: Rules,
    texts: Texts,
    rule: Rule,
    obligation: Obligation,
    now: datetime,
    held: bool,
    report: RunReport,
    reminders: Reminders,
    facts: Facts,
) -> None:
    met = await monthly.met_at(store, rules, obligation, now, facts)
    person = await responsible(store, rule, obligation)
    if met is not None and met <= now:
        if held and rule.fine.per in ("day", "item"):
            return  # the fine's last charge and closing post wait for the morning
        # Met: every reminder stops at once; a running fine stops on the day it was met.
        await penalties.charge(
            outbox, store, rules, texts, rule, obligation, person, now, met.date(), facts
        )
        await penalties.stopped(outbox, store, texts, rules, rule, obligation, person, now)
        await store.obligations.met(obligation, met)
        return
    await _notices(
        outbox, store, rules, texts, rule, obligation, now, held, report, reminders, facts
    )
    if not held:
        report.fines += await penalties.charge(
            outbox, store, rules, texts, rule, obligation, person, now, None, facts
        )


async def _grading_call(
    outbox: Outbox, store: Store, rules: Rules, texts: Texts, now: datetime
) -> int:
    """In the grading months (January and July), once: ask the centre for the sales sheet."""
    moment = datetime.combine(now.date().replace(day=1), rules.general.reminder_time, now.tzinfo)
    centre = await store.units.centre()
    if now.month not in rules.grading.months or now < moment or centre is None:
        return 0
    async with store.db.transaction():
        if centre.group_chat_id is None or not await store.gradings.call(f"{now:%Y-%m}"):
            return 0
        text = texts.render(texts.default_language, "grading_call.html", g=rules.grading)
        await outbox.message(centre.group_chat_id, text)
    return 1


async def _notices(
    outbox: Outbox,
    store: Store,
    rules: Rules,
    texts: Texts,
    rule: Rule,
    obligation: Obligation,
    now: datetime,
    held: bool,
    report: RunReport,
    reminders: Reminders,
    facts: Facts,
) -> None:
    general, tz = rules.general, now.tzinfo
    done = facts.notices(obligation)
    overdue = overdue_at(obligation, general, tz)
    # A reminder that would fall on a rest day comes on the last working day before it.
    cal = rules.calendar
    moments = {
        f"remind:{days}": datetime.combine(
            working_before(obligation.due_on - timedelta(days=days), cal),
            general.reminder_time,
            tz,
        )
        for days in rule.remind_days_before
    }
    due = obligation.due_on
    for day in rule.remind_on_days:  # fixed days of the deadline's month
        on = day_of_month(due.year, due.month, day)
        if on <= due:
            moments[f"remind:day{day}"] = datetime.combine(
                working_before(on, cal), general.reminder_time, tz
            )
    passed = [kind for kind, at in moments.items() if at <= now and kind not in done]
    if held:
        # Nothing is sent in quiet hours or on a rest day, to a person or a group: it waits
        # for the next working morning.
        if passed or (now >= overdue and "overdue" not in done):
            report.waiting += 1
        return
    if now < overdue:
        for snooze_id in facts.due_snoozes(obligation):
            if await store.obligations.snooze_done(snooze_id):
                await _send(
                    outbox, store, texts, obligation, rule, f"snooze:{snooze_id}", now, now,
                    report, reminders=reminders, facts=facts,
                )  # fmt: skip
    if now >= overdue:
        for kind in passed:  # replaced by the overdue notice
            if await store.obligations.claim(obligation, kind, "skipped"):
                report.skipped += 1
        if "overdue" not in done:
            await _send(
                outbox,
                store,
                texts,
                obligation,
                rule,
                "overdue",
                now,
                overdue,
                report,
                general.group_mentions_max,
                facts=facts,
            )
        to_director = overdue + timedelta(days=general.director_after_days)
        if "director" in rule.escalate_to and now >= to_director and "director" not in done:
            await escalations.claim(store, obligation)
        return
    if not passed:
        return
    latest = max(passed, key=lambda kind: moments[kind])
    for kind in passed:
        if kind != latest and await store.obligations.claim(obligation, kind, "skipped"):
            report.skipped += 1
    await _send(
        outbox, store, texts, obligation, rule, latest, now, moments[latest], report,
        reminders=reminders, facts=facts,
    )  # fmt: skip


async def _send(
    outbox: Outbox,
    store: Store,
    texts: Texts,
    obligation: Obligation,
    rule: Rule,
    kind: str,
    now: datetime,
    planned: datetime,
    report: RunReport,
    mention_limit: int = 0,
    reminders: Reminders | None = None,
    facts: Facts | None = None,
) -> None:
    late = now - planned > LATE_AFTER
    person = await responsible(store, rule, obligation)
    # On leave: the stand-in receives the reminders (the obligation stays the person's).
    stand_in = await store.staff.stand_in_for(person, now.date()) if person else None
    receiver = stand_in or person
    unit = await store.units.by_id(obligation.unit_id) if obligation.unit_id else None
    answering = await answering_unit(store, rule, obligation)
    params = {
        "rule": rule,
        "obligation": obligation,
        "person": person,
        "stand_in": stand_in,
        "unit": unit,
        "days": (obligation.due_on - now.date()).days,
        "progress": await monthly.quota_progress(store, rule, obligation)
        if rule.id == "R8"
        else {},
        "quota": monthly.quota(rule) if rule.id == "R8" else {},
        "subject": await penalties.describe(store, obligation, facts),
        "plan_left": await monthly.plan_left(store, obligation, now.date())
        if rule.id == "R9"
        else [],
        "meetings_left": await monthly.meetings_left(store, obligation)
        if rule.id == "R16"
        else [],
        "planned": rule.id == "R9"
        and obligation.staff_id is not None
        and bool(await store.plans.confirmed_at(obligation.staff_id, obligation.period)),
        "who": mentions([person], mention_limit) if person else "",
    }
    # The overdue notice goes to the unit's group (escalate_to "unit_group"); reminders, and
    # an overdue notice otherwise, to the responsible person. A quota or a plan is a person's
    # own.
    target: tuple[int, str] | None = None
    if (
        kind == "overdue"
        and "unit_group" in rule.escalate_to
        and obligation.staff_id is None
        and answering is not None
        and answering.group_chat_id is not None
    ):
        target = (answering.group_chat_id, texts.default_language)
    elif receiver is not None and receiver.telegram_id is not None:
        target = (receiver.telegram_id, texts.lang(receiver.language))
    if target is None:
        # Recorded as a fact (the digest will name who cannot be reached), not retried.
        if await store.obligations.claim(
            obligation, kind, "unreachable", receiver=receiver,
            stand_in_for=person if stand_in else None,
        ):  # fmt: skip
            _LOGGER.warning("%s %s: nobody to tell about %s", rule.id, obligation.subject, kind)
        return
    # Someone who never wrote to kabot cannot be written to yet: the digest names them, and
    # the reminder waits in the outbox for their first /start.
    private = receiver is not None and target[0] == receiver.telegram_id
    never_wrote = private and receiver is not None and not receiver.first_seen_at
    outcome = "unreachable" if never_wrote else "late" if late else "sent"
    if not await store.obligations.claim(
        obligation, kind, outcome, receiver=receiver, stand_in_for=person if stand_in else None,
        chat_id=target[0],
    ):  # fmt: skip
        return
    chat_id, lang = target
    if kind == "overdue":
        markup = None
        if rule.id == "R2":
            # 如属出现问题没有报送的情况 … 负激励50元/次: the centre records each such issue.
            label = texts.label(lang, "r2.button.record", amount=rule.fine.amount_fen // 100)
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton(label, callback_data=f"r2:{obligation.id}")]]
            )
        handle = await outbox.message(
            chat_id, texts.render(lang, "obligation_overdue.html", **params), markup
        )
        await store.obligations.carried([(obligation.id, kind)], handle)
    else:
        # With the batch's other reminders to the same chat, in one message (see Reminders).
        assert reminders is not None
        text = texts.render(lang, "obligation_reminder.html", **params)
        reminders.add(chat_id, lang, obligation.id, text, kind)
    if never_wrote:
        report.unreachable += 1
        return
    report.sent += 1
    report.late += int(late)
