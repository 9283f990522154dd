"""/kayear: a business unit's annual KA result (R15, seed 000 5.7.6). The KA centre enters the
year's sales, last year's and the budget; kabot proposes the manual's amounts for the unit's
first responsible person and posts a card to the centre's group with ``kr:<id>`` (a director
confirms it into the ledger) and ``kr:<id>:no`` (a director dismisses it). Entered again while
undecided, the new figures replace the old and the old card says so."""

from __future__ import annotations

import re
from typing import Any

from telegram import Chat, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import KabotContext
from bot.forms.catalogue import FORMS
from bot.forms.present import money
from bot.handlers import form_questions as questions
from bot.handlers import forms
from bot.handlers.messages import choice_row, edit_in_place, refuse
from bot.models import Draft, Role
from bot.reminders import ka_result, penalties
from bot.reminders.rules import Rule
from bot.store.ka_results import KaResult

_PRESSED = re.compile(r"^kr:(\d{1,12})(:no)?$")


async def kayear_command(update: Update, context: KabotContext) -> None:
    """``/kayear`` enters the year just ended; ``/kayear 2026`` names the year (this one or
    the last: a unit's year may close in December). The year is fixed as the draft starts,
    so a draft begun on 31 December is still for that year when it is sent in January."""
    default = result_year(context)
    year = default
    if context.args:
        named = context.args[0].strip()
        year = int(named) if re.fullmatch(r"\d{4}", named) else 0
        if year not in (default, default + 1) or len(context.args) > 1:
            chat = update.effective_chat
            assert chat is not None
            label = context.label("ka_result.which_year", last=default, this=default + 1)
            await context.outbox.message(chat.id, label)
            return
    await forms.begin(update, context, FORMS["ka_result"], preset={"year": year})


def result_year(context: KabotContext) -> int:
    """Without a year named, results are entered once the year is over: the year before
    today's."""
    return context.clock.now().year - 1


def card(context: KabotContext, result: KaResult, lang: str, *, superseded: bool = False) -> str:
    texts = context.texts
    proposal = _proposal(context, result)
    return texts.render(
        lang,
        "ka_result_card.html",
        result=result,
        last_year=money(texts, lang, result.last_year_fen),
        sales=money(texts, lang, result.sales_fen),
        budget=money(texts, lang, result.budget_fen),
        penalty=money(texts, lang, result.penalty_fen),
        incentive=money(texts, lang, result.incentive_fen),
        shortfall=ka_result.percent(proposal.shortfall),
        excess=ka_result.percent(proposal.excess),
        superseded=superseded,
        shortfall_band=ka_result.band(_rule(context), "shortfall"),
        excess_band=ka_result.band(_rule(context), "excess"),
    )


def _rule(context: KabotContext) -> Rule:
    assert context.rules is not None  # a result is only entered under R15
    return context.rules.rules[ka_result.RULE]


def _proposal(context: KabotContext, result: KaResult) -> ka_result.Proposal:
    return ka_result.propose(
        _rule(context), result.last_year_fen, result.sales_fen, result.budget_fen
    )


def _buttons(context: KabotContext, result: KaResult, lang: str) -> InlineKeyboardMarkup:
    choices = (("confirm", ""), ("dismiss", ":no"))
    return choice_row(context.texts, lang, "ka_result", f"kr:{result.id}", choices)


async def submitted(
    chat: Chat, context: KabotContext, draft: Draft, answers: dict[str, Any]
) -> str:
    store, person = context.store, context.person
    await store.drafts.discard(draft.id)
    rule = context.rules.rules.get(ka_result.RULE) if context.rules else None
    unit = await store.units.by_id(int(answers["unit"]))
    if rule is None or unit is None or unit.is_centre:
        return context.label("answer.not_allowed")
    figures = (int(answers["last_year"]), int(answers["sales"]), int(answers["budget"]))
    proposal = ka_result.propose(rule, *figures)
    year = int(answers.get("year") or result_year(context))  # a draft from before: the year ended
    old = await store.ka_results.card_of(unit.id, year)
    result = await store.ka_results.record(
        unit.id, year, figures, (proposal.penalty_fen, proposal.incentive_fen), person
    )
    if result is None:
        return context.label("ka_result.decided_already")
    lang = context.texts.default_language
    if old is not None:
        await context.outbox.edit(*old, card(context, result, lang, superseded=True), None)
    await questions.conclude(chat, context, card(context, result, context.lang))
    if not (result.penalty_fen or result.incentive_fen):
        return ""
    centre = await store.units.centre()
    if centre is not None and centre.group_chat_id is not None:
        handle = await context.outbox.message(
            centre.group_chat_id, card(context, result, lang), _buttons(context, result, lang)
        )
        await store.ka_results.add_card(result, centre.group_chat_id, handle)
    return ""


async def director_pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    store, person = context.store, context.person
    m = _PRESSED.match(query.data)
    result = await store.ka_results.by_id(int(m[1])) if m else None
    if m is None or result is None:
        await refuse(context, query, "malformed")
        return
    if person.role is not Role.DIRECTOR:
        await refuse(context, query, "not a director")
        return
    decided = await store.ka_results.decide(result, "dismissed" if m[2] else "confirmed", person)
    if decided is None:
        await context.outbox.answer(query, context.label("ka_result.decided_already"), alert=True)
        return
    if decided.status == "confirmed":
        await _charge(context, decided)
    await context.outbox.answer(query, context.label(f"ka_result.{decided.status}"))
    await edit_in_place(context, query, card(context, decided, context.lang), None)


async def _charge(context: KabotContext, result: KaResult) -> None:
    """The confirmed amounts, to the unit's first responsible person: a negative incentive
    (a penalty) and an incentive, each one ledger entry, posted like every one."""
    store, texts = context.store, context.texts
    unit = await store.units.by_id(result.unit_id)
    head = (
        await store.staff.by_id(unit.responsible_staff_id)
        if unit and unit.responsible_staff_id
        else None
    )
    if head is None:
        return
    lang = texts.default_language
    for kind, amount in (("penalty", result.penalty_fen), ("incentive", result.incentive_fen)):
        if not amount:
            continue
        entry = await store.ledger.record(
            person=head,
            kind=kind,
            amount_fen=amount,
            reason=texts.label(
                lang,
                f"fine.reason.ka_result_{kind}",
                rule=ka_result.RULE,
                unit=result.unit_name,
                year=result.year,
            ),
            period=context.clock.now().strftime("%Y-%m"),
            source=f"{ka_result.RULE}:{result.unit_id}:{result.year}",
            rule=ka_result.RULE,
            by=context.person,
        )
        if entry is not None:
            await penalties.publish(context.outbox, store, texts, context.rules, entry)


def handlers() -> list[object]:
    return [
        CommandHandler("kayear", kayear_command),
        CallbackQueryHandler(director_pressed, pattern=r"^kr:"),
    ]
