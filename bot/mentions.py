"""Naming people in a group post: a mention notifies them, so at most a few (SPEC: group
posts mention at most ``group_mentions_max`` people); the rest are named plainly."""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup, escape

from bot.models import Staff


def mentions(people: Iterable[Staff | None], limit: int, separator: str = "、") -> Markup:
    shown: list[Markup] = []
    linked = 0
    for person in people:
        if person is None:
            continue
        if person.telegram_id is not None and linked < limit:
            shown.append(
                Markup('<a href="tg://user?id={}">{}</a>').format(person.telegram_id, person.name)
            )
            linked += 1
        else:
            shown.append(escape(person.name))
    return Markup(separator).join(shown)
