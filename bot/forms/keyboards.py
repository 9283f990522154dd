"""The buttons under each question and under the summary, and their callback data.

Every button of a draft carries ``f:<draft id>:<seq>:<action>``; ``seq`` changes with every
question asked, so a button from an older message is recognised and refused. Ids only, never
names: callback data has 64 bytes.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.forms.catalogue import PHOTO_KINDS, Field, Form, Kind
from bot.forms.engine import can_go_back, may_finish, may_skip
from bot.forms.when import When
from bot.models import BusinessUnit, Customer, Draft, Report, Staff
from bot.texts import Texts

_DATA = re.compile(r"^f:(\d{1,12}):(\d{1,9}):([a-z]{1,6})(?::([\w-]{1,24}))?$")


@dataclass(frozen=True, slots=True)
class Press:
    draft_id: int
    seq: int
    action: str
    arg: str | None


def parse(data: str) -> Press | None:
    m = _DATA.match(data)
    if m is None:
        return None
    return Press(int(m[1]), int(m[2]), m[3], m[4])


def data(draft: Draft, action: str, arg: object = None) -> str:
    text = f"f:{draft.id}:{draft.seq}:{action}"
    return text if arg is None else f"{text}:{arg}"


class Buttons:
    """Builds the keyboards of one draft in the person's language."""

    def __init__(self, texts: Texts, lang: str, form: Form, draft: Draft) -> None:
        self.texts, self.lang, self.form, self.draft = texts, lang, form, draft

    def _button(self, label: str, action: str, arg: object = None) -> InlineKeyboardButton:
        # A button shows plain text: a label's escaped parameters read as typed.
        return InlineKeyboardButton(
            html.unescape(label), callback_data=data(self.draft, action, arg)
        )

    def label(self, key: str, **params: object) -> str:
        return self.texts.label(self.lang, key, **params)

    def navigation(self, spec: Field | None) -> list[list[InlineKeyboardButton]]:
        row = []
        if can_go_back(self.form, self.draft):
            row.append(self._button(self.label("form.button.back"), "back"))
        if spec is not None and may_skip(self.form, self.draft, spec):
            row.append(self._button(self.label("form.button.skip"), "skip"))
        row.append(self._button(self.label("form.button.cancel"), "cancel"))
        if spec is not None and may_finish(self.form, self.draft):
            # Nothing required is missing: the rest of the form may wait for the summary.
            return [[self._button(self.label("form.button.rest"), "rest")], row]
        return [row]

    def notes(self, last_visit: date | None) -> InlineKeyboardMarkup:
        """Under the one question for all the sections: answer them one by one instead, or
        start from the previous report's."""
        rows = [[self._button(self.label("form.button.one_by_one"), "steps")]]
        if last_visit is not None:
            rows.append(
                [self._button(self.label("form.button.same", day=f"{last_visit:%m-%d}"), "same")]
            )
        return InlineKeyboardMarkup(rows + self.navigation(None))

    def question(
        self,
        spec: Field,
        *,
        customers: list[Customer] | None = None,
        whens: list[When] | None = None,
        promotions: list[Report] | None = None,
        months: list[str] | None = None,
        units: list[BusinessUnit] | None = None,
        people: list[Staff] | None = None,
        records: list[tuple[int, str]] | None = None,
    ) -> InlineKeyboardMarkup:
        rows: list[list[InlineKeyboardButton]] = []
        answer = self.draft.answers.get(spec.key)
        if spec.kind is Kind.CHOICE:
            labels = [
                self.label(f"choice.{self.form.name}.{spec.key}.{value}") for value in spec.choices
            ]
            buttons = [self._button(text, "pick", i) for i, text in enumerate(labels)]
            rows += [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
        elif spec.kind is Kind.CUSTOMER:
            rows += [[self._button(_customer(c), "pick", c.id)] for c in customers or []]
        elif spec.kind is Kind.CUSTOMERS:
            chosen = set(answer or [])
            for c in customers or []:
                mark = "✅ " if c.id in chosen else ""
                rows.append([self._button(mark + _customer(c), "add", c.id)])
            if chosen:
                rows.append([self._button(self.label("form.button.done"), "done")])
        elif spec.kind is Kind.WHEN:
            for i, candidate in enumerate(whens or []):
                rows.append([self._button(f"{candidate.at:%m-%d %H:%M}", "when", i)])
            if not whens:
                rows.append([self._button(self.label("form.button.now"), "now")])
        elif spec.kind in PHOTO_KINDS and answer:
            rows.append(
                [self._button(self.label("form.button.photos_done", count=len(answer)), "done")]
            )
        elif spec.kind is Kind.MONTH:
            rows.append([self._button(m, "month", m) for m in months or []])
        elif spec.kind is Kind.STAFF:
            rows += [[self._button(f"{p.name} · {p.code}", "pick", p.id)] for p in people or []]
        elif spec.kind is Kind.UNIT:
            buttons = [self._button(u.name, "pick", u.id) for u in units or []]
            rows += [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        elif spec.kind is Kind.PROMOTION:
            rows += [
                [self._button(f"{p.number} {p.answers['title']}"[:60], "pick", p.id)]
                for p in promotions or []
            ]
        elif spec.kind in (Kind.RECORD, Kind.STORE):
            rows += [[self._button(text[:60], "pick", number)] for number, text in records or []]
        elif spec.kind is Kind.SKUS:
            chosen = set(answer or [])
            buttons = [
                self._button(("✅ " if number in chosen else "") + text[:28], "add", number)
                for number, text in records or []
            ]
            rows += [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
            if chosen:
                rows.append(
                    [
                        self._button(
                            self.label("form.button.missing_done", count=len(chosen)), "done"
                        )
                    ]
                )
        elif spec.kind is Kind.DAY and spec.direction == "past":
            rows.append([self._button(self.label("form.button.today"), "today")])
        rows += self.navigation(spec)
        return InlineKeyboardMarkup(rows)

    def summary(self) -> InlineKeyboardMarkup:
        edits = [
            self._button(
                self.label(
                    "form.button.edit", field=self.label(f"form.{self.form.name}.{f.key}.short")
                ),
                "edit",
                i,
            )
            for i, f in enumerate(self.form.fields)
        ]
        rows = [edits[i : i + 3] for i in range(0, len(edits), 3)]
        rows.append(
            [
                self._button(self.label("form.button.submit"), "submit"),
                self._button(self.label("form.button.cancel"), "cancel"),
            ]
        )
        return InlineKeyboardMarkup(rows)

    def unfinished(self, new_form: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(
            [
                [self._button(self.label("form.button.resume"), "resume")],
                [self._button(self.label("form.button.start_over"), "new", new_form)],
            ]
        )

    def location(self) -> ReplyKeyboardMarkup:
        """Telegram's own "send my location" button; the other two are typed answers."""
        return ReplyKeyboardMarkup(
            [
                [KeyboardButton(self.label("form.button.send_location"), request_location=True)],
                [
                    KeyboardButton(self.label("form.button.skip")),
                    KeyboardButton(self.label("form.button.back")),
                ],
            ],
            resize_keyboard=True,
            one_time_keyboard=True,
        )


def _customer(customer: Customer) -> str:
    return f"{customer.grade} · {customer.name}"[:60]
