"""Fines and incentives in chat: the notice, the appeal, the waiver — each decided once.

The KA centre records a fine (/penalty) and a director a positive incentive (/incentive);
the notice goes to the person's unit group and to them. Its buttons ``pl:<id>:<action>``:
the fined person appeals (with a reason), a director waives (with a reason), and an appeal
is granted or upheld by a director. Each press is checked against the entry and the presser.
"""

from __future__ import annotations

import logging
import re

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import KabotContext
from bot.forms import inputs, present
from bot.forms.catalogue import FORMS, Form
from bot.handlers import evidence, forms
from bot.handlers.messages import edit_in_place
from bot.models import Answers, Draft, LedgerEntry, Role, Staff
from bot.policy import may_see_entry
from bot.reminders import penalties
from bot.workflow import LEDGER_ACTIONS, speaks_for_centre

_LOGGER = logging.getLogger(__name__)
_DATA = re.compile(r"^pl:(\d{1,12}):(appeal|waive|grant|uphold)$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


async def _post(
    context: KabotContext,
    entry: LedgerEntry,
    chat_id: int,
    lang: str,
    actions: tuple[str, ...] | None = None,
) -> None:
    await penalties.post(
        context.outbox, context.store, context.texts, context.rules, entry, chat_id, lang, actions
    )


async def _refresh(context: KabotContext, entry: LedgerEntry) -> None:
    lang = context.texts.default_language
    for chat_id, message_id in await context.store.ledger.posts(entry):
        await context.outbox.edit(
            chat_id,
            message_id,
            penalties.notice(context.texts, context.rules, entry, lang),
            penalties.buttons(context.texts, entry, lang),
        )


async def _publish(context: KabotContext, entry: LedgerEntry) -> None:
    await penalties.publish(context.outbox, context.store, context.texts, context.rules, entry)


async def submitted(
    chat: Chat, context: KabotContext, form: Form, draft: Draft, answers: Answers
) -> str:
    """A fine or incentive recorded, an appeal or a waiver written."""
    store, person = context.store, context.person
    await store.drafts.discard(draft.id)
    if form.name in ("penalty", "incentive"):
        if form.name == "penalty" and not speaks_for_centre(person, await store.units.centre()):
            await context.outbox.message(chat.id, context.label("answer.not_allowed"))
            return ""
        target = await store.staff.by_id(int(answers["person"]))
        if target is None:
            await context.outbox.message(chat.id, context.label("answer.not_allowed"))
            return ""
        entry = await store.ledger.record(
            person=target,
            kind=form.name,
            amount_fen=int(answers["amount"]),
            reason=str(answers["reason"]),
            period=context.clock.now().strftime("%Y-%m"),
            source=f"draft:{draft.id}",
            by=person,
        )
        if entry is None:
            return ""
        await context.outbox.message(
            chat.id, context.label(f"ledger.recorded.{entry.kind}", number=entry.id)
        )
        await _publish(context, entry)
        return ""
    assert draft.report_id is not None
    if form.name == "r2_breach":
        return await _r2_breach(chat, context, draft.report_id, str(answers["issue"]), draft)
    entry = await store.ledger.by_id(draft.report_id)
    reason = str(answers["reason"])
    if entry is None:
        return ""
    allowed = (
        entry.staff_id == person.id if form.name == "appeal" else person.role is Role.DIRECTOR
    )
    if not allowed:  # the fined person appeals; a director waives
        await store.decisions.refused(person, f"pl:{entry.id}:{form.name}", "submit")
        await context.outbox.message(chat.id, context.label("answer.not_allowed"))
        return ""
    if form.name == "appeal":
        appealed = await store.ledger.appeal(entry, person, reason)
        if appealed is None:
            await context.outbox.message(chat.id, context.label("ledger.too_late"))
            return ""
        await store.ledger.attach(appealed, list(answers.get("evidence") or []), person)
        await context.outbox.message(chat.id, context.label("ledger.appealed"))
        await _refresh(context, appealed)
        # The director decides on one card: the evidence pack with the appeal's files above.
        for director in await store.staff.deciders("centre"):
            if director.telegram_id is not None and director.first_seen_at is not None:
                lang = context.texts.lang(director.language)
                await evidence.send_attachments(context, appealed, director.telegram_id)
                handle = await context.outbox.message(
                    director.telegram_id,
                    await evidence.pack_text(context, appealed, lang),
                    penalties.buttons(context.texts, appealed, lang),
                )
                await store.ledger.add_post(appealed, director.telegram_id, handle)
        return ""
    await context.outbox.message(chat.id, await _decide(context, entry, "waived", reason))
    return ""


async def _r2_breach(
    chat: Chat, context: KabotContext, obligation_id: int, issue: str, draft: Draft
) -> str:
    """R2: 如属出现问题没有报送的情况对事业本部营销第一负责人负激励50元/次 — one entry each."""
    store, person = context.store, context.person
    rules = context.bot_data.rules
    obligation = await store.obligations.by_id(obligation_id)
    unit = (
        await store.units.by_id(obligation.unit_id) if obligation and obligation.unit_id else None
    )
    head = (
        await store.staff.by_id(unit.responsible_staff_id)
        if unit and unit.responsible_staff_id
        else None
    )
    rule = rules.rules.get("R2") if rules else None
    # Submit is the authority: only the KA centre records a hidden issue, only on R2.
    if not speaks_for_centre(person, await store.units.centre()) or (
        obligation is not None and obligation.rule != "R2"
    ):
        await store.decisions.refused(person, f"r2:{obligation_id}", "submit")
        await context.outbox.message(chat.id, context.label("answer.not_allowed"))
        return ""
    if obligation is None or head is None or rule is None:
        await context.outbox.message(chat.id, context.label("ledger.no_head"))
        return ""
    entry = await store.ledger.record(
        person=head,
        kind="penalty",
        amount_fen=rule.fine.amount_fen,
        reason=f"{rule.obligation[context.texts.default_language]}：{issue}",
        period=obligation.period,
        source=f"R2:{obligation.id}:draft:{draft.id}",
        rule="R2",
        by=person,
    )
    if entry is not None:
        await context.outbox.message(
            chat.id, context.label("ledger.recorded.penalty", number=entry.id)
        )
        await _publish(context, entry)
    return ""


async def r2_pressed(update: Update, context: KabotContext) -> None:
    """From R2's overdue notice: the KA centre records an issue that was not reported."""
    query = update.callback_query
    assert query is not None and query.data is not None
    store, person = context.store, context.person
    m = re.match(r"^r2:(\d{1,12})$", query.data)
    obligation = await store.obligations.by_id(int(m[1])) if m else None
    if obligation is None or obligation.rule != "R2":
        await store.decisions.refused(person, query.data, "malformed")
        await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)
        return
    if not speaks_for_centre(person, await store.units.centre()):
        await store.decisions.refused(person, query.data, "not the KA centre")
        await context.outbox.answer(query, context.label("answer.not_allowed"), alert=True)
        return
    link = await forms.start_in_private(context, FORMS["r2_breach"], obligation.id)
    await context.outbox.answer(query, context.label("ledger.write_in_private"), url=link)


async def noissues_command(update: Update, context: KabotContext) -> None:
    """R2: "no execution issue this month" — asked once more before it counts."""
    chat = update.effective_chat
    assert chat is not None
    person = context.person
    month = context.clock.now().strftime("%Y-%m")
    if person.role not in (Role.FIELD, Role.MANAGER) or person.unit_id is None:
        await context.outbox.message(
            chat.id, context.render("form_not_for_you.html", form="issue")
        )
        return
    button = InlineKeyboardButton(context.label("r2.button.confirm"), callback_data=f"ni:{month}")
    await context.outbox.message(
        chat.id,
        context.render("noissues_confirm.html", month=month),
        markup=InlineKeyboardMarkup([[button]]),
    )


async def noissues_confirmed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    store, person = context.store, context.person
    month = query.data.removeprefix("ni:")
    if month != context.clock.now().strftime("%Y-%m") or person.unit_id is None:
        await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)
        return
    reported = await store.obligations.issues_reported(person.unit_id, month)
    if reported is None:
        await store.obligations.declare_no_issues(person.unit_id, month, person)
        text = context.render("noissues_done.html", month=month, already=False)
    else:
        text = context.render("noissues_done.html", month=month, already=True)
    await context.outbox.answer(query)
    await edit_in_place(context, query, text, None)


async def _decide(
    context: KabotContext, entry: LedgerEntry, outcome: str, note: str | None
) -> str:
    """Waive or uphold; returns what to tell the decider."""
    decided = await context.store.ledger.decide(entry, context.person, outcome, note)
    if decided is None:
        latest = await context.store.ledger.by_id(entry.id) or entry
        return context.label(
            "ledger.already", status=context.label(f"ledger.status.{latest.status}")
        )
    await _refresh(context, decided)
    # The waiver is posted too (SPEC §3), and the person hears how their appeal went.
    unit = await context.store.units.by_id(decided.unit_id) if decided.unit_id else None
    if unit is not None and unit.group_chat_id is not None:
        await _tell(context, decided, unit.group_chat_id, context.texts.default_language)
    person = await context.store.staff.by_id(decided.staff_id)
    if person is not None and person.telegram_id is not None:
        await _tell(context, decided, person.telegram_id, context.texts.lang(person.language))
    return context.label(f"ledger.done.{outcome}")


async def _tell(context: KabotContext, entry: LedgerEntry, chat_id: int, lang: str) -> None:
    amount = present.money(context.texts, lang, entry.amount_fen)
    text = context.texts.render(lang, "ledger_decided.html", entry=entry, amount=amount)
    await context.outbox.message(chat_id, text)


def _may(person: Staff, entry: LedgerEntry, action: str) -> bool:
    if action == "appeal":
        return person.id == entry.staff_id
    return person.role is Role.DIRECTOR


async def pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    store, person = context.store, context.person
    m = _DATA.match(query.data)
    entry = await store.ledger.by_id(int(m[1])) if m else None
    if m is None or entry is None:
        await store.decisions.refused(person, query.data, "malformed")
        await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)
        return
    action = m[2]
    if not _may(person, entry, action):
        await store.decisions.refused(person, query.data, f"may not {action}")
        await context.outbox.answer(query, context.label("answer.not_allowed"), alert=True)
        return
    if action not in LEDGER_ACTIONS.get(entry.status, ()):
        await context.outbox.answer(
            query,
            context.label("ledger.already", status=context.label(f"ledger.status.{entry.status}")),
            alert=True,
        )
        return
    if action in ("grant", "uphold"):
        note = context.label(f"ledger.note.{action}")
        outcome = "waived" if action == "grant" else "upheld"
        await context.outbox.answer(query, await _decide(context, entry, outcome, note))
        return
    link = await forms.start_in_private(context, FORMS[action], entry.id)
    await context.outbox.answer(query, context.label("ledger.write_in_private"), url=link)


async def penalties_command(update: Update, context: KabotContext) -> None:
    """/penalties [YYYY-MM]: one's own ledger; a manager's unit; everyone's for directors."""
    chat = update.effective_chat
    assert chat is not None
    person = context.person
    period = context.args[0] if context.args else context.clock.now().strftime("%Y-%m")
    if not _MONTH.match(period):
        await context.outbox.message(chat.id, context.label("ledger.bad_month"))
        return
    if person.sees_all_units:
        entries = await context.store.ledger.month(period)
    elif person.role is Role.MANAGER and person.unit_id is not None:
        entries = await context.store.ledger.month(period, unit_id=person.unit_id)
    else:
        entries = await context.store.ledger.month(period, staff_id=person.id)
    money = present.money
    fined = sum(e.amount_fen for e in entries if e.kind == "penalty" and e.status != "waived")
    rewarded = sum(e.amount_fen for e in entries if e.kind == "incentive")
    await context.outbox.message(
        chat.id,
        context.render(
            "ledger_month.html",
            period=period,
            entries=entries[:40],
            amounts={e.id: money(context.texts, context.lang, e.amount_fen) for e in entries},
            fined=money(context.texts, context.lang, fined),
            rewarded=money(context.texts, context.lang, rewarded),
        ),
    )


async def fine_command(update: Update, context: KabotContext) -> None:
    """/fine <number>: one ledger entry with its buttons — how a day of a daily fine, which
    the group only saw start and stop, is appealed or waived."""
    chat = update.effective_chat
    assert chat is not None
    number = context.args[0].lstrip("#") if context.args else ""
    entry_id = inputs.record_id(number)
    entry = await context.store.ledger.by_id(entry_id) if entry_id is not None else None
    if entry is None or not may_see_entry(context.person, entry):
        await context.outbox.message(
            chat.id, context.label("ledger.no_such_entry", number=number[:12])
        )
        return
    await _post(context, entry, chat.id, context.lang)


def handlers() -> list[object]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("penalties", penalties_command, filters=private),
        CommandHandler("fine", fine_command, filters=private),
        CommandHandler("noissues", noissues_command, filters=private),
        CallbackQueryHandler(pressed, pattern=r"^pl:"),
        CallbackQueryHandler(r2_pressed, pattern=r"^r2:"),
        CallbackQueryHandler(noissues_confirmed, pattern=r"^ni:"),
    ]
