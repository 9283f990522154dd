"""What a message says as the answer to one field — or why it is not an answer.

A sticker where a date was asked, a photo where prose was asked, 5,000 characters where a
title fits: each comes back as a :class:`Problem` naming a label under ``problem.`` so the
person hears what is wrong and gets the same question again.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath
from typing import Any

from telegram import Message

from bot.forms import periods, when
from bot.forms.catalogue import Field, Kind

SPREADSHEET_SUFFIXES = (".xlsx", ".xls", ".csv", ".et", ".ods")
# Telegram lets a bot download files up to 20 MB.
FILE_SIZE_LIMIT = 20 * 1024 * 1024
# What an appeal's proof may come as, besides photos.
EVIDENCE_SUFFIXES = (".pdf", ".doc", ".docx", ".xlsx", ".xls", ".jpg", ".jpeg", ".png", ".ofd")
# No promotion budget or store's monthly sales reaches ten billion yuan: a typo.
MONEY_LIMIT_FEN = 10**12
COUNT_LIMIT = 100_000
CAPTION_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Accepted:
    value: Any


@dataclass(frozen=True, slots=True)
class Problem:
    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Search:
    """Text typed where a customer is asked: look it up."""

    text: str


@dataclass(frozen=True, slots=True)
class Candidates:
    """A time that can be read more than one way: ask which."""

    whens: tuple[when.When, ...]


@dataclass(frozen=True, slots=True)
class PhotoAdded:
    photo: dict[str, str]
    media_group: str | None


Reading = Accepted | Problem | Search | Candidates | PhotoAdded


def what_was_sent(message: Message) -> str:
    """A word for what arrived instead of what was asked ("that was a sticker")."""
    if message.text is not None:
        return "text"
    for kind in ("sticker", "voice", "video_note", "video", "animation", "audio", "photo"):
        if getattr(message, kind):
            return kind
    if message.document is not None:
        return "document"
    if message.location is not None:
        return "location"
    if message.contact is not None:
        return "contact"
    return "other"


def _text(message: Message) -> str | None:
    return message.text.strip() if message.text is not None else None


async def read(spec: Field, message: Message, now: datetime) -> Reading:
    if spec.kind is Kind.PHOTOS:
        return _read_photo(message)
    if spec.kind is Kind.EVIDENCE:
        return _read_evidence(message)
    if spec.kind is Kind.LOCATION:
        if message.location is not None:
            loc = message.location
            return Accepted({"latitude": loc.latitude, "longitude": loc.longitude})
        return Problem("want_location")
    if spec.kind is Kind.FILE:
        return _read_file(message)
    text = _text(message)
    if text is None:
        return Problem("want_text", {"sent": what_was_sent(message)})
    if not text:
        return Problem("empty")
    if len(text) > spec.max_length:
        return Problem("too_long", {"limit": spec.max_length, "length": len(text)})
    return await _read_text(spec, text, now)


async def _read_text(spec: Field, text: str, now: datetime) -> Reading:
    match spec.kind:
        case Kind.TEXT:
            return Accepted(text)
        case Kind.CUSTOMER | Kind.CUSTOMERS | Kind.STAFF | Kind.STORE | Kind.SKUS:
            return Search(text)
        case Kind.WHEN:
            # dateparser's fallback can take a second on a cold or odd input: off the loop.
            answer = await asyncio.to_thread(when.parse_when, text, now)
            match answer:
                case when.Found(found):
                    return Accepted(found.to_json())
                case when.Ambiguous(candidates):
                    return Candidates(candidates)
                case when.InFuture():
                    return Problem("future")
                case when.TooVague():
                    return Problem("vague_time")
            return Problem("not_a_time")
        case Kind.DAY:
            day = await asyncio.to_thread(when.parse_day, text, now, spec.direction)
            if day is None:
                return Problem("not_a_day")
            if spec.direction == "past" and day > now.date():
                return Problem("future_day")
            if spec.direction == "future" and day < now.date():
                return Problem("past_day")
            return Accepted(day.isoformat())
        case Kind.PERIOD:
            period = await asyncio.to_thread(periods.parse_period, text, now)
            if period is None:
                return Problem("not_a_period")
            return Accepted({"first": period.first.isoformat(), "last": period.last.isoformat()})
        case Kind.MONEY:
            fen = parse_money(text)
            return Accepted(fen) if fen is not None else Problem("not_money")
        case Kind.COUNT:
            count = parse_count(text)
            return Accepted(count) if count is not None else Problem("not_count")
        case Kind.MONTH:
            month = parse_month(text, now.date())
            return Accepted(month) if month is not None else Problem("want_button")
    return Problem("want_button")


def _read_photo(message: Message) -> Reading:
    # A caption is kept with its photo (a shelf, a price tag: what it shows).
    caption = {"caption": message.caption.strip()[:CAPTION_LIMIT]} if message.caption else {}
    if message.photo:
        biggest = message.photo[-1]
        return PhotoAdded(
            {"file_id": biggest.file_id, "file_unique_id": biggest.file_unique_id, **caption},
            message.media_group_id,
        )
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        return PhotoAdded(
            {"file_id": document.file_id, "file_unique_id": document.file_unique_id, **caption},
            message.media_group_id,
        )
    return Problem("want_photo", {"sent": what_was_sent(message)})


def _read_evidence(message: Message) -> Reading:
    """A photo, or a document of the kinds people keep proof in."""
    document = message.document
    if document is None or (document.mime_type or "").startswith("image/"):
        reading = _read_photo(message)
        if isinstance(reading, Problem):
            return Problem("want_evidence", {"sent": what_was_sent(message)})
        return reading
    name = (document.file_name or "")[:CAPTION_LIMIT]
    if PurePosixPath(name.lower()).suffix not in EVIDENCE_SUFFIXES:
        return Problem("evidence_type", {"name": name, "allowed": " ".join(EVIDENCE_SUFFIXES)})
    if (document.file_size or 0) > FILE_SIZE_LIMIT:
        return Problem("file_too_big", {"limit_mb": FILE_SIZE_LIMIT // (1024 * 1024)})
    caption = {"caption": message.caption.strip()[:CAPTION_LIMIT]} if message.caption else {}
    found = {"file_id": document.file_id, "file_unique_id": document.file_unique_id}
    return PhotoAdded(
        {**found, "file_name": name or "document", **caption}, message.media_group_id
    )


def _read_file(message: Message) -> Reading:
    document = message.document
    if document is None:
        return Problem("want_file", {"sent": what_was_sent(message)})
    name = document.file_name or ""
    if PurePosixPath(name.lower()).suffix not in SPREADSHEET_SUFFIXES:
        return Problem("file_type", {"name": name, "allowed": " ".join(SPREADSHEET_SUFFIXES)})
    if (document.file_size or 0) > FILE_SIZE_LIMIT:
        return Problem("file_too_big", {"limit_mb": FILE_SIZE_LIMIT // (1024 * 1024)})
    return Accepted(
        {
            "file_id": document.file_id,
            "file_unique_id": document.file_unique_id,
            "file_name": name,
            "file_size": document.file_size or 0,
        }
    )


_MONEY = re.compile(
    r"^(?:¥|￥|rmb|cny)?\s*([\d,，]+(?:\.\d+)?)\s*(万|千|k|w)?\s*(?:元|块|rmb|cny|yuan)?$"
)
_MULTIPLIERS = {None: 1, "万": 10_000, "w": 10_000, "千": 1_000, "k": 1_000}


def parse_money(text: str) -> int | None:
    """ "5000", "5,000元", "¥3,000.50", "1.2万", "5千", "8k" → fen (1 yuan = 100 fen)."""
    m = _MONEY.match(text.strip().lower().replace(" ", ""))
    if m is None:
        return None
    try:
        yuan = Decimal(m[1].replace(",", "").replace("，", "")) * _MULTIPLIERS[m[2]]
    except InvalidOperation:
        return None
    fen = int((yuan * 100).to_integral_value())
    return fen if 0 <= fen < MONEY_LIMIT_FEN else None


_COUNT = re.compile(r"^(\d{1,6})\s*(?:家|个|间|店|stores?|shops?)?$")


def parse_count(text: str) -> int | None:
    m = _COUNT.match(text.strip().lower())
    if m is None:
        return None
    value = int(m[1])
    return value if value <= COUNT_LIMIT else None


_MONTH = re.compile(r"^(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*月?$")


def parse_month(text: str, today: date) -> str | None:
    """ "2026-10", "10月", "2026年10月" → "2026-10"; a month without a year is the latest one
    not after this month."""
    m = _MONTH.match(text.strip())
    if m is None or not 1 <= int(m[2]) <= 12:
        return None
    month = int(m[2])
    year = int(m[1]) if m[1] else today.year - (1 if month > today.month else 0)
    return f"{year:04d}-{month:02d}"


def recent_months(today: date, count: int = 2) -> list[str]:
    """The months a monthly submission is usually for: last month first."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        months.append(f"{year:04d}-{month:02d}")
    return months


_RECORD_ID = re.compile(r"[0-9]{1,12}")


def record_id(text: str | None) -> int | None:
    """A record's number as buttons and people write it: 1–12 ASCII digits. "²", "٣" and
    a number too large for the database are no record (str.isdigit takes the first two)."""
    return int(text) if text is not None and _RECORD_ID.fullmatch(text) else None
