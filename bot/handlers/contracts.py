"""/contract and /launch: the dated facts the contract rules (R5–R7) and R12 run on.

The KA centre records a national contract (联采合同) when its paperwork is complete and the
day it is distributed to the units; each unit lists the local contracts (地采合同) it must sign
under it, then the day each is signed and the day its copy is collected. The centre records a
new product's launch and the day its information arrived. Each fact is a short guided form
(``bot.forms.catalogue``); the rules engine reads them on its next run.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler

from bot.context import KabotContext
from bot.forms.catalogue import CONTRACT_FORMS, LAUNCH_FORMS, Form
from bot.handlers import form_questions as questions
from bot.handlers import forms
from bot.models import Draft
from bot.workflow import speaks_for_centre


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
        "units": {u.id: u.name for u in await store.units.all()},
    }
    buttons = [
        [InlineKeyboardButton(context.label(f"form.menu.{f.name}"), callback_data=f"fm:{f.name}")]
        for f in allowed
    ]
    template = "contracts_board.html" if choices == CONTRACT_FORMS else "launches_board.html"
    await context.outbox.message(
        chat.id,
        context.render(template, today=context.clock.now().date(), **board),
        markup=InlineKeyboardMarkup(buttons),
    )


async def contract_command(update: Update, context: KabotContext) -> None:
    await _menu(update, context, CONTRACT_FORMS)


async def launch_command(update: Update, context: KabotContext) -> None:
    await _menu(update, context, LAUNCH_FORMS)


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
            offered = {n for n, _ in await questions.records(context, spec.source)}
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
            if unit_id not in await questions.business_unit_ids(context):
                return context.label("answer.not_allowed")
            assert day is not None
            what = {
                "launch": await store.contracts.add_launch(
                    unit_id, answers["product"], day, person
                )
            }
        case _:  # launch_filed
            launch = await store.contracts.launch_by_id(int(answers["launch"]))
            assert launch is not None and day is not None
            what = {"launch": await store.contracts.file_launch(launch, day, person)}
    await questions.retire_prompt(chat, context, draft)
    await store.drafts.discard(draft.id)
    if None in what.values():
        await context.outbox.message(chat.id, context.label("contracts.recorded_meanwhile"))
        return ""
    await context.outbox.message(
        chat.id, context.render("contract_recorded.html", form=form.name, **what)
    )
    return ""


def handlers() -> list[object]:
    return [
        CommandHandler("contract", contract_command),
        CommandHandler("launch", launch_command),
    ]
