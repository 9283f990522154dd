"""An issue's life after it is reported: posted to the groups, acknowledged by the KA centre,
answered in writing (which closes it), reopened if the answer does not settle it.

The centre's group card carries the buttons ``ih:<issue id>:<ack|reply|reopen>``; the
reporter's own card (from /issues) can reopen a closed issue. Each change is shown on every
posted card and told to the reporter.
"""

from __future__ import annotations

import logging
import re

from telegram import Chat, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot.context import KabotContext
from bot.forms import present
from bot.forms.catalogue import FORMS, ISSUE
from bot.handlers import forms, satisfaction
from bot.handlers.messages import action_row
from bot.models import Answers, Draft, Report
from bot.workflow import speaks_for_centre

_LOGGER = logging.getLogger(__name__)
_DATA = re.compile(r"^ih:(\d{1,12}):(ack|reply|reopen)$")

# What may be done to an issue in each state.
NEXT_ACTIONS = {"open": ("ack", "reply"), "acknowledged": ("reply",), "closed": ("reopen",)}


async def _card(context: KabotContext, report: Report, lang: str) -> str:
    return await present.fitting(
        context.store,
        context.texts,
        lang,
        ISSUE,
        report.answers,
        "report_card.html",
        report=report,
        posted=True,
    )


def _buttons(context: KabotContext, report: Report, lang: str) -> InlineKeyboardMarkup | None:
    actions = NEXT_ACTIONS.get(report.status, ())
    return action_row(context.texts, lang, "ih/issue", report.id, actions)


async def post_to_groups(context: KabotContext, report: Report) -> None:
    """An issue goes to its unit's group and the KA centre's group (SPEC §2.2); the centre's
    card carries the buttons to handle it."""
    store = context.store
    unit = await store.units.by_id(report.unit_id)
    centre = await store.units.centre()
    lang = context.texts.default_language
    for target in dict.fromkeys(u for u in (unit, centre) if u and u.group_chat_id is not None):
        assert target.group_chat_id is not None
        markup = _buttons(context, report, lang) if target.is_centre else None
        handle = await context.outbox.message(
            target.group_chat_id, await _card(context, report, lang), markup
        )
        await store.reports.add_post(report, target.group_chat_id, handle)
        photos = [p["file_id"] for p in report.answers.get("photos") or []]
        if photos:
            await context.outbox.photos(target.group_chat_id, photos, reply_to=handle)


async def update_posts(context: KabotContext, report: Report) -> None:
    """Show the issue as it is now on every card posted of it."""
    centre = await context.store.units.centre()
    lang = context.texts.default_language
    text = await _card(context, report, lang)
    for chat_id, message_id in await context.store.reports.posts(report):
        in_centre = centre is not None and chat_id == centre.group_chat_id
        markup = _buttons(context, report, lang) if in_centre else None
        await context.outbox.edit(chat_id, message_id, text, markup)


async def pressed(update: Update, context: KabotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    store, person = context.store, context.person
    m = _DATA.match(query.data)
    issue = await store.reports.by_id("issue", int(m[1])) if m else None
    if m is None or issue is None:
        await store.decisions.refused(person, query.data, "malformed")
        await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)
        return
    action = m[2]
    reporter_reopens = action == "reopen" and issue.staff_id == person.id
    if not (reporter_reopens or speaks_for_centre(person, await store.units.centre())):
        await store.decisions.refused(person, query.data, "not the KA centre")
        await context.outbox.answer(query, context.label("answer.not_allowed"), alert=True)
        return
    if action not in NEXT_ACTIONS.get(issue.status, ()):
        await context.outbox.answer(
            query,
            context.label("issue.already", status=context.label(f"report.status.{issue.status}")),
            alert=True,
        )
        return
    if action in ("reply", "reopen"):
        # Words that do not belong in a group: the reply, the reason for reopening.
        name = "issue_reply" if action == "reply" else "issue_reopen"
        link = await forms.start_in_private(context, FORMS[name], issue.id)
        await context.outbox.answer(query, context.label(f"issue.{action}_in_private"), url=link)
        return
    handled = await store.reports.handle_issue(issue, person, "acknowledge")
    if handled is None:
        await context.outbox.answer(query, context.label("answer.stale_button"), alert=True)
        return
    await context.outbox.answer(query, context.label("issue.done.ack"))
    await _changed(context, handled)


async def reply_submitted(
    chat: Chat, context: KabotContext, draft: Draft, answers: Answers
) -> str | None:
    """The written reply is done: it closes the issue — if nobody closed it meanwhile."""
    store = context.store
    await store.drafts.discard(draft.id)
    assert draft.report_id is not None
    issue = await store.reports.by_id("issue", draft.report_id)
    # Submit is the authority, not the button that started the form: only the KA centre
    # replies in writing, and only to an issue still waiting for a reply.
    if not speaks_for_centre(context.person, await store.units.centre()):
        await store.decisions.refused(context.person, f"ih:{draft.report_id}:reply", "submit")
        await context.outbox.message(chat.id, context.label("answer.not_allowed"))
        return ""
    may_reply = issue is not None and "reply" in NEXT_ACTIONS.get(issue.status, ())
    handled = (
        await store.reports.handle_issue(issue, context.person, "reply", answers["reply"])
        if issue is not None and may_reply
        else None
    )
    if handled is None:
        await context.outbox.message(
            chat.id,
            context.label(
                "issue.already",
                status=context.label(f"report.status.{issue.status if issue else 'closed'}"),
            ),
        )
        return ""
    await context.outbox.message(chat.id, context.label("issue.done.reply", number=handled.number))
    await _changed(context, handled)
    return ""


async def reopen_submitted(
    chat: Chat, context: KabotContext, draft: Draft, answers: Answers
) -> str | None:
    """The reason is written: the issue is open again — the cards say who and why, and the
    centre's group gets a new post (an edit far up a busy group goes unseen)."""
    store, person = context.store, context.person
    await store.drafts.discard(draft.id)
    assert draft.report_id is not None
    issue = await store.reports.by_id("issue", draft.report_id)
    if issue is None or not (
        issue.staff_id == person.id or speaks_for_centre(person, await store.units.centre())
    ):
        await store.decisions.refused(person, f"ih:{draft.report_id}:reopen", "submit")
        await context.outbox.message(chat.id, context.label("answer.not_allowed"))
        return ""
    handled = await store.reports.handle_issue(issue, person, "reopen", answers["reason"])
    if handled is None:
        status = context.label(f"report.status.{issue.status}")
        await context.outbox.message(chat.id, context.label("issue.already", status=status))
        return ""
    if handled.answers.get("category") == "complaint":  # R18: ask the customer again later
        await store.satisfactions.reopened(handled, person)
    await context.outbox.message(chat.id, context.label("issue.done.reopen"))
    await _changed(context, handled)
    centre = await store.units.centre()
    if centre is not None and centre.group_chat_id is not None:
        lang = context.texts.default_language
        handle = await context.outbox.message(
            centre.group_chat_id,
            await _card(context, handled, lang),
            _buttons(context, handled, lang),
        )
        await store.reports.add_post(handled, centre.group_chat_id, handle)
    return ""


async def _changed(context: KabotContext, issue: Report) -> None:
    await update_posts(context, issue)
    reporter = await context.store.staff.by_id(issue.staff_id)
    if reporter is None or reporter.telegram_id is None or reporter.id == context.person.id:
        return
    lang = context.texts.lang(reporter.language)
    # R18: a resolved complaint — the reporter asks the customer and taps their answer here.
    ask = (
        context.rules is not None
        and "R18" in context.rules.rules
        and satisfaction.waiting_for_answer(issue)
        and await context.store.satisfactions.of(issue.id) is None
    )
    text = context.texts.render(
        lang, "issue_changed.html", report=issue, by=context.person, ask_satisfaction=ask
    )
    # A closed issue can be reopened by its reporter, from this very message.
    rows = []
    if issue.status == "closed" and (reopen := _buttons(context, issue, lang)) is not None:
        rows += [list(row) for row in reopen.inline_keyboard]
    if ask:
        rows.append(satisfaction.stars(context.texts, lang, issue.id))
    markup = InlineKeyboardMarkup(rows) if rows else None
    await context.outbox.message(reporter.telegram_id, text, markup)


def handlers() -> list[object]:
    return [CallbackQueryHandler(pressed, pattern=r"^ih:")]
