"""Approvals waiting too long: their deciders are reminded, then once a day (part of run_due,
so quiet hours, the time machine and ``jobs run-due`` apply to them like to every notice)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.delivery.outbox import Outbox
from bot.forms import present
from bot.store import Store
from bot.texts import Texts


async def remind(
    outbox: Outbox, store: Store, texts: Texts, now: datetime, after: timedelta
) -> int:
    """Remind the deciders of every step waiting longer than ``after``, at most once a day;
    how many reminders were recorded. Each step's reminders and its mark are one commit."""
    recorded = 0
    for decision in await store.decisions.due_reminders(now - after, now - timedelta(days=1)):
        async with store.db.transaction():
            report = await store.reports.by_id(decision.subject_kind, decision.subject_id)
            if report is not None:
                for person in await store.staff.deciders(decision.approver):
                    if person.telegram_id is None:
                        continue
                    lang = texts.lang(person.language)
                    waited = present.age(texts, lang, decision.created_at, now)
                    text = texts.render(
                        lang,
                        "approval_reminder.html",
                        decision=decision,
                        report=report,
                        waited=waited,
                    )
                    await outbox.message(person.telegram_id, text)
                    recorded += 1
            await store.decisions.mark_reminded(decision)
    return recorded
