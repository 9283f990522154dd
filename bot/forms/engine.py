"""Walking a form: which question comes next, what going back means, what is still missing.

Pure functions over a :class:`~bot.models.Draft`; the handlers persist every step.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.forms.catalogue import Form
from bot.models import Answers, Draft

SUMMARY = "summary"
# Answers kept in a draft that are not a field's: the candidates of an ambiguous time …
PENDING = "_pending"


def first_step(form: Form) -> str:
    return form.fields[0].key


def answered(draft: Draft) -> Answers:
    """The draft's answers without kabot's own bookkeeping."""
    return {k: v for k, v in draft.answers.items() if not k.startswith("_")}


def with_answer(draft: Draft, key: str, value: Any) -> Draft:
    answers = {k: v for k, v in draft.answers.items() if k != PENDING}
    if value is None:
        answers.pop(key, None)
    else:
        answers[key] = value
    return replace(draft, answers=answers)


def with_pending(draft: Draft, value: Any) -> Draft:
    return replace(draft, answers={**draft.answers, PENDING: value})


def advance(form: Form, draft: Draft) -> Draft:
    """After an answer: the next field, or the summary (at once, if it came from there)."""
    if draft.returning or draft.step == SUMMARY:
        return replace(draft, step=SUMMARY, returning=False, media_group=None)
    index = form.index(draft.step) + 1
    step = form.fields[index].key if index < len(form.fields) else SUMMARY
    return replace(draft, step=step, media_group=None)


def back(form: Form, draft: Draft) -> Draft | None:
    """The question before this one; None on the first question."""
    if draft.returning:
        return replace(draft, step=SUMMARY, returning=False, media_group=None)
    if draft.step == SUMMARY:
        return replace(draft, step=form.fields[-1].key, media_group=None)
    index = form.index(draft.step)
    if index == 0:
        return None
    return replace(draft, step=form.fields[index - 1].key, media_group=None)


def revisit(form: Form, draft: Draft, index: int) -> Draft | None:
    """From the summary, answer field ``index`` again, then come back to the summary."""
    if draft.step != SUMMARY or not 0 <= index < len(form.fields):
        return None
    return replace(draft, step=form.fields[index].key, returning=True, media_group=None)


def missing(form: Form, answers: Answers) -> list[str]:
    """Keys of required fields without an answer; the first of ``needs_one_of`` when none
    of those has one."""
    absent = [f.key for f in form.fields if not f.optional and answers.get(f.key) in (None, [])]
    if form.needs_one_of and not any(answers.get(k) for k in form.needs_one_of):
        absent.append(form.needs_one_of[0])
    return absent


def can_go_back(form: Form, draft: Draft) -> bool:
    return draft.returning or draft.step == SUMMARY or form.index(draft.step) > 0
