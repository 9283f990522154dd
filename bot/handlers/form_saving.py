"""Submitting a draft: a new report, a correction, or what answers someone else's report
(a decision's reason, an issue's reply, a ledger entry, a leave) — checked once more, saved
once, and passed on where SPEC §2 says."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from telegram import (
    Chat,
)

from bot.context import KabotContext
from bot.forms import engine
from bot.forms.catalogue import Form, records_facts
from bot.handlers import (
    contracts,
    data_confirm,
    decisions,
    grading,
    inspections,
    issue_handling,
    ka_results,
    ledger,
    meetings,
    national,
    promotion_chain,
)
from bot.handlers import form_questions as questions
from bot.models import Draft, Report
from bot.policy import may_correct

_LOGGER = logging.getLogger(__name__)


# Reports their own module saves, by the kind of report (a reply, a reason, a meeting …).
_OWN_SAVING: dict[str, Callable[[Chat, KabotContext, Draft, Any], Awaitable[str | None]]] = {
    "issue_reply": issue_handling.reply_submitted,
    "issue_reopen": issue_handling.reopen_submitted,
    "national_report": national.submitted,
    "national_return": national.returned,
    "event_return": contracts.event_returned,
    "meeting": meetings.submitted,
    "inspection": inspections.submitted,
    "force_majeure": inspections.force_majeure_submitted,
    "ka_result": ka_results.submitted,
    "promotion_agreement": promotion_chain.agreement_submitted,
    "promotion_confirmation": promotion_chain.confirmation_submitted,
    "execution_return": promotion_chain.execution_returned,
    "grading": grading.submitted,
}


async def submit(chat: Chat, context: KabotContext, form: Form, draft: Draft) -> str | None:
    store, person = context.store, context.person
    answers = engine.answered(draft)
    missing = engine.missing(form, answers)
    if missing:
        target = engine.revisit(form, draft, form.index(missing[0]))
        assert target is not None
        await questions.move(chat, context, form, draft, target)
        label = context.label(f"form.{form.name}.{missing[0]}.short")
        return context.label("form.missing", field=label)
    if form.report == "decision":
        await questions.retire_prompt(chat, context, draft)
        return await decisions.comment_submitted(chat, context, form, draft, answers)
    if (own := _OWN_SAVING.get(form.report)) is not None:
        await questions.retire_prompt(chat, context, draft)
        return await own(chat, context, draft, answers)
    if records_facts(form):
        return await contracts.submitted(chat, context, form, draft, answers)
    if form.report == "leave":
        return await _leave_submitted(chat, context, form, draft, answers)
    if form.report in ("ledger", "waiver", "appeal", "breach"):
        await questions.retire_prompt(chat, context, draft)
        return await ledger.submitted(chat, context, form, draft, answers)
    unit_id = await _unit_of(context, form, answers)
    if unit_id is None:
        return context.label("answer.not_allowed")
    if draft.report_id is not None:
        return await _submit_correction(chat, context, form, draft, answers)
    report = await store.file_report(draft, form.report, person, unit_id, answers)
    if report is None:
        return None
    _LOGGER.info("%s filed %s", person.code, report.number)
    await questions.retire_prompt(chat, context, draft)
    note = await data_confirm.after_filing(context, report) if report.kind == "data" else None
    await _confirm(chat, context, form, report, corrected=False, note=note)
    if report.kind == "issue":
        await issue_handling.post_to_groups(context, report)
    if report.kind == "promotion_report":
        await promotion_chain.report_filed(context, report)
    await decisions.open_step(context, report)
    return ""


async def _leave_submitted(
    chat: Chat, context: KabotContext, form: Form, draft: Draft, answers: dict[str, Any]
) -> str:
    store, person = context.store, context.person
    stand_in = await store.staff.by_id(int(answers["stand_in"]))
    if stand_in is None or not stand_in.active:
        # Deactivated since they were chosen: ask again.
        target = engine.revisit(form, draft, form.index("stand_in"))
        assert target is not None
        await questions.move(chat, context, form, draft, target)
        return context.label("leave.bad_stand_in")
    await questions.retire_prompt(chat, context, draft)
    await store.drafts.discard(draft.id)
    first = date.fromisoformat(answers["period"]["first"])
    last = date.fromisoformat(answers["period"]["last"])
    await store.staff.add_leave(person, first, last, stand_in)
    await context.outbox.message(
        chat.id, context.render("leave_saved.html", first=first, last=last, stand_in=stand_in)
    )
    return ""


async def _unit_of(context: KabotContext, form: Form, answers: dict[str, Any]) -> int | None:
    """The unit a report belongs to: its customer's, its promotion's, or the author's."""
    if "customer" in answers:
        customer = await questions.visible_customer(context, int(answers["customer"]))
        return customer.unit_id if customer else None
    if "promotion" in answers:
        running = {p.id: p for p in await questions.promotions(context)}
        promotion = running.get(int(answers["promotion"]))
        return promotion.unit_id if promotion else None
    if "customers" in answers:
        for customer_id in answers["customers"]:
            if await questions.visible_customer(context, int(customer_id)) is None:
                return None
    if "unit" in answers:
        return (
            int(answers["unit"])
            if int(answers["unit"]) in await questions.business_unit_ids(context)
            else None
        )
    return context.person.unit_id


async def _submit_correction(
    chat: Chat, context: KabotContext, form: Form, draft: Draft, answers: dict[str, Any]
) -> str | None:
    store, person = context.store, context.person
    assert draft.report_id is not None
    report = await store.reports.by_id(form.report, draft.report_id)
    window = context.settings.edit_window
    if report is None or not may_correct(person, report, context.clock.now(), window):
        await store.drafts.discard(draft.id)
        await questions.retire_prompt(chat, context, draft)
        await context.outbox.message(chat.id, context.render("report_not_correctable.html"))
        return ""
    corrected = await store.file_correction(draft, report, person, answers)
    if corrected is None:
        return None
    await questions.retire_prompt(chat, context, draft)
    await _confirm(chat, context, form, corrected, corrected=True)
    if corrected.kind == "issue":
        await issue_handling.update_posts(context, corrected)
    await decisions.resubmitted(context, report, corrected)
    return ""


# Where a person finds each kind of report again.
LIST_COMMANDS = {
    "visit": "/myvisits",
    "issue": "/issues",
    "promotion": "/promos",
    "promotion_report": "/promos",
}


async def _confirm(
    chat: Chat,
    context: KabotContext,
    form: Form,
    report: Report,
    *,
    corrected: bool,
    note: str | None = None,
) -> None:
    """The receipt; ``note``: what follows, when the report waits for someone."""
    window = context.settings.edit_window
    text = context.render(
        "form_saved.html",
        form=form.name,
        report=report,
        corrected=corrected,
        list_command=LIST_COMMANDS.get(report.kind),
        window_hours=int(window.total_seconds() // 3600),
    )
    await questions.conclude(chat, context, f"{text}\n{note}" if note else text)
