"""The notes step of a form with sections (a visit's content) and the photos of any form.

At the notes or the summary, a message is filed under the sections its lines name
(``bot.forms.sections``), a photo joins the photos, a location is the location; the notes'
buttons answer the sections one by one instead, or start from the previous report. A photo
(or an album, one answer) keeps its caption, and a caption that names a section files it.
"""

from __future__ import annotations

from dataclasses import replace

from telegram import Chat, Message

from bot.context import KabotContext
from bot.forms import engine, inputs, sections
from bot.forms.catalogue import PHOTO_LIMIT, Form
from bot.handlers import form_questions as questions
from bot.models import Draft


async def on_notes(
    chat: Chat, context: KabotContext, form: Form, draft: Draft, message: Message
) -> None:
    """At the notes or the summary of a form with sections: text is filed under its
    sections, photos join the photos, a location is the location — then the summary."""
    photos = form.field("photos")
    if message.location is not None:
        loc = message.location
        located = engine.with_answer(
            draft, "location", {"latitude": loc.latitude, "longitude": loc.longitude}
        )
        await questions.retire_prompt(chat, context, draft)
        await questions.ask(
            chat, context, form, located, echo=context.label("form.location_saved")
        )
        return
    if photos is not None and (message.photo or message.document is not None):
        reading = await inputs.read(photos, message, context.clock.now())
        if isinstance(reading, inputs.PhotoAdded):
            await add_photo(
                chat, context, form, draft, reading.photo, reading.media_group, key=photos.key
            )
            return
    text = (message.text or "").strip()
    if message.text is None or not text:
        problem = inputs.Problem(
            "want_notes" if message.text is None else "empty",
            {"sent": inputs.what_was_sent(message)},
        )
        await questions.retire_prompt(chat, context, draft)
        await questions.ask(chat, context, form, draft, problem=problem)
        return
    filed = sections.of(context.texts, form).file(text)
    copied = list(draft.answers.get(engine.COPIED) or [])
    updated = draft
    for key, value in sections.merge(draft.answers, filed.sections, copied).items():
        spec = form.field(key)
        assert spec is not None
        if len(value) > spec.max_length:
            problem = inputs.Problem(
                "section_too_long",
                {
                    "field": context.label(f"form.{form.name}.{key}.short"),
                    "limit": spec.max_length,
                    "length": len(value),
                },
            )
            await questions.retire_prompt(chat, context, draft)
            await questions.ask(chat, context, form, draft, problem=problem)
            return
        updated = engine.with_answer(updated, key, value)
    names = [context.label(f"form.{form.name}.{k}.short") for k in filed.sections]
    echo = context.label(
        "form.filed",
        sections=("、" if context.lang == "zh" else ", ").join(names),
        unmarked=context.label(f"form.{form.name}.{form.unmarked}.short")
        if filed.unmarked
        else "",
    )
    await questions.retire_prompt(chat, context, draft)
    await questions.ask(chat, context, form, engine.at(updated, engine.SUMMARY), echo=echo)


async def add_photo(
    chat: Chat,
    context: KabotContext,
    form: Form,
    draft: Draft,
    photo: dict[str, str],
    media_group: str | None,
    *,
    key: str | None = None,
) -> None:
    """One more photo for field ``key`` (the question's); an album is one answer. A caption
    is kept with its photo; one that starts with a section's name assigns it there."""
    key = key or draft.step
    photos = list(draft.answers.get(key) or [])
    if len(photos) >= PHOTO_LIMIT:
        if media_group is None or media_group != draft.media_group:
            await questions.retire_prompt(chat, context, draft)
            problem = inputs.Problem("too_many_photos", {"limit": PHOTO_LIMIT})
            await questions.ask(chat, context, form, draft, problem=problem)
        return
    caption = photo.get("caption")
    if caption and form.sections:
        marked = sections.of(context.texts, form).mark(caption)
        if marked is not None:
            photo = {**photo, "section": marked[0], "caption": marked[1]}
            if not marked[1]:
                del photo["caption"]
    photos.append(photo)
    updated = replace(engine.with_answer(draft, key, photos), media_group=media_group)
    if media_group is not None and media_group == draft.media_group:
        # The rest of an album: one answer for the whole album, its count kept up to date.
        await questions.refresh(chat, context, form, updated)
        return
    await questions.retire_prompt(chat, context, draft)
    echo = context.label("form.photos_added") if key != draft.step else None
    await questions.ask(chat, context, form, updated, echo=echo)


async def act(
    chat: Chat, context: KabotContext, form: Form, draft: Draft, action: str
) -> str | None:
    if action == "steps":
        first = engine.at(engine.one_by_one(draft), form.sections[0])
        await questions.move(chat, context, form, draft, first)
        return ""
    if action == "same":
        last = await questions.previous_visit(context, draft)
        if last is None or not await questions.visible_customer(
            context, int(last.answers["customer"])
        ):
            return None
        taken = {k: last.answers[k] for k in form.sections if last.answers.get(k)}
        copied = replace(draft, answers={**draft.answers, **taken, engine.COPIED: list(taken)})
        day = f"{questions.visit_day(last):%m-%d}"
        echo = context.label("form.echo_same", day=day, number=last.number)
        await questions.move(
            chat, context, form, draft, engine.at(copied, engine.SUMMARY), echo=echo
        )
        return ""
    return None
