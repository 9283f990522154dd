"""Walking a form: which question comes next, what going back means, what is still missing.

Pure functions over a :class:`~bot.models.Draft`; the handlers persist every step.

A form with ``sections`` asks them in one step, :data:`NOTES`: one message (or a few) fills
them and goes to the summary, where more text, photos and the location may still be sent.
The person may instead answer them one by one (:data:`STEPS`), then the rest of the form.
Fields with a default (a visit is routine) are answered before the walk starts.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.forms.catalogue import Field, Form
from bot.models import Answers, Draft

SUMMARY = "summary"
NOTES = "notes"
# Answers kept in a draft that are not a field's: the candidates of an ambiguous time …
PENDING = "_pending"
# … that the sections are being answered one by one …
STEPS = "_steps"
# … and which sections were taken over from the previous report ("same as last time").
COPIED = "_copied"


def defaults(form: Form) -> Answers:
    return {f.key: f.default for f in form.fields if f.default is not None}


def _asked(form: Form, steps: bool, index: int) -> bool:
    """Whether field ``index`` is a question of the walk (``steps``: one by one)."""
    if form.fields[index].default is not None:
        return False
    return not form.sections or steps or index < _first(form)


def _step_after(form: Form, steps: bool, index: int) -> str:
    """The step after field ``index`` (-1: the first step)."""
    for i in range(index + 1, len(form.fields)):
        if form.sections and i == _first(form) and not steps:
            return NOTES
        if _asked(form, steps, i):
            return form.fields[i].key
    return SUMMARY


def _step_before(form: Form, steps: bool, index: int) -> str | None:
    """The step before field ``index`` (len(fields): the last one); None before the first."""
    if form.sections and steps and index == _first(form):
        return NOTES  # answering one by one: before the first section are the notes
    for i in range(index - 1, -1, -1):
        if _asked(form, steps, i):
            return form.fields[i].key
        if form.sections and not steps and i == _first(form):
            return NOTES  # the sections, photos and location are sent at the notes
    return None


def _first(form: Form) -> int:
    return form.index(form.sections[0])


def _steps(draft: Draft) -> bool:
    return bool(draft.answers.get(STEPS))


def first_step(form: Form, given: tuple[str, ...] = ()) -> str:
    """The first question, past the fields ``given`` by where the form was started from."""
    step = _step_after(form, False, -1)
    while step in given:
        step = _step_after(form, False, form.index(step))
    return step


def answered(draft: Draft) -> Answers:
    """The draft's answers without kabot's own bookkeeping."""
    return {k: v for k, v in draft.answers.items() if not k.startswith("_")}


def with_answer(draft: Draft, key: str, value: Any) -> Draft:
    answers = {k: v for k, v in draft.answers.items() if k != PENDING}
    if value is None:
        answers.pop(key, None)
    else:
        answers[key] = value
    if key in (answers.get(COPIED) or []):
        answers[COPIED] = [k for k in answers[COPIED] if k != key]
    return replace(draft, answers=answers)


def with_pending(draft: Draft, value: Any) -> Draft:
    return replace(draft, answers={**draft.answers, PENDING: value})


def one_by_one(draft: Draft) -> Draft:
    """From the notes: answer the sections one by one, then the rest of the form."""
    return replace(draft, answers={**draft.answers, STEPS: True})


def at(draft: Draft, step: str) -> Draft:
    return replace(draft, step=step, returning=False, media_group=None)


def advance(form: Form, draft: Draft) -> Draft:
    """After an answer: the next step, or the summary (at once, if it came from there)."""
    if draft.returning or draft.step in (SUMMARY, NOTES):
        return at(draft, SUMMARY)
    return at(draft, _step_after(form, _steps(draft), form.index(draft.step)))


def back(form: Form, draft: Draft) -> Draft | None:
    """The question before this one; None on the first question."""
    if draft.returning:
        return at(draft, SUMMARY)
    if draft.step == SUMMARY:
        previous = _step_before(form, _steps(draft), len(form.fields))
        return at(draft, previous) if previous else None
    if draft.step == NOTES:
        previous = _step_before(form, False, _first(form))
    else:
        previous = _step_before(form, _steps(draft), form.index(draft.step))
    return at(draft, previous) if previous else None


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


def may_skip(form: Form, draft: Draft, spec: Field) -> bool:
    """An optional field may be skipped — except the last of ``needs_one_of`` while none
    of them is answered: the report would be empty, and this is the question to say so."""
    if not spec.optional:
        return False
    if spec.key not in form.needs_one_of or any(
        draft.answers.get(k) for k in form.needs_one_of if k != spec.key
    ):
        return True
    later = form.needs_one_of[form.needs_one_of.index(spec.key) + 1 :]
    return bool(later) and not (draft.returning or draft.step == SUMMARY)


def may_finish(form: Form, draft: Draft) -> bool:
    """Whether "skip the rest" may go to the summary: nothing required is missing."""
    return draft.step != SUMMARY and not draft.returning and not missing(form, answered(draft))


def can_go_back(form: Form, draft: Draft) -> bool:
    return back(form, draft) is not None
