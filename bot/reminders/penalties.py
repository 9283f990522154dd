"""Penalty notices: a ledger entry posted to the unit's group and to the person, and the fines
the rules engine charges on its own (R4–R7).

A fine per item (R6, R7) is one entry, posted like any other with its appeal and waiver
buttons. A fine per day (R4, R5) is one ledger row per day late, but the group sees two
posts: when it starts (naming the rule, the person, the amount a day, what stops it) and when
it stops (the days and the total) — never a message a day.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.delivery.outbox import Outbox
from bot.forms.present import money
from bot.handlers.messages import action_row
from bot.mentions import mentions
from bot.models import LedgerEntry, Obligation, Staff
from bot.reminders import events
from bot.reminders.facts import Facts
from bot.reminders.rules import Rule, Rules
from bot.store import Store
from bot.texts import Texts
from bot.workflow import LEDGER_ACTIONS

_LOGGER = logging.getLogger(__name__)


def notice(texts: Texts, rules: Rules | None, entry: LedgerEntry, lang: str) -> str:
    rule = rules.rules.get(entry.rule) if rules and entry.rule else None
    return texts.render(
        lang,
        "ledger_notice.html",
        entry=entry,
        amount=money(texts, lang, entry.amount_fen),
        quote=rule.quote if rule else None,
    )


def buttons(
    texts: Texts, entry: LedgerEntry, lang: str, actions: tuple[str, ...] | None = None
) -> InlineKeyboardMarkup | None:
    """A fine's decisions (appeal, waive …) and its evidence pack (``pk:<id>``)."""
    shown = actions if actions is not None else LEDGER_ACTIONS.get(entry.status, ())
    if entry.kind != "penalty":
        return None
    row = action_row(texts, lang, "pl/ledger", entry.id, shown)
    pack = InlineKeyboardButton(
        texts.label(lang, "ledger.button.pack"), callback_data=f"pk:{entry.id}"
    )
    return InlineKeyboardMarkup([*(row.inline_keyboard if row else ()), [pack]])


async def post(
    outbox: Outbox,
    store: Store,
    texts: Texts,
    rules: Rules | None,
    entry: LedgerEntry,
    chat_id: int,
    lang: str,
    actions: tuple[str, ...] | None = None,
) -> None:
    handle = await outbox.message(
        chat_id, notice(texts, rules, entry, lang), buttons(texts, entry, lang, actions)
    )
    await store.ledger.add_post(entry, chat_id, handle)


async def _targets(store: Store, texts: Texts, person: Staff) -> list[tuple[int, str]]:
    """The person's unit group and the person: where a fine is made known."""
    found = []
    unit = await store.units.by_id(person.unit_id) if person.unit_id else None
    if unit is not None and unit.group_chat_id is not None:
        found.append((unit.group_chat_id, texts.default_language))
    if person.telegram_id is not None:  # waits in the outbox if they never wrote to kabot
        found.append((person.telegram_id, texts.lang(person.language)))
    return found


async def publish(
    outbox: Outbox, store: Store, texts: Texts, rules: Rules | None, entry: LedgerEntry
) -> None:
    """A new entry: to the person's unit group (manual §5: fines are posted) and to them."""
    person = await store.staff.by_id(entry.staff_id)
    if person is None:
        return
    for chat_id, lang in await _targets(store, texts, person):
        await post(outbox, store, texts, rules, entry, chat_id, lang)


def source(rule: Rule, obligation: Obligation) -> str:
    """What a charge is of, on the ledger. A rule charged once a day however many units wait
    (R4 unless ``per_unit_waiting``) shares one source among the units' obligations of a
    period, so the first of them charges the day and the others find it charged."""
    subject = obligation.subject
    if rule.id == "R4" and not rule.settings.get("per_unit_waiting", False):
        subject = "units"
    return f"{obligation.rule}:{subject}:{obligation.period}:"


async def charge(
    outbox: Outbox,
    store: Store,
    rules: Rules,
    texts: Texts,
    rule: Rule,
    obligation: Obligation,
    person: Staff | None,
    now: datetime,
    met_on: date | None,
    facts: Facts | None = None,
) -> int:
    """Write the fines ``obligation`` has run up by now (each once); post what is new.
    Returns how many entries were written."""
    if rule.fine.per not in ("day", "item"):
        return 0
    due = [
        c
        for c in await events.charges(store, rule, obligation, now.date(), facts)
        if met_on is None or met_on >= c.day
    ]
    if not due:
        return 0
    if person is None:
        _LOGGER.warning("%s %s: nobody answers for it, no fine", rule.id, obligation.subject)
        return 0
    # What is on the ledger already is not written again (the work of a run stays what is
    # new, however long a fine has run).
    charged = await store.ledger.sources("penalty", source(rule, obligation))
    due = [c for c in due if source(rule, obligation) + c.key not in charged]
    if not due:
        return 0
    lang = texts.default_language
    subject = await describe(store, obligation, facts)
    written = 0
    for item in due:
        entry = await store.ledger.record(
            person=person,
            kind="penalty",
            amount_fen=item.amount_fen,
            reason=texts.label(
                lang,
                f"fine.reason.{rule.fine.per}",
                rule=rule.id,
                obligation=rule.obligation[lang],
                subject=subject,
                day=item.day,
                step_up=item.key == "step_up",
                incomplete=item.key == "incomplete",
                replaces=rule.settings.get("step_up") == "replaces",
                total=(rule.fine.step_up_fen or 0) // 100,
            ),
            period=f"{item.day:%Y-%m}",
            source=source(rule, obligation) + item.key,
            rule=rule.id,
        )
        if entry is None:
            continue
        written += 1
        if rule.fine.per == "item":
            await publish(outbox, store, texts, rules, entry)
    if rule.fine.per == "day" and await store.obligations.claim(
        obligation, "fine:start", "sent", receiver=person
    ):
        await _tell(
            outbox, store, texts, rules, rule, obligation, person, "fine_started.html", now
        )
    return written


async def stopped(
    outbox: Outbox,
    store: Store,
    texts: Texts,
    rules: Rules,
    rule: Rule,
    obligation: Obligation,
    person: Staff | None,
    now: datetime,
) -> None:
    """A per-day fine that ran has stopped: one post with the days and the total."""
    if rule.fine.per != "day" or person is None:
        return
    done = await store.obligations.notices(obligation)
    if "fine:start" not in done or "fine:stop" in done:
        return
    if await store.obligations.claim(obligation, "fine:stop", "sent", receiver=person):
        await _tell(
            outbox, store, texts, rules, rule, obligation, person, "fine_stopped.html", now
        )


async def describe(store: Store, obligation: Obligation, facts: Facts | None = None) -> str:
    """What an event obligation is about, in a few words: the contract, the launch, the unit."""
    facts = facts or Facts(store)
    kind, _, number = obligation.subject.partition(":")
    if kind == "contract":
        contract = await facts.contract(int(number))
        return f"{contract.customer_name} · {contract.title}" if contract else ""
    if kind in ("local", "copy"):
        local = await facts.local(int(number))
        return f"{local.contract_title} · {local.title}" if local else ""
    if kind == "launch":
        launch = await store.contracts.launch_by_id(int(number))
        return f"{launch.product} · {launch.launch_on}" if launch else ""
    if kind == "event":  # R14
        event = await store.store_events.by_id(int(number))
        return f"{event.customer_name} · {event.title} · {event.event_on}" if event else ""
    if kind == "unit":
        unit = await store.units.by_id(int(number))
        return unit.name if unit else ""
    if kind in ("issue", "satisfaction", "demand", "demand_plan"):  # R10, R11, R17, R18
        issue = await store.reports.by_id("issue", int(number))
        if issue is None:
            return ""
        customer = await store.customers.by_id(int(issue.answers.get("customer") or 0))
        return f"{issue.number} · {customer.name}" if customer else issue.number
    return ""


async def _tell(
    outbox: Outbox,
    store: Store,
    texts: Texts,
    rules: Rules,
    rule: Rule,
    obligation: Obligation,
    person: Staff,
    template: str,
    now: datetime,
) -> None:
    days, total, waived = await store.obligations.charged(source(rule, obligation))
    subject = await describe(store, obligation)
    for chat_id, lang in await _targets(store, texts, person):
        text = texts.render(
            lang,
            template,
            rule=rule,
            obligation=obligation,
            person=person,
            who=mentions([person], rules.general.group_mentions_max),
            subject=subject,
            per_day=money(texts, lang, rule.fine.amount_fen),
            days=days,
            total=money(texts, lang, total),
            waived=money(texts, lang, waived) if waived else "",
            today=now.date(),
        )
        await outbox.message(chat_id, text)
