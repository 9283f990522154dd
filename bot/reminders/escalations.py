"""The ladder's last step: a deadline still missed ``director_after_days`` after its overdue
notice reaches the KA centre's directors, once — claimed with the obligation's other changes
in the due work, sent at the run's end as one message per director for everything escalated."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.delivery.outbox import Outbox
from bot.models import Obligation
from bot.reminders import penalties
from bot.reminders.answering import responsible
from bot.reminders.rules import Rules
from bot.reminders.timing import LATE_AFTER, overdue_at
from bot.store import Store
from bot.texts import Texts


async def claim(store: Store, obligation: Obligation) -> None:
    """Queue ``obligation`` for the directors (once), in the transaction of its other changes."""
    await store.obligations.claim(obligation, "director", "queued")


async def send(
    outbox: Outbox, store: Store, rules: Rules, texts: Texts, now: datetime
) -> tuple[int, int]:
    """Each director gets one message for all the deadlines escalated by this run (or left
    queued by a run that stopped), in one transaction with marking them sent. Returns the
    messages sent, and those waiting for a director who never wrote to kabot."""
    sent = unreachable = 0
    async with store.db.transaction():
        queued = await store.obligations.queued("director")
        if not queued:
            return sent, unreachable
        general = rules.general
        # What each line says, read once for every director.
        lines = []
        for obligation in queued:
            rule = rules.rules.get(obligation.rule)
            if rule is None:
                continue
            unit = await store.units.by_id(obligation.unit_id) if obligation.unit_id else None
            planned = overdue_at(obligation, general, now.tzinfo) + timedelta(
                days=general.director_after_days
            )
            lines.append(
                {
                    "rule": rule,
                    "obligation": obligation,
                    "person": await responsible(store, rule, obligation),
                    "unit": unit,
                    "subject": await penalties.describe(store, obligation),
                    "days": (now.date() - obligation.due_on).days,
                    "late": now - planned > LATE_AFTER,
                }
            )
        for director in await store.staff.deciders("centre") if lines else []:
            if director.telegram_id is None:
                continue
            lang = texts.lang(director.language)
            parts = [texts.render(lang, "obligation_director.html", **line) for line in lines]
            # Waits in the outbox if they never wrote; split at lines past 4,096 characters.
            await outbox.message(director.telegram_id, "\n\n".join(parts))
            if director.first_seen_at is None:
                unreachable += 1
            else:
                sent += 1
        await store.obligations.dequeue(queued, "director")
    return sent, unreachable
