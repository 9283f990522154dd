"""/exposure: what the rules will charge if nothing changes, soonest first (issue 18).

A business unit's first responsible person sees their unit; the KA centre and the directors
see every unit's total with a button each (``xu:<unit>``). Each line of a unit's list has a
button that opens what would stop it: the /data or issue form, the centre's reply to the
issue, or the contract, launch or event form with the record answered (``xp:<obligation>``,
checked again against the obligation and the presser when pressed).
"""

from __future__ import annotations

import re

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import KabotContext
from bot.forms.catalogue import FORMS
from bot.forms.present import money
from bot.handlers import form_offers, forms
from bot.handlers import form_questions as questions
from bot.models import BusinessUnit, Obligation
from bot.reminders import events, exposure
from bot.reminders.exposure import Line
from bot.workflow import speaks_for_centre

_UNIT = re.compile(r"^xu:(\d{1,12})$")
_STOP = re.compile(r"^xp:(\d{1,12})$")
BUTTONS_SHOWN = 8  # a list's buttons: the soonest lines'

# What stops an obligation when it is a form about one record: the form and its question.
RECORD_FORMS = {
    "R5": ("distribute", "contract"),
    "R6": ("signed", "local"),
    "R7": ("copy", "local"),
    "R12": ("launch_filed", "launch"),
    "R14": ("event_plan", "event"),
}
# … when it is a form of its own, started afresh.
PLAIN_FORMS = {"R1": "data", "R2": "issue", "R8": "visit"}
# … when it is the centre's answer to an issue: acknowledging it, or the written reply.
ISSUE_ACTIONS = {"R10": "ack", "R11": "reply", "R4": "reply"}


def _may_see_all(context: KabotContext, centre: BusinessUnit | None) -> bool:
    return context.person.sees_all_units or speaks_for_centre(context.person, centre)


async def _may_see(context: KabotContext, unit_id: int | None) -> bool:
    """The KA centre and the directors: every unit; a unit's first responsible person: theirs."""
    store, person = context.store, context.person
    if _may_see_all(context, await store.units.centre()):
        return True
    unit = await store.units.by_id(unit_id) if unit_id is not None else None
    return (
        unit is not None and unit.id == person.unit_id and unit.responsible_staff_id == person.id
    )


async def exposure_command(update: Update, context: KabotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    store, person = context.store, context.person
    if context.rules is None:
        await context.outbox.message(chat.id, context.label("exposure.no_rules"))
        return
    centre = await store.units.centre()
    if _may_see_all(context, centre):
        await _overview(chat, context)
        return
    if not await _may_see(context, person.unit_id):
        await context.outbox.message(chat.id, context.label("exposure.not_for_you"))
        return
    assert person.unit_id is not None
    await _unit_list(chat.id, context, person.unit_id)


async def _overview(chat: Chat, context: KabotContext) -> None:
    """Every unit's exposure in the forecast's reach, the largest first, a button each."""
    assert context.rules is not None
    now = context.clock.now()
    until = now.date() + exposure.AHEAD
    lines = await exposure.forecast(context.store, context.rules, now, until, per_unit=True)
    units = {u.id: u for u in await context.store.units.all()}
    totals: dict[int, tuple[int, int]] = {}
    for line in lines:
        if line.obligation.unit_id in units:
            fen, count = totals.get(line.obligation.unit_id or 0, (0, 0))
            totals[line.obligation.unit_id or 0] = (fen + line.total_fen, count + 1)
    ranked = sorted(totals.items(), key=lambda item: (-item[1][0], units[item[0]].name))
    rows = [
        (units[unit_id].name, money(context.texts, context.lang, fen), count)
        for unit_id, (fen, count) in ranked
    ]
    buttons = [
        [InlineKeyboardButton(f"{name} · {amount}", callback_data=f"xu:{unit_id}")]
        for (unit_id, _), (name, amount, _) in zip(ranked, rows, strict=True)
    ][: BUTTONS_SHOWN * 3]
    await context.outbox.message(
        chat.id,
        context.render("exposure_overview.html", rows=rows, until=until, today=now.date()),
        markup=InlineKeyboardMarkup(buttons) if buttons else None,
    )


async def _unit_list(chat_id: int, context: KabotContext, unit_id: int) -> None:
    assert context.rules is not None
    store = context.store
    now = context.clock.now()
    until = now.date() + exposure.AHEAD
    lines = await exposure.forecast(store, context.rules, now, until, unit_id)
    unit = await store.units.by_id(unit_id)
    week = exposure.total(lines, now.date() + exposure.WEEK)
    lang = context.lang
    shown = []
    buttons: list[list[InlineKeyboardButton]] = []
    for number, group in enumerate(_grouped(lines), start=1):
        action = await _action(context, group[0])
        if action is not None and len(buttons) < BUTTONS_SHOWN:
            label = context.label(f"exposure.stop.{group[0].rule.id}", number=number)
            buttons.append([InlineKeyboardButton(label, callback_data=action)])
        shown.append(
            {
                "line": group[0],
                "count": len(group),
                "subjects": [line.subject for line in group if line.subject],
                "amount": money(context.texts, lang, sum(line.amount_fen for line in group)),
                "total": money(context.texts, lang, sum(line.total_fen for line in group)),
                "obligation": group[0].rule.obligation[lang],
            }
        )
    await context.outbox.message(
        chat_id,
        context.render(
            "exposure.html",
            unit=unit,
            lines=shown,
            until=until,
            today=now.date(),
            week=money(context.texts, lang, week),
            all=money(context.texts, lang, exposure.total(lines, until)),
        ),
        markup=InlineKeyboardMarkup(buttons) if buttons else None,
    )


def _grouped(lines: list[Line]) -> list[list[Line]]:
    """Lines that say the same but for their subject, as one: "3 local contracts: ¥150"."""
    groups: dict[tuple[object, ...], list[Line]] = {}
    for line in lines:
        key = (line.rule.id, line.kind, line.starts_on, line.days, line.amount_fen, line.person)
        groups.setdefault(key, []).append(line)
    return list(groups.values())


async def _action(context: KabotContext, line: Line) -> str | None:
    """The callback data of the button that opens what would stop ``line``, if any."""
    rule_id, obligation = line.rule.id, line.obligation
    if rule_id in RECORD_FORMS:
        return f"xp:{obligation.id}"
    if rule_id in PLAIN_FORMS:
        return f"fm:{PLAIN_FORMS[rule_id]}"
    issue = await _issue_of(context, obligation)
    if issue is None:
        return None
    if rule_id == "R17":
        return f"ih:{issue}:{'reply' if obligation.subject.startswith('demand_plan:') else 'ack'}"
    return f"ih:{issue}:{ISSUE_ACTIONS[rule_id]}" if rule_id in ISSUE_ACTIONS else None


async def _issue_of(context: KabotContext, obligation: Obligation) -> int | None:
    """The issue an obligation waits on: R4's earliest one still without its reply."""
    if obligation.rule == "R4":
        assert context.rules is not None
        waiting = [
            i for i in await events.r4_issues(context.store, context.rules, obligation)
            if i.replied_at is None
        ]  # fmt: skip
        return min(waiting, key=lambda i: i.reported_at).id if waiting else None
    kind, _, number = obligation.subject.partition(":")
    return int(number) if kind in ("issue", "demand", "demand_plan") else None


async def unit_pressed(update: Update, context: KabotContext) -> None:
    """A unit's button under the overview: its list."""
    query = update.callback_query
    assert query is not None and query.data is not None
    m = _UNIT.match(query.data)
    unit = await context.store.units.by_id(int(m[1])) if m else None
    if unit is None or context.rules is None:
        await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)
        return
    if not _may_see_all(context, await context.store.units.centre()):
        await context.store.decisions.refused(context.person, query.data, "not the KA centre")
        await context.outbox.answer(query, context.label("answer.not_allowed"), alert=True)
        return
    await context.outbox.answer(query)
    await _unit_list(context.person.telegram_id or query.from_user.id, context, unit.id)


async def stop_pressed(update: Update, context: KabotContext) -> None:
    """A line's button: the form that records the fact, with its record answered."""
    query = update.callback_query
    assert query is not None and query.data is not None
    store = context.store
    m = _STOP.match(query.data)
    obligation = await store.obligations.by_id(int(m[1])) if m else None
    if obligation is None or obligation.met_at is not None or obligation.rule not in RECORD_FORMS:
        await context.outbox.answer(query, context.label("exposure.stopped"), alert=True)
        return
    name, key = RECORD_FORMS[obligation.rule]
    form = FORMS[name]
    record = int(obligation.subject.partition(":")[2])
    offered = {number for number, _ in await form_offers.records(context, form.fields[0].source)}
    allowed = await _may_see(context, obligation.unit_id) or obligation.unit_id == (
        context.person.unit_id
    )
    if not allowed or not await questions.may_record(context, form):
        await store.decisions.refused(context.person, query.data, "may not record it")
        await context.outbox.answer(query, context.label("answer.not_allowed"), alert=True)
        return
    if record not in offered:  # recorded since (the next run marks the obligation met)
        await context.outbox.answer(query, context.label("exposure.stopped"), alert=True)
        return
    await context.outbox.answer(query)
    private = Chat(context.person.telegram_id or query.from_user.id, Chat.PRIVATE)
    await forms.begin_with(private, context, form, {key: record})


def handlers() -> list[object]:
    return [
        CommandHandler("exposure", exposure_command, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(unit_pressed, pattern=r"^xu:"),
        CallbackQueryHandler(stop_pressed, pattern=r"^xp:"),
    ]
