"""/contract and /launch: the dated facts the contract rules (R5–R7) and R12 run on.

The KA centre records a national contract (联采合同) when its paperwork is complete and the
day it is distributed to the units; each unit lists the local contracts (地采合同) it must sign
under it, then the day each is signed and the day its copy is collected. A unit registers its
new product's launch and files the information (R12); the centre confirms it has it with
**✅ 确认收到** on the card in its group (``lr:<launch>``). ``/event`` registers an in-store
event or advertising and, two months before it, its feasibility plan (R14), which the centre
approves with **✅ 批准** on the card in its group (``ea:<event>``). Each fact is a short
guided form (``bot.forms.catalogue``); the rules engine reads them on its next run.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, NamedTuple

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import KabotContext
from bot.forms.catalogue import CONTRACT_FORMS, EVENT_FORMS, FORMS, LAUNCH_FORMS, Form
from bot.handlers import form_offers, forms
from bot.handlers import form_questions as questions
from bot.handlers.messages import edit_in_place, refuse
from bot.models import Draft, Launch, Staff
from bot.reminders import events
from bot.store import Store
from bot.store.store_events import StoreEvent
from bot.workflow import speaks_for_centre

BOARDS = {"contract": "contracts_board.html", "launch": "launches_board.html"}


async def _menu(update: Update, context: KabotContext, choices: tuple[Form, ...]) -> None:
    chat = update.effective_chat
    assert chat is not None
    if chat.type != Chat.PRIVATE:
        await forms.begin(update, context, choices[0])  # says: in private, please
        return
    allowed = [form for form in choices if await questions.may_record(context, form)]
    if not allowed:
        await context.outbox.message(chat.id, questions.refusal(context, choices[0]))
        return
    store = context.store
    centre = await store.units.centre()
    scope = None if speaks_for_centre(context.person, centre) else context.person.unit_id
    board = {
        "contracts": await store.contracts.all(),
        "locals": await store.contracts.locals(unit_id=scope),
        "launches": await store.contracts.launches(unit_id=scope),
        "events": (shown := await store.store_events.all(unit_id=scope)),
        "units": {u.id: u.name for u in await store.units.all()},
    }
    buttons = [
        [InlineKeyboardButton(context.label(f"form.menu.{f.name}"), callback_data=f"fm:{f.name}")]
        for f in allowed
    ]
    template = BOARDS.get(choices[0].name, "events_board.html")
    plan_due = {e.id: events.plan_due(context.rules, e.event_on) for e in shown}
    await context.outbox.message(
        chat.id,
        context.render(template, today=context.clock.now().date(), plan_due=plan_due, **board),
        markup=InlineKeyboardMarkup(buttons),
    )


async def contract_command(update: Update, context: KabotContext) -> None:
    await _menu(update, context, CONTRACT_FORMS)


async def launch_command(update: Update, context: KabotContext) -> None:
    await _menu(update, context, LAUNCH_FORMS)


async def event_command(update: Update, context: KabotContext) -> None:
    await _menu(update, context, EVENT_FORMS)


async def submitted(
    chat: Chat, context: KabotContext, form: Form, draft: Draft, answers: dict[str, Any]
) -> str:
    """Record the fact once; a fact someone else recorded meanwhile is not written again."""
    store, person = context.store, context.person
    if not await questions.may_record(context, form):
        await store.drafts.discard(draft.id)
        return context.label("answer.not_allowed")
    what: dict[str, Any]
    for spec in form.fields:
        if spec.source:
            offered = {n for n, _ in await form_offers.records(context, spec.source)}
            if int(answers[spec.key]) not in offered:
                await store.drafts.discard(draft.id)
                await context.outbox.message(
                    chat.id, context.label("contracts.recorded_meanwhile")
                )
                return ""
    day = date.fromisoformat(answers["day"]) if "day" in answers else None
    match form.name:
        case "contract":
            customer = await questions.visible_customer(context, int(answers["customer"]))
            if customer is None:
                return context.label("answer.not_allowed")
            completed = date.fromisoformat(answers["completed"])
            fact = await store.contracts.add(customer.id, answers["title"], completed, person)
            what = {"contract": fact}
        case "distribute":
            contract = await store.contracts.by_id(int(answers["contract"]))
            assert contract is not None and day is not None
            what = {"contract": await store.contracts.distribute(contract, day, person)}
        case "locals":
            contract = await store.contracts.by_id(int(answers["contract"]))
            assert contract is not None and person.unit_id is not None
            titles = [t.strip(" \t-•·、") for t in str(answers["titles"]).splitlines()]
            listed = await store.contracts.add_locals(
                contract, person.unit_id, [t[:100] for t in titles if t], person
            )
            what = {"contract": contract, "locals": listed}
        case "signed" | "copy":
            local = await store.contracts.local_by_id(int(answers["local"]))
            assert local is not None and day is not None
            column = "signed_on" if form.name == "signed" else "copy_on"
            complete = answers.get("complete") != "incomplete"
            what = {
                "local": await store.contracts.mark_local(
                    local, column, day, person, complete=complete
                )
            }
        case "launch":
            unit_id = int(answers["unit"])
            centre = await store.units.centre()
            own = speaks_for_centre(person, centre) or unit_id == person.unit_id
            if unit_id not in await questions.business_unit_ids(context) or not own:
                return context.label("answer.not_allowed")
            assert day is not None
            what = {
                "launch": await store.contracts.add_launch(
                    unit_id, answers["product"], day, person
                )
            }
        case "store_event":
            customer = await questions.visible_customer(context, int(answers["customer"]))
            if customer is None or day is None:
                return context.label("answer.not_allowed")
            event = await store.store_events.add(
                customer.unit_id, customer.id, str(answers["kind"]), answers["title"], day, person
            )
            what = {"event": event}
        case "event_plan":
            found = await store.store_events.by_id(int(answers["event"]))
            assert found is not None
            what = {
                "event": await store.store_events.file_plan(
                    found,
                    str(answers["feasibility"]),
                    int(answers["budget"]),
                    context.clock.now().date(),
                    person,
                )
            }
        case _:  # launch_filed: by the unit, received by the centre (or the centre's own)
            launch = await store.contracts.launch_by_id(int(answers["launch"]))
            assert launch is not None and day is not None
            by_centre = speaks_for_centre(person, await store.units.centre())
            what = {
                "launch": await store.contracts.file_launch(
                    launch, day, person, received=by_centre
                )
            }
    await questions.retire_prompt(chat, context, draft)
    await store.drafts.discard(draft.id)
    if None in what.values():
        await context.outbox.message(chat.id, context.label("contracts.recorded_meanwhile"))
        return ""
    filed = what.get("event")
    due = events.plan_due(context.rules, filed.event_on) if filed else None
    await context.outbox.message(
        chat.id, context.render("contract_recorded.html", form=form.name, plan_due=due, **what)
    )
    if form.name == "launch_filed" and not what["launch"].received:
        await _ask_centre(context, "lr", what["launch"])
    if form.name == "event_plan":
        await _ask_centre(context, "ea", what["event"])
    return ""


def _event_card(context: KabotContext, event: StoreEvent, lang: str, unit: str) -> str:
    return context.texts.render(lang, "event_plan_card.html", event=event, unit=unit)


def _receipt_card(context: KabotContext, launch: Launch, lang: str, unit: str) -> str:
    return context.texts.render(lang, "launch_receipt.html", launch=launch, unit=unit)


# A fact the KA centre confirms from a card in its group, once: R12's receipt of a launch's
# information (``lr:<id>``), R14's approval of an event's plan (``ea:<id>``). Each: how the
# card reads, the store's lookup and its once-only change, and its labels' section.
class _Confirm(NamedTuple):
    prefix: str
    section: str  # labels: <section>.button, .done, .done_already, .done_by
    card: Callable[[KabotContext, Any, str, str], str]
    load: Callable[[Store, int], Awaitable[Any]]
    act: Callable[[Store, Any, Staff], Awaitable[Any]]
    back: bool = False  # also "↩️ 退回" (``<prefix>:<id>:back``), the reason in private


_CONFIRMS = {
    "lr": _Confirm(
        "lr",
        "launch",
        _receipt_card,
        lambda store, n: store.contracts.launch_by_id(n),
        lambda store, launch, by: store.contracts.receive_launch(launch, by),
    ),
    "ea": _Confirm(
        "ea",
        "store_event",
        _event_card,
        lambda store, n: store.store_events.by_id(n),
        lambda store, event, by: store.store_events.approve(event, by),
        back=True,
    ),
}
# ``ea:<id>r<plan revision>``: an event's card names the plan it shows (a card without one,
# from before revisions, shows the first).
_PRESSED = re.compile(r"^(lr|ea):(\d{1,12})(?:r(\d{1,6}))?(:back)?$")


async def _ask_centre(context: KabotContext, kind: str, fact: Launch | StoreEvent) -> None:
    """Post the card with its one button to the KA centre's group."""
    confirm, store = _CONFIRMS[kind], context.store
    centre, unit = await store.units.centre(), await store.units.by_id(fact.unit_id)
    if centre is None or centre.group_chat_id is None:
        return
    lang = context.texts.default_language
    subject = f"{confirm.prefix}:{fact.id}"
    if isinstance(fact, StoreEvent):
        subject += f"r{fact.plan_rev}"
    buttons = [
        InlineKeyboardButton(
            context.texts.label(lang, f"{confirm.section}.button"), callback_data=subject
        )
    ]
    if confirm.back:
        buttons.append(
            InlineKeyboardButton(
                context.texts.label(lang, f"{confirm.section}.back"),
                callback_data=f"{subject}:back",
            )
        )
    await context.outbox.message(
        centre.group_chat_id,
        confirm.card(context, fact, lang, unit.name if unit else ""),
        InlineKeyboardMarkup([buttons]),
    )


async def centre_pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    store, person = context.store, context.person
    m = _PRESSED.match(query.data)
    confirm = _CONFIRMS[m[1]] if m else None
    fact = await confirm.load(store, int(m[2])) if m and confirm else None
    if m is None or confirm is None or fact is None or (m[4] and not confirm.back):
        await refuse(context, query, "malformed")
        return
    if m[3] is not None and not isinstance(fact, StoreEvent):
        await refuse(context, query, "malformed")
        return
    if not speaks_for_centre(person, await store.units.centre()):
        await refuse(context, query, "not the KA centre")
        return
    if isinstance(fact, StoreEvent) and int(m[3] or 1) != fact.plan_rev:
        # A card of a plan sent back: the plan filed since has a card of its own.
        await context.outbox.answer(query, context.label("store_event.older_plan"), alert=True)
        return
    if m[4]:  # back, with the reason written in private
        if fact.plan_on is None or fact.approved:
            label = context.label(f"{confirm.section}.done_already")
            await context.outbox.answer(query, label, alert=True)
            return
        link = await forms.start_in_private(context, FORMS["event_return"], fact.id)
        await context.outbox.answer(query, context.label("store_event.back_in_private"), url=link)
        return
    done = await confirm.act(store, fact, person)
    if done is None:
        label = context.label(f"{confirm.section}.done_already")
        await context.outbox.answer(query, label, alert=True)
        return
    await context.outbox.answer(query, context.label(f"{confirm.section}.done"))
    unit = await store.units.by_id(done.unit_id)
    text = confirm.card(context, done, context.lang, unit.name if unit else "")
    by = context.label(f"{confirm.section}.done_by", who=person.name)
    await edit_in_place(context, query, f"{text}\n{by}", None)


async def event_returned(
    chat: Chat, context: KabotContext, draft: Draft, answers: dict[str, Any]
) -> str:
    """R14: the reason is written — the plan goes back to the unit and is due again."""
    store, person = context.store, context.person
    await store.drafts.discard(draft.id)
    assert draft.report_id is not None
    event = await store.store_events.by_id(draft.report_id)
    if event is None or not speaks_for_centre(person, await store.units.centre()):
        await store.decisions.refused(person, f"ea:{draft.report_id}:back", "submit")
        return context.label("answer.not_allowed")
    filer = await store.staff.by_id(event.plan_by) if event.plan_by else None
    returned = await store.store_events.return_plan(event, str(answers["reason"]), person)
    if returned is None:
        return context.label("store_event.done_already")
    await context.outbox.message(chat.id, context.label("store_event.returned"))
    unit = await store.units.by_id(returned.unit_id)
    lang = context.texts.default_language
    text = context.texts.render(
        lang,
        "event_plan_returned.html",
        event=returned,
        by=person,
        due=events.plan_due(context.rules, returned.event_on),
    )
    if unit is not None and unit.group_chat_id is not None:
        await context.outbox.message(unit.group_chat_id, text)
    if filer is not None and filer.telegram_id is not None:
        await context.outbox.message(filer.telegram_id, text)
    return ""


def handlers() -> list[object]:
    return [
        CommandHandler("contract", contract_command),
        CommandHandler("launch", launch_command),
        CommandHandler("event", event_command),
        CallbackQueryHandler(centre_pressed, pattern=r"^(lr|ea):"),
    ]
