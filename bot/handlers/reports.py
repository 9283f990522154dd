"""/myvisits, /issues, /promos: pages of reports, each opening its card; correcting one's own.

Callback data: ``rl:<list>:<offset>`` (a page), ``ro:<kind>:<id>:<list>:<offset>`` (a card),
``rc:<kind>:<id>`` (correct it), ``rp:<kind>:<id>`` (its photos); ``<kind>`` is the report
number's letter. Every press is checked again against the database and the presser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import KabotContext
from bot.forms import present
from bot.forms.catalogue import form_of
from bot.handlers import forms
from bot.handlers.messages import edit_in_place
from bot.models import REPORT_PREFIXES, Page, Report
from bot.policy import customer_scope, may_correct, may_see_report

PAGE_SIZE = 8
_KINDS = {letter: kind for kind, letter in REPORT_PREFIXES.items()}


@dataclass(frozen=True, slots=True)
class _List:
    code: str
    kind: str
    title: str  # label key


_LISTS = {
    "mv": _List("mv", "visit", "list.myvisits"),
    "is": _List("is", "issue", "list.issues"),
    "pr": _List("pr", "promotion", "list.promos"),
}


async def _page(context: KabotContext, which: _List, offset: int) -> Page[Report]:
    store, person = context.store, context.person
    if which.code == "mv":
        return await store.reports.page("visit", staff_id=person.id, offset=offset)
    scope = customer_scope(person, await store.units.centre())
    if which.code == "is":
        return await store.reports.page(
            "issue",
            unit_id=scope,
            statuses=("open", "acknowledged"),
            oldest_first=True,
            offset=offset,
        )
    return await store.reports.page("promotion", unit_id=scope, offset=offset)


async def _render_page(
    context: KabotContext, which: _List, offset: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    page = await _page(context, which, offset)
    texts, lang, now = context.texts, context.lang, context.clock.now()
    headlines = [await present.headline(context.store, texts, lang, r) for r in page.items]
    items = [
        {"report": r, "headline": h, "age": present.age(texts, lang, r.created_at, now)}
        for r, h in zip(page.items, headlines, strict=True)
    ]
    text = context.render("reports_page.html", list=which.code, page=page, items=items)
    letter = REPORT_PREFIXES[which.kind]
    rows = [
        [
            InlineKeyboardButton(
                f"{r.number} · {h}"[:60],
                callback_data=f"ro:{letter}:{r.id}:{which.code}:{page.offset}",
            )
        ]
        for r, h in zip(page.items, headlines, strict=True)
    ]
    nav = []
    if page.has_previous:
        back = max(page.offset - page.limit, 0)
        nav.append(_button(context, "button.previous", f"rl:{which.code}:{back}"))
    if page.has_next:
        nav.append(_button(context, "button.next", f"rl:{which.code}:{page.offset + page.limit}"))
    if nav:
        rows.append(nav)
    return text, InlineKeyboardMarkup(rows) if rows else None


def _button(context: KabotContext, label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(context.label(label), callback_data=data)


async def _send_list(update: Update, context: KabotContext, code: str) -> None:
    chat = update.effective_chat
    assert chat is not None
    text, markup = await _render_page(context, _LISTS[code], 0)
    await context.outbox.message(chat.id, text, markup=markup)


async def myvisits_command(update: Update, context: KabotContext) -> None:
    await _send_list(update, context, "mv")


async def issues_command(update: Update, context: KabotContext) -> None:
    await _send_list(update, context, "is")


async def promos_list_command(update: Update, context: KabotContext) -> None:
    await _send_list(update, context, "pr")


_PAGE = re.compile(r"^rl:(mv|is|pr):(\d{1,6})$")
_OPEN = re.compile(r"^ro:([A-Z]):(\d{1,12}):(mv|is|pr):(\d{1,6})$")
_REPORT = re.compile(r"^r([cp]):([A-Z]):(\d{1,12})$")


async def page_pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    m = _PAGE.match(query.data)
    if m is None:
        await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)
        return
    text, markup = await _render_page(context, _LISTS[m[1]], int(m[2]))
    await context.outbox.answer(query)
    await edit_in_place(context, query, text, markup)


async def _visible(context: KabotContext, letter: str, report_id: str) -> Report | None:
    kind = _KINDS.get(letter)
    report = await context.store.reports.by_id(kind, int(report_id)) if kind else None
    if report is None:
        return None
    centre = await context.store.units.centre()
    return report if may_see_report(context.person, centre, report) else None


async def card_pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    m = _OPEN.match(query.data)
    report = await _visible(context, m[1], m[2]) if m else None
    if m is None or report is None:
        await context.outbox.answer(query, context.label("answer.not_allowed"), alert=True)
        return
    form = form_of(report.kind, report.answers)
    text = await present.fitting(
        context.store,
        context.texts,
        context.lang,
        form,
        report.answers,
        "report_card.html",
        report=report,
        posted=False,
    )
    letter = REPORT_PREFIXES[report.kind]
    rows = []
    if report.answers.get("photos"):
        rows.append([_button(context, "button.photos", f"rp:{letter}:{report.id}")])
    if may_correct(context.person, report, context.clock.now(), context.settings.edit_window):
        rows.append([_button(context, "button.correct", f"rc:{letter}:{report.id}")])
    if (
        report.kind == "issue"
        and report.status == "closed"
        and report.staff_id == context.person.id
    ):
        rows.append([_button(context, "issue.button.reopen", f"ih:{report.id}:reopen")])
    rows.append([_button(context, "button.back_to_list", f"rl:{m[3]}:{m[4]}")])
    await context.outbox.answer(query)
    await edit_in_place(context, query, text, InlineKeyboardMarkup(rows))


async def report_action_pressed(update: Update, context: KabotContext) -> None:
    """Correct a report, or see its photos."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and query.data is not None and chat is not None
    m = _REPORT.match(query.data)
    report = await _visible(context, m[2], m[3]) if m else None
    if m is None or report is None:
        await context.outbox.answer(query, context.label("answer.not_allowed"), alert=True)
        return
    if m[1] == "p":
        await context.outbox.answer(query)
        photos = [p["file_id"] for p in report.answers.get("photos", [])]
        await context.outbox.photos(chat.id, photos)
        return
    if not may_correct(context.person, report, context.clock.now(), context.settings.edit_window):
        await context.outbox.answer(query, context.label("answer.not_correctable"), alert=True)
        return
    await context.outbox.answer(query)
    await forms.correct(chat, context, report)


def handlers() -> list[object]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("myvisits", myvisits_command, filters=private),
        CommandHandler("issues", issues_command, filters=private),
        CommandHandler("promos", promos_list_command, filters=private),
        CallbackQueryHandler(page_pressed, pattern=r"^rl:"),
        CallbackQueryHandler(card_pressed, pattern=r"^ro:"),
        CallbackQueryHandler(report_action_pressed, pattern=r"^r[cp]:"),
    ]
