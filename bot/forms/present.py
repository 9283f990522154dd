"""Answers as people read them: a customer's name for its id, ¥5,000 for 500000 fen.

Used by the summary before saving, by report cards and by the group posts, so a report reads
the same everywhere. Every word comes from the labels of the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.forms.catalogue import Field, Form, Kind
from bot.forms.when import Precision, When
from bot.models import Answers, Report
from bot.store import Store
from bot.texts import Texts


@dataclass(frozen=True, slots=True)
class Line:
    key: str
    label: str
    value: str  # "" when skipped
    prose: bool  # long free text: shown on its own lines


def money(texts: Texts, lang: str, fen: int) -> str:
    yuan, cents = divmod(fen, 100)
    amount = f"{yuan:,}" if cents == 0 else f"{yuan:,}.{cents:02d}"
    return texts.label(lang, "value.money", amount=amount)


def moment(texts: Texts, lang: str, answer: When) -> str:
    weekday = texts.label(lang, f"weekday.{answer.at.weekday()}")
    day = f"{answer.at:%Y-%m-%d} {weekday}"
    if answer.precision is Precision.MINUTE:
        return f"{day} {answer.at:%H:%M}"
    if answer.precision is Precision.PART and answer.part is not None:
        return f"{day} {texts.label(lang, f'part.{answer.part.value}')}"
    return day


def shorten(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


async def value_text(
    store: Store, texts: Texts, lang: str, spec: Field, value: Any, form: Form
) -> str:
    if spec.kind is Kind.SKUS and not value:
        return texts.label(lang, "value.none_missing")
    if value is None or value == []:
        return ""
    match spec.kind:
        case Kind.CUSTOMER:
            customer = await store.customers.by_id(int(value))
            return customer.name if customer else "?"
        case Kind.CUSTOMERS:
            names = []
            for customer_id in value:
                customer = await store.customers.by_id(int(customer_id))
                names.append(customer.name if customer else "?")
            return "、".join(names) if lang == "zh" else ", ".join(names)
        case Kind.WHEN:
            return moment(texts, lang, When.from_json(value))
        case Kind.CHOICE:
            return texts.label(lang, f"choice.{form.name}.{spec.key}.{value}")
        case Kind.PHOTOS | Kind.EVIDENCE:
            return texts.label(lang, "value.photos", count=len(value))
        case Kind.LOCATION:
            return texts.label(
                lang,
                "value.location",
                lat=f"{value['latitude']:.5f}",
                lon=f"{value['longitude']:.5f}",
            )
        case Kind.MONEY:
            return money(texts, lang, int(value))
        case Kind.PERIOD:
            first, last = date.fromisoformat(value["first"]), date.fromisoformat(value["last"])
            days = (last - first).days + 1
            return texts.label(lang, "value.period", first=first, last=last, days=days)
        case Kind.FILE:
            return texts.label(lang, "value.file", name=value["file_name"])
        case Kind.STAFF:
            person = await store.staff.by_id(int(value))
            return f"{person.name}（{person.code}）" if person else "?"
        case Kind.UNIT:
            unit = await store.units.by_id(int(value))
            return unit.name if unit else "?"
        case Kind.PROMOTION:
            promotion = await store.reports.by_id("promotion", int(value))
            return f"{promotion.number} {promotion.answers['title']}" if promotion else "?"
        case Kind.DAY:
            day = date.fromisoformat(value)
            return f"{day:%Y-%m-%d} {texts.label(lang, f'weekday.{day.weekday()}')}"
        case Kind.RECORD:
            return await _record_text(store, spec.source, int(value))
        case Kind.STORE:
            shop = await store.inspections.store(int(value))
            return f"{shop.label}（{shop.code}）" if shop else "?"
        case Kind.SKUS:
            skus = {s.id: s for s in await store.inspections.skus([int(v) for v in value])}
            names = [f"{skus[int(v)].code} {skus[int(v)].name}" for v in value if int(v) in skus]
            return ("、" if lang == "zh" else ", ").join(names)
    return str(value)


async def _record_text(store: Store, source: str, number: int) -> str:
    if source in ("to_negotiate", "to_confirm"):
        promotion = await store.reports.by_id("promotion", number)
        return f"{promotion.number} {promotion.answers['title']}" if promotion else "?"
    if source in ("undistributed", "distributed"):
        contract = await store.contracts.by_id(number)
        return f"{contract.customer_name} · {contract.title}" if contract else "?"
    if source in ("unsigned", "uncopied"):
        local = await store.contracts.local_by_id(number)
        return f"{local.contract_title} · {local.title}" if local else "?"
    launch = await store.contracts.launch_by_id(number)
    return f"{launch.product} · {launch.launch_on}" if launch else "?"


async def lines(
    store: Store,
    texts: Texts,
    lang: str,
    form: Form,
    answers: Answers,
    *,
    limit: int | None = None,
) -> list[Line]:
    """One line per field, in the form's order; prose cut to ``limit`` characters."""
    found = []
    for spec in form.fields:
        text = await value_text(store, texts, lang, spec, answers.get(spec.key), form)
        found.append(
            Line(
                key=spec.key,
                label=texts.label(lang, f"form.{form.name}.{spec.key}.label"),
                value=shorten(text, limit) if spec.kind is Kind.TEXT else text,
                prose=spec.kind is Kind.TEXT and spec.max_length > 200,
            )
        )
    return found


# Per-field limits tried in turn until a card fits in one Telegram message.
_LIMITS = (None, 1200, 600, 300, 120)
MESSAGE_LIMIT = 4096


async def fitting(
    store: Store,
    texts: Texts,
    lang: str,
    form: Form,
    answers: Answers,
    template: str,
    **params: Any,
) -> str:
    """Render ``template`` with the answers' lines, shortening prose until it fits.

    The template gets ``lines`` and ``form_name`` besides ``params``."""
    text = ""
    for limit in _LIMITS:
        found = await lines(store, texts, lang, form, answers, limit=limit)
        text = texts.render(lang, template, lines=found, form_name=form.name, **params)
        if len(text) <= MESSAGE_LIMIT:
            break
    # Twelve fields of 120 characters always fit; the last rendering is the shortest.
    return text


async def headline(store: Store, texts: Texts, lang: str, report: Report) -> str:
    """One line naming a report in a list: whom or what it is about, and when."""
    answers = report.answers
    if report.kind in ("visit", "issue"):
        customer = await store.customers.by_id(int(answers["customer"]))
        name = customer.name if customer else "?"
        if report.kind == "visit":
            return f"{name} · {moment(texts, lang, When.from_json(answers['visited_at']))}"
        category = texts.label(lang, f"choice.issue.category.{answers['category']}")
        return f"{name} · {category}"
    if report.kind == "promotion":
        return f"{answers['title']} · {answers['period']['first']}–{answers['period']['last']}"
    return report.number


def age(texts: Texts, lang: str, since: datetime, now: datetime) -> str:
    """How long something has waited: 3 h, 2 d."""
    hours = max(int((now - since).total_seconds() // 3600), 0)
    if hours == 0:  # not "0 hours ago"
        return texts.label(lang, "value.age_new")
    if hours < 24:
        return texts.label(lang, "value.age_hours", hours=hours)
    return texts.label(lang, "value.age_days", days=hours // 24)
