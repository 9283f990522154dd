"""Review and approval with inline buttons: cards to the deciders, exactly one decision.

Callback data ``d:<decision id>:<report version>:<ok|no|note>``. The button is never the
authority: each press is checked against the decision's row (still pending?), the report
(still the version on the card?) and the presser (one of its deciders?). Every decision and
every refusal is in the audit log. A card is edited in place once decided — every copy of it.
/approvals, the list of what waits, is ``bot.handlers.approvals``.
"""

from __future__ import annotations

import html
import logging
import re

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot.context import KabotContext
from bot.forms import present
from bot.forms.catalogue import FORMS, Form, form_of
from bot.handlers import forms, promotion_chain
from bot.models import Answers, Decision, Draft, Report, Staff
from bot.workflow import (
    APPROVAL_NOTE_FORMS,
    COMMENT_FORMS,
    RETURNED,
    UNIT_ACTIVITY,
    after_approval,
    after_rejection,
    first_step,
)

_LOGGER = logging.getLogger(__name__)

_DATA = re.compile(r"^d:(\d{1,12}):(\d{1,6}):(ok|no|note)$")


async def subject(context: KabotContext, decision: Decision) -> Report | None:
    return await context.store.reports.by_id(decision.subject_kind, decision.subject_id)


async def _deciders(context: KabotContext, decision: Decision) -> list[Staff]:
    return await context.store.staff.deciders(decision.approver)


async def card_text(context: KabotContext, decision: Decision, report: Report, lang: str) -> str:
    form = form_of(report.kind, report.answers)
    return await present.fitting(
        context.store,
        context.texts,
        lang,
        form,
        report.answers,
        "decision_card.html",
        decision=decision,
        report=report,
        changes=await _changes(context, decision, report, form, lang),
    )


async def _changes(
    context: KabotContext, decision: Decision, report: Report, form: Form, lang: str
) -> list[present.Line]:
    """For a report resubmitted after a return: each field changed since the version that
    was returned, with what it said then."""
    if not decision.pending or report.version == 1:
        return []
    returned = [
        d
        for d in await context.store.decisions.of_subject(report.kind, report.id)
        if d.status == RETURNED and d.subject_version < report.version
    ]
    if not returned:
        return []
    then = returned[-1].subject_version
    old = next((a for v, a, _ in await context.store.reports.versions(report) if v == then), None)
    if old is None:
        return []
    before = await present.lines(context.store, context.texts, lang, form, old, limit=80)
    after = await present.lines(context.store, context.texts, lang, form, report.answers)
    return [b for b, a in zip(before, after, strict=True) if b.value != a.value]


def _buttons(context: KabotContext, decision: Decision, lang: str) -> InlineKeyboardMarkup | None:
    if not decision.pending:
        return None
    data = f"d:{decision.id}:{decision.subject_version}"
    label = context.texts.label
    rows = [
        [
            InlineKeyboardButton(
                label(lang, "decision.button.approve"), callback_data=f"{data}:ok"
            ),
            InlineKeyboardButton(
                label(lang, f"decision.button.no.{decision.subject_kind}"),
                callback_data=f"{data}:no",
            ),
        ]
    ]
    if decision.subject_kind in APPROVAL_NOTE_FORMS:
        rows.append(
            [
                InlineKeyboardButton(
                    label(lang, "decision.button.approve_note"), callback_data=f"{data}:note"
                )
            ]
        )
    return InlineKeyboardMarkup(rows)


async def send_card(context: KabotContext, decision: Decision, person: Staff) -> None:
    """A card with the decision's buttons, in ``person``'s private chat."""
    report = await subject(context, decision)
    if report is None or person.telegram_id is None:
        _LOGGER.warning("%s has no Telegram account yet: no card for %s", person.code, decision.id)
        return
    lang = context.texts.lang(person.language)
    text = await card_text(context, decision, report, lang)
    # The evidence first, the card under it: the photos as an album, the place as a pin.
    photos = report.answers.get("photos") or []
    if photos:
        await context.outbox.photos(
            person.telegram_id,
            [p["file_id"] for p in photos],
            captions=[_caption(context, lang, report, p) for p in photos],
        )
    location = report.answers.get("location")
    if location:
        await context.outbox.location(
            person.telegram_id, location["latitude"], location["longitude"]
        )
    # Someone who never wrote to kabot gets it on their first /start (it waits in the outbox).
    handle = await context.outbox.message(
        person.telegram_id, text, _buttons(context, decision, lang)
    )
    await context.store.decisions.add_card(decision, person.telegram_id, handle)


def _caption(context: KabotContext, lang: str, report: Report, photo: dict[str, str]) -> str:
    """What a photo shows: the report it belongs to, its section, the author's caption."""
    form = form_of(report.kind, report.answers)
    parts = [report.number]
    if photo.get("section"):
        parts.append(context.texts.label(lang, f"form.{form.name}.{photo['section']}.short"))
    if photo.get("caption"):
        parts.append(html.escape(photo["caption"]))
    return " · ".join(parts)


async def open_step(context: KabotContext, report: Report) -> None:
    """Open the first pending step of a report (if its kind has steps) and send its cards."""
    step = first_step(report.kind)
    if step is None:
        return
    decision = await context.store.decisions.open(report, *step, actor=context.person.code)
    await _send_cards(context, decision)


async def _send_cards(context: KabotContext, decision: Decision) -> None:
    for person in await _deciders(context, decision):
        await send_card(context, decision, person)


async def refresh_cards(context: KabotContext, decision: Decision) -> None:
    """Show every copy of the card as it is now: decided, by whom, buttons gone."""
    current = await context.store.decisions.by_id(decision.id) or decision
    report = await subject(context, current)
    if report is None:
        return
    lang = context.texts.default_language
    for chat_id, message_id in await context.store.decisions.cards(current):
        person = await context.store.staff.by_telegram_id(chat_id)
        if person is not None:
            lang = context.texts.lang(person.language)
        text = await card_text(context, current, report, lang)
        await context.outbox.edit(chat_id, message_id, text, _buttons(context, current, lang))


async def resubmitted(context: KabotContext, before: Report, corrected: Report) -> None:
    """A corrected report starts its steps over: what was pending is withdrawn (its cards
    say so), and a returned report is submitted again."""
    store = context.store
    if first_step(corrected.kind) is None or before.status not in ("submitted", RETURNED):
        return
    for withdrawn in await store.decisions.withdraw(corrected, context.person.code):
        await refresh_cards(context, withdrawn)
    if before.status == RETURNED:
        await store.reports.set_status(corrected, "submitted")
    refreshed = await store.reports.by_id(corrected.kind, corrected.id)
    if refreshed is not None:
        await open_step(context, refreshed)


# ---------------------------------------------------------------------------- pressing


async def _refuse(query_answer: str, context: KabotContext, data: str, reason: str) -> str:
    """Log a press that is not honoured; return what to tell the presser."""
    await context.store.decisions.refused(context.person, data, reason)
    _LOGGER.info("Refused %r from %s: %s", data, context.person.code, reason)
    return query_answer


async def check(context: KabotContext, data: str) -> tuple[Decision, Report, str] | str:
    """The decision, its report and the action — or the answer to give the presser."""
    m = _DATA.match(data)
    if m is None:
        return await _refuse(context.label("answer.stale_button"), context, data, "malformed")
    decision = await context.store.decisions.by_id(int(m[1]))
    if decision is None:
        return await _refuse(context.label("answer.stale_button"), context, data, "unknown")
    if context.person.id not in {p.id for p in await _deciders(context, decision)}:
        return await _refuse(context.label("answer.not_allowed"), context, data, "not a decider")
    if decision.status == "withdrawn":
        return await _refuse(context.label("decision.changed"), context, data, "withdrawn")
    if not decision.pending:
        return context.label(
            "decision.already",
            name=decision.decided_by_name or "?",
            outcome=context.label(f"decision.outcome.{decision.status}"),
            at=f"{decision.decided_at:%m-%d %H:%M}" if decision.decided_at else "",
        )
    report = await subject(context, decision)
    versions = {int(m[2]), decision.subject_version, report.version if report else -1}
    if report is None or len(versions) != 1:
        return await _refuse(context.label("decision.changed"), context, data, "stale card")
    return decision, report, m[3]


async def pressed(update: Update, context: KabotContext) -> None:
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and query.data is not None and chat is not None
    checked = await check(context, query.data)
    if isinstance(checked, str):
        await context.outbox.answer(query, checked, alert=True)
        return
    decision, report, action = checked
    if action == "ok":
        await context.outbox.answer(
            query, await approve(context, decision, report) or None, alert=False
        )
        return
    if action == "note" and report.kind not in APPROVAL_NOTE_FORMS:
        await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)
        return
    await context.outbox.answer(query)
    names = APPROVAL_NOTE_FORMS if action == "note" else COMMENT_FORMS
    await forms.start_form(chat, context, FORMS[names[report.kind]], target=decision.id)


async def approve(
    context: KabotContext, decision: Decision, report: Report, note: Answers | None = None
) -> str:
    """Approve a step (with the decider's suggestion, if any); returns what to tell the
    presser."""
    status, next_step = after_approval(report.kind, decision.step)
    return await _decide(context, decision, report, "approved", note, status, next_step)


async def _decide(
    context: KabotContext,
    decision: Decision,
    report: Report,
    outcome: str,
    comment: Answers | None,
    status: str,
    next_step: tuple[str, str] | None,
) -> str:
    decided = await context.store.decide(
        decision, context.person, outcome, comment, report, status, next_step
    )
    if decided is None:
        latest = await context.store.decisions.by_id(decision.id) or decision
        return context.label(
            "decision.already",
            name=latest.decided_by_name or "?",
            outcome=context.label(f"decision.outcome.{latest.status}"),
            at=f"{latest.decided_at:%m-%d %H:%M}" if latest.decided_at else "",
        )
    _LOGGER.info("%s %s %s step %s", context.person.code, outcome, report.number, decision.step)
    await refresh_cards(context, decided)
    updated = await context.store.reports.by_id(report.kind, report.id) or report
    await _tell_author(context, decided, updated)
    if next_step is not None:
        for step in await context.store.decisions.of_subject(report.kind, report.id):
            if step.pending:
                await _send_cards(context, step)
    elif report.kind == "promotion" and updated.status in ("approved", UNIT_ACTIVITY):
        await promotion_chain.plan_decided(context, updated)
    return context.label(f"decision.done.{outcome}")


async def _tell_author(context: KabotContext, decision: Decision, report: Report) -> None:
    author = await context.store.staff.by_id(report.staff_id)
    if author is None or author.telegram_id is None:
        return
    lang = context.texts.lang(author.language)
    text = context.texts.render(lang, "decision_told.html", decision=decision, report=report)
    await context.outbox.message(author.telegram_id, text)


async def comment_submitted(
    chat: Chat, context: KabotContext, form: Form, draft: Draft, answers: Answers
) -> str | None:
    """The decider's reason is written: return or reject the report with it."""
    store = context.store
    assert draft.report_id is not None
    decision = await store.decisions.by_id(draft.report_id)
    if decision is None:
        return None
    approving = form.name in APPROVAL_NOTE_FORMS.values()
    action = "note" if approving else "no"
    checked = await check(context, f"d:{decision.id}:{decision.subject_version}:{action}")
    await store.drafts.discard(draft.id)
    if isinstance(checked, str):
        await context.outbox.message(chat.id, checked)
        return ""
    decision, report, _ = checked
    if approving:
        told = await approve(context, decision, report, answers)
    else:
        status = after_rejection(report.kind, decision.step)
        told = await _decide(context, decision, report, RETURNED, answers, status, None)
    await context.outbox.message(chat.id, told)
    return ""


def handlers() -> list[object]:
    return [
        CallbackQueryHandler(pressed, pattern=r"^d:"),
    ]
